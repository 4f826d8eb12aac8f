/* lvmthin.c - dm-thin pool metadata (the kernel's dm-thin-metadata.c and
 * persistent-data/dm-btree*.c layouts): a superblock in block 0, B-tree
 * nodes of 4 KiB, each checksummed with CRC-32C and naming its own block. */
#include "lvmthin.h"

#include <stdlib.h>
#include <string.h>

#include "crc32c.h"

#define BLOCK 4096u
#define THIN_MAGIC 27022010u
#define SB_XOR 160774u        /* SUPERBLOCK_CSUM_XOR */
#define NODE_XOR 121107u      /* BTREE_CSUM_XOR */
#define NODE_INTERNAL 1u
#define NODE_LEAF 2u
#define NODE_HDR 32u
#define DEPTH_MAX 16          /* dm-btree keeps far fewer levels; more means a loop */
#define CACHE 32              /* metadata blocks kept: a path and its neighbours */

static uint64_t le(const uint8_t *p, int n)
{
    uint64_t v = 0;
    while (n--)
        v = v << 8 | p[n];
    return v;
}

typedef struct slot {
    uint64_t blk;
    uint64_t used;            /* 0: empty */
    uint8_t b[BLOCK];
} slot_t;

struct pt_lvmthin {
    pt_read_fn mfn, dfn;
    void *msrc, *dsrc;
    uint64_t meta_blocks, data_blocks, chunk, size, root, mapped, tick;
    slot_t cache[CACHE];
};

/* dm_bm_checksum: CRC-32C from ~0 without the final inversion, xored */
static uint32_t dm_sum(const uint8_t *b, uint32_t xor_)
{
    return ~pt_crc32c(b + 4, BLOCK - 4) ^ xor_;
}

static int sb_read(pt_read_fn fn, void *src, uint64_t meta_size, uint8_t *b, pt_err_t *err)
{
    int rc;

    if (meta_size < 2 * BLOCK)
        return pt_err_set(err, PT_EFORMAT, "thin pool metadata volume of %llu bytes is too small",
                          (unsigned long long)meta_size);
    if ((rc = pt_read_exact(fn, src, 0, b, BLOCK, err)) != PT_OK) {
        pt_err_prefix(err, "thin pool superblock");
        return rc;
    }
    if (le(b + 32, 8) != THIN_MAGIC)
        return pt_err_set(err, PT_EFORMAT, "the thin pool's metadata volume has no dm-thin superblock (magic %llu, "
                          "not %u): never activated, or wiped", (unsigned long long)le(b + 32, 8), THIN_MAGIC);
    if (le(b, 4) != dm_sum(b, SB_XOR) || le(b + 8, 8) != 0)
        return pt_err_set(err, PT_EFORMAT, "the thin pool's superblock fails its checksum (damaged metadata: "
                          "thin_check would refuse it)");
    if (le(b + 40, 4) < 1 || le(b + 40, 4) > 2)
        return pt_err_set(err, PT_EFORMAT, "thin pool metadata version %u is not 1 or 2", (unsigned)le(b + 40, 4));
    if (le(b + 340, 4) != BLOCK / 512)
        return pt_err_set(err, PT_EFORMAT, "thin pool metadata blocks of %u sectors (dm-thin writes 8)",
                          (unsigned)le(b + 340, 4));
    /* incompatible features: none is defined */
    if (le(b + 360, 4) != 0)
        return pt_err_set(err, PT_EFORMAT, "thin pool metadata with unknown incompatible features 0x%x",
                          (unsigned)le(b + 360, 4));
    return PT_OK;
}

