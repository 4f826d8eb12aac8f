/* Unit tests for ewfmap.c: a two-segment EWF-E01 set built here (section
 * descriptors with their Adler-32, a volume section, sectors, a table and
 * its table2, next and done), with a zlib chunk and stored chunks; reads
 * across chunks and segments; a table whose header fails its checksum
 * replaced by its table2; each damage named; cuts and random damage never
 * read outside the segments.  (Every format ewfacquire writes is checked
 * end to end in test_containers.py.) */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "ewfmap.h"
#include "testlib.h"

#define CS 512u         /* one sector a chunk */
#define NCH 4u          /* chunks 0, 1 in segment 1; 2, 3 in segment 2 */

typedef struct { uint8_t *p; size_t n, cap; } buf_t;

static void put(buf_t *b, const void *d, size_t n)
{
    if (b->n + n > b->cap)
        b->p = realloc(b->p, b->cap = (b->n + n) * 2);
    memcpy(b->p + b->n, d, n);
    b->n += n;
}

static void le64(uint8_t *p, uint64_t v) { t_put_le32(p, (unsigned long)(v & 0xffffffffu)); t_put_le32(p + 4, (unsigned long)(v >> 32)); }

/* a section descriptor at b->n whose data (len bytes) follows */
static void section(buf_t *b, const char *type, const void *data, size_t len, int last)
{
    uint8_t d[76] = { 0 };
    strncpy((char *)d, type, 16);
    le64(d + 16, last ? b->n : b->n + 76 + len);
    le64(d + 24, 76 + len);
    t_put_le32(d + 72, (unsigned long)adler32(1, d, 72));
    put(b, d, sizeof d);
    if (len)
        put(b, data, len);
}

static uint8_t media[NCH * CS];

/* chunks c0, c0+1 of the media: c0 zlib-compressed, c0+1 stored with its Adler-32 */
static void segment(buf_t *b, unsigned number, unsigned c0, int last)
{
    uint8_t h[13] = { 'E', 'V', 'F', 0x09, 0x0d, 0x0a, 0xff, 0x00, 1, (uint8_t)number, 0, 0, 0 };
    uint8_t z[CS + 64], tab[24 + 8 + 4], sec[2 * CS + 128];
    uLongf zn = sizeof z;
    size_t sn = 0, sectors_at;

    put(b, h, sizeof h);
    if (number == 1) {
        uint8_t v[1052] = { 0 };
        t_put_le32(v + 4, NCH);
        t_put_le32(v + 8, 1);
        t_put_le32(v + 12, CS);
        le64(v + 16, NCH);
        section(b, "volume", v, sizeof v, 0);
    }
    compress2(z, &zn, media + c0 * CS, CS, 9);
    memcpy(sec, z, zn);
    sn = zn;
    memcpy(sec + sn, media + (c0 + 1) * CS, CS);
    t_put_le32(sec + sn + CS, (unsigned long)adler32(1, media + (c0 + 1) * CS, CS));
    sn += CS + 4;
    sectors_at = b->n + 76;
    section(b, "sectors", sec, sn, 0);
    memset(tab, 0, sizeof tab);
    t_put_le32(tab, 2);
    le64(tab + 8, sectors_at);                                /* base offset */
    t_put_le32(tab + 20, (unsigned long)adler32(1, tab, 20));
    t_put_le32(tab + 24, 0x80000000u);                        /* chunk c0: compressed, at the base */
    t_put_le32(tab + 28, (unsigned long)zn);                  /* chunk c0+1: stored */
    section(b, "table", tab, sizeof tab, 0);
    section(b, "table2", tab, sizeof tab, 0);
    section(b, last ? "done" : "next", NULL, 0, 1);
}

static void build(buf_t *s1, buf_t *s2)
{
    for (unsigned i = 0; i < sizeof media; i++)
        media[i] = (uint8_t)(i % 7 == 0 ? i * 13 : 'a' + i % 5);
    memset(s1, 0, sizeof *s1);
    memset(s2, 0, sizeof *s2);
    segment(s1, 1, 0, 0);
    segment(s2, 2, 2, 1);
}

static int open2(buf_t *s1, buf_t *s2, size_t n1, size_t n2, unsigned nseg, pt_ewfmap_t **m, pt_err_t *err)
{
    static pt_mem_t mem[2];
    pt_ewfmap_seg_t segs[2];

    mem[0] = (pt_mem_t){ s1->p, n1 };
    mem[1] = (pt_mem_t){ s2->p, n2 };
    for (int i = 0; i < 2; i++)
        segs[i] = (pt_ewfmap_seg_t){ pt_read_mem, &mem[i], mem[i].n };
    return pt_ewfmap_open(segs, nseg, m, NULL, 0, err);
}

