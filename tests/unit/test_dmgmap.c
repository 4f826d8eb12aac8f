/* Unit tests for dmgmap.c: a UDIF image built here (raw, zlib, zero and
 * free chunks in two mish tables, one with a data offset, and a run no
 * table covers) read back byte for byte; each damage refused with its
 * reason or failed at the chunk it touches; random damage of the property
 * list and tables never crashes or reads outside the file (ASan). */
#include <openssl/evp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "dmgmap.h"
#include "testlib.h"

#define SECT 64u                   /* the disk: 64 sectors */


typedef struct { uint32_t type; uint64_t sec, cnt, off, len; } ent_t;

static size_t mish(uint8_t *b, uint64_t first, uint64_t count, uint64_t start, const ent_t *e, uint32_t n)
{
    memset(b, 0, 204 + 40 * (n + 1));
    memcpy(b, "mish", 4);
    t_put_be32(b + 4, 1);
    t_put_be64(b + 8, first);
    t_put_be64(b + 16, count);
    t_put_be64(b + 24, start);
    t_put_be32(b + 200, n + 1);
    for (uint32_t i = 0; i <= n; i++) {
        uint8_t *p = b + 204 + 40 * i;
        if (i == n) {
            t_put_be32(p, 0xffffffff);
            continue;
        }
        t_put_be32(p, e[i].type);
        t_put_be64(p + 8, e[i].sec);
        t_put_be64(p + 16, e[i].cnt);
        t_put_be64(p + 24, e[i].off);
        t_put_be64(p + 32, e[i].len);
    }
    return 204 + 40 * (n + 1);
}

/* disk: sectors 0-7 raw, 8-23 zlib, 24-31 zeros (table 1); 32-47 zlib at a
 * data offset, 48-55 free (table 2); 56-63 in no table (zeros). */
static uint8_t *build(const uint8_t *disk, size_t *size)
{
    uint8_t *f = calloc(1, 1 << 20), t1[1024], t2[1024];
    size_t fork = 0, x;
    uLongf zl;
    char *xml = malloc(1 << 16), b1[2048], b2[2048];

    memcpy(f, disk, 8 * 512);
    fork = 8 * 512;
    zl = 1 << 16;
    compress2(f + fork, &zl, disk + 8 * 512, 16 * 512, 6);
    ent_t e1[] = { { 1, 0, 8, 0, 8 * 512 }, { 0x80000005, 8, 16, fork, zl }, { 0, 24, 8, 0, 0 } };
    fork += zl;
    size_t start = fork;
    zl = 1 << 16;
    compress2(f + fork, &zl, disk + 32 * 512, 16 * 512, 6);
    ent_t e2[] = { { 0x80000005, 0, 16, 0, zl }, { 2, 16, 8, 0, 0 } };
    fork += zl;
    size_t n1 = mish(t1, 0, 32, 0, e1, 3), n2 = mish(t2, 32, 24, start, e2, 2);
    EVP_EncodeBlock((unsigned char *)b1, t1, (int)n1);
    EVP_EncodeBlock((unsigned char *)b2, t2, (int)n2);
    /* base64 broken over lines, as property lists hold it */
    char w1[2200];
    size_t k = 0;
    for (size_t i = 0; b1[i]; i++) {
        w1[k++] = b1[i];
        if (i % 52 == 51)
            w1[k++] = '\n', w1[k++] = '\t';
    }
    w1[k] = '\0';
    x = (size_t)snprintf(xml, 1 << 16, "<?xml version=\"1.0\"?>\n<plist><dict><key>resource-fork</key><dict>"
                         "<key>blkx</key><array><dict><key>Data</key><data>\n\t%s\n</data><key>Name</key>"
                         "<string>a</string></dict><dict><key>Data</key><data>%s</data></dict></array>"
                         "<key>plst</key><array></array></dict></dict></plist>\n", w1, b2);
    memcpy(f + fork, xml, x);
    uint8_t *kb = f + fork + x;
    memset(kb, 0, 512);
    memcpy(kb, "koly", 4);
    t_put_be32(kb + 4, 4);
    t_put_be32(kb + 8, 512);
    t_put_be64(kb + 32, fork);
    t_put_be64(kb + 216, fork);
    t_put_be64(kb + 224, x);
    t_put_be64(kb + 492, SECT);
    *size = fork + x + 512;
    free(xml);
    return f;
}

static uint8_t *disk_bytes(void)
{
    uint8_t *d = calloc(SECT, 512);
    unsigned seed = 5;
    for (size_t i = 0; i < 24 * 512; i++) {
        seed = seed * 1103515245u + 12345u;
        d[i] = (uint8_t)(i % 7 ? seed >> 16 : 'A'); /* compressible, not trivially */
    }
    for (size_t i = 32 * 512; i < 48 * 512; i++)
        d[i] = (uint8_t)(i / 100);
    return d;
}

