/* Unit tests for phdmap.c on Parallels images built here by hand, in the
 * old format qemu-img no longer writes ("WithoutFreeSpace": BAT entries
 * in sectors, the data area after the BAT when data_off is 0) and the
 * extended one (entries in clusters): clusters out of order, clusters
 * never written, a last cluster cut by the disk's end; every byte read
 * back through the map; the empty-image flag, the in-use mark; damage
 * refused or named. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "phdmap.h"
#include "qcowmap.h"
#include "reader.h"
#include "maptest.h"
#include "testlib.h"

#define TRACKS 3u                   /* 1,536-byte clusters: not a power of two */
#define CL (TRACKS * 512u)
#define SECTORS 100u                /* 34 clusters, the last of one sector */
#define NCL ((SECTORS + TRACKS - 1) / TRACKS)

static uint8_t disk[SECTORS * 512];
static uint8_t img[512 + NCL * CL + CL];
static size_t img_len;

/* Clusters stored from the disk's end backwards; every fifth never
 * written.  ext: entries in clusters, data area at cluster 1. */
static void build(int ext)
{
    unsigned k;
    size_t at;

    for (k = 0; k < sizeof disk; k++)
        disk[k] = (uint8_t)(k * 29 + (k >> 8) + 3);
    for (k = 0; k < NCL; k += 5)
        memset(disk + (size_t)k * CL, 0, k == NCL - 1 ? sizeof disk - (size_t)k * CL : CL);
    memset(img, 0, sizeof img);
    memcpy(img, ext ? "WithouFreSpacExt" : "WithoutFreeSpace", 16);
    t_put_le32(img + 16, 2);
    t_put_le32(img + 28, TRACKS);
    t_put_le32(img + 32, NCL);
    t_put_le64(img + 36, SECTORS);
    t_put_le32(img + 44, 0x312e3276u);
    t_put_le32(img + 48, ext ? TRACKS : 0);
    at = ext ? CL : 512; /* the BAT (64 + 4 * 34 bytes) ends within the first sector */
    for (k = NCL; k-- > 0;) {
        if (k % 5 == 0)
            continue;
        t_put_le32(img + 64 + 4 * k, (unsigned long)(ext ? at / CL : at / 512));
        memcpy(img + at, disk + (size_t)k * CL, k == NCL - 1 ? sizeof disk - (size_t)k * CL : CL);
        at += CL;
    }
    img_len = at;
}

static int state(const void *m, uint64_t off, uint64_t *run, uint64_t *host, pt_err_t *e)
{
    return pt_phdmap_state(m, off, run, host, e);
}

static int read_disk(const pt_phdmap_t *p, uint64_t off, uint8_t *buf, size_t len, pt_err_t *e)
{
    return t_read_mapped(state, p, img, off, buf, len, e);
}

static void reads(void)
{
    int ext;

    for (ext = 0; ext < 2; ext++) {
        pt_mem_t m;
        pt_phdmap_t *p = NULL;
        pt_err_t e = { 0, "" };
        char desc[400];
        static uint8_t buf[sizeof disk];
        size_t off, len;

        build(ext);
        m = (pt_mem_t){ img, img_len };
        T_CHECK(pt_phdmap_is_parallels(img, img_len));
        T_CHECK(pt_phdmap_open(pt_read_mem, &m, img_len, &p, desc, sizeof desc, &e) == PT_OK);
        if (!p)
            continue;
        T_CHECK(pt_phdmap_disk_size(p) == sizeof disk);
        T_CHECK(strstr(desc, ext ? "(WithouFreSpacExt, version 2), 51200 bytes disk in clusters of 1536 bytes, 27 of 34"
                                 : "(WithoutFreeSpace, version 2), 51200 bytes disk in clusters of 1536 bytes, 27 of 34")
                != NULL);
        T_CHECK(strstr(desc, "in use") == NULL);
        T_CHECK(read_disk(p, 0, buf, sizeof disk, &e) == 0 && memcmp(buf, disk, sizeof disk) == 0);
        for (off = 1; off < sizeof disk; off += 3001)
            for (len = 1; off + len <= sizeof disk; len += 7777) {
                memset(buf, 0x55, len);
                T_CHECK(read_disk(p, off, buf, len, &e) == 0 && memcmp(buf, disk + off, len) == 0);
            }
        pt_phdmap_free(p);
    }
}

