/* aff4map.c - reads an AFF4 Standard 1.0 image, after the standard and the
 * reference reader's layout: the ZIP64 central directory; the volume's URN
 * (the directory comment, else container.description); information.turtle;
 * the image's aff4:dataStream, an aff4:Map whose "map" member lists
 * (offset, length, target offset, target index) entries of 28 bytes and
 * whose "idx" member names the targets, one URN a line; each target an
 * aff4:ImageStream (bevy N: member "STREAM/%08u" of chunks, and
 * "STREAM/%08u.index" of (offset u64, length u32) points) or a symbolic
 * stream (aff4:Zero, aff4:UnknownData, aff4:UnreadableData,
 * aff4:SymbolicStreamXX).  Owns the directory, the triples, the map, the
 * streams and one decompressed chunk. */
#include "aff4map.h"

#include <inttypes.h>
#include <lz4.h>
#include <snappy-c.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "bytes.h"
#include "turtle.h"

#define AFF4 "http://aff4.org/Schema#"
#define SMALL_MAX (256u << 20)   /* a member read whole (turtle, map, idx, index) */
#define CHUNK_MAX (16u << 20)    /* the largest chunk size accepted */

typedef struct zent {
    char *name;         /* percent-decoded, as the resource it stores */
    uint16_t method;
    uint64_t csize, usize, lho;
} zent_t;

enum { S_IMAGE, S_FILL, S_PATTERN, S_MISSING };
enum { C_STORED, C_SNAPPY, C_LZ4, C_DEFLATE, C_ZLIB };

typedef struct bevy {
    int loaded;         /* 1 loaded, -1 missing */
    uint64_t data;      /* where its chunks start in the file */
    uint64_t csize;     /* and how many bytes they take */
    uint8_t *idx;       /* its points, 12 bytes each */
    size_t npts;
    char *why;          /* why it could not be loaded */
} bevy_t;

typedef struct stream {
    int kind;
    char *urn;
    uint8_t fill;
    const char *pattern;
    uint32_t chunk, per_bevy;
    int codec;
    uint64_t size;
    bevy_t *bev;
    size_t nbev;
} stream_t;

typedef struct mapent {
    uint64_t off, len, soff;
    uint32_t sid;
} mapent_t;

struct pt_aff4map {
    pt_read_fn fn;
    void *src;
    uint64_t fsize;
    zent_t *z;
    size_t nz;
    char *volume;
    mapent_t *map;
    size_t nmap;
    stream_t *s;
    size_t ns;
    uint64_t size;
    uint8_t *cin, *cout;   /* a chunk as stored, and decompressed */
    size_t cap;            /* their size */
    uint64_t cached;       /* stream index << 40 | chunk number + 1, 0 for none */
    char md5[33], sha1[41]; /* the image's hashes as the imager stored them */
    size_t cached_len;
};

/* ---- ZIP ------------------------------------------------------------------------ */

int pt_aff4map_is_aff4(const uint8_t *h, size_t hn, const uint8_t *t, size_t tn)
{
    /* the members AFF4 writers put first, and how the stored ones begin
     * (an ordinary ZIP may well start with a version.txt) */
    static const struct { const char *name, *data; } first[] = {
        { "container.description", "aff4://" }, { "version.txt", "major=" }, { "information.turtle", NULL } };
    size_t i;

    if (hn >= 30 && memcmp(h, "PK\x03\x04", 4) == 0) {
        size_t nl = le16(h + 26), at = 30 + nl + le16(h + 28);
        for (i = 0; i < 3; i++) {
            size_t dl = first[i].data ? strlen(first[i].data) : 0;
            if (nl == strlen(first[i].name) && 30 + nl <= hn && memcmp(h + 30, first[i].name, nl) == 0 &&
                (!dl || (le16(h + 8) == 0 && at + dl <= hn && memcmp(h + at, first[i].data, dl) == 0)))
                return 1;
        }
    }
    /* the end-of-directory record's comment: the volume's URN */
    for (i = tn >= 22 ? tn - 22 : 0; tn >= 22; i--) {
        if (memcmp(t + i, "PK\x05\x06", 4) == 0) {
            size_t cl = le16(t + i + 20);
            return i + 22 + cl == tn && cl >= 7 && memcmp(t + i + 22, "aff4://", 7) == 0;
        }
        if (i == 0 || tn - i > 22 + 300)
            break;
    }
    return 0;
}

