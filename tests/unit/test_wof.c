/* Unit tests for wof.c: reparse points of each kind; streams built here
 * with wimlib's compressors (XPRESS4K and LZX), read back at chunk edges and
 * across them, in one call and in many; chunks that did not shrink stored as
 * is; 8-byte table entries past 4 GiB (a virtual stream); damage named by
 * chunk, random damage never read outside the stream. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <wimlib.h>

#include "reader.h"
#include "testlib.h"
#include "wof.h"

static size_t rp_make(uint8_t *rp, uint32_t tag, uint32_t provider, uint32_t alg)
{
    memset(rp, 0, 64);
    t_put_le32(rp, tag);
    rp[4] = 16;
    t_put_le32(rp + 8, 1);
    t_put_le32(rp + 12, provider);
    t_put_le32(rp + 16, 1);
    t_put_le32(rp + 20, alg);
    t_put_le32(rp + 24, 7);  /* WIMBoot: data source 7 */
    return provider == 1 ? 48 : 24;
}

static void reparse(void)
{
    uint8_t rp[64];
    pt_wof_info_t info;
    static const struct { uint32_t alg; const char *name; unsigned order; } a[] = {
        { 0, "XPRESS4K", 12 }, { 1, "LZX", 15 }, { 2, "XPRESS8K", 13 }, { 3, "XPRESS16K", 14 },
    };

    for (int i = 0; i < 4; i++) {
        size_t n = rp_make(rp, PT_WOF_TAG, 2, a[i].alg);
        T_CHECK(pt_wof_parse_reparse(rp, n, &info) == PT_WOF_FILE);
        T_STREQ(info.name, a[i].name);
        T_CHECK(info.order == a[i].order);
        T_CHECK(pt_wof_parse_reparse(rp, n - 1, &info) == PT_WOF_UNREADABLE); /* cut */
    }
    rp_make(rp, 0xA000000Cu, 2, 0);                                 /* a symbolic link */
    T_CHECK(pt_wof_parse_reparse(rp, 24, &info) == PT_WOF_NONE);
    rp_make(rp, PT_WOF_TAG, 2, 4);                                  /* an algorithm of tomorrow */
    T_CHECK(pt_wof_parse_reparse(rp, 24, &info) == PT_WOF_UNREADABLE && strstr(info.why, "algorithm 4"));
    rp_make(rp, PT_WOF_TAG, 1, 0);                                  /* WIMBoot */
    T_CHECK(pt_wof_parse_reparse(rp, 48, &info) == PT_WOF_UNREADABLE && strstr(info.why, "WIMBoot") &&
            strstr(info.why, "data source 7"));
    T_CHECK(pt_wof_parse_reparse(rp, 12, &info) == PT_WOF_UNREADABLE);
    T_CHECK(pt_wof_parse_reparse(rp, 4, &info) == PT_WOF_NONE);
}

/* text, then a random stretch (chunks that do not shrink), then text */
static uint8_t *content(size_t n)
{
    uint8_t *d = malloc(n);
    uint32_t x = 12345;
    static const char *w[] = { "ledger ", "invoice ", "account ", "server ", "kernel " };

    for (size_t i = 0; i < n;) {
        x = x * 1103515245u + 12345u;
        if (i >= 20000 && i < 100000) {
            d[i++] = (uint8_t)(x >> 16);
            continue;
        }
        for (const char *p = w[(x >> 16) % 5]; *p && i < n; p++)
            d[i++] = (uint8_t)*p;
    }
    return d;
}