static void marks(void)
{
    pt_mem_t m;
    pt_phdmap_t *p = NULL;
    pt_err_t e = { 0, "" };
    char desc[400];
    uint8_t buf[CL];
    size_t i;

    build(1);
    m = (pt_mem_t){ img, img_len };
    t_put_le32(img + 44, 0x746f6e59u);
    T_CHECK(pt_phdmap_open(pt_read_mem, &m, img_len, &p, desc, sizeof desc, &e) == PT_OK);
    T_CHECK(strstr(desc, "marked in use: it was open for writing when copied") != NULL);
    pt_phdmap_free(p);
    memcpy(img + 44, "pd17", 4); /* Parallels Desktop's version there: nothing to say */
    T_CHECK(pt_phdmap_open(pt_read_mem, &m, img_len, &p, desc, sizeof desc, &e) == PT_OK);
    T_CHECK(strstr(desc, "in use") == NULL);
    pt_phdmap_free(p);
    t_put_le32(img + 44, 0);
    t_put_le32(img + 52, 1); /* an empty image: all zeros, whatever the BAT says */
    T_CHECK(pt_phdmap_open(pt_read_mem, &m, img_len, &p, desc, sizeof desc, &e) == PT_OK);
    T_CHECK(strstr(desc, "marked empty") != NULL);
    memset(buf, 1, sizeof buf);
    T_CHECK(p && read_disk(p, CL, buf, sizeof buf, &e) == 0);
    for (i = 0; i < sizeof buf && buf[i] == 0; i++)
        ;
    T_CHECK(i == sizeof buf);
    pt_phdmap_free(p);
}

static void refuse(size_t n, const char *why)
{
    pt_mem_t m = { img, n };
    pt_phdmap_t *p = NULL;
    pt_err_t e = { 0, "" };

    T_CHECK(pt_phdmap_open(pt_read_mem, &m, n, &p, NULL, 0, &e) != PT_OK && p == NULL);
    T_HAS(e.msg, why);
}

static void damage(void)
{
    pt_mem_t m;
    pt_phdmap_t *p = NULL;
    pt_err_t e = { 0, "" };
    uint8_t buf[16];

    build(1);
    refuse(40, "shorter than its header");
    refuse(100, "header damaged: 34 clusters of 3 sectors");   /* the BAT is cut */
    t_put_le32(img + 32, 10);
    refuse(img_len, "header damaged: 10 clusters");            /* fewer clusters than the disk needs */
    build(1);
    t_put_le32(img + 28, 0);
    refuse(img_len, "header damaged");
    build(1);
    t_put_le32(img + 16, 3);
    refuse(img_len, "not a Parallels expanding image");
    build(0);
    t_put_le32(img + 48, 4);                                   /* the data area said to start later */
    refuse(img_len, "cluster 33 lies at byte 512, before the data area (byte 2048)");

    /* a cut file: the clusters past its end are errors when read, naming
     * them; the others still read */
    build(1);
    m = (pt_mem_t){ img, img_len - 2 * CL };
    T_CHECK(pt_phdmap_open(pt_read_mem, &m, img_len - 2 * CL, &p, NULL, 0, &e) == PT_OK);
    if (p) {
        /* the last two stored are clusters 2 and 1 */
        T_CHECK(read_disk(p, CL + 5, buf, sizeof buf, &e) == -1 &&
                strstr(e.msg, "cluster 1 (disk bytes 1536-3071) lies past the end") && strstr(e.msg, "truncated"));
        T_CHECK(read_disk(p, 20 * CL, buf, sizeof buf, &e) == 0 && memcmp(buf, disk + 20 * CL, sizeof buf) == 0);
        pt_phdmap_free(p);
    }
}

int main(void)
{
    T_RUN(reads);
    T_RUN(marks);
    T_RUN(damage);
    return t_done();
}