static int hexv(int c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

static char *decode_name(const uint8_t *p, size_t n)
{
    char *d = malloc(n + 1);
    size_t i, k = 0;

    if (!d)
        return NULL;
    for (i = 0; i < n; i++) {
        if (p[i] == '%' && i + 2 < n && hexv(p[i + 1]) >= 0 && hexv(p[i + 2]) >= 0) {
            d[k++] = (char)(hexv(p[i + 1]) << 4 | hexv(p[i + 2]));
            i += 2;
        } else {
            d[k++] = (char)p[i];
        }
    }
    d[k] = '\0';
    return d;
}

static int cmp_zent(const void *a, const void *b)
{
    return strcmp(((const zent_t *)a)->name, ((const zent_t *)b)->name);
}

static int read_dir(pt_aff4map_t *m, char **comment, pt_err_t *err)
{
    uint8_t tail[22 + 65535], *cd = NULL, z64[56];
    size_t tn = m->fsize < sizeof tail ? (size_t)m->fsize : sizeof tail, i, eocd = (size_t)-1;
    uint64_t cdoff, cdsize, count, at;

    if (pt_read_exact(m->fn, m->src, m->fsize - tn, tail, tn, err) != PT_OK)
        return pt_err_set(err, PT_EFORMAT, "AFF4 volume: its last %zu bytes could not be read", tn);
    for (i = tn - 22 + 1; i-- > 0;)
        if (memcmp(tail + i, "PK\x05\x06", 4) == 0 && i + 22 + le16(tail + i + 20) <= tn) {
            eocd = i;
            break;
        }
    if (eocd == (size_t)-1)
        return pt_err_set(err, PT_EFORMAT, "AFF4 volume: no ZIP end-of-directory record (truncated?)");
    count = le16(tail + eocd + 10);
    cdsize = le32(tail + eocd + 12);
    cdoff = le32(tail + eocd + 16);
    *comment = malloc((size_t)le16(tail + eocd + 20) + 1);
    if (*comment) {
        memcpy(*comment, tail + eocd + 22, le16(tail + eocd + 20));
        (*comment)[le16(tail + eocd + 20)] = '\0';
    }
    if (eocd >= 20 && memcmp(tail + eocd - 20, "PK\x06\x07", 4) == 0) {
        uint64_t z64off = le64(tail + eocd - 20 + 8);
        if (z64off + sizeof z64 > m->fsize || pt_read_exact(m->fn, m->src, z64off, z64, sizeof z64, err) != PT_OK ||
            memcmp(z64, "PK\x06\x06", 4) != 0)
            return pt_err_set(err, PT_EFORMAT, "AFF4 volume: the ZIP64 end-of-directory record at %" PRIu64
                              " is missing or damaged", z64off);
        count = le64(z64 + 32);
        cdsize = le64(z64 + 40);
        cdoff = le64(z64 + 48);
    }
    if (cdoff > m->fsize || cdsize > m->fsize - cdoff || cdsize > SMALL_MAX || count > cdsize / 46 + 1)
        return pt_err_set(err, PT_EFORMAT, "AFF4 volume: the ZIP directory (%" PRIu64 " entries, %" PRIu64
                          " bytes at %" PRIu64 ") lies outside the file", count, cdsize, cdoff);
    if (!(cd = malloc(cdsize ? cdsize : 1)) || !(m->z = calloc(count ? count : 1, sizeof *m->z))) {
        free(cd);
        return pt_err_set(err, PT_ENOMEM, "out of memory");
    }
    if (pt_read_exact(m->fn, m->src, cdoff, cd, cdsize, err) != PT_OK) {
        free(cd);
        return pt_err_set(err, PT_EFORMAT, "AFF4 volume: the ZIP directory could not be read");
    }
    for (at = 0; m->nz < count; m->nz++) {
        zent_t *e = &m->z[m->nz];
        size_t nl, el, cl, x;
        if (at + 46 > cdsize || memcmp(cd + at, "PK\x01\x02", 4) != 0)
            break;
        nl = le16(cd + at + 28);
        el = le16(cd + at + 30);
        cl = le16(cd + at + 32);
        if (at + 46 + nl + el + cl > cdsize)
            break;
        e->method = le16(cd + at + 10);
        e->csize = le32(cd + at + 20);
        e->usize = le32(cd + at + 24);
        e->lho = le32(cd + at + 42);
        for (x = at + 46 + nl; x + 4 <= at + 46 + nl + el;) { /* ZIP64 extra field: the values that overflowed */
            size_t id = le16(cd + x), sz = le16(cd + x + 2), f = x + 4;
            if (x + 4 + sz > at + 46 + nl + el)
                break;
            if (id == 1) {
                if (e->usize == 0xffffffffu && f + 8 <= x + 4 + sz)
                    e->usize = le64(cd + f), f += 8;
                if (e->csize == 0xffffffffu && f + 8 <= x + 4 + sz)
                    e->csize = le64(cd + f), f += 8;
                if (e->lho == 0xffffffffu && f + 8 <= x + 4 + sz)
                    e->lho = le64(cd + f);
            }
            x += 4 + sz;
        }
        if (!(e->name = decode_name(cd + at + 46, nl))) {
            free(cd);
            return pt_err_set(err, PT_ENOMEM, "out of memory");
        }
        at += 46 + nl + el + cl;
    }
    free(cd);
    if (m->nz < count)
        return pt_err_set(err, PT_EFORMAT, "AFF4 volume: ZIP directory entry %zu of %" PRIu64 " is damaged",
                          m->nz + 1, count);
    /* a terabyte image has tens of thousands of bevies: looked up by name */
    if (m->nz > 1) /* none: z may be NULL */
        qsort(m->z, m->nz, sizeof *m->z, cmp_zent);
    return PT_OK;
}

static const zent_t *member(const pt_aff4map_t *m, const char *name)
{
    zent_t key;

    key.name = (char *)(uintptr_t)name;
    return m->nz ? bsearch(&key, m->z, m->nz, sizeof *m->z, cmp_zent) : NULL;
}

/* Where a member's bytes start: after its local header. */
static int data_offset(const pt_aff4map_t *m, const zent_t *e, uint64_t *off, pt_err_t *err)
{
    uint8_t lh[30];

    if (e->lho + 30 > m->fsize || pt_read_exact(m->fn, m->src, e->lho, lh, 30, err) != PT_OK ||
        memcmp(lh, "PK\x03\x04", 4) != 0)
        return pt_err_set(err, PT_EFORMAT, "AFF4 volume: the local header of member '%.200s' at %" PRIu64
                          " is damaged", e->name, e->lho);
    *off = e->lho + 30 + le16(lh + 26) + le16(lh + 28);
    if (*off > m->fsize || e->csize > m->fsize - *off)
        return pt_err_set(err, PT_EFORMAT, "AFF4 volume: member '%.200s' runs past the file's end (truncated?)",
                          e->name);
    return PT_OK;
}

/* A small member read whole (stored or deflated); NULL with err set. */
static uint8_t *read_member(const pt_aff4map_t *m, const char *name, size_t *len, pt_err_t *err)
{
    const zent_t *e = member(m, name);
    uint64_t off;
    uint8_t *raw, *out;

    if (!e) {
        pt_err_set(err, PT_EFORMAT, "AFF4 volume: member '%.300s' is missing", name);
        return NULL;
    }
    if (e->usize > SMALL_MAX || e->csize > SMALL_MAX || (e->method != 0 && e->method != 8)) {
        pt_err_set(err, PT_EFORMAT, "AFF4 volume: member '%.300s' is too large or compressed with ZIP method %u",
                   name, e->method);
        return NULL;
    }
    if (data_offset(m, e, &off, err) != PT_OK)
        return NULL;
    if (!(raw = malloc(e->csize + 1))) {
        pt_err_set(err, PT_ENOMEM, "out of memory");
        return NULL;
    }
    if (pt_read_exact(m->fn, m->src, off, raw, e->csize, err) != PT_OK) {
        free(raw);
        return NULL;
    }
    if (e->method == 0) {
        raw[e->csize] = '\0';
        *len = e->csize;
        return raw;
    }
    if (!(out = malloc(e->usize + 1))) {
        free(raw);
        pt_err_set(err, PT_ENOMEM, "out of memory");
        return NULL;
    }
    {
        z_stream zs;
        int zr;
        memset(&zs, 0, sizeof zs);
        inflateInit2(&zs, -15);
        zs.next_in = raw;
        zs.avail_in = (uInt)e->csize;
        zs.next_out = out;
        zs.avail_out = (uInt)e->usize;
        zr = inflate(&zs, Z_FINISH);
        *len = e->usize - zs.avail_out;
        inflateEnd(&zs);
        free(raw);
        if (zr != Z_STREAM_END) {
            free(out);
            pt_err_set(err, PT_EFORMAT, "AFF4 volume: member '%.300s' does not inflate", name);
            return NULL;
        }
    }
    out[*len] = '\0';
    return out;
}

/* The member that stores resource: the volume's URN stripped from its
 * front, if it is there. */
static void member_name(const pt_aff4map_t *m, const char *res, const char *suffix, char *out, size_t size)
{
    size_t vl = m->volume ? strlen(m->volume) : 0;

    if (vl && strncmp(res, m->volume, vl) == 0 && res[vl] == '/')
        res += vl + 1;
    while (*res == '/')
        res++;
    snprintf(out, size, "%s%s", res, suffix);
}

/* ---- streams -------------------------------------------------------------------- */

static uint64_t num(const pt_turtle_t *t, const char *s, const char *p, uint64_t dflt)
{
    const char *v = pt_turtle_value(t, s, p);
    char *end;
    unsigned long long x;

    if (!v)
        return dflt;
    x = strtoull(v, &end, 10);
    return end != v ? (uint64_t)x : dflt;
}

/* Adds the stream named urn (once) and returns its index, or -1. */
static long add_stream(pt_aff4map_t *m, const pt_turtle_t *t, const char *urn, pt_err_t *err)
{
    static const struct { const char *uri; int codec; } codecs[] = {
        { "http://code.google.com/p/snappy/", C_SNAPPY }, { "https://github.com/google/snappy", C_SNAPPY },
        { "https://code.google.com/p/lz4/", C_LZ4 }, { "https://tools.ietf.org/html/rfc1951", C_DEFLATE },
        { "https://www.ietf.org/rfc/rfc1950.txt", C_ZLIB }, { AFF4 "NullCompressor", C_STORED },
    };
    stream_t *s, *ns;
    size_t i;

    for (i = 0; i < m->ns; i++)
        if (strcmp(m->s[i].urn, urn) == 0)
            return (long)i;
    if (!(ns = realloc(m->s, (m->ns + 1) * sizeof *ns))) {
        pt_err_set(err, PT_ENOMEM, "out of memory");
        return -1;
    }
    m->s = ns;
    s = &m->s[m->ns];
    memset(s, 0, sizeof *s);
    if (!(s->urn = strdup(urn))) {
        pt_err_set(err, PT_ENOMEM, "out of memory");
        return -1;
    }
    m->ns++;
    if (strcmp(urn, AFF4 "Zero") == 0) {
        s->kind = S_FILL;
    } else if (strcmp(urn, AFF4 "FFDevice") == 0) {
        s->kind = S_FILL;
        s->fill = 0xff;
    } else if (strcmp(urn, AFF4 "UnknownData") == 0) {
        s->kind = S_PATTERN;
        s->pattern = "UNKNOWN";
    } else if (strcmp(urn, AFF4 "UnreadableData") == 0) {
        s->kind = S_PATTERN;
        s->pattern = "UNREADABLEDATA";
    } else if (strncmp(urn, AFF4 "SymbolicStream", strlen(AFF4 "SymbolicStream")) == 0 &&
               strlen(urn) == strlen(AFF4 "SymbolicStream") + 2) {
        const char *x = urn + strlen(AFF4 "SymbolicStream");
        s->kind = hexv(x[0]) >= 0 && hexv(x[1]) >= 0 ? S_FILL : S_MISSING;
        s->fill = (uint8_t)(hexv(x[0]) << 4 | hexv(x[1]));
    } else {
        char name[1100];
        const char *codec = pt_turtle_value(t, urn, AFF4 "compressionMethod");
        member_name(m, urn, "/00000000.index", name, sizeof name);
        s->chunk = (uint32_t)num(t, urn, AFF4 "chunkSize", 32768);
        s->per_bevy = (uint32_t)num(t, urn, AFF4 "chunksInSegment", 1024);
        s->size = num(t, urn, AFF4 "size", 0);
        s->kind = member(m, name) ? S_IMAGE : S_MISSING;
        s->codec = -1;
        if (!codec)
            s->codec = C_STORED;
        for (i = 0; codec && i < sizeof codecs / sizeof codecs[0]; i++)
            if (strcmp(codec, codecs[i].uri) == 0)
                s->codec = codecs[i].codec;
        if (s->kind == S_IMAGE && s->codec < 0) {
            pt_err_set(err, PT_EFORMAT, "AFF4 image stream %.300s: compression '%.200s' is not one ptriage reads "
                       "(snappy, LZ4, deflate, zlib, stored)", urn, codec);
            return -1;
        }
        if (s->kind == S_IMAGE && (s->chunk == 0 || s->chunk > CHUNK_MAX || s->per_bevy == 0)) {
            pt_err_set(err, PT_EFORMAT, "AFF4 image stream %.300s: chunk size %u, %u chunks a bevy: implausible",
                       urn, s->chunk, s->per_bevy);
            return -1;
        }
        if (s->kind == S_IMAGE && (s->size / s->chunk + 1) / s->per_bevy + 1 > m->nz) {
            /* every bevy is a member of the volume: a size past them is damage */
            pt_err_set(err, PT_EFORMAT, "AFF4 image stream %.300s: its size (%" PRIu64 " bytes in chunks of %u, %u a "
                       "bevy) needs more bevies than the volume has members", urn, s->size, s->chunk, s->per_bevy);
            return -1;
        }
        if (s->kind == S_IMAGE) {
            s->nbev = (size_t)((s->size / s->chunk + 1) / s->per_bevy + 1);
            if (!(s->bev = calloc(s->nbev, sizeof *s->bev))) {
                pt_err_set(err, PT_ENOMEM, "out of memory");
                return -1;
            }
        }
    }
    return (long)(m->ns - 1);
}

/* Finds bevy b's data and reads its index. */
static int load_bevy_once(pt_aff4map_t *m, stream_t *s, size_t b, pt_err_t *err)
{
    char name[1100], suffix[32];
    const zent_t *e;
    bevy_t *bv = &s->bev[b];

    snprintf(suffix, sizeof suffix, "/%08zu", b);
    member_name(m, s->urn, suffix, name, sizeof name);
    if (!(e = member(m, name)))
        return pt_err_set(err, PT_EIO, "AFF4 image stream %.300s: bevy member '%.300s' is missing", s->urn, name);
    if (e->method != 0)
        return pt_err_set(err, PT_EIO, "AFF4 image stream %.300s: bevy '%.300s' is compressed by the ZIP itself "
                          "(method %u): not read", s->urn, name, e->method);
    if (data_offset(m, e, &bv->data, err) != PT_OK)
        return PT_EIO;
    snprintf(suffix, sizeof suffix, "/%08zu.index", b);
    member_name(m, s->urn, suffix, name, sizeof name);
    {
        size_t len = 0;
        if (!(bv->idx = read_member(m, name, &len, err)))
            return PT_EIO;
        bv->npts = len / 12;
        bv->csize = e->csize;
    }
    return PT_OK;
}

static int bevy_failed(bevy_t *bv, pt_err_t *err)
{
    free(bv->why);
    bv->why = strdup(err->msg);
    return PT_EIO;
}

static int load_bevy(pt_aff4map_t *m, stream_t *s, size_t b, pt_err_t *err)
{
    bevy_t *bv = &s->bev[b];
    int rc;

    if (bv->loaded)
        return bv->loaded > 0 ? PT_OK : pt_err_set(err, PT_EIO, "%s", bv->why ? bv->why : "AFF4: a bevy is damaged");
    bv->loaded = -1;
    if ((rc = load_bevy_once(m, s, b, err)) != PT_OK)
        return bevy_failed(bv, err);
    bv->loaded = 1;
    return PT_OK;
}
/* Decompressed chunk c of stream si into m->cout; its length. */
static ssize_t load_chunk(pt_aff4map_t *m, size_t si, uint64_t c, pt_err_t *err)
{
    stream_t *s = &m->s[si];
    uint64_t key = ((uint64_t)si << 40 | c) + 1, b = c / s->per_bevy, want;
    const uint8_t *pt;
    uint32_t len;
    size_t got = 0;

    if (m->cached == key)
        return (ssize_t)m->cached_len;
    if (b >= s->nbev || load_bevy(m, s, (size_t)b, err) != PT_OK)
        return b >= s->nbev ? pt_err_set(err, PT_EIO, "AFF4 image stream %.300s: chunk %" PRIu64 " past its size",
                                         s->urn, c) : -1;
    if (c % s->per_bevy >= s->bev[b].npts)
        return pt_err_set(err, PT_EIO, "AFF4 image stream %.300s: chunk %" PRIu64 " is not in its bevy's index",
                          s->urn, c);
    pt = s->bev[b].idx + 12 * (c % s->per_bevy);
    len = le32(pt + 8);
    if (le64(pt) > s->bev[b].csize || len > s->bev[b].csize - le64(pt))
        return pt_err_set(err, PT_EIO, "AFF4 image stream %.300s: the index of bevy %" PRIu64 " points chunk %"
                          PRIu64 " past the bevy (damaged index)", s->urn, b, c);
    want = s->size - c * s->chunk < s->chunk ? s->size - c * s->chunk : s->chunk;
    if (m->cap < 2 * (size_t)s->chunk) { /* the buffers grow to the largest chunk size in use */
        free(m->cin);
        free(m->cout);
        m->cap = 2 * (size_t)s->chunk;
        m->cached = 0;
        m->cin = malloc(m->cap);
        m->cout = malloc(m->cap);
        if (!m->cin || !m->cout) {
            m->cap = 0;
            return pt_err_set(err, PT_ENOMEM, "out of memory");
        }
    }
    if (len > m->cap || pt_read_exact(m->fn, m->src, s->bev[b].data + le64(pt), m->cin, len, err) != PT_OK)
        return pt_err_set(err, PT_EIO, "AFF4 image stream %.300s: chunk %" PRIu64 " could not be read", s->urn, c);
    m->cached = 0;
    if (len == s->chunk || s->codec == C_STORED) {
        memcpy(m->cout, m->cin, len);
        got = len;
    } else if (s->codec == C_SNAPPY) {
        size_t n = s->chunk;
        if (snappy_uncompress((const char *)m->cin, len, (char *)m->cout, &n) == SNAPPY_OK)
            got = n;
    } else if (s->codec == C_LZ4) {
        int n = LZ4_decompress_safe((const char *)m->cin, (char *)m->cout, (int)len, (int)s->chunk);
        got = n > 0 ? (size_t)n : 0;
    } else {
        z_stream zs;
        memset(&zs, 0, sizeof zs);
        if (inflateInit2(&zs, s->codec == C_DEFLATE ? -15 : 15) == Z_OK) {
            zs.next_in = m->cin;
            zs.avail_in = len;
            zs.next_out = m->cout;
            zs.avail_out = s->chunk;
            if (inflate(&zs, Z_FINISH) == Z_STREAM_END)
                got = s->chunk - zs.avail_out;
            inflateEnd(&zs);
        }
    }
    if (got == 0 && len == want) { /* a last, short chunk stored as it is */
        memcpy(m->cout, m->cin, len);
        got = len;
    }
    if (got < want)
        return pt_err_set(err, PT_EIO, "AFF4 image stream %.300s: chunk %" PRIu64 " (%u bytes at %" PRIu64
                          ") does not decompress to its %" PRIu64 " bytes", s->urn, c, len,
                          s->bev[b].data + le64(pt), want);
    m->cached = key;
    m->cached_len = got;
    return (ssize_t)got;
}

static int read_stream(pt_aff4map_t *m, size_t si, uint64_t off, uint8_t *buf, size_t len, pt_err_t *err)
{
    stream_t *s = &m->s[si];
    size_t done = 0, i;

    switch (s->kind) {
    case S_FILL:
        memset(buf, s->fill, len);
        return PT_OK;
    case S_PATTERN:
        for (i = 0; i < len; i++)
            buf[i] = (uint8_t)s->pattern[(off + i) % strlen(s->pattern)];
        return PT_OK;
    case S_MISSING:
        return pt_err_set(err, PT_EIO, "AFF4: the data at this offset is in stream %.300s, which this volume does "
                          "not hold (another volume of a multi-part image?)", s->urn);
    }
    while (done < len) {
        uint64_t at = off + done, c = at / s->chunk;
        ssize_t got = at < s->size ? load_chunk(m, si, c, err) : 0;
        size_t in = (size_t)(at - c * s->chunk), n;
        if (got < 0)
            return PT_EIO;
        if ((size_t)got <= in) { /* past the stream's end: zeros, as a short read of a disk */
            memset(buf + done, 0, len - done);
            return PT_OK;
        }
        n = (size_t)got - in < len - done ? (size_t)got - in : len - done;
        memcpy(buf + done, m->cout + in, n);
        done += n;
    }
    return PT_OK;
}

/* ---- the map ------------------------------------------------------------------------ */

static int cmp_ent(const void *a, const void *b)
{
    const mapent_t *x = a, *y = b;
    return x->off < y->off ? -1 : x->off > y->off;
}

static int load_map(pt_aff4map_t *m, const pt_turtle_t *t, const char *urn, pt_err_t *err, uint64_t *unreadable)
{
    char name[1100];
    uint8_t *raw = NULL;
    char *idx = NULL, *line, *save = NULL;
    size_t len = 0, ilen = 0, n, i, k = 0, nids = 0;
    long *ids = NULL, gap;
    const char *gapurn = pt_turtle_value(t, urn, AFF4 "mapGapDefaultStream");
    uint64_t at = 0;
    mapent_t *e = NULL;
    int rc = PT_EFORMAT;

    member_name(m, urn, "/idx", name, sizeof name);
    if (!(idx = (char *)read_member(m, name, &ilen, err)))
        return PT_EFORMAT;
    member_name(m, urn, "/map", name, sizeof name);
    if (!(raw = read_member(m, name, &len, err)))
        goto out;
    for (line = strtok_r(idx, "\r\n", &save); line; line = strtok_r(NULL, "\r\n", &save)) {
        long *ni = realloc(ids, (nids + 1) * sizeof *ni);
        if (!ni) {
            rc = pt_err_set(err, PT_ENOMEM, "out of memory");
            goto out;
        }
        ids = ni;
        if ((ids[nids++] = add_stream(m, t, line, err)) < 0)
            goto out;
    }
    if ((gap = add_stream(m, t, gapurn ? gapurn : AFF4 "Zero", err)) < 0)
        goto out;
    n = len / 28;
    if (!(e = calloc(n * 2 + 2, sizeof *e))) {
        rc = pt_err_set(err, PT_ENOMEM, "out of memory");
        goto out;
    }
    for (i = 0; i < n; i++) {
        const uint8_t *p = raw + 28 * i;
        uint32_t target = le32(p + 24);
        e[i].off = le64(p);
        e[i].len = le64(p + 8);
        e[i].soff = le64(p + 16);
        if (target >= nids) {
            rc = pt_err_set(err, PT_EFORMAT, "AFF4 map %.300s: entry %zu names target %u of %zu", urn, i, target,
                            nids);
            goto out;
        }
        e[i].sid = (uint32_t)ids[target];
    }
    if (n > 1)
        qsort(e, n, sizeof *e, cmp_ent);
    m->size = num(t, urn, AFF4 "size", 0);
    /* gaps between entries read from the gap stream at their own offset */
    if (!(m->map = calloc(n * 2 + 2, sizeof *m->map))) {
        rc = pt_err_set(err, PT_ENOMEM, "out of memory");
        goto out;
    }
    for (i = 0; i < n; i++) {
        if (e[i].len == 0)
            continue;
        if (e[i].off < at || e[i].off + e[i].len < e[i].off) {
            rc = pt_err_set(err, PT_EFORMAT, "AFF4 map %.300s: entries overlap at offset %" PRIu64, urn, e[i].off);
            goto out;
        }
        if (e[i].off > at)
            m->map[k++] = (mapent_t){ at, e[i].off - at, at, (uint32_t)gap };
        m->map[k++] = e[i];
        if (m->s[e[i].sid].kind == S_PATTERN && strcmp(m->s[e[i].sid].pattern, "UNREADABLEDATA") == 0)
            *unreadable += e[i].len;
        at = e[i].off + e[i].len;
    }
    if (m->size == 0)
        m->size = at;
    if (at < m->size)
        m->map[k++] = (mapent_t){ at, m->size - at, at, (uint32_t)gap };
    m->nmap = k;
    rc = PT_OK;
out:
    free(e);
    free(ids);
    free(idx);
    free(raw);
    return rc;
}

/* The hashes the imager stored for the image (aff4:hash; named by their
 * length, as the datatype is not kept), appended to desc. */
static void stored_hashes(pt_aff4map_t *m, const pt_turtle_t *t, const char *image, char *desc, size_t dsize)
{
    const char *h;
    size_t k, l;

    for (k = 0; (h = pt_turtle_value_n(t, image, AFF4 "hash", k)) != NULL && k < 8; k++) {
        size_t n = strlen(h);
        const char *alg = n == 32 ? "MD5" : n == 40 ? "SHA-1" : n == 64 ? "SHA-256" : n == 128 ? "SHA-512 or BLAKE2b"
                                                                                                 : NULL;
        if (!alg || strspn(h, "0123456789abcdefABCDEF") != n)
            continue;
        if (n == 32)
            snprintf(m->md5, sizeof m->md5, "%s", h);
        else if (n == 40)
            snprintf(m->sha1, sizeof m->sha1, "%s", h);
        if (!desc)
            continue;
        l = strlen(desc);
        snprintf(desc + l, dsize - l, "%s %s %s", k == 0 ? "; hashes stored by the imager:" : ",", alg, h);
    }
}

void pt_aff4map_free(pt_aff4map_t *m)
{
    size_t i, b;

    if (!m)
        return;
    for (i = 0; i < m->nz; i++)
        free(m->z[i].name);
    for (i = 0; i < m->ns; i++) {
        for (b = 0; b < m->s[i].nbev; b++) {
            free(m->s[i].bev[b].idx);
            free(m->s[i].bev[b].why);
        }
        free(m->s[i].bev);
        free(m->s[i].urn);
    }
    free(m->z);
    free(m->s);
    free(m->map);
    free(m->volume);
    free(m->cin);
    free(m->cout);
    free(m);
}

void pt_aff4map_stored_hashes(const pt_aff4map_t *m, char md5[33], char sha1[41])
{
    snprintf(md5, 33, "%s", m->md5);
    snprintf(sha1, 41, "%s", m->sha1);
}

uint64_t pt_aff4map_disk_size(const pt_aff4map_t *m)
{
    return m->size;
}

int pt_aff4map_open(pt_read_fn fn, void *src, uint64_t fsize, pt_aff4map_t **out, char *desc, size_t dsize,
                    pt_err_t *err)
{
    static const char *const image_types[] = { AFF4 "Image", AFF4 "DiskImage", AFF4 "ContiguousImage",
                                               AFF4 "VolumeImage", AFF4 "MemoryImage" };
    pt_aff4map_t *m;
    pt_turtle_t *t = NULL;
    char *comment = NULL, *text = NULL;
    const char *image = NULL, *target = NULL, *what;
    size_t len = 0, i, nimages = 0;
    uint64_t unreadable = 0;
    int rc = PT_EFORMAT;

    *out = NULL;
    if (!(m = calloc(1, sizeof *m)))
        return pt_err_set(err, PT_ENOMEM, "out of memory");
    m->fn = fn;
    m->src = src;
    m->fsize = fsize;
    if (fsize < 22 || (rc = read_dir(m, &comment, err)) != PT_OK)
        goto fail;
    if (comment && strncmp(comment, "aff4://", 7) == 0) {
        m->volume = comment;
        comment = NULL;
    } else if ((m->volume = (char *)read_member(m, "container.description", &len, err)) != NULL) {
        while (len && (m->volume[len - 1] == '\n' || m->volume[len - 1] == '\r' || m->volume[len - 1] == ' '))
            m->volume[--len] = '\0';
    }
    if (!(text = (char *)read_member(m, "information.turtle", &len, err))) {
        rc = pt_err_set(err, PT_EFORMAT, "AFF4 volume without information.turtle (not an AFF4 Standard volume? "
                        "the older AFF4 preview format is not read)");
        goto fail;
    }
    if ((rc = pt_turtle_parse(text, len, &t, err)) != PT_OK)
        goto fail;
    for (i = 0; i < sizeof image_types / sizeof image_types[0]; i++) {
        const char *s;
        size_t k;
        for (k = 0; (s = pt_turtle_subject_of_type(t, image_types[i], k)) != NULL; k++) {
            const char *ds = pt_turtle_value(t, s, AFF4 "dataStream");
            if (ds && (!image || strcmp(s, image) != 0)) {
                if (!image) {
                    image = s;
                    target = ds;
                }
                nimages++;
            }
        }
    }
    if (!target && !(target = pt_turtle_subject_of_type(t, AFF4 "Map", 0)) &&
        !(target = pt_turtle_subject_of_type(t, AFF4 "ImageStream", 0))) {
        rc = pt_err_set(err, PT_EFORMAT, "AFF4 volume %.200s: information.turtle describes no image, map or "
                        "image stream", m->volume ? m->volume : "(no URN)");
        goto fail;
    }
    {
        char name[1100];
        member_name(m, target, "/map", name, sizeof name);
        if (member(m, name)) {
            what = "map";
            if ((rc = load_map(m, t, target, err, &unreadable)) != PT_OK)
                goto fail;
        } else {
            long si;
            what = "image stream";
            if ((si = add_stream(m, t, target, err)) < 0) {
                rc = PT_EFORMAT;
                goto fail;
            }
            if (m->s[si].kind != S_IMAGE) {
                rc = pt_err_set(err, PT_EFORMAT, "AFF4 volume: the image's data stream %.300s is neither a map nor "
                                "an image stream in this volume", target);
                goto fail;
            }
            m->size = m->s[si].size;
            if (!(m->map = calloc(1, sizeof *m->map))) {
                rc = pt_err_set(err, PT_ENOMEM, "out of memory");
                goto fail;
            }
            m->map[0] = (mapent_t){ 0, m->size, 0, (uint32_t)si };
            m->nmap = 1;
        }
    }
    if (desc) {
        const char *codec = NULL;
        for (i = 0; i < m->ns && !codec; i++)
            if (m->s[i].kind == S_IMAGE)
                codec = m->s[i].codec == C_SNAPPY ? "snappy" : m->s[i].codec == C_LZ4 ? "LZ4"
                        : m->s[i].codec == C_DEFLATE ? "deflate" : m->s[i].codec == C_ZLIB ? "zlib" : "stored";
        snprintf(desc, dsize, "AFF4 image %.120s (%s of %zu entr%s), %" PRIu64 " bytes, chunks %s%s", image ? image
                 : target, what, m->nmap, m->nmap == 1 ? "y" : "ies", m->size, codec ? codec : "none",
                 nimages > 1 ? "; the volume holds more images: the first is read" : "");
        stored_hashes(m, t, image ? image : target, desc, dsize);
        if (unreadable) {
            size_t l = strlen(desc);
            snprintf(desc + l, dsize - l, "; %" PRIu64 " bytes the imager could not read (aff4:UnreadableData, "
                     "read as that pattern)", unreadable);
        }
    }
    if (!desc)
        stored_hashes(m, t, image ? image : target, NULL, 0);
    pt_turtle_free(t);
    free(text);
    free(comment);
    *out = m;
    return PT_OK;
fail:
    pt_turtle_free(t);
    free(text);
    free(comment);
    pt_aff4map_free(m);
    return rc == PT_ENOMEM ? rc : PT_EFORMAT;
}

/* The map entry that holds image byte at (the map covers the image
 * without gaps), or NULL past its end. */
static const mapent_t *entry_at(const pt_aff4map_t *m, uint64_t at)
{
    size_t lo = 0, hi = m->nmap;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (m->map[mid].off + m->map[mid].len <= at)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < m->nmap ? &m->map[lo] : NULL;
}

ssize_t pt_aff4map_read(pt_aff4map_t *m, uint64_t off, uint8_t *buf, size_t len, pt_err_t *err)
{
    size_t done = 0, n;
    const mapent_t *e;

    len = off >= m->size ? 0 : len > m->size - off ? (size_t)(m->size - off) : len;
    for (; done < len; done += n) {
        uint64_t at = off + done;
        if (!(e = entry_at(m, at))) {
            memset(buf + done, 0, len - done);
            break;
        }
        n = e->off + e->len - at < len - done ? (size_t)(e->off + e->len - at) : len - done;
        if (read_stream(m, e->sid, e->soff + (at - e->off), buf + done, n, err) != PT_OK)
            return -1;
    }
    return (ssize_t)len;
}