/* the WofCompressedData stream of d, as Windows writes it */
static uint8_t *stream(const uint8_t *d, size_t n, unsigned alg, unsigned order, size_t *out_n, int *raw_chunks)
{
    size_t cs = (size_t)1 << order, chunks = (n + cs - 1) / cs, pos = 0, table = (chunks - 1) * 4;
    uint8_t *s = malloc(table + n + 16), *tmp = malloc(cs);
    struct wimlib_compressor *c = NULL;

    wimlib_create_compressor(alg == 1 ? WIMLIB_COMPRESSION_TYPE_LZX : WIMLIB_COMPRESSION_TYPE_XPRESS, cs, 0, &c);
    *raw_chunks = 0;
    for (size_t i = 0; i < chunks; i++) {
        size_t len = i + 1 < chunks ? cs : n - i * cs;
        size_t got = wimlib_compress(d + i * cs, len, tmp, len - 1, c);
        if (got)
            memcpy(s + table + pos, tmp, got);
        else {
            memcpy(s + table + pos, d + i * cs, len);
            (*raw_chunks)++;
        }
        pos += got ? got : len;
        if (i + 1 < chunks)
            t_put_le32(s + i * 4, (unsigned long)pos);
    }
    wimlib_free_compressor(c);
    free(tmp);
    *out_n = table + pos;
    return s;
}

static int read_whole(const pt_wof_info_t *info, const uint8_t *d, size_t n, pt_mem_t *m, size_t step)
{
    uint8_t *buf = malloc(n + 1);
    size_t done = 0;
    pt_err_t err = { 0, "" };
    int ok = 1;

    while (done < n) {
        size_t want = step < n - done ? step : n - done;
        ssize_t got = pt_wof_decode(info, n, m->n, pt_read_mem, m, done, buf + done, want, &err);
        if (got <= 0) {
            printf("#   at %zu: %s\n", done, err.msg);
            ok = 0;
            break;
        }
        done += (size_t)got;
    }
    ok = ok && memcmp(buf, d, n) == 0 &&
         pt_wof_decode(info, n, m->n, pt_read_mem, m, n, buf, 1, &err) == 0; /* the end */
    free(buf);
    return ok;
}

static void decode(void)
{
    static const struct { unsigned alg, order; const char *name; } a[] = {
        { 0, 12, "XPRESS4K" }, { 1, 15, "LZX" }, { 3, 14, "XPRESS16K" },
    };
    const size_t n = 1500000 + 777; /* over 1 MiB, a short last chunk */
    uint8_t *d = content(n), buf[3 << 15];
    pt_err_t err = { 0, "" };

    for (int k = 0; k < 3; k++) {
        pt_wof_info_t info = { a[k].alg, a[k].order, a[k].name, "" };
        size_t cs = (size_t)1 << a[k].order, sn;
        int raw;
        uint8_t *s = stream(d, n, a[k].alg, a[k].order, &sn, &raw);
        pt_mem_t m = { s, sn };

        T_CHECK(raw > 0);          /* the random stretch is stored as is */
        T_CHECK(sn < n);
        T_CHECK(read_whole(&info, d, n, &m, 1 << 20));
        T_CHECK(read_whole(&info, d, n, &m, n));   /* one call asks for all: bounded, short counts */
        T_CHECK(read_whole(&info, d, n, &m, 5000)); /* across chunk edges, never aligned */
        /* a call for more than 1 MiB returns at most 1 MiB of chunks */
        uint8_t *big = malloc(n);
        ssize_t got = pt_wof_decode(&info, n, sn, pt_read_mem, &m, 0, big, n, &err);
        T_CHECK(got > 0 && (size_t)got <= (1u << 20) && memcmp(big, d, (size_t)got) == 0);
        free(big);
        /* at and around every chunk edge of the first 8 chunks and the last */
        size_t offs[] = { 0, 1, cs - 1, cs, cs + 1, 3 * cs - 2, 7 * cs, n - cs - 1, n - 1 };
        for (size_t i = 0; i < sizeof offs / sizeof offs[0]; i++) {
            size_t want = n - offs[i] < 3 * cs ? n - offs[i] : 3 * cs;
            got = pt_wof_decode(&info, n, sn, pt_read_mem, &m, offs[i], buf, want, &err);
            T_CHECK(got == (ssize_t)want && memcmp(buf, d + offs[i], want) == 0);
        }

        /* damage: an entry past the stream, entries out of order, the stream cut */
        uint8_t *bad = malloc(sn);
        pt_mem_t bm = { bad, sn };
        memcpy(bad, s, sn);
        t_put_le32(bad + 4 * 4, 0x7fffffff);
        got = pt_wof_decode(&info, n, sn, pt_read_mem, &bm, 3 * cs, buf, 2 * cs, &err); /* the good chunk first */
        T_CHECK(got == (ssize_t)cs && memcmp(buf, d + 3 * cs, cs) == 0);
        got = pt_wof_decode(&info, n, sn, pt_read_mem, &bm, 4 * cs, buf, cs, &err);
        T_CHECK(got == -1 && strstr(err.msg, "chunk table is damaged at chunk 4 of"));
        memcpy(bad, s, sn);
        t_put_le32(bad + 2 * 4, 1);
        T_CHECK(pt_wof_decode(&info, n, sn, pt_read_mem, &bm, 2 * cs, buf, cs, &err) == -1);
        bm.n = sn / 2;
        T_CHECK(pt_wof_decode(&info, n, bm.n, pt_read_mem, &bm, n - 10, buf, 10, &err) == -1 && err.msg[0]);
        T_CHECK(pt_wof_decode(&info, n, 10, pt_read_mem, &bm, 0, buf, 10, &err) == -1 &&
                strstr(err.msg, "shorter than the chunk table"));
        /* random damage: any answer, never a read outside the stream (ASan) */
        uint32_t x = 99;
        for (int t = 0; t < 300; t++) {
            memcpy(bad, s, sn);
            bm.n = sn;
            for (int j = 0; j < 8; j++) {
                x = x * 1103515245u + 12345u;
                bad[(x >> 8) % (t % 2 ? sn : 64)] = (uint8_t)(x >> 3);
            }
            x = x * 1103515245u + 12345u;
            size_t off = (x >> 4) % n, want = n - off < sizeof buf ? n - off : sizeof buf;
            got = pt_wof_decode(&info, n, sn, pt_read_mem, &bm, off, buf, want, &err);
            T_CHECK(got == -1 || (got > 0 && (size_t)got <= want));
        }
        free(bad);
        free(s);
    }
    free(d);
}