int pt_lvmthin_pool(pt_read_fn meta, void *msrc, uint64_t meta_size, pt_lvmthin_pool_info_t *info, pt_err_t *err)
{
    uint8_t b[BLOCK];
    int rc;

    memset(info, 0, sizeof *info);
    if ((rc = sb_read(meta, msrc, meta_size, b, err)) != PT_OK)
        return rc;
    info->chunk = le(b + 336, 4) * 512;
    info->transaction = le(b + 48, 8);
    /* the data space map's root: nr_blocks, nr_allocated, bitmap root, ref count root */
    info->data_blocks = le(b + 64, 8);
    info->data_allocated = le(b + 72, 8);
    return PT_OK;
}

/* Metadata block blk, checked as a B-tree node of value_size vsize. */
static const uint8_t *node(pt_lvmthin_t *t, uint64_t blk, uint32_t vsize, pt_err_t *err)
{
    slot_t *s = NULL, *old = &t->cache[0];
    uint32_t n, max, flags;
    int i;

    for (i = 0; i < CACHE; i++) {
        if (t->cache[i].used && t->cache[i].blk == blk) {
            s = &t->cache[i];
            break;
        }
        if (t->cache[i].used < old->used)
            old = &t->cache[i];
    }
    if (!s) {
        if (blk == 0 || blk >= t->meta_blocks) {
            pt_err_set(err, PT_EFORMAT, "thin pool metadata points at block %llu, outside its %llu blocks",
                       (unsigned long long)blk, (unsigned long long)t->meta_blocks);
            return NULL;
        }
        s = old;
        s->used = 0;
        if (pt_read_exact(t->mfn, t->msrc, blk * BLOCK, s->b, BLOCK, err) != PT_OK) {
            pt_err_prefix(err, "thin pool metadata block %llu", (unsigned long long)blk);
            return NULL;
        }
        if (le(s->b, 4) != dm_sum(s->b, NODE_XOR) || le(s->b + 8, 8) != blk) {
            pt_err_set(err, PT_EFORMAT, "thin pool metadata block %llu fails its checksum or names another block "
                       "(damaged metadata)", (unsigned long long)blk);
            return NULL;
        }
        s->blk = blk;
    }
    flags = (uint32_t)le(s->b + 4, 4);
    n = (uint32_t)le(s->b + 16, 4);
    max = (uint32_t)le(s->b + 20, 4);
    if ((flags != NODE_INTERNAL && flags != NODE_LEAF) || n > max ||
        NODE_HDR + (uint64_t)max * (8 + (flags == NODE_LEAF ? vsize : 8)) > BLOCK ||
        (flags == NODE_LEAF && le(s->b + 24, 4) != vsize)) {
        s->used = 0;
        pt_err_set(err, PT_EFORMAT, "thin pool metadata block %llu is not a B-tree node of the kind expected",
                   (unsigned long long)blk);
        return NULL;
    }
    s->used = ++t->tick;
    return s->b;
}

/* The value of key in the tree at root: 1 and *val (its first 8 bytes), 0
 * when absent, -1 on damaged metadata. */
static int lookup(pt_lvmthin_t *t, uint64_t root, uint64_t key, uint32_t vsize, uint64_t *val, pt_err_t *err)
{
    uint64_t blk = root;
    int depth;

    for (depth = 0; depth < DEPTH_MAX; depth++) {
        const uint8_t *b = node(t, blk, vsize, err);
        uint32_t n, max, lo = 0, hi;
        if (!b)
            return -1;
        n = (uint32_t)le(b + 16, 4);
        max = (uint32_t)le(b + 20, 4);
        /* the last key <= key */
        hi = n;
        while (lo < hi) {
            uint32_t mid = lo + (hi - lo) / 2;
            if (le(b + NODE_HDR + 8 * mid, 8) <= key)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo == 0)
            return 0;
        lo--;
        if (le(b + 4, 4) == NODE_LEAF) {
            if (le(b + NODE_HDR + 8 * lo, 8) != key)
                return 0;
            *val = le(b + NODE_HDR + 8 * (uint64_t)max + (uint64_t)vsize * lo, 8);
            return 1;
        }
        blk = le(b + NODE_HDR + 8 * (uint64_t)max + 8 * lo, 8);
    }
    pt_err_set(err, PT_EFORMAT, "thin pool metadata B-tree deeper than %d levels (a loop)", DEPTH_MAX);
    return -1;
}

