/* sparse.h - the sparse-image input format of the fuzz targets, so that
 * seeds of images far larger than libFuzzer's -max_len fit: a u32 size in
 * bytes, then records of (u32 sector, u32 length, bytes) over zeros; a
 * length with its high bit set is followed by one byte that fills it
 * (NTFS's $LogFile is 0xFF).  tests/fuzz/readers_seeds.py writes them. */
#ifndef PT_FUZZ_SPARSE_H
#define PT_FUZZ_SPARSE_H

#include <stddef.h>
#include <stdint.h>

static inline uint32_t sparse_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

typedef struct {
    uint64_t at;         /* byte offset */
    size_t len;
    const uint8_t *data; /* len bytes, or the one byte that fills them */
    int fill;
} sparse_rec_t;

/* The record at *p (advanced past it); 0 at the end of the input. */
static inline int sparse_next(const uint8_t **p, const uint8_t *end, sparse_rec_t *r)
{
    uint32_t len;
    size_t have;

    if (end - *p < 9)
        return 0;
    len = sparse_le32(*p + 4);
    have = (size_t)(end - *p - 8);
    r->at = (uint64_t)sparse_le32(*p) * 512;
    r->fill = (int)(len >> 31);
    r->len = len & 0x7fffffffu;
    r->data = *p + 8;
    if (!r->fill && r->len > have)
        r->len = have;
    *p = r->data + (r->fill ? 1 : r->len);
    return 1;
}

#endif
