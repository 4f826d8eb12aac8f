/* ewfmap.c - EWF-E01/S01 sets read through callbacks: the section chain,
 * the chunk tables (kept as a list; one table's entries cached at a time,
 * so memory does not grow with the media), and one decoded chunk.  Owns
 * its copies of the segment list, the tables and the caches. */
#include "ewfmap.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "bytes.h"

#define SECTION 76u
#define TABLE_MAX (1u << 20)    /* entries in one table: EnCase writes at most 16,375 */

typedef struct ewf_table {
    unsigned seg;
    uint64_t entries;           /* file offset of the first entry */
    uint32_t count;
    uint64_t first;             /* the first chunk it describes */
    uint64_t base;              /* added to every entry's offset */
    uint64_t end;               /* where its last chunk ends when the chunks precede the table */
    uint64_t sect, sect_end;    /* the table section: EWF-E01 (EnCase 1) puts its chunks inside, after the entries */
} ewf_table_t;

struct pt_ewfmap {
    pt_ewfmap_seg_t *segs;
    unsigned nsegs;
    uint64_t size, chunks, chunk_size;
    uint32_t sector;
    ewf_table_t *tables;
    size_t ntables, cap;
    pthread_mutex_t lock;
    size_t cached_table;        /* whose entries are in entries (SIZE_MAX: none) */
    uint32_t *entries;
    uint64_t cached_chunk;      /* decoded in chunk (UINT64_MAX: none) */
    uint8_t *chunk, *stored;
};


static int seg_read(const pt_ewfmap_t *m, unsigned s, uint64_t off, void *buf, size_t len, pt_err_t *err)
{
    if (off > m->segs[s].size || len > m->segs[s].size - off)
        return pt_err_set(err, PT_EFORMAT, "EWF segment %u: %zu bytes at offset %" PRIu64 " lie past its end "
                          "(%" PRIu64 " bytes: truncated?)", s + 1, len, off, m->segs[s].size);
    return pt_read_exact(m->segs[s].fn, m->segs[s].src, off, buf, len, err);
}

static int add_table(pt_ewfmap_t *m, const ewf_table_t *t, pt_err_t *err)
{
    if (m->ntables == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 64;
        ewf_table_t *a = realloc(m->tables, cap * sizeof *a);
        if (!a)
            return pt_err_set(err, PT_ENOMEM, "out of memory");
        m->tables = a;
        m->cap = cap;
    }
    m->tables[m->ntables++] = *t;
    return PT_OK;
}

/* The most a chunk takes stored: its data and Adler-32, or zlib's output
 * for data that does not shrink (under 0.1% more, and a few bytes). */
static uint64_t stored_max(const pt_ewfmap_t *m)
{
    return m->chunk_size + 4 + m->chunk_size / 8 + 64;
}

/* The media geometry of a "volume" or "disk" section: the EnCase layout
 * (1,052 bytes, 64-bit sector count) or SMART's (94 bytes, 32-bit). */
static int volume(pt_ewfmap_t *m, const uint8_t *d, uint64_t len, pt_err_t *err)
{
    uint64_t sectors;
    uint32_t spc;

    if (len < 20)
        return pt_err_set(err, PT_EFORMAT, "EWF volume section of %" PRIu64 " bytes: too short", len);
    spc = le32(d + 8);
    m->sector = le32(d + 12);
    sectors = len >= 1052 ? le64(d + 16) : le32(d + 16);
    if (spc == 0 || spc > 32768 || m->sector == 0 || m->sector > 65536 || (m->sector & (m->sector - 1)) ||
        sectors > (UINT64_MAX >> 17))
        return pt_err_set(err, PT_EFORMAT, "EWF volume section: %" PRIu32 " sectors of %" PRIu32 " bytes a chunk, "
                          "%" PRIu64 " sectors: not a geometry EWF writes", spc, m->sector, sectors);
    m->chunk_size = (uint64_t)spc * m->sector;
    m->size = sectors * m->sector;
    m->chunks = (m->size + m->chunk_size - 1) / m->chunk_size;
    return PT_OK;
}