int pt_lvmthin_open(pt_read_fn meta, void *msrc, uint64_t meta_size, pt_read_fn data, void *dsrc,
                    uint64_t data_size, uint32_t chunk_sectors, uint32_t dev_id, uint64_t size, pt_lvmthin_t **out,
                    pt_err_t *err)
{
    uint8_t sb[BLOCK];
    pt_lvmthin_t *t;
    uint64_t details = 0;
    int rc, r;

    *out = NULL;
    if ((rc = sb_read(meta, msrc, meta_size, sb, err)) != PT_OK)
        return rc;
    if (le(sb + 336, 4) != chunk_sectors || chunk_sectors < 128 || chunk_sectors > 2097152 || chunk_sectors % 128)
        return pt_err_set(err, PT_EFORMAT, "thin pool chunks of %u sectors in its metadata, %u in the volume "
                          "group's", (unsigned)le(sb + 336, 4), chunk_sectors);
    if (!(t = calloc(1, sizeof *t)))
        return pt_err_set(err, PT_ENOMEM, "out of memory");
    t->mfn = meta, t->msrc = msrc, t->dfn = data, t->dsrc = dsrc, t->size = size;
    t->chunk = (uint64_t)chunk_sectors * 512;
    t->meta_blocks = meta_size / BLOCK;
    t->data_blocks = data_size / t->chunk;
    /* the data mapping tree's top level: device id to the root of its map */
    r = lookup(t, le(sb + 320, 8), dev_id, 8, &t->root, err);
    if (r == 0)
        rc = pt_err_set(err, PT_EFORMAT, "thin device %u is not in the pool's metadata (the volume group's "
                        "metadata is newer than the pool's, or the volume was never activated)", dev_id);
    else if (r < 0)
        rc = err && err->code ? err->code : PT_EFORMAT;
    /* the device details: mapped blocks first */
    else if (lookup(t, le(sb + 328, 8), dev_id, 24, &details, err) == 1)
        t->mapped = details;
    if (rc != PT_OK) {
        free(t);
        return rc;
    }
    if (err)
        pt_err_clear(err);
    *out = t;
    return PT_OK;
}

uint64_t pt_lvmthin_mapped(const pt_lvmthin_t *t)
{
    return t->mapped;
}

ssize_t pt_lvmthin_read(void *src, uint64_t off, uint8_t *buf, size_t len, pt_err_t *err)
{
    pt_lvmthin_t *t = src;
    size_t done = 0;

    if (off >= t->size)
        return 0;
    if (len > t->size - off)
        len = (size_t)(t->size - off);
    while (done < len) {
        uint64_t pos = off + done, v = pos / t->chunk, in = pos % t->chunk, val = 0, blk;
        size_t n = (size_t)(t->chunk - in < len - done ? t->chunk - in : len - done);
        int r = lookup(t, t->root, v, 8, &val, err);
        if (r < 0)
            return -1;
        if (r == 0) { /* never written (or discarded): zeros, as dm-thin reads it */
            memset(buf + done, 0, n);
        } else {
            /* value: the data block above 24 bits of the time it was written */
            blk = val >> 24;
            if (blk >= t->data_blocks) {
                pt_err_set(err, PT_EFORMAT, "thin volume chunk %llu maps to data chunk %llu, outside the pool's %llu",
                           (unsigned long long)v, (unsigned long long)blk, (unsigned long long)t->data_blocks);
                return -1;
            }
            if (pt_read_exact(t->dfn, t->dsrc, blk * t->chunk + in, buf + done, n, err) != PT_OK)
                return -1;
        }
        done += n;
    }
    return (ssize_t)done;
}

void pt_lvmthin_close(pt_lvmthin_t *t)
{
    free(t);
}
