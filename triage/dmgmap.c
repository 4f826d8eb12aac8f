/* dmgmap.c - UDIF disk images: the koly trailer, the blkx tables of the
 * XML property list, and reads through them.  Owns its chunk table, the
 * last decoded chunk and the buffers that decode it. */
#include "dmgmap.h"

#include <bzlib.h>
#include <lzma.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "bytes.h"

#define XML_MAX (64u << 20)        /* a property list of 64 MiB describes a disk of petabytes */
#define CHUNK_MAX (64u << 20)      /* decoded and stored size of one chunk (Apple writes 1 MiB) */
#define CHUNKS_MAX (1u << 24)
#define DISK_MAX ((uint64_t)1 << 52)

enum {
    T_ZERO = 0, T_RAW = 1, T_FREE = 2, T_ADC = 0x80000004, T_ZLIB = 0x80000005, T_BZIP2 = 0x80000006,
    T_LZFSE = 0x80000007, T_LZMA = 0x80000008, T_COMMENT = 0x7ffffffe, T_END = 0xffffffff
};

typedef struct {
    uint64_t out, len;      /* bytes of the disk */
    uint64_t in, in_len;    /* bytes of the file */
    uint32_t type;
} chunk_t;

struct pt_dmgmap {
    pt_read_fn fn;
    void *src;
    uint64_t fsize, size;
    chunk_t *c;
    size_t n, cap;
    size_t cached;          /* index + 1 of the chunk in cache, 0: none */
    uint8_t *cache, *in;    /* grown to the largest chunk read so far (Apple writes 1 MiB; at most CHUNK_MAX) */
    size_t cache_cap, in_cap;
};

/* *b holds at least need bytes (need <= CHUNK_MAX); 0 when out of memory. */
static int grow(uint8_t **b, size_t *cap, size_t need)
{
    uint8_t *nb;

    if (need <= *cap)
        return 1;
    if (!(nb = realloc(*b, need ? need : 1)))
        return 0;
    *b = nb;
    *cap = need;
    return 1;
}


int pt_dmgmap_is_dmg(const uint8_t *tail, size_t len)
{
    const uint8_t *p;

    if (len < 512)
        return 0;
    p = tail + len - 512;
    return memcmp(p, "koly", 4) == 0 && be32(p + 4) == 4 && be32(p + 8) == 512;
}

void pt_dmgmap_free(pt_dmgmap_t *m)
{
    if (!m)
        return;
    free(m->c);
    free(m->cache);
    free(m->in);
    free(m);
}

uint64_t pt_dmgmap_disk_size(const pt_dmgmap_t *m)
{
    return m->size;
}

/* Base64 with the property list's line breaks and indentation: into out
 * (at least 3/4 of the text), returns the bytes, or -1. */