/* One segment's sections, in their chain. */
static int segment(pt_ewfmap_t *m, unsigned s, uint64_t *chunks, int *done, char *md5, pt_err_t *err)
{
    uint8_t h[13], d[SECTION], tab[24];
    uint64_t at = 13, sectors_start = 0, sectors_end = 0;
    unsigned guard = 0;
    ewf_table_t pending = { 0 };
    int have_pending = 0, rc;

    if ((rc = seg_read(m, s, 0, h, sizeof h, err)) != PT_OK)
        return rc;
    if (memcmp(h, "EVF2", 4) == 0 || memcmp(h, "LEF2", 4) == 0)
        return pt_err_set(err, PT_EFORMAT, "EWF2 (Ex01/Lx01) segment: read only from a directory given as evidence "
                          "(through libewf)");
    if (memcmp(h, "LVF\x09\x0d\x0a\xff\x00", 8) == 0)
        return pt_err_set(err, PT_EFORMAT, "logical evidence file (L01): it holds files, not a disk");
    if (memcmp(h, "EVF\x09\x0d\x0a\xff\x00", 8) != 0)
        return pt_err_set(err, PT_EFORMAT, "segment %u is not an EWF segment", s + 1);
    if ((unsigned)(h[9] | h[10] << 8) != s + 1)
        return pt_err_set(err, PT_EFORMAT, "file %u of the set calls itself segment %u", s + 1,
                          (unsigned)(h[9] | h[10] << 8));
    for (;;) {
        uint64_t next, size;
        if (++guard > 1000000)
            return pt_err_set(err, PT_EFORMAT, "EWF segment %u: more sections than any writer makes", s + 1);
        if ((rc = seg_read(m, s, at, d, sizeof d, err)) != PT_OK)
            return pt_err_set(err, rc, "EWF segment %u: section at offset %" PRIu64 " cannot be read: %s", s + 1, at,
                              err->msg);
        if ((uint32_t)adler32(1, d, 72) != le32(d + 72))
            return pt_err_set(err, PT_EFORMAT, "EWF segment %u: the section descriptor at offset %" PRIu64 " fails "
                              "its checksum (damaged)", s + 1, at);
        next = le64(d + 16);
        size = le64(d + 24);
        d[15] = 0;
        if (!strcmp((char *)d, "volume") || !strcmp((char *)d, "disk")) {
            if (s == 0 && m->chunk_size == 0) {
                uint8_t v[1052];
                uint64_t n = size > SECTION ? size - SECTION : 0;
                if (n > sizeof v)
                    n = sizeof v;
                if ((rc = seg_read(m, s, at + SECTION, v, (size_t)n, err)) != PT_OK ||
                    (rc = volume(m, v, n, err)) != PT_OK)
                    return rc;
            }
        } else if (!strcmp((char *)d, "sectors")) {
            sectors_start = at + SECTION;
            sectors_end = at + size;
        } else if (!strcmp((char *)d, "table") || (!strcmp((char *)d, "table2") && have_pending == 2)) {
            /* table2 stands in only for a table whose header fails its checksum */
            if (m->chunk_size == 0)
                return pt_err_set(err, PT_EFORMAT, "EWF segment %u: a chunk table before the volume section", s + 1);
            if ((rc = seg_read(m, s, at + SECTION, tab, sizeof tab, err)) != PT_OK)
                return rc;
            pending.seg = s;
            pending.count = le32(tab);
            pending.base = le64(tab + 8);
            pending.entries = at + SECTION + 24;
            pending.first = *chunks;
            /* the last chunk ends where its sectors section does; EnCase 1
             * wrote the chunks before the table, in the table section */
            pending.end = sectors_end > sectors_start && sectors_end <= at ? sectors_end : at;
            pending.sect = at;
            pending.sect_end = at + size;
            have_pending = (uint32_t)adler32(1, tab, 20) == le32(tab + 20) ? 1 : 2;
            if (have_pending == 1 || !strcmp((char *)d, "table2")) {
                if (have_pending == 2)
                    return pt_err_set(err, PT_EFORMAT, "EWF segment %u: both chunk tables fail their checksum "
                                      "(damaged)", s + 1);
                if (pending.count == 0 || pending.count > TABLE_MAX ||
                    pending.entries + (uint64_t)pending.count * 4 > m->segs[s].size)
                    return pt_err_set(err, PT_EFORMAT, "EWF segment %u: a chunk table of %" PRIu32 " entries does "
                                      "not fit the segment", s + 1, pending.count);
                if ((rc = add_table(m, &pending, err)) != PT_OK)
                    return rc;
                *chunks += pending.count;
                have_pending = 0;
            }
        } else if (!strcmp((char *)d, "hash") && size >= SECTION + 16) {
            uint8_t b[16];
            if (seg_read(m, s, at + SECTION, b, 16, err) == PT_OK)
                for (int i = 0; i < 16; i++)
                    snprintf(md5 + 2 * i, 3, "%02x", b[i]);
        } else if (!strcmp((char *)d, "done")) {
            *done = 1;
            return PT_OK;
        } else if (!strcmp((char *)d, "next")) {
            return PT_OK;
        }
        if (have_pending == 2 && strcmp((char *)d, "table") != 0)
            return pt_err_set(err, PT_EFORMAT, "EWF segment %u: a chunk table fails its checksum and no table2 "
                              "follows it (damaged)", s + 1);
        if (next <= at || next >= m->segs[s].size)
            return pt_err_set(err, PT_EFORMAT, "EWF segment %u: the section at offset %" PRIu64 " points to %" PRIu64
                              ", not forward inside the file (damaged or truncated)", s + 1, at, next);
        at = next;
    }
}