/* A 4 GiB + 6,000-byte file of raw 4 KiB chunks: the table's entries are 8
 * bytes; the stream is computed on demand. */
typedef struct { uint64_t chunks, table; } virt_t;

static uint8_t virt_byte(const virt_t *v, uint64_t o)
{
    if (o < v->table) {  /* entry e = start of chunk e+1 past the table */
        uint64_t e = o / 8, val = (e + 1) * 4096;
        return (uint8_t)(val >> (o % 8 * 8));
    }
    return (uint8_t)((o - v->table) * 7 / 4096 + (o - v->table));
}

static ssize_t virt_read(void *ctx, uint64_t off, uint8_t *buf, size_t len, pt_err_t *err)
{
    (void)err;
    for (size_t i = 0; i < len; i++)
        buf[i] = virt_byte(ctx, off + i);
    return (ssize_t)len;
}

static void past_4gib(void)
{
    const uint64_t usize = ((uint64_t)4 << 30) + 6000;
    virt_t v = { (usize + 4095) / 4096, 0 };
    pt_wof_info_t info = { 0, 12, "XPRESS4K", "" };
    uint8_t buf[9000];
    pt_err_t err = { 0, "" };
    int same = 1;

    v.table = (v.chunks - 1) * 8;
    uint64_t csize = v.table + usize;
    uint64_t off = usize - 9000;  /* the last chunks, the short one included */
    T_CHECK(pt_wof_decode(&info, usize, csize, virt_read, &v, off, buf, sizeof buf, &err) == 9000);
    for (size_t i = 0; i < sizeof buf; i++)
        same &= buf[i] == virt_byte(&v, v.table + off + i);
    T_CHECK(same);
}

int main(void)
{
    T_RUN(reparse);
    T_RUN(decode);
    T_RUN(past_4gib);
    return t_done();
}