static void reads(void)
{
    buf_t s1, s2;
    pt_ewfmap_t *m = NULL;
    pt_err_t err = { 0, "" };
    uint8_t out[sizeof media];
    pt_ewfmap_seg_t segs[2];
    pt_mem_t mem[2];
    char desc[300];

    build(&s1, &s2);
    mem[0] = (pt_mem_t){ s1.p, s1.n };
    mem[1] = (pt_mem_t){ s2.p, s2.n };
    for (int i = 0; i < 2; i++)
        segs[i] = (pt_ewfmap_seg_t){ pt_read_mem, &mem[i], mem[i].n };
    T_CHECK(pt_ewfmap_open(segs, 2, &m, desc, sizeof desc, &err) == PT_OK);
    if (!m)
        return;
    T_CHECK(strstr(desc, "EWF image of 2 segments, 2048 bytes in 4 chunks of 512 bytes") != NULL);
    T_CHECK(pt_ewfmap_size(m) == sizeof media && pt_ewfmap_sector_size(m) == CS);
    T_CHECK(pt_ewfmap_read(m, 0, out, sizeof out, &err) == (ssize_t)sizeof out && !memcmp(out, media, sizeof out));
    for (unsigned off = 0; off < sizeof media; off += 37) { /* across chunks and segments */
        size_t n = sizeof media - off < 700 ? sizeof media - off : 700;
        T_CHECK(pt_ewfmap_read(m, off, out, n, &err) == (ssize_t)n && !memcmp(out, media + off, n));
    }
    T_CHECK(pt_ewfmap_read(m, sizeof media, out, 1, &err) == 0);
    pt_ewfmap_free(m);
    /* a table header that fails its checksum: its table2 stands in */
    size_t tab = (size_t)((uint8_t *)memmem(s2.p, s2.n, "table\0", 6) - s2.p);
    s2.p[tab + 76 + 4] ^= 1;
    T_CHECK(open2(&s1, &s2, s1.n, s2.n, 2, &m, &err) == PT_OK);
    if (m) {
        T_CHECK(pt_ewfmap_read(m, 0, out, sizeof out, &err) == (ssize_t)sizeof out && !memcmp(out, media, sizeof out));
        pt_ewfmap_free(m);
    }
    free(s1.p);
    free(s2.p);
}

static void damage(void)
{
    buf_t s1, s2;
    pt_ewfmap_t *m = NULL;
    pt_err_t err = { 0, "" };
    uint8_t out[sizeof media];

    build(&s1, &s2);
    /* only the first segment: its chain ends in "next" */
    T_CHECK(open2(&s1, &s2, s1.n, s2.n, 1, &m, &err) == PT_EFORMAT && strstr(err.msg, "a segment is missing"));
    /* a stored chunk's byte, then a zlib chunk's: named by chunk and sectors */
    size_t st = (size_t)((uint8_t *)memmem(s1.p, s1.n, media + CS, 64) - s1.p);
    s1.p[st + 10] ^= 0x40;
    T_CHECK(open2(&s1, &s2, s1.n, s2.n, 2, &m, &err) == PT_OK);
    if (m) {
        T_CHECK(pt_ewfmap_read(m, CS, out, CS, &err) == -1 && strstr(err.msg, "EWF chunk 1 (sectors 1-1) fails its "
                                                                        "checksum"));
        T_CHECK(pt_ewfmap_read(m, 0, out, 2 * CS, &err) == (ssize_t)CS); /* the good chunk before it */
        pt_ewfmap_free(m);
    }
    s1.p[st + 10] ^= 0x40;
    size_t sectors = (size_t)((uint8_t *)memmem(s1.p, s1.n, "sectors", 7) - s1.p) + 76;
    memset(s1.p + sectors + 2, 0x55, 6);
    T_CHECK(open2(&s1, &s2, s1.n, s2.n, 2, &m, &err) == PT_OK);
    if (m) {
        T_CHECK(pt_ewfmap_read(m, 0, out, CS, &err) == -1 && strstr(err.msg, "does not decompress"));
        pt_ewfmap_free(m);
    }
    free(s1.p);
    free(s2.p);
    /* a section descriptor's checksum; a wrong segment number; an Ex01 */
    build(&s1, &s2);
    s1.p[13 + 20] ^= 1;
    T_CHECK(open2(&s1, &s2, s1.n, s2.n, 2, &m, &err) == PT_EFORMAT && strstr(err.msg, "fails its checksum"));
    s1.p[13 + 20] ^= 1;
    s2.p[9] = 3;
    T_CHECK(open2(&s1, &s2, s1.n, s2.n, 2, &m, &err) == PT_EFORMAT && strstr(err.msg, "calls itself segment 3"));
    memcpy(s1.p, "EVF2", 4);
    T_CHECK(open2(&s1, &s2, s1.n, s2.n, 2, &m, &err) == PT_EFORMAT && strstr(err.msg, "EWF2"));
    free(s1.p);
    free(s2.p);
    /* every cut of either segment, and random damage: never outside them */
    build(&s1, &s2);
    for (size_t cut = 0; cut < s1.n + s2.n; cut += 7) {
        size_t n1 = cut < s1.n ? cut : s1.n, n2 = cut < s1.n ? s2.n : cut - s1.n;
        if (open2(&s1, &s2, n1, n2, 2, &m, &err) == PT_OK) {
            pt_ewfmap_read(m, 0, out, sizeof out, &err);
            pt_ewfmap_free(m);
        }
    }
    uint32_t r = 5;
    for (int k = 0; k < 400; k++) {
        buf_t a, b;
        build(&a, &b);
        for (int j = 0; j < 4; j++) {
            r = r * 1103515245u + 12345u;
            buf_t *t = (r >> 30) & 1 ? &a : &b;
            t->p[(r >> 4) % t->n] = (uint8_t)(r >> 12);
        }
        if (open2(&a, &b, a.n, b.n, 2, &m, &err) == PT_OK) {
            ssize_t got = pt_ewfmap_read(m, 0, out, sizeof out, &err);
            T_CHECK(got == -1 || (got > 0 && (size_t)got <= sizeof out));
            pt_ewfmap_free(m);
        }
        free(a.p);
        free(b.p);
    }
    free(s1.p);
    free(s2.p);
}

int main(void)
{
    T_RUN(reads);
    T_RUN(damage);
    return t_done();
}
