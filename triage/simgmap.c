/* simgmap.c - the chunk map of an Android sparse image, after AOSP's
 * system/core/libsparse/sparse_format.h: a 28-byte header (magic
 * 0xed26ff3a, version 1.x, header and chunk-header sizes, block size, the
 * disk's blocks, the chunk count), then chunks of a 12-byte header each:
 * RAW (its blocks follow), FILL (a 32-bit value repeated), DONT_CARE
 * (zeros) and CRC32 (a checksum, no blocks).  Owns the chunk array. */
#include "simgmap.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"

#define MAGIC 0xed26ff3au
#define T_RAW 0xcac1u
#define T_FILL 0xcac2u
#define T_DONT_CARE 0xcac3u
#define T_CRC32 0xcac4u

typedef struct chunk {
    uint64_t first, count;  /* the disk's blocks it gives */
    uint64_t data;          /* RAW: where its bytes start in the file */
    uint32_t fill;          /* FILL: the value, little-endian as stored */
    uint16_t type;
} chunk_t;

struct pt_simgmap {
    pt_read_fn fn;
    void *src;
    uint32_t blk;
    uint64_t blocks;
    chunk_t *c;
    size_t n;
};

int pt_simgmap_is_simg(const uint8_t *h, size_t n)
{
    return n >= 28 && le32(h) == MAGIC && le16(h + 4) == 1 && le16(h + 8) >= 28 && le16(h + 10) >= 12 &&
           le32(h + 12) >= 512 && le32(h + 12) % 4 == 0;
}

void pt_simgmap_free(pt_simgmap_t *m)
{
    if (m) {
        free(m->c);
        free(m);
    }
}

uint64_t pt_simgmap_disk_size(const pt_simgmap_t *m)
{
    return m->blocks * m->blk;
}