static void reads(void)
{
    uint8_t *disk = disk_bytes(), *got = malloc(SECT * 512);
    size_t size;
    uint8_t *f = build(disk, &size);
    pt_mem_t m = { f, size };
    pt_dmgmap_t *g = NULL;
    pt_err_t err = { 0, "" };
    char desc[300];

    T_CHECK(pt_dmgmap_is_dmg(f, size));
    T_CHECK(pt_dmgmap_open(pt_read_mem, &m, size, &g, desc, sizeof desc, &err) == PT_OK);
    if (!g) {
        printf("# %s\n", err.msg);
        return;
    }
    T_CHECK(pt_dmgmap_disk_size(g) == SECT * 512);
    T_CHECK(strstr(desc, "5 chunks: zlib 2 raw 1 zeros 2") != NULL);
    T_CHECK(pt_dmgmap_read(g, 0, got, SECT * 512, &err) == (ssize_t)(SECT * 512));
    T_CHECK(memcmp(got, disk, SECT * 512) == 0);
    /* every small window, across chunk edges, in any order */
    for (uint64_t off = 0; off < SECT * 512; off += 509) {
        uint8_t w[1500];
        size_t n = off + sizeof w > SECT * 512 ? SECT * 512 - off : sizeof w;
        T_CHECK(pt_dmgmap_read(g, off, w, sizeof w, &err) == (ssize_t)n && memcmp(w, disk + off, n) == 0);
    }
    T_CHECK(pt_dmgmap_read(g, SECT * 512, got, 10, &err) == 0);
    pt_dmgmap_free(g);
    /* a stored zlib chunk damaged: that chunk fails, naming its bytes; the others read */
    f[8 * 512 + 10] ^= 0xff;
    T_CHECK(pt_dmgmap_open(pt_read_mem, &m, size, &g, NULL, 0, &err) == PT_OK);
    T_CHECK(pt_dmgmap_read(g, 8 * 512, got, 512, &err) == -1 && strstr(err.msg, "zlib chunk at disk bytes 4096..12288"));
    T_CHECK(pt_dmgmap_read(g, 0, got, 512, &err) == 512 && memcmp(got, disk, 512) == 0);
    T_CHECK(pt_dmgmap_read(g, 32 * 512, got, 512, &err) == 512 && memcmp(got, disk + 32 * 512, 512) == 0);
    pt_dmgmap_free(g);
    /* the file cut before the raw chunk's end, trailer kept: the read fails */
    free(f);
    free(got);
    free(disk);
}

static void damage(void)
{
    uint8_t *disk = disk_bytes();
    size_t size;
    uint8_t *f = build(disk, &size), *copy = malloc(size), *buf = malloc(SECT * 512);
    pt_dmgmap_t *g = NULL;
    pt_err_t err = { 0, "" };
    uint8_t *kb = f + size - 512;
    pt_mem_t m = { copy, size };

    /* trailer fields */
    struct { size_t off; uint64_t v; const char *why; } t[] = {
        { 224, 0, "resource fork" },                  /* no XML */
        { 224, 1ull << 40, "out of range" },
        { 216, 1ull << 40, "out of range" },
        { 492, 1ull << 60, "out of range" },
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        memcpy(copy, f, size);
        t_put_be64(copy + size - 512 + t[i].off, t[i].v);
        T_CHECK(pt_dmgmap_open(pt_read_mem, &m, size, &g, NULL, 0, &err) == PT_EFORMAT);
        T_CHECK(strstr(err.msg, t[i].why) != NULL);
    }
    /* no blkx key; overlapping runs (table 2 moved onto table 1) */
    memcpy(copy, f, size);
    char *k = memmem(copy, size, "<key>blkx</key>", 15);
    k[5] = 'X';
    T_CHECK(pt_dmgmap_open(pt_read_mem, &m, size, &g, NULL, 0, &err) == PT_EFORMAT && strstr(err.msg, "no blkx"));
    (void)kb;
    /* random damage of the property list and the tables: refused, or read
     * with errors, never a crash or a read outside the file */
    unsigned seed = 9;
    size_t xoff = size - 512 - (size_t)((uint64_t)f[size - 512 + 224 + 6] << 8 | f[size - 512 + 224 + 7]);
    int opened = 0;
    for (int it = 0; it < 3000; it++) {
        memcpy(copy, f, size);
        for (int j = 0; j < 6; j++) {
            seed = seed * 1103515245u + 12345u;
            size_t at = it % 2 ? xoff + (seed >> 8) % (size - xoff) : (seed >> 8) % size;
            copy[at] = (uint8_t)(seed >> 24);
        }
        if (pt_dmgmap_open(pt_read_mem, &m, size, &g, NULL, 0, &err) == PT_OK) {
            opened++;
            (void)pt_dmgmap_read(g, 0, buf, SECT * 512, &err);
            pt_dmgmap_free(g);
        }
    }
    T_CHECK(opened > 0);
    /* every length of the file: the trailer is gone, or it points outside */
    for (size_t len = 0; len < size; len += 97) {
        pt_mem_t cut = { f, len };
        if (pt_dmgmap_open(pt_read_mem, &cut, len, &g, NULL, 0, &err) == PT_OK) {
            (void)pt_dmgmap_read(g, 0, buf, SECT * 512, &err);
            pt_dmgmap_free(g);
        }
    }
    free(buf);
    free(copy);
    free(f);
    free(disk);
}

int main(void)
{
    T_RUN(reads);
    T_RUN(damage);
    return t_done();
}
