/* Unit tests for spimgmap.c on sparse images built here by hand: bands
 * stored in reverse order over the header node and an index node, bands
 * never written, a last band cut by the disk's end; every byte read back
 * through the map; damage (a band past the disk or given twice, an index
 * node past the file or linking back, a short file, a cut band) refused or
 * named. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qcowmap.h"
#include "reader.h"
#include "spimgmap.h"
#include "maptest.h"
#include "testlib.h"

#define SPB 2u                      /* sectors per band */
#define BAND (SPB * 512u)
#define SECTORS 2401u               /* the last band is half a band */
#define NBANDS ((SECTORS + SPB - 1) / SPB)
#define NODE 4096u

static uint8_t disk[SECTORS * 512];
static uint8_t *img;
static size_t img_len, index_at;

static int stored(unsigned k)
{
    return k % 50 != 0;             /* every 50th band never written */
}

/* The header lists the first 1,008 bands written (from the disk's end
 * backwards), the index node the rest. */
static void build(void)
{
    unsigned k, slot = 0;
    size_t at = NODE, node = 0, cap = NODE * 2 + (size_t)NBANDS * BAND;

    for (k = 0; k < sizeof disk; k++)
        disk[k] = (uint8_t)(k * 31 + (k >> 9) * 7 + 1);
    for (k = 0; k < NBANDS; k++)
        if (!stored(k))
            memset(disk + (size_t)k * BAND, 0, k == NBANDS - 1 ? sizeof disk - (size_t)k * BAND : BAND);
    free(img);
    img = calloc(1, cap);
    memcpy(img, "sprs", 4);
    t_put_be32(img + 4, 3);
    t_put_be32(img + 8, SPB);
    t_put_be32(img + 12, 1);
    t_put_be32(img + 16, SECTORS);
    t_put_be64(img + 28, SECTORS);
    for (k = NBANDS; k-- > 0;) {
        size_t take;
        if (!stored(k))
            continue;
        if (slot == 1008 && node == 0) {
            node = index_at = at;
            t_put_be64(img + 20, node);
            memcpy(img + node, "sprs", 4);
            t_put_be32(img + node + 8, 1);
            at += NODE;
            slot = 0;
        }
        t_put_be32(img + (node ? node + 56 : 64) + 4 * slot++, k + 1);
        take = k == NBANDS - 1 ? sizeof disk - (size_t)k * BAND : BAND;
        memcpy(img + at, disk + (size_t)k * BAND, take);
        at += BAND;
    }
    img_len = at;
}

static int state(const void *m, uint64_t off, uint64_t *run, uint64_t *host, pt_err_t *e)
{
    return pt_spimgmap_state(m, off, run, host, e);
}

static int read_disk(const pt_spimgmap_t *s, uint64_t off, uint8_t *buf, size_t len, pt_err_t *e)
{
    return t_read_mapped(state, s, img, off, buf, len, e);
}

static void reads(void)
{
    pt_mem_t m;
    pt_spimgmap_t *s = NULL;
    pt_err_t e = { 0, "" };
    char desc[400];
    static uint8_t buf[sizeof disk];
    size_t off, len;

    build();
    m = (pt_mem_t){ img, img_len };
    T_CHECK(pt_spimgmap_is_sparseimage(img, img_len));
    T_CHECK(pt_spimgmap_open(pt_read_mem, &m, img_len, &s, desc, sizeof desc, &e) == PT_OK);
    if (!s)
        return;
    T_CHECK(pt_spimgmap_disk_size(s) == sizeof disk);
    T_CHECK(strstr(desc, "Apple sparse image (version 3), 1229312 bytes disk in bands of 1024 bytes, 1176 of 1201 "
                         "bands stored, 1 index node after the header") != NULL);
    T_CHECK(strstr(desc, "listed by no node") == NULL);
    T_CHECK(read_disk(s, 0, buf, sizeof disk, &e) == 0 && memcmp(buf, disk, sizeof disk) == 0);
    for (off = 3; off < sizeof disk; off += 40009)
        for (len = 1; off + len <= sizeof disk; len += 77777) {
            memset(buf, 0x55, len);
            T_CHECK(read_disk(s, off, buf, len, &e) == 0 && memcmp(buf, disk + off, len) == 0);
        }
    pt_spimgmap_free(s);

    /* the 32-bit sector count alone, as older images carry it */
    t_put_be64(img + 28, 0);
    T_CHECK(pt_spimgmap_open(pt_read_mem, &m, img_len, &s, NULL, 0, &e) == PT_OK && s &&
            pt_spimgmap_disk_size(s) == sizeof disk);
    pt_spimgmap_free(s);
}

static void refuse(size_t n, const char *why)
{
    pt_mem_t m = { img, n };
    pt_spimgmap_t *s = NULL;
    pt_err_t e = { 0, "" };

    T_CHECK(pt_spimgmap_open(pt_read_mem, &m, n, &s, NULL, 0, &e) != PT_OK && s == NULL);
    T_HAS(e.msg, why);
}

static void damage(void)
{
    pt_mem_t m;
    pt_spimgmap_t *s = NULL;
    pt_err_t e = { 0, "" };
    char desc[400];
    uint8_t buf[BAND];

    build();
    refuse(index_at + 100, "index node 1 at byte");
    refuse(4000, "shorter than its 4096-byte header");
    t_put_be32(img + 64, NBANDS + 1);
    refuse(img_len, "lists band 1202 of a disk of 1201 bands");
    build();
    memcpy(img + 68, img + 64, 4);                /* the first slot's band again */
    refuse(img_len, "band 1200 is stored twice");
    build();
    t_put_be64(img + index_at + 12, index_at);    /* the index node links itself */
    refuse(img_len, "(a loop?)");
    build();
    memcpy(img + index_at, "xxxx", 4);
    refuse(img_len, "no index node at byte");
    build();
    t_put_be32(img + 8, 0);
    refuse(img_len, "not an Apple sparse image");

    /* the index node unlinked: its bands read as zeros, and the note says
     * that bytes after the listed bands are not read */
    build();
    t_put_be64(img + 20, 0);
    m = (pt_mem_t){ img, img_len };
    T_CHECK(pt_spimgmap_open(pt_read_mem, &m, img_len, &s, desc, sizeof desc, &e) == PT_OK);
    T_CHECK(strstr(desc, "listed by no node (a lost index node?)") != NULL);
    pt_spimgmap_free(s);

    /* a cut file: the bands past its end are errors when read, naming them */
    build();
    m = (pt_mem_t){ img, img_len - 3 * BAND };
    T_CHECK(pt_spimgmap_open(pt_read_mem, &m, img_len - 3 * BAND, &s, NULL, 0, &e) == PT_OK);
    if (s) {
        /* the last band written is band 2 (disk bytes 1024-2047), stored last */
        T_CHECK(read_disk(s, 1024, buf, 16, &e) == -1 && strstr(e.msg, "band 2 (disk bytes 1024-2047) lies past") &&
                strstr(e.msg, "truncated"));
        T_CHECK(read_disk(s, 600 * BAND, buf, 16, &e) == 0);
        pt_spimgmap_free(s);
    }
}

int main(void)
{
    T_RUN(reads);
    T_RUN(damage);
    free(img);
    return t_done();
}