int pt_simgmap_open(pt_read_fn fn, void *src, uint64_t fsize, pt_simgmap_t **out, char *desc, size_t dsize,
                    pt_err_t *err)
{
    uint8_t h[28], ch[12];
    uint64_t at, block = 0, nraw = 0, nfill = 0, nskip = 0, ncrc = 0;
    uint32_t total_chunks, i;
    uint16_t fhdr, chdr;
    pt_simgmap_t *m;
    int rc;

    *out = NULL;
    if (fsize < sizeof h || (rc = pt_read_exact(fn, src, 0, h, sizeof h, err)) != PT_OK)
        return pt_err_set(err, PT_EFORMAT, "Android sparse image: header not read");
    if (le32(h) != MAGIC)
        return pt_err_set(err, PT_EFORMAT, "not an Android sparse image (magic)");
    if (le16(h + 4) != 1)
        return pt_err_set(err, PT_EFORMAT, "Android sparse image version %u.%u: ptriage reads version 1",
                          le16(h + 4), le16(h + 6));
    fhdr = le16(h + 8);
    chdr = le16(h + 10);
    total_chunks = le32(h + 20);
    if (!pt_simgmap_is_simg(h, sizeof h) || fhdr > 4096 || chdr > 4096 ||
        (uint64_t)total_chunks * chdr > fsize)
        return pt_err_set(err, PT_EFORMAT, "Android sparse image header is implausible (header %u bytes, chunk "
                          "headers %u, block size %u, %u chunks in a file of %" PRIu64 " bytes)", fhdr, chdr,
                          le32(h + 12), total_chunks, fsize);
    if (!(m = calloc(1, sizeof *m)) || !(m->c = calloc(total_chunks ? total_chunks : 1, sizeof *m->c))) {
        free(m);
        return pt_err_set(err, PT_ENOMEM, "out of memory");
    }
    m->fn = fn;
    m->src = src;
    m->blk = le32(h + 12);
    m->blocks = le32(h + 16);
    for (i = 0, at = fhdr; i < total_chunks; i++) {
        chunk_t *c = &m->c[m->n];
        uint64_t size, want;
        if (at + chdr > fsize || pt_read_exact(fn, src, at, ch, sizeof ch, err) != PT_OK) {
            rc = pt_err_set(err, PT_EFORMAT, "Android sparse image: chunk %u of %u lies past the file's end "
                            "(truncated?)", i + 1, total_chunks);
            goto fail;
        }
        c->type = le16(ch);
        c->count = le32(ch + 4);
        size = le32(ch + 8);
        c->first = block;
        want = c->type == T_RAW ? chdr + c->count * m->blk : c->type == T_FILL || c->type == T_CRC32 ? chdr + 4u
                                                                                                     : chdr;
        if ((c->type != T_RAW && c->type != T_FILL && c->type != T_DONT_CARE && c->type != T_CRC32) ||
            size != want || at + size > fsize || (c->type == T_CRC32 && c->count != 0)) {
            rc = pt_err_set(err, PT_EFORMAT, "Android sparse image: chunk %u (at byte %" PRIu64 ", type 0x%04x, "
                            "%" PRIu64 " blocks, %" PRIu64 " bytes) is damaged or past the file's end", i + 1, at,
                            c->type, c->count, size);
            goto fail;
        }
        if (c->count > m->blocks - block) {
            rc = pt_err_set(err, PT_EFORMAT, "Android sparse image: chunk %u runs past the disk's %" PRIu64
                            " blocks", i + 1, m->blocks);
            goto fail;
        }
        if (c->type == T_RAW) {
            c->data = at + chdr;
            nraw++;
        } else if (c->type == T_FILL) {
            uint8_t v[4];
            if (pt_read_exact(fn, src, at + chdr, v, 4, err) != PT_OK) {
                rc = PT_EFORMAT;
                goto fail;
            }
            memcpy(&c->fill, v, 4);
            nfill++;
        } else if (c->type == T_DONT_CARE) {
            nskip++;
        } else {
            ncrc++;
        }
        at += size;
        block += c->count;
        if (c->count)
            m->n++; /* a CRC32 chunk gives no blocks */
    }
    /* blocks no chunk gives (a short image): zeros, as simg2img leaves them */
    if (desc)
        snprintf(desc, dsize, "Android sparse image (version 1.%u), %u-byte blocks, %" PRIu64 " bytes expanded; "
                 "%u chunks: %" PRIu64 " raw, %" PRIu64 " fill, %" PRIu64 " never written (zeros)%s%s", le16(h + 6),
                 m->blk, m->blocks * m->blk, total_chunks, nraw, nfill, nskip, ncrc ? ", CRC32 chunks (not checked)" : "",
                 block < m->blocks ? "; the chunks end before the disk does (the rest reads as zeros)" : "");
    *out = m;
    return PT_OK;
fail:
    pt_simgmap_free(m);
    return rc == PT_ENOMEM ? rc : PT_EFORMAT;
}

ssize_t pt_simgmap_read(pt_simgmap_t *m, uint64_t off, uint8_t *buf, size_t len, pt_err_t *err)
{
    uint64_t size = m->blocks * m->blk;
    size_t done = 0;

    if (off >= size)
        return 0;
    if (len > size - off)
        len = (size_t)(size - off);
    while (done < len) {
        uint64_t at = off + done, b = at / m->blk, end;
        size_t lo = 0, hi = m->n, n;
        const chunk_t *c = NULL;
        while (lo < hi) { /* the chunk holding block b */
            size_t mid = lo + (hi - lo) / 2;
            if (m->c[mid].first + m->c[mid].count <= b)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo < m->n && m->c[lo].first <= b)
            c = &m->c[lo];
        end = c ? (c->first + c->count) * m->blk : lo < m->n ? m->c[lo].first * m->blk : size;
        n = end - at < len - done ? (size_t)(end - at) : len - done;
        if (c && c->type == T_RAW) {
            if (pt_read_exact(m->fn, m->src, c->data + (at - c->first * m->blk), buf + done, n, err) != PT_OK)
                return -1;
        } else if (c && c->type == T_FILL) {
            const uint8_t *v = (const uint8_t *)&c->fill;
            for (size_t i = 0; i < n; i++)
                buf[done + i] = v[(at + i) % 4]; /* blocks are multiples of 4 bytes */
        } else {
            memset(buf + done, 0, n);
        }
        done += n;
    }
    return (ssize_t)done;
}