int pt_ewfmap_open(const pt_ewfmap_seg_t *segs, unsigned n, pt_ewfmap_t **out, char *desc, size_t dsize,
                   pt_err_t *err)
{
    pt_ewfmap_t *m = calloc(1, sizeof *m);
    uint64_t chunks = 0;
    int done = 0, rc = PT_OK;
    char md5[33] = "";
    unsigned s;

    *out = NULL;
    if (!m || !(m->segs = malloc(n * sizeof *segs))) {
        free(m);
        return pt_err_set(err, PT_ENOMEM, "out of memory");
    }
    memcpy(m->segs, segs, n * sizeof *segs);
    m->nsegs = n;
    pthread_mutex_init(&m->lock, NULL);
    m->cached_table = SIZE_MAX;
    m->cached_chunk = UINT64_MAX;
    for (s = 0; s < n && !done && rc == PT_OK; s++)
        rc = segment(m, s, &chunks, &done, md5, err);
    if (rc == PT_OK && m->chunk_size == 0)
        rc = pt_err_set(err, PT_EFORMAT, "EWF: no volume section in the first segment");
    else if (rc == PT_OK && !done)
        rc = pt_err_set(err, PT_EFORMAT, "EWF set ends after segment %u without its \"done\" section: a segment "
                        "is missing", n);
    else if (rc == PT_OK && chunks < m->chunks)
        rc = pt_err_set(err, PT_EFORMAT, "EWF tables describe %" PRIu64 " chunks, the media %" PRIu64 ": a segment "
                        "is missing or damaged", chunks, m->chunks);
    if (rc == PT_OK && (!(m->entries = malloc(TABLE_MAX * sizeof *m->entries)) ||
                        !(m->chunk = malloc((size_t)m->chunk_size)) ||
                        !(m->stored = malloc((size_t)stored_max(m)))))
        rc = pt_err_set(err, PT_ENOMEM, "out of memory");
    if (rc != PT_OK) {
        pt_ewfmap_free(m);
        return rc;
    }
    if (desc)
        snprintf(desc, dsize, "EWF image of %u segment%s, %" PRIu64 " bytes in %" PRIu64 " chunks of %" PRIu64
                 " bytes%s%s", n, n == 1 ? "" : "s", m->size, m->chunks, m->chunk_size, md5[0] ? ", stored MD5 " : "",
                 md5);
    *out = m;
    return PT_OK;
}

void pt_ewfmap_free(pt_ewfmap_t *m)
{
    if (!m)
        return;
    pthread_mutex_destroy(&m->lock);
    free(m->segs);
    free(m->tables);
    free(m->entries);
    free(m->chunk);
    free(m->stored);
    free(m);
}

uint64_t pt_ewfmap_size(const pt_ewfmap_t *m) { return m->size; }
unsigned pt_ewfmap_sector_size(const pt_ewfmap_t *m) { return m->sector; }