static long unbase64(const char *s, size_t n, uint8_t *out)
{
    char *t = malloc(n + 4);
    size_t k = 0, i;
    int got, pad = 0;

    if (!t)
        return -1;
    for (i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r')
            t[k++] = s[i];
    if (k % 4 || k == 0) {
        free(t);
        return -1;
    }
    pad = (t[k - 1] == '=') + (t[k - 2] == '=');
    got = EVP_DecodeBlock(out, (const unsigned char *)t, (int)k);
    free(t);
    return got < 0 ? -1 : (long)got - pad;
}

static int add_chunk(pt_dmgmap_t *m, const chunk_t *c, pt_err_t *err)
{
    if (m->n == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 64;
        chunk_t *v;
        if (cap > CHUNKS_MAX || !(v = realloc(m->c, cap * sizeof *v)))
            return pt_err_set(err, cap > CHUNKS_MAX ? PT_EFORMAT : PT_ENOMEM, cap > CHUNKS_MAX ?
                              "more than %u chunks" : "out of memory", CHUNKS_MAX);
        m->c = v;
        m->cap = cap;
    }
    m->c[m->n++] = *c;
    return PT_OK;
}

/* One "mish" table: its chunks, at disk sector first + theirs, stored at
 * file offset base + theirs. */
static int mish(pt_dmgmap_t *m, const uint8_t *b, size_t len, uint64_t fork, pt_err_t *err)
{
    uint64_t first, base;
    uint32_t n, i;
    int rc;

    if (len < 204 || memcmp(b, "mish", 4) != 0)
        return pt_err_set(err, PT_EFORMAT, "a blkx entry is not a mish table");
    first = be64(b + 8);
    base = be64(b + 24);
    n = be32(b + 200);
    if (n > (len - 204) / 40 || first > DISK_MAX / 512 || base > m->fsize || fork > m->fsize)
        return pt_err_set(err, PT_EFORMAT, "a mish table's counts or offsets are out of range");
    for (i = 0; i < n; i++) {
        const uint8_t *e = b + 204 + (size_t)i * 40;
        chunk_t c = { 0, 0, 0, 0, be32(e) };
        uint64_t sec = be64(e + 8), cnt = be64(e + 16);
        if (c.type == T_COMMENT || c.type == T_END || cnt == 0)
            continue;
        if (sec > DISK_MAX / 512 - first || cnt > DISK_MAX / 512 - first - sec)
            return pt_err_set(err, PT_EFORMAT, "chunk %u: sectors out of range", i);
        c.out = (first + sec) * 512;
        c.len = cnt * 512;
        c.in = be64(e + 24);
        c.in_len = be64(e + 32);
        if (c.type != T_ZERO && c.type != T_FREE) {
            if (c.len > CHUNK_MAX && c.type != T_RAW)
                return pt_err_set(err, PT_EFORMAT, "chunk %u: %llu bytes decoded, over the %u MiB bound", i,
                                  (unsigned long long)c.len, CHUNK_MAX >> 20);
            if (c.in > m->fsize || c.in_len > m->fsize)
                return pt_err_set(err, PT_EFORMAT, "chunk %u: stored outside the file", i);
            c.in += fork + base;
        }
        if ((rc = add_chunk(m, &c, err)) != PT_OK)
            return rc;
    }
    return PT_OK;
}

static int by_out(const void *a, const void *b)
{
    const chunk_t *x = a, *y = b;
    return x->out < y->out ? -1 : x->out > y->out;
}

/* The <data> elements of the "blkx" array of the resource-fork dictionary. */
static int blkx(pt_dmgmap_t *m, const char *x, size_t n, uint64_t fork, pt_err_t *err)
{
    const char *end = x + n, *p = memmem(x, n, "<key>blkx</key>", 15), *stop;
    int tables = 0, rc;

    if (!p || !(p = memmem(p, (size_t)(end - p), "<array>", 7)))
        return pt_err_set(err, PT_EFORMAT, "the property list has no blkx array");
    stop = memmem(p, (size_t)(end - p), "</array>", 8);
    if (!stop)
        return pt_err_set(err, PT_EFORMAT, "the blkx array is not closed");
    for (;;) {
        const char *d = memmem(p, (size_t)(stop - p), "<data>", 6), *e;
        uint8_t *b;
        long got;
        if (!d)
            break;
        d += 6;
        if (!(e = memmem(d, (size_t)(stop - d), "</data>", 7)))
            return pt_err_set(err, PT_EFORMAT, "a blkx <data> element is not closed");
        if (!(b = malloc((size_t)(e - d) / 4 * 3 + 3)))
            return pt_err_set(err, PT_ENOMEM, "out of memory");
        got = unbase64(d, (size_t)(e - d), b);
        rc = got < 0 ? pt_err_set(err, PT_EFORMAT, "blkx entry %d: invalid base64", tables + 1)
                     : mish(m, b, (size_t)got, fork, err);
        free(b);
        if (rc != PT_OK)
            return rc;
        tables++;
        p = e + 7;
    }
    return tables ? PT_OK : pt_err_set(err, PT_EFORMAT, "the blkx array holds no table");
}

static const char *type_name(uint32_t t)
{
    switch (t) {
    case T_ZERO: case T_FREE: return "zeros";
    case T_RAW: return "raw";
    case T_ADC: return "ADC";
    case T_ZLIB: return "zlib";
    case T_BZIP2: return "bzip2";
    case T_LZFSE: return "LZFSE";
    case T_LZMA: return "LZMA";
    default: return "unknown";
    }
}

int pt_dmgmap_open(pt_read_fn fn, void *src, uint64_t fsize, pt_dmgmap_t **out, char *desc, size_t dsize,
                   pt_err_t *err)
{
    uint8_t k[512];
    uint64_t xoff, xlen, fork, sectors, end = 0;
    char *x;
    pt_dmgmap_t *m;
    size_t i, used;
    int rc;
    static const uint32_t kinds[] = { T_ZLIB, T_BZIP2, T_LZMA, T_ADC, T_LZFSE, T_RAW, T_ZERO };

    *out = NULL;
    if (fsize < 512 || pt_read_exact(fn, src, fsize - 512, k, sizeof k, err) != PT_OK || !pt_dmgmap_is_dmg(k, 512))
        return pt_err_set(err, PT_EFORMAT, "no UDIF trailer (koly) in the last 512 bytes");
    fork = be64(k + 24);
    xoff = be64(k + 216);
    xlen = be64(k + 224);
    sectors = be64(k + 492);
    if (xlen == 0)
        return pt_err_set(err, PT_EFORMAT, "Apple disk image without an XML property list (an old image whose "
                          "tables are in a resource fork): not read");
    if (xlen > XML_MAX || xoff > fsize || xlen > fsize - xoff || sectors > DISK_MAX / 512)
        return pt_err_set(err, PT_EFORMAT, "UDIF trailer: property list or size out of range");
    if (!(m = calloc(1, sizeof *m)) || !(x = malloc((size_t)xlen + 1))) {
        free(m);
        return pt_err_set(err, PT_ENOMEM, "out of memory");
    }
    m->fn = fn;
    m->src = src;
    m->fsize = fsize;
    if ((rc = pt_read_exact(fn, src, xoff, (uint8_t *)x, (size_t)xlen, err)) == PT_OK) {
        x[xlen] = '\0';
        rc = blkx(m, x, (size_t)xlen, fork, err);
    }
    free(x);
    if (rc != PT_OK) {
        pt_dmgmap_free(m);
        return rc;
    }
    if (m->n > 1) /* none: c may be NULL */
        qsort(m->c, m->n, sizeof *m->c, by_out);
    for (i = 0; i < m->n; i++) {
        if (i && m->c[i].out < m->c[i - 1].out + m->c[i - 1].len) {
            unsigned long long at = m->c[i].out;
            pt_dmgmap_free(m);
            return pt_err_set(err, PT_EFORMAT, "two chunks describe the bytes at %llu of the disk", at);
        }
        end = m->c[i].out + m->c[i].len;
    }
    /* the trailer's sector count is the disk; runs no table covers are zeros */
    m->size = sectors * 512 > end ? sectors * 512 : end;
    if (desc) {
        used = (size_t)snprintf(desc, dsize, "Apple disk image (UDIF, %zu chunks:", m->n);
        for (i = 0; i < sizeof kinds / sizeof kinds[0] && used < dsize; i++) {
            size_t j, cnt = 0;
            for (j = 0; j < m->n; j++)
                cnt += m->c[j].type == kinds[i] || (kinds[i] == T_ZERO && m->c[j].type == T_FREE);
            if (cnt)
                used += (size_t)snprintf(desc + used, dsize - used, " %s %zu", type_name(kinds[i]), cnt);
        }
        if (used < dsize)
            snprintf(desc + used, dsize - used, "; a disk of %llu bytes)%s", (unsigned long long)m->size,
                     used && strstr(desc, "LZFSE") ? "; LZFSE chunks cannot be decoded here (no LZFSE library): "
                     "their sectors are read errors" : "");
    }
    *out = m;
    return PT_OK;
}

/* Apple Data Compression: literal runs and back references of 2 or 3
 * bytes.  Returns the bytes written, or -1 on a reference outside out. */
static long adc(const uint8_t *in, size_t n, uint8_t *out, size_t cap)
{
    size_t i = 0, o = 0;

    while (i < n && o < cap) {
        uint8_t b = in[i];
        size_t len, dist;
        if (b & 0x80) {
            len = (size_t)(b & 0x7f) + 1;
            if (i + 1 + len > n || o + len > cap)
                return -1;
            memcpy(out + o, in + i + 1, len);
            i += 1 + len;
            o += len;
            continue;
        }
        if (b & 0x40) {
            if (i + 3 > n)
                return -1;
            len = (size_t)(b & 0x3f) + 4;
            dist = (size_t)(in[i + 1] << 8 | in[i + 2]) + 1;
            i += 3;
        } else {
            if (i + 2 > n)
                return -1;
            len = (size_t)((b >> 2) & 0x0f) + 3;
            dist = (size_t)((b & 0x03) << 8 | in[i + 1]) + 1;
            i += 2;
        }
        if (dist > o || o + len > cap)
            return -1;
        for (size_t j = 0; j < len; j++, o++) /* overlapping copies repeat a pattern */
            out[o] = out[o - dist];
    }
    return (long)o;
}

static int decode(pt_dmgmap_t *m, size_t idx, pt_err_t *err)
{
    const chunk_t *c = &m->c[idx];
    size_t want = (size_t)c->len, got = 0;

    if (c->type == T_LZFSE)
        return pt_err_set(err, PT_EFORMAT, "LZFSE-compressed chunk (disk bytes %llu..%llu): no LZFSE decoder",
                          (unsigned long long)c->out, (unsigned long long)(c->out + c->len));
    if (c->type != T_ZLIB && c->type != T_BZIP2 && c->type != T_LZMA && c->type != T_ADC)
        return pt_err_set(err, PT_EFORMAT, "chunk of unknown type 0x%08x (disk bytes %llu..%llu)", c->type,
                          (unsigned long long)c->out, (unsigned long long)(c->out + c->len));
    if (c->in_len > CHUNK_MAX)
        return pt_err_set(err, PT_EFORMAT, "chunk at disk byte %llu: %llu bytes stored, over the bound",
                          (unsigned long long)c->out, (unsigned long long)c->in_len);
    if (!grow(&m->cache, &m->cache_cap, want) || !grow(&m->in, &m->in_cap, (size_t)c->in_len))
        return pt_err_set(err, PT_ENOMEM, "out of memory");
    m->cached = 0;
    if (c->in > m->fsize || c->in_len > m->fsize - c->in)
        return pt_err_set(err, PT_EIO, "chunk at disk byte %llu is stored past the end of the file (a truncated "
                          "image)", (unsigned long long)c->out);
    if (pt_read_exact(m->fn, m->src, c->in, m->in, (size_t)c->in_len, err) != PT_OK)
        return err->code;
    if (c->type == T_ZLIB) {
        uLongf n = (uLongf)want;
        if (uncompress(m->cache, &n, m->in, (uLong)c->in_len) == Z_OK)
            got = (size_t)n;
    } else if (c->type == T_BZIP2) {
        unsigned n = (unsigned)want;
        if (BZ2_bzBuffToBuffDecompress((char *)m->cache, &n, (char *)m->in, (unsigned)c->in_len, 0, 0) == BZ_OK)
            got = n;
    } else if (c->type == T_LZMA) {
        /* Apple's LZMA is the .xz container; the lzma_alone form is accepted too */
        lzma_stream s = LZMA_STREAM_INIT;
        if (lzma_auto_decoder(&s, 256u << 20, 0) == LZMA_OK) {
            s.next_in = m->in;
            s.avail_in = (size_t)c->in_len;
            s.next_out = m->cache;
            s.avail_out = want;
            lzma_ret r = lzma_code(&s, LZMA_FINISH);
            if (r == LZMA_STREAM_END || (r == LZMA_OK && s.avail_out == 0))
                got = want - s.avail_out;
            lzma_end(&s);
        }
    } else {
        long n = adc(m->in, (size_t)c->in_len, m->cache, want);
        got = n < 0 ? 0 : (size_t)n;
    }
    if (got != want)
        return pt_err_set(err, PT_EIO, "%s chunk at disk bytes %llu..%llu does not decode to its %zu bytes",
                          type_name(c->type), (unsigned long long)c->out, (unsigned long long)(c->out + c->len), want);
    m->cached = idx + 1;
    return PT_OK;
}

ssize_t pt_dmgmap_read(pt_dmgmap_t *m, uint64_t off, uint8_t *buf, size_t len, pt_err_t *err)
{
    size_t done = 0;

    if (off >= m->size)
        return 0;
    if (len > m->size - off)
        len = (size_t)(m->size - off);
    while (done < len) {
        uint64_t at = off + done;
        size_t lo = 0, hi = m->n, n;
        /* the last chunk starting at or before at */
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (m->c[mid].out <= at)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo == 0 || at >= m->c[lo - 1].out + m->c[lo - 1].len) {
            /* a run no table covers: zeros up to the next chunk */
            uint64_t next = lo < m->n ? m->c[lo].out : m->size;
            n = next - at < len - done ? (size_t)(next - at) : len - done;
            memset(buf + done, 0, n);
            done += n;
            continue;
        }
        const chunk_t *c = &m->c[lo - 1];
        uint64_t in = at - c->out;
        n = c->len - in < len - done ? (size_t)(c->len - in) : len - done;
        if (c->type == T_ZERO || c->type == T_FREE) {
            memset(buf + done, 0, n);
        } else if (c->type == T_RAW) {
            if (c->in > m->fsize || in + n > m->fsize - c->in) {
                pt_err_set(err, PT_EIO, "raw chunk at disk byte %llu is stored past the end of the file (a "
                           "truncated image)", (unsigned long long)c->out);
                return -1;
            }
            if (pt_read_exact(m->fn, m->src, c->in + in, buf + done, n, err) != PT_OK)
                return -1;
        } else {
            if (m->cached != lo && decode(m, lo - 1, err) != PT_OK)
                return -1;
            memcpy(buf + done, m->cache + in, n);
        }
        done += n;
    }
    return (ssize_t)done;
}