/* Decodes chunk c into m->chunk (under the lock). */
static int load_chunk(pt_ewfmap_t *m, uint64_t c, pt_err_t *err)
{
    size_t lo = 0, hi = m->ntables, t;
    uint64_t start, end, want = c + 1 == m->chunks ? m->size - c * m->chunk_size : m->chunk_size;
    uint32_t e, i;
    int compressed;

    if (m->cached_chunk == c)
        return PT_OK;
    while (hi - lo > 1) { /* the last table whose first chunk is <= c */
        size_t mid = (lo + hi) / 2;
        if (m->tables[mid].first <= c)
            lo = mid;
        else
            hi = mid;
    }
    t = lo;
    const ewf_table_t *tb = &m->tables[t];
    if (m->cached_table != t) {
        uint8_t *raw = (uint8_t *)m->entries; /* entries read in place, then decoded from the end */
        if (seg_read(m, tb->seg, tb->entries, raw, (size_t)tb->count * 4, err) != PT_OK)
            return PT_EIO;
        for (i = 0; i < tb->count; i++)
            m->entries[i] = le32(raw + 4 * i);
        m->cached_table = t;
    }
    i = (uint32_t)(c - tb->first);
    e = m->entries[i];
    compressed = (e >> 31) != 0;
    start = tb->base + (e & 0x7fffffffu);
    end = i + 1 < tb->count ? tb->base + (m->entries[i + 1] & 0x7fffffffu)
          : start >= tb->sect ? tb->sect_end : tb->end;
    if (end <= start || end - start > (compressed ? stored_max(m) : m->chunk_size + 4)) {
        return pt_err_set(err, PT_EFORMAT, "EWF chunk %" PRIu64 " (sectors %" PRIu64 "-%" PRIu64 "): its table "
                          "entries give %" PRIu64 "..%" PRIu64 " in segment %u: damaged", c,
                          c * m->chunk_size / m->sector, (c * m->chunk_size + want) / m->sector - 1, start, end,
                          tb->seg + 1);
    }
    if (seg_read(m, tb->seg, start, m->stored, (size_t)(end - start), err) != PT_OK)
        return PT_EIO;
    if (compressed) {
        uLongf got = (uLongf)want;
        if (uncompress(m->chunk, &got, m->stored, (uLong)(end - start)) != Z_OK || got != want)
            return pt_err_set(err, PT_EFORMAT, "EWF chunk %" PRIu64 " (sectors %" PRIu64 "-%" PRIu64 ") does not "
                              "decompress to its %" PRIu64 " bytes: damaged", c, c * m->chunk_size / m->sector,
                              (c * m->chunk_size + want) / m->sector - 1, want);
    } else {
        /* stored as is, with its Adler-32 after it (when there is room) */
        if (end - start < want)
            return pt_err_set(err, PT_EFORMAT, "EWF chunk %" PRIu64 ": %" PRIu64 " bytes stored, %" PRIu64
                              " expected: damaged", c, end - start, want);
        if (end - start >= want + 4 && (uint32_t)adler32(1, m->stored, (uInt)want) != le32(m->stored + want))
            return pt_err_set(err, PT_EFORMAT, "EWF chunk %" PRIu64 " (sectors %" PRIu64 "-%" PRIu64 ") fails its "
                              "checksum: damaged", c, c * m->chunk_size / m->sector,
                              (c * m->chunk_size + want) / m->sector - 1);
        memcpy(m->chunk, m->stored, (size_t)want);
    }
    m->cached_chunk = c;
    return PT_OK;
}

ssize_t pt_ewfmap_read(void *src, uint64_t off, uint8_t *buf, size_t len, pt_err_t *err)
{
    pt_ewfmap_t *m = src;
    size_t done = 0;

    if (off >= m->size)
        return 0;
    if (len > m->size - off)
        len = (size_t)(m->size - off);
    pthread_mutex_lock(&m->lock);
    while (done < len) {
        uint64_t c = (off + done) / m->chunk_size, in = (off + done) % m->chunk_size;
        size_t take = (size_t)(m->chunk_size - in) < len - done ? (size_t)(m->chunk_size - in) : len - done;
        if (load_chunk(m, c, err) != PT_OK) {
            m->cached_chunk = UINT64_MAX;
            break;
        }
        memcpy(buf + done, m->chunk + in, take);
        done += take;
    }
    pthread_mutex_unlock(&m->lock);
    return done ? (ssize_t)done : -1;
}
