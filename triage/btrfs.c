/* btrfs.c - a read-only Btrfs reader after the on-disk format (the
 * kernel's fs/btrfs/ctree.h and the btrfs-progs documentation): all
 * little-endian, tree blocks of nodesize bytes with a 101-byte header.
 * Owns its chunk map, a small cache of tree blocks, the subvolume list and
 * the file opened by pt_btrfs_open_inode. */
#include "btrfs.h"

#include <inttypes.h>
#include <lzo1x.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>
#include <zstd.h>

#include "accounts.h"
#include "crc32c.h"
#include "decode.h"
#include "scan.h"
#include "u64set.h"

#define SB_OFF 65536u
#define SB_SIZE 4096u
#define HDR 101u
#define LEAF_ITEM 25u
#define KEY_PTR 33u
#define LEVELS 8
#define CACHE 64
#define SUBVOL_MAX 4096
#define EXTENTS_MAX (1u << 20)     /* per file: more is refused as damage */
#define CEXT_MAX (128u << 10)      /* Btrfs compresses at most 128 KiB per extent */

/* item types */
#define T_INODE_ITEM 1
#define T_INODE_REF 12
#define BACKUPS 4                  /* the superblock's backup roots */
#define T_DIR_INDEX 96
#define T_EXTENT_DATA 108
#define T_ROOT_ITEM 132
#define T_CHUNK_ITEM 228

/* block group profiles */
#define BG_RAID0 (1ull << 3)
#define BG_RAID10 (1ull << 6)
#define BG_RAID5 (1ull << 7)
#define BG_RAID6 (1ull << 8)
#define BG_STRIPED (BG_RAID0 | BG_RAID10 | BG_RAID5 | BG_RAID6)

typedef struct bkey {
    uint64_t obj;
    uint8_t type;
    uint64_t off;
} bkey_t;

typedef struct chunk {
    uint64_t logical, length, type, phys, phys2;
    uint64_t other_dev;   /* when no copy lies on this device: one that holds it */
    int ours;             /* copies on this device: 2 for DUP */
} chunk_t;

typedef struct slot {
    uint64_t bytenr, used;
    uint8_t *b;
} slot_t;

typedef struct subvol {
    uint64_t id;
    char *path;
} subvol_t;

typedef struct ext {
    uint64_t off, len;      /* in the file */
    uint64_t disk, disk_len, eoff, ram;
    uint8_t type, comp;
    uint8_t *inl;           /* inline data as stored (owned) */
    size_t inl_len;
} ext_t;

typedef struct bfile {
    pt_btrfs_t *b;
    uint64_t size;
    ext_t *e;
    size_t n;
    uint8_t *dec;           /* the last compressed extent, decompressed */
    size_t dec_len;
    const ext_t *dec_of;
} bfile_t;

struct pt_btrfs {
    pt_read_fn fn;
    void *src;
    uint64_t size, devid, num_devices, bytes_used, total_bytes, root_tree, chunk_tree;
    uint32_t nodesize, sectorsize;
    uint16_t csum_type;
    uint8_t fsid[16];
    chunk_t *chunks;
    size_t nchunks, cap;
    slot_t cache[CACHE];
    uint64_t tick;
    subvol_t sv[SUBVOL_MAX];
    int nsv;
    bfile_t *open;
    /* the superblock's backup roots of earlier generations (newest
     * first), whose trees may still name files deleted since */
    uint64_t generation;
    struct { uint64_t tree_root, gen; } backup[BACKUPS];
    int nbackup;
    uint64_t max_gen;           /* while an old tree is read: no block may be newer */
    pt_u64set_t *blocks;        /* while the current tree is walked: the blocks it reads */
    char label[256];
    char desc[640];
};

static uint64_t le(const uint8_t *p, int n)
{
    uint64_t v = 0;
    while (n--)
        v = v << 8 | p[n];
    return v;
}

static int key_cmp(const bkey_t *a, const bkey_t *b)
{
    if (a->obj != b->obj)
        return a->obj < b->obj ? -1 : 1;
    if (a->type != b->type)
        return a->type < b->type ? -1 : 1;
    if (a->off != b->off)
        return a->off < b->off ? -1 : 1;
    return 0;
}

static void key_at(const uint8_t *p, bkey_t *k)
{
    k->obj = le(p, 8);
    k->type = p[8];
    k->off = le(p + 9, 8);
}

/* ---- logical addresses ---- */

static int add_chunk(pt_btrfs_t *b, uint64_t logical, const uint8_t *c, size_t len, pt_err_t *err)
{
    uint16_t n;
    chunk_t ch;
    size_t i;

    if (len < 48 || (n = (uint16_t)le(c + 44, 2)) == 0 || len < 48 + 32u * n)
        return pt_err_set(err, PT_EFORMAT, "Btrfs chunk at logical %" PRIu64 " is malformed", logical);
    memset(&ch, 0, sizeof ch);
    ch.logical = logical;
    ch.length = le(c, 8);
    ch.type = le(c + 24, 8);
    for (i = 0; i < n; i++) {
        const uint8_t *s = c + 48 + 32 * i;
        if (le(s, 8) == b->devid && ch.ours < 2) {
            if (ch.ours++)
                ch.phys2 = le(s + 8, 8);
            else
                ch.phys = le(s + 8, 8);
        } else if (!ch.other_dev) {
            ch.other_dev = le(s, 8);
        }
    }
    if ((ch.type & BG_STRIPED) && n > 1)
        ch.ours = 0; /* striped over devices: this one holds only part */
    for (i = 0; i < b->nchunks; i++)
        if (b->chunks[i].logical == logical)
            return PT_OK; /* the system chunks are in the superblock and the chunk tree */
    if (b->nchunks == b->cap) {
        chunk_t *g = realloc(b->chunks, (b->cap = b->cap ? b->cap * 2 : 32) * sizeof *g);
        if (!g)
            return pt_err_set(err, PT_ENOMEM, "out of memory");
        b->chunks = g;
    }
    /* kept sorted by logical address */
    for (i = b->nchunks; i > 0 && b->chunks[i - 1].logical > logical; i--)
        b->chunks[i] = b->chunks[i - 1];
    b->chunks[i] = ch;
    b->nchunks++;
    return PT_OK;
}

/* Reads len bytes at logical address l, chunk by chunk, from this
 * device's first copy (copy 1: its second, where DUP keeps one). */
static int read_copy(pt_btrfs_t *b, uint64_t l, uint8_t *buf, size_t len, int copy, pt_err_t *err)
{
    while (len) {
        size_t lo = 0, hi = b->nchunks, n;
        const chunk_t *c = NULL;
        uint64_t in;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (b->chunks[mid].logical <= l)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo > 0 && l - b->chunks[lo - 1].logical < b->chunks[lo - 1].length)
            c = &b->chunks[lo - 1];
        if (!c)
            return pt_err_set(err, PT_EFORMAT, "Btrfs logical address %" PRIu64 " is in no chunk", l);
        if (!c->ours)
            return pt_err_set(err, PT_EIO, "Btrfs logical address %" PRIu64 " lies on %s (device %" PRIu64 "), not "
                              "in this one (device %" PRIu64 ")", l, (c->type & BG_STRIPED) ? "a striped chunk "
                              "spread over devices" : "another device of the filesystem", c->other_dev, b->devid);
        if (copy >= c->ours)
            return pt_err_set(err, PT_EIO, "Btrfs logical address %" PRIu64 ": no second copy on this device", l);
        in = l - c->logical;
        n = (size_t)(c->length - in < len ? c->length - in : len);
        if ((copy ? c->phys2 : c->phys) + in + n > b->size)
            return pt_err_set(err, PT_EIO, "Btrfs logical address %" PRIu64 " maps to byte %" PRIu64 ", past the "
                              "end of the device (%" PRIu64 " bytes)", l, (copy ? c->phys2 : c->phys) + in, b->size);
        if (pt_read_exact(b->fn, b->src, (copy ? c->phys2 : c->phys) + in, buf, n, err) != PT_OK)
            return err && err->code ? err->code : PT_EIO;
        l += n;
        buf += n;
        len -= n;
    }
    return PT_OK;
}

static int read_logical(pt_btrfs_t *b, uint64_t l, uint8_t *buf, size_t len, pt_err_t *err)
{
    return read_copy(b, l, buf, len, 0, err);
}

/* ---- tree blocks ---- */

/* 1 when block p, read from bytenr, is a tree block of this filesystem. */
static int block_ok(const pt_btrfs_t *b, const uint8_t *p, uint64_t bytenr)
{
    return (b->csum_type != 0 || le(p, 4) == pt_crc32c(p + 32, b->nodesize - 32)) && le(p + 0x30, 8) == bytenr &&
           memcmp(p + 0x20, b->fsid, 16) == 0;
}

/* A block of an old tree must be no newer than that tree's generation
 * (else its place was reused); blocks of the current tree are recorded. */
static const uint8_t *node_checked(pt_btrfs_t *b, const uint8_t *p, uint64_t bytenr, pt_err_t *err)
{
    if (b->max_gen && le(p + 0x50, 8) > b->max_gen) {
        pt_err_set(err, PT_EFORMAT, "Btrfs tree block %" PRIu64 " was written again after generation %" PRIu64
                   " (it is now of generation %" PRIu64 ")", bytenr, b->max_gen, le(p + 0x50, 8));
        return NULL;
    }
    if (b->blocks && pt_u64set_add(b->blocks, bytenr) < 0) {
        pt_err_set(err, PT_ENOMEM, "out of memory");
        return NULL;
    }
    return p;
}

static const uint8_t *node(pt_btrfs_t *b, uint64_t bytenr, pt_err_t *err)
{
    slot_t *s = NULL, *old = &b->cache[0];
    const uint8_t *p;
    int i;

    for (i = 0; i < CACHE; i++) {
        if (b->cache[i].used && b->cache[i].bytenr == bytenr) {
            b->cache[i].used = ++b->tick;
            return node_checked(b, b->cache[i].b, bytenr, err);
        }
        if (b->cache[i].used < old->used)
            old = &b->cache[i];
    }
    s = old;
    s->used = 0;
    if (!s->b && !(s->b = malloc(b->nodesize))) {
        pt_err_set(err, PT_ENOMEM, "out of memory");
        return NULL;
    }
    if (read_logical(b, bytenr, s->b, b->nodesize, err) != PT_OK) {
        pt_err_prefix(err, "Btrfs tree block %" PRIu64, bytenr);
        return NULL;
    }
    p = s->b;
    if (!block_ok(b, p, bytenr)) {
        /* DUP metadata keeps a second copy on the same device */
        pt_err_t e2 = { 0, "" };
        int csum = b->csum_type == 0 && le(p, 4) != pt_crc32c(p + 32, b->nodesize - 32);
        if (read_copy(b, bytenr, s->b, b->nodesize, 1, &e2) != PT_OK || !block_ok(b, p, bytenr)) {
            pt_err_set(err, PT_EFORMAT, "Btrfs tree block %" PRIu64 " %s (damaged%s)", bytenr,
                       csum ? "fails its checksum" : "is not the block expected there (its address or filesystem id)",
                       e2.code ? "" : "; so does its second copy");
            return NULL;
        }
    }
    if (p[0x64] >= LEVELS || le(p + 0x60, 4) * (p[0x64] ? KEY_PTR : LEAF_ITEM) > b->nodesize - HDR) {
        pt_err_set(err, PT_EFORMAT, "Btrfs tree block %" PRIu64 " has an impossible level or item count", bytenr);
        return NULL;
    }
    s->bytenr = bytenr;
    s->used = ++b->tick;
    return node_checked(b, p, bytenr, err);
}

typedef struct cursor {
    pt_btrfs_t *b;
    int n;                     /* levels on the path; [n-1] is the leaf */
    uint64_t blk[LEVELS];
    uint32_t slot[LEVELS];
} cursor_t;

/* Positions c at the first item >= k in the tree at root; 1 when there is
 * one, 0 at the end, -1 on damage (err). */
static int fixup(cursor_t *c, pt_err_t *err);

static int tree_search(pt_btrfs_t *b, uint64_t root, const bkey_t *k, cursor_t *c, pt_err_t *err)
{
    uint64_t blk = root;
    int want = -1;

    memset(c, 0, sizeof *c);
    c->b = b;
    for (;;) {
        const uint8_t *p = node(b, blk, err);
        uint32_t nr, lo = 0, hi;
        int level;
        bkey_t nk;
        if (!p)
            return -1;
        level = p[0x64];
        if (c->n >= LEVELS || (want >= 0 && level != want)) {
            pt_err_set(err, PT_EFORMAT, "Btrfs tree block %" PRIu64 " at the wrong level (a loop or damage)", blk);
            return -1;
        }
        nr = (uint32_t)le(p + 0x60, 4);
        hi = nr;
        c->blk[c->n] = blk;
        if (level == 0) {
            /* the first item >= k */
            while (lo < hi) {
                uint32_t mid = lo + (hi - lo) / 2;
                key_at(p + HDR + LEAF_ITEM * mid, &nk);
                if (key_cmp(&nk, k) < 0)
                    lo = mid + 1;
                else
                    hi = mid;
            }
            c->slot[c->n++] = lo;
            return fixup(c, err);
        }
        /* the last pointer whose key <= k (the first when none) */
        while (lo < hi) {
            uint32_t mid = lo + (hi - lo) / 2;
            key_at(p + HDR + KEY_PTR * mid, &nk);
            if (key_cmp(&nk, k) <= 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (nr == 0) {
            pt_err_set(err, PT_EFORMAT, "Btrfs tree block %" PRIu64 " is an empty interior node", blk);
            return -1;
        }
        c->slot[c->n++] = lo ? lo - 1 : 0;
        blk = le(p + HDR + KEY_PTR * (lo ? lo - 1 : 0) + 17, 8);
        want = level - 1;
    }
}

/* After a leaf's last item: the next leaf's first. */
static int fixup(cursor_t *c, pt_err_t *err)
{
    const uint8_t *p = node(c->b, c->blk[c->n - 1], err);
    int lv;

    if (!p)
        return -1;
    if (c->slot[c->n - 1] < le(p + 0x60, 4))
        return 1;
    for (lv = c->n - 2; lv >= 0; lv--) {
        const uint8_t *q = node(c->b, c->blk[lv], err);
        if (!q)
            return -1;
        if (c->slot[lv] + 1 < le(q + 0x60, 4))
            break;
    }
    if (lv < 0)
        return 0;
    c->slot[lv]++;
    for (; lv < c->n - 1; lv++) {
        const uint8_t *q = node(c->b, c->blk[lv], err);
        uint64_t child;
        if (!q)
            return -1;
        child = le(q + HDR + KEY_PTR * c->slot[lv] + 17, 8);
        c->blk[lv + 1] = child;
        c->slot[lv + 1] = 0;
        if (!(q = node(c->b, child, err)))
            return -1;
        if (q[0x64] != c->n - 2 - lv) {
            pt_err_set(err, PT_EFORMAT, "Btrfs tree block %" PRIu64 " at the wrong level", child);
            return -1;
        }
    }
    return fixup(c, err); /* an empty leaf is skipped */
}

static int tree_next(cursor_t *c, pt_err_t *err)
{
    c->slot[c->n - 1]++;
    return fixup(c, err);
}

/* The current item: its key, and a copy of its data (at most cap bytes;
 * *len is its whole size).  -1 on damage. */
static int item(cursor_t *c, bkey_t *k, uint8_t *data, size_t cap, size_t *len, pt_err_t *err)
{
    const uint8_t *p = node(c->b, c->blk[c->n - 1], err), *it;
    uint32_t off, size;

    if (!p)
        return -1;
    it = p + HDR + LEAF_ITEM * c->slot[c->n - 1];
    key_at(it, k);
    off = (uint32_t)le(it + 17, 4);
    size = (uint32_t)le(it + 21, 4);
    if ((uint64_t)off + size > c->b->nodesize - HDR) {
        pt_err_set(err, PT_EFORMAT, "Btrfs tree block %" PRIu64 ": item %u lies outside the block",
                   c->blk[c->n - 1], c->slot[c->n - 1]);
        return -1;
    }
    *len = size;
    memcpy(data, p + HDR + off, size < cap ? size : cap);
    return 0;
}

/* Item (obj, type, off) exactly: 1 and its data, 0 when absent, -1 on damage. */
static int lookup(pt_btrfs_t *b, uint64_t root, uint64_t obj, uint8_t type, uint64_t off, uint8_t *data, size_t cap,
                  size_t *len, pt_err_t *err)
{
    bkey_t k = { obj, type, off }, got;
    cursor_t c;
    int r = tree_search(b, root, &k, &c, err);

    if (r <= 0)
        return r;
    if (item(&c, &got, data, cap, len, err) < 0)
        return -1;
    return key_cmp(&got, &k) == 0;
}

/* The root block of tree id (a subvolume), from the root tree at rt. */
static int tree_root_in(pt_btrfs_t *b, uint64_t rt, uint64_t id, uint64_t *root, pt_err_t *err)
{
    bkey_t k = { id, T_ROOT_ITEM, 0 }, got;
    uint8_t ri[239];
    size_t len = 0;
    cursor_t c;
    int r = tree_search(b, rt, &k, &c, err);

    if (r < 0)
        return err && err->code ? err->code : PT_EFORMAT;
    if (r == 0 || item(&c, &got, ri, sizeof ri, &len, err) < 0 || got.obj != id || got.type != T_ROOT_ITEM ||
        len < sizeof ri)
        return err && err->code ? err->code
                                : pt_err_set(err, PT_EFORMAT, "Btrfs tree %" PRIu64 " has no root item", id);
    *root = le(ri + 176, 8);
    return PT_OK;
}

static int tree_root(pt_btrfs_t *b, uint64_t id, uint64_t *root, pt_err_t *err)
{
    return tree_root_in(b, b->root_tree, id, root, err);
}

/* ---- opening ---- */

int pt_btrfs_open(pt_read_fn fn, void *src, uint64_t size, pt_btrfs_t **out, pt_err_t *err)
{
    pt_btrfs_t *b;
    uint8_t *sb;
    uint32_t sys_len, at;
    int rc = PT_OK, r, nsub = 0;
    cursor_t c;
    bkey_t k = { 256, T_CHUNK_ITEM, 0 }, got;
    uint8_t buf[48 + 32 * 16];
    size_t len;

    *out = NULL;
    if (!(b = calloc(1, sizeof *b)))
        return pt_err_set(err, PT_ENOMEM, "out of memory");
    b->fn = fn, b->src = src, b->size = size;
    if (!(sb = malloc(SB_SIZE))) {
        free(b);
        return pt_err_set(err, PT_ENOMEM, "out of memory");
    }
    if (size < SB_OFF + SB_SIZE || pt_read_exact(fn, src, SB_OFF, sb, SB_SIZE, err) != PT_OK ||
        memcmp(sb + 0x40, "_BHRfS_M", 8) != 0) {
        rc = pt_err_set(err, PT_EFORMAT, "no Btrfs superblock at 64 KiB");
        goto out;
    }
    b->csum_type = (uint16_t)le(sb + 0xc4, 2);
    if (b->csum_type == 0 && le(sb, 4) != pt_crc32c(sb + 32, SB_SIZE - 32)) {
        rc = pt_err_set(err, PT_EFORMAT, "the Btrfs superblock fails its checksum (damaged)");
        goto out;
    }
    b->nodesize = (uint32_t)le(sb + 0x94, 4);
    b->sectorsize = (uint32_t)le(sb + 0x90, 4);
    b->root_tree = le(sb + 0x50, 8);
    b->chunk_tree = le(sb + 0x58, 8);
    b->total_bytes = le(sb + 0x70, 8);
    b->bytes_used = le(sb + 0x78, 8);
    b->num_devices = le(sb + 0x88, 8);
    b->generation = le(sb + 0x48, 8);
    for (int i = 0; i < BACKUPS; i++) {
        /* btrfs_root_backup, 168 bytes each after the system chunk array */
        uint64_t tr = le(sb + 0xb2b + 168 * i, 8), gen = le(sb + 0xb2b + 168 * i + 8, 8);
        int j, dup = 0;
        for (j = 0; j < b->nbackup; j++)
            dup |= b->backup[j].tree_root == tr;
        if (tr && gen && gen < b->generation && !dup) {
            for (j = b->nbackup++; j > 0 && b->backup[j - 1].gen < gen; j--)
                b->backup[j] = b->backup[j - 1];
            b->backup[j].tree_root = tr;
            b->backup[j].gen = gen;
        }
    }
    b->devid = le(sb + 0xc9, 8);
    sys_len = (uint32_t)le(sb + 0xa0, 4);
    /* the metadata_uuid feature: tree blocks carry that id, not the fsid */
    memcpy(b->fsid, (le(sb + 0xbc, 8) & (1u << 10)) ? sb + 0x23b : sb + 0x20, 16);
    snprintf(b->label, sizeof b->label, "%.255s", (const char *)sb + 0x12b);
    if (b->nodesize < 4096 || b->nodesize > 65536 || (b->nodesize & (b->nodesize - 1)) || b->sectorsize < 512 ||
        b->sectorsize > 65536 || sys_len > 2048) {
        rc = pt_err_set(err, PT_EFORMAT, "Btrfs superblock with implausible sizes (node %u, sector %u)", b->nodesize,
                        b->sectorsize);
        goto out;
    }
    /* the system chunks, which map the chunk tree itself */
    for (at = 0; at + 17 <= sys_len && rc == PT_OK;) {
        const uint8_t *c2 = sb + 0x32b + at + 17;
        uint16_t n;
        size_t clen;
        if (at + 17 + 48 > sys_len) {
            rc = pt_err_set(err, PT_EFORMAT, "Btrfs superblock's system chunk array is truncated");
            break;
        }
        n = (uint16_t)le(c2 + 44, 2);
        clen = 48 + 32u * n;
        if (at + 17 + clen > sys_len) {
            rc = pt_err_set(err, PT_EFORMAT, "Btrfs superblock's system chunk array is truncated");
            break;
        }
        rc = add_chunk(b, le(sb + 0x32b + at + 9, 8), c2, clen, err);
        at += 17 + (uint32_t)clen;
    }
    if (rc != PT_OK)
        goto out;
    /* then every chunk, from the chunk tree */
    for (r = tree_search(b, b->chunk_tree, &k, &c, err); r == 1; r = tree_next(&c, err)) {
        if (item(&c, &got, buf, sizeof buf, &len, err) < 0) {
            r = -1;
            break;
        }
        if (got.obj != 256 || got.type != T_CHUNK_ITEM)
            break;
        if (len > sizeof buf) {
            rc = pt_err_set(err, PT_EFORMAT, "Btrfs chunk at %" PRIu64 " has more than 16 stripes", got.off);
            break;
        }
        if ((rc = add_chunk(b, got.off, buf, len, err)) != PT_OK)
            break;
    }
    if (r < 0 && rc == PT_OK)
        rc = err && err->code ? err->code : PT_EFORMAT;
    if (rc != PT_OK) {
        pt_err_prefix(err, "Btrfs chunk tree");
        goto out;
    }
    {
        /* subvolumes: ROOT_ITEMs of ids 256 and up in the root tree */
        bkey_t s = { 256, T_ROOT_ITEM, 0 };
        for (r = tree_search(b, b->root_tree, &s, &c, err); r == 1; r = tree_next(&c, err)) {
            if (item(&c, &got, buf, 0, &len, err) < 0)
                break;
            if (got.obj >= (uint64_t)-256) /* tree-log and relocation trees */
                break;
            nsub += got.type == T_ROOT_ITEM;
        }
    }
    {
        uint64_t root;
        if ((rc = tree_root(b, PT_BTRFS_FS_TREE, &root, err)) != PT_OK) {
            pt_err_prefix(err, "Btrfs top-level subvolume");
            goto out;
        }
    }
    snprintf(b->desc, sizeof b->desc, "Btrfs%s%.200s%s, %" PRIu64 " of %" PRIu64 " bytes used, nodes of %u bytes, "
             "%d subvolume%s besides the top level, device %" PRIu64 " of %" PRIu64 "%s%s; deleted files are "
             "recovered only from the trees of the %d earlier generation%s the superblock keeps as backup roots", b->label[0] ? " '" : "", b->label, b->label[0] ? "'" : "", b->bytes_used, b->total_bytes,
             b->nodesize, nsub, nsub == 1 ? "" : "s", b->devid, b->num_devices,
             b->num_devices > 1 ? " (chunks on the other devices, or striped over them, read as errors)" : "",
             b->csum_type ? " (tree checksums other than CRC-32C are not verified)" : "", b->nbackup,
             b->nbackup == 1 ? "" : "s");
out:
    free(sb);
    if (rc != PT_OK) {
        pt_btrfs_close(b);
        return rc;
    }
    if (err)
        pt_err_clear(err);
    *out = b;
    return PT_OK;
}

static void file_free(bfile_t *f)
{
    size_t i;

    if (!f)
        return;
    for (i = 0; i < f->n; i++)
        free(f->e[i].inl);
    free(f->e);
    free(f->dec);
    free(f);
}

void pt_btrfs_close(pt_btrfs_t *b)
{
    int i;

    if (!b)
        return;
    for (i = 0; i < CACHE; i++)
        free(b->cache[i].b);
    for (i = 0; i < b->nsv; i++)
        free(b->sv[i].path);
    file_free(b->open);
    free(b->chunks);
    free(b);
}

const char *pt_btrfs_describe(const pt_btrfs_t *b)
{
    return b->desc;
}

uint64_t pt_btrfs_bytes_used(const pt_btrfs_t *b)
{
    return b->bytes_used;
}

int pt_btrfs_subvol_count(const pt_btrfs_t *b)
{
    return b->nsv;
}

uint64_t pt_btrfs_subvol_id(const pt_btrfs_t *b, int i)
{
    return b->sv[i].id;
}

const char *pt_btrfs_subvol_path(const pt_btrfs_t *b, int i)
{
    return b->sv[i].path;
}

int pt_btrfs_add_unnamed(pt_btrfs_t *b)
{
    bkey_t s = { 256, T_ROOT_ITEM, 0 }, got;
    pt_err_t e = { 0, "" };
    uint8_t ri[239];
    size_t len;
    cursor_t c;
    int r, added = 0, i;

    for (r = tree_search(b, b->root_tree, &s, &c, &e); r == 1 && b->nsv < SUBVOL_MAX; r = tree_next(&c, &e)) {
        char name[80], *p;
        if (item(&c, &got, ri, sizeof ri, &len, &e) < 0 || got.obj >= (uint64_t)-256)
            break;
        if (got.type != T_ROOT_ITEM)
            continue;
        for (i = 0; i < b->nsv && b->sv[i].id != got.obj; i++)
            ;
        if (i < b->nsv)
            continue;
        /* no directory names it: deleted (no references left, awaiting
         * the cleaner) or detached; walked by its id */
        snprintf(name, sizeof name, "id %" PRIu64 "%s", got.obj,
                 len >= 220 && le(ri + 216, 4) == 0 ? " (deleted)" : "");
        if (!(p = strdup(name)))
            break;
        b->sv[b->nsv].id = got.obj;
        b->sv[b->nsv++].path = p;
        added++;
    }
    return added;
}

/* ---- file content ---- */

static int decompress(uint8_t comp, const uint8_t *in, size_t in_len, uint8_t *out, size_t ram, uint32_t sector,
                      pt_err_t *err)
{
    if (comp == 1) {
        size_t got;
        int zr = pt_decode_inflate(in, in_len, out, ram, &got);
        if (zr == Z_MEM_ERROR)
            return pt_err_set(err, PT_ENOMEM, "zlib: out of memory");
        /* a short stream leaves the rest of the extent as zeros */
        if (zr != Z_STREAM_END && zr != Z_BUF_ERROR && !(zr == Z_OK && got == ram))
            return pt_err_set(err, PT_EFORMAT, "zlib-compressed extent does not decode (%d)", zr);
        memset(out + got, 0, ram - got);
        return PT_OK;
    }
    if (comp == 3) {
        size_t fl = ZSTD_findFrameCompressedSize(in, in_len), got;
        if (ZSTD_isError(fl))
            return pt_err_set(err, PT_EFORMAT, "zstd-compressed extent: %s", ZSTD_getErrorName(fl));
        got = ZSTD_decompress(out, ram, in, fl);
        if (ZSTD_isError(got))
            return pt_err_set(err, PT_EFORMAT, "zstd-compressed extent: %s", ZSTD_getErrorName(got));
        memset(out + got, 0, ram - got);
        return PT_OK;
    }
    if (comp == 2) {
        /* LZO: the total length, then segments of (length, LZO1X data)
         * each of at most a sector; a segment's length never straddles a
         * sector's end (it moves to the next) */
        size_t total, pos = 4, o = 0;
        if (in_len < 4 || (total = (size_t)le(in, 4)) > in_len || total < 4)
            return pt_err_set(err, PT_EFORMAT, "LZO-compressed extent: bad total length");
        while (pos + 4 <= total && o < ram) {
            size_t seg;
            lzo_uint got = (lzo_uint)(ram - o < sector ? ram - o : sector);
            if (sector - pos % sector < 4)
                pos += sector - pos % sector;
            if (pos + 4 > total)
                break;
            seg = (size_t)le(in + pos, 4);
            pos += 4;
            if (seg > total - pos)
                return pt_err_set(err, PT_EFORMAT, "LZO-compressed extent: segment past the end");
            if (lzo1x_decompress_safe(in + pos, (lzo_uint)seg, out + o, &got, NULL) != LZO_E_OK &&
                got != (lzo_uint)(ram - o < sector ? ram - o : sector))
                return pt_err_set(err, PT_EFORMAT, "LZO-compressed extent does not decode");
            o += got;
            pos += seg;
        }
        memset(out + o, 0, ram - o);
        return PT_OK;
    }
    return pt_err_set(err, PT_EFORMAT, "extent compressed with method %u, which ptriage does not know", comp);
}

static int ext_cmp(const void *a, const void *b)
{
    uint64_t x = ((const ext_t *)a)->off, y = ((const ext_t *)b)->off;
    return x < y ? -1 : x > y;
}

/* The extents of inode ino in tree root. */
static int file_open(pt_btrfs_t *b, uint64_t root, uint64_t ino, uint64_t size, bfile_t **out, pt_err_t *err)
{
    bkey_t k = { ino, T_EXTENT_DATA, 0 }, got;
    uint8_t *d;
    size_t len, cap = 0;
    bfile_t *f;
    cursor_t c;
    int r;

    *out = NULL;
    if (!(f = calloc(1, sizeof *f)) || !(d = malloc(b->nodesize))) {
        free(f);
        return pt_err_set(err, PT_ENOMEM, "out of memory");
    }
    f->b = b;
    f->size = size;
    for (r = tree_search(b, root, &k, &c, err); r == 1; r = tree_next(&c, err)) {
        ext_t e;
        if (item(&c, &got, d, b->nodesize, &len, err) < 0) {
            r = -1;
            break;
        }
        if (got.obj != ino || got.type != T_EXTENT_DATA)
            break;
        if (len < 21 || (d[20] != 0 && len < 53) || d[20] > 2 || d[17] || le(d + 18, 2)) {
            r = -1;
            pt_err_set(err, PT_EFORMAT, "file extent at %" PRIu64 " is malformed or encrypted", got.off);
            break;
        }
        memset(&e, 0, sizeof e);
        e.off = got.off;
        e.type = d[20];
        e.comp = d[16];
        e.ram = le(d + 8, 8);
        if (e.type == 0) {
            e.inl_len = len - 21;
            e.len = e.comp ? e.ram : e.inl_len;
            if (e.ram > CEXT_MAX || !(e.inl = malloc(e.inl_len ? e.inl_len : 1))) {
                r = -1;
                pt_err_set(err, e.ram > CEXT_MAX ? PT_EFORMAT : PT_ENOMEM, "inline extent of %" PRIu64 " bytes",
                           e.ram);
                break;
            }
            memcpy(e.inl, d + 21, e.inl_len);
        } else {
            e.disk = le(d + 21, 8);
            e.disk_len = le(d + 29, 8);
            e.eoff = le(d + 37, 8);
            e.len = le(d + 45, 8);
            if (e.comp && (e.ram > CEXT_MAX || e.disk_len > CEXT_MAX || e.eoff + e.len > e.ram)) {
                r = -1;
                pt_err_set(err, PT_EFORMAT, "compressed extent at %" PRIu64 " claims %" PRIu64 " bytes", e.off,
                           e.ram);
                break;
            }
        }
        if (f->n == cap) {
            ext_t *g = f->n >= EXTENTS_MAX ? NULL : realloc(f->e, (cap = cap ? cap * 2 : 8) * sizeof *g);
            if (!g) {
                free(e.inl);
                r = -1;
                pt_err_set(err, f->n >= EXTENTS_MAX ? PT_EFORMAT : PT_ENOMEM, "more than %u extents",
                           EXTENTS_MAX);
                break;
            }
            f->e = g;
        }
        f->e[f->n++] = e;
    }
    free(d);
    if (r < 0) {
        file_free(f);
        return err && err->code ? err->code : PT_EFORMAT;
    }
    if (f->n > 1)
        qsort(f->e, f->n, sizeof *f->e, ext_cmp);
    *out = f;
    return PT_OK;
}

static ssize_t file_read(void *src, uint64_t off, uint8_t *buf, size_t len, pt_err_t *err)
{
    bfile_t *f = src;
    size_t done = 0;

    if (off >= f->size)
        return 0;
    if (len > f->size - off)
        len = (size_t)(f->size - off);
    while (done < len) {
        uint64_t pos = off + done;
        size_t lo = 0, hi = f->n, n;
        const ext_t *e = NULL;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (f->e[mid].off <= pos)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo > 0 && pos - f->e[lo - 1].off < f->e[lo - 1].len)
            e = &f->e[lo - 1];
        if (!e) { /* a hole (no-holes: no item for it) */
            uint64_t next = lo < f->n ? f->e[lo].off : f->size;
            n = (size_t)(next - pos < len - done ? next - pos : len - done);
            memset(buf + done, 0, n);
            done += n;
            continue;
        }
        n = (size_t)(e->off + e->len - pos < len - done ? e->off + e->len - pos : len - done);
        if (e->type == 2 || (e->type == 1 && e->disk == 0)) {
            memset(buf + done, 0, n); /* preallocated, or a hole with an item */
        } else if (e->comp) {
            if (f->dec_of != e) {
                size_t in_len = e->type == 0 ? e->inl_len : (size_t)e->disk_len;
                uint8_t *in = e->type == 0 ? e->inl : malloc(in_len ? in_len : 1);
                uint8_t *out = realloc(f->dec, e->ram ? (size_t)e->ram : 1);
                int rc = PT_OK;
                if (!in || !out) {
                    if (e->type != 0)
                        free(in);
                    if (out)
                        f->dec = out;
                    return pt_err_set(err, PT_ENOMEM, "out of memory");
                }
                f->dec = out;
                f->dec_of = NULL;
                if (e->type != 0)
                    rc = read_logical(f->b, e->disk, in, in_len, err);
                if (rc == PT_OK)
                    rc = decompress(e->comp, in, in_len, out, (size_t)e->ram, f->b->sectorsize, err);
                if (e->type != 0)
                    free(in);
                if (rc != PT_OK) {
                    pt_err_prefix(err, "extent at file offset %" PRIu64, e->off);
                    return -1;
                }
                f->dec_len = (size_t)e->ram;
                f->dec_of = e;
            }
            memcpy(buf + done, f->dec + (e->type == 0 ? 0 : e->eoff) + (pos - e->off), n);
        } else if (e->type == 0) {
            memcpy(buf + done, e->inl + (pos - e->off), n);
        } else if (read_logical(f->b, e->disk + e->eoff + (pos - e->off), buf + done, n, err) != PT_OK) {
            pt_err_prefix(err, "extent at file offset %" PRIu64, e->off);
            return -1;
        }
        done += n;
    }
    return (ssize_t)done;
}

int pt_btrfs_open_inode(pt_btrfs_t *b, uint64_t subvol, uint64_t inode, pt_read_fn *fn, void **src, uint64_t *size,
                        pt_err_t *err)
{
    uint8_t ii[160];
    uint64_t root;
    size_t len = 0;
    int rc, r, i;

    file_free(b->open);
    b->open = NULL;
    if ((rc = tree_root(b, subvol, &root, err)) != PT_OK)
        return rc;
    r = lookup(b, root, inode, T_INODE_ITEM, 0, ii, sizeof ii, &len, err);
    /* a deleted file the scan found in an earlier generation's tree */
    for (i = 0; r == 0 && i < b->nbackup; i++) {
        pt_err_t e = { 0, "" };
        b->max_gen = b->backup[i].gen;
        if (tree_root_in(b, b->backup[i].tree_root, subvol, &root, &e) == PT_OK)
            r = lookup(b, root, inode, T_INODE_ITEM, 0, ii, sizeof ii, &len, &e) == 1 && len >= sizeof ii;
        if (r == 1)
            break;
        b->max_gen = 0;
        r = 0;
    }
    if (r <= 0 || len < sizeof ii) {
        b->max_gen = 0;
        return r < 0 ? (err && err->code ? err->code : PT_EFORMAT)
                     : pt_err_set(err, PT_EFORMAT, "Btrfs inode %" PRIu64 " of subvolume %" PRIu64 " is gone", inode,
                                  subvol);
    }
    *size = le(ii + 16, 8);
    rc = file_open(b, root, inode, *size, &b->open, err);
    b->max_gen = 0; /* the extents are listed; data blocks are not tree blocks */
    if (rc != PT_OK)
        return rc;
    *fn = file_read;
    *src = b->open;
    return PT_OK;
}

/* ---- the walk ---- */

typedef struct bwalk {
    pt_scan_t *s;
    pt_btrfs_t *b;
    uint64_t root, subvol;
    pt_accounts_t accounts;
    char *path;
    size_t cap, base;       /* base: the length of the prefix before "/" */
    pt_u64set_t seen;       /* inodes the current tree names */
    pt_u64set_t blocks;     /* tree blocks the current walk read */
    pt_err_t *err;
} bwalk_t;

static void set_time(pt_time_t *t, const uint8_t *p)
{
    int64_t sec = (int64_t)le(p, 8);
    uint32_t ns = (uint32_t)le(p + 8, 4);

    t->known = sec != 0 || ns != 0;
    t->sec = sec;
    t->nsec = ns < 1000000000u ? ns : 0;
}

static int problem(bwalk_t *w, const char *what, const pt_err_t *e)
{
    char msg[1400];

    snprintf(msg, sizeof msg, "%.300s %.700s: %.380s", what, w->path[w->base] ? w->path + w->base : "/", e->msg);
    return pt_scan_problem(w->s, "error", "filesystem", msg, w->err);
}

static int walk_dir(bwalk_t *w, uint64_t dir, size_t at, int depth);

/* A subvolume named in this one: walked as a volume of its own later. */
static int subvol_entry(bwalk_t *w, uint64_t id, pt_item_t *it)
{
    pt_btrfs_t *b = w->b;
    char note[600];
    int i;

    for (i = 0; i < b->nsv && b->sv[i].id != id; i++)
        ;
    if (i == b->nsv && b->nsv < SUBVOL_MAX) {
        const char *rel = w->path + w->base + 1;
        const char *parent = NULL;
        for (int j = 0; j < b->nsv; j++)
            if (b->sv[j].id == w->subvol)
                parent = b->sv[j].path;
        size_t n = (parent ? strlen(parent) + 1 : 0) + strlen(rel) + 1;
        char *p = malloc(n);
        if (!p)
            return pt_err_set(w->err, PT_ENOMEM, "out of memory");
        snprintf(p, n, "%s%s%s", parent ? parent : "", parent ? "/" : "", rel);
        b->sv[b->nsv].id = id;
        b->sv[b->nsv++].path = p;
    }
    snprintf(note, sizeof note, "Btrfs subvolume %" PRIu64 ": its files are walked as a volume of its own "
             "(!btrfs:%.400s)", id, i < b->nsv ? b->sv[i].path : "?");
    pt_item_add_error(it, "note", "%s", note);
    return PT_OK;
}

/* Fills it from inode item ii (160 bytes) of inode ino, reads a file's
 * content or a link's target through the tree at w->root, and emits it. */
static int emit_inode(bwalk_t *w, pt_item_t *it, uint64_t ino, const uint8_t *ii)
{
    pt_err_t ierr = { 0, "" };
    uint32_t mode = (uint32_t)le(ii + 52, 4);
    int rc;

    it->has_inode = 1;
    it->inode = ino;
    it->kind = pt_item_kind_of_mode(mode);
    it->size = le(ii + 16, 8);
    it->mode = mode & 07777;
    set_time(&it->atime, ii + 112);
    set_time(&it->ctime, ii + 124);
    set_time(&it->mtime, ii + 136);
    set_time(&it->crtime, ii + 148);
    it->has_owner = 1;
    it->uid = (uint32_t)le(ii + 44, 4);
    it->gid = (uint32_t)le(ii + 48, 4);
    {
        const char *owner = pt_accounts_name(&w->accounts, it->uid);
        it->owner = owner ? pt_scan_intern(w->s, owner) : NULL;
    }
    if ((mode & S_IFMT) == S_IFREG || (mode & S_IFMT) == S_IFLNK) {
        bfile_t *f = NULL;
        char target[4096];
        if ((rc = file_open(w->b, w->root, ino, it->size, &f, &ierr)) == PT_ENOMEM)
            return pt_err_set(w->err, rc, "%s", ierr.msg);
        if (!f) {
            pt_item_add_error(it, "error", "extents not read: %s", ierr.msg);
        } else if ((mode & S_IFMT) == S_IFLNK) {
            ssize_t n = it->size < sizeof target ? file_read(f, 0, (uint8_t *)target, (size_t)it->size, &ierr) : -1;
            if (n >= 0) {
                target[n] = '\0';
                it->link_target = target;
            }
        } else {
            pt_item_limit(it, w->s->opts->max_item_size, w->b->total_bytes);
            if ((rc = pt_scan_read(w->s, it, file_read, f, &ierr)) != PT_OK) {
                file_free(f);
                *w->err = ierr;
                return rc;
            }
        }
        rc = pt_scan_emit(w->s, it, w->err);
        file_free(f);
        return rc;
    }
    return pt_scan_emit(w->s, it, w->err);
}

static int visit(bwalk_t *w, uint64_t ino, uint8_t loc_type, const char *name, size_t at, int depth)
{
    uint8_t ii[160];
    pt_item_t it;
    pt_err_t ierr = { 0, "" };
    size_t len = 0;
    uint32_t mode;
    int rc, r;

    if ((rc = pt_item_path_set(&w->path, &w->cap, at, name, w->err)) != PT_OK)
        return rc;
    pt_scan_item_at(w->s, &it, w->path);
    if (loc_type == T_ROOT_ITEM) {
        it.kind = PT_KIND_DIR;
        if ((rc = subvol_entry(w, ino, &it)) != PT_OK)
            return rc;
        return pt_scan_emit(w->s, &it, w->err);
    }
    r = lookup(w->b, w->root, ino, T_INODE_ITEM, 0, ii, sizeof ii, &len, &ierr);
    if (r <= 0 || len < sizeof ii) {
        it.kind = PT_KIND_UNKNOWN;
        it.has_inode = 1;
        it.inode = ino;
        pt_item_add_error(&it, "error", "inode %" PRIu64 " not read: %s", ino,
                          r < 0 ? ierr.msg : "no inode item (damaged tree)");
        return pt_scan_emit(w->s, &it, w->err);
    }
    if (pt_u64set_add(&w->seen, ino) < 0)
        return pt_err_set(w->err, PT_ENOMEM, "out of memory");
    mode = (uint32_t)le(ii + 52, 4);
    if ((rc = emit_inode(w, &it, ino, ii)) != PT_OK)
        return rc;
    if ((mode & S_IFMT) == S_IFDIR)
        return walk_dir(w, ino, strlen(w->path), depth + 1);
    return PT_OK;
}

typedef struct dent {
    uint64_t ino;
    uint8_t type;
    char *name;
} dent_t;

static int walk_dir(bwalk_t *w, uint64_t dir, size_t at, int depth)
{
    bkey_t k = { dir, T_DIR_INDEX, 0 }, got;
    pt_err_t e = { 0, "" };
    dent_t *ents = NULL;
    size_t n = 0, cap = 0, len, i;
    uint8_t d[30 + 256 + 64];
    cursor_t c;
    int r, rc = PT_OK;

    if (depth > w->s->opts->max_depth) {
        w->path[at] = '\0';
        return pt_scan_too_deep(w->s, w->path, w->err);
    }
    /* the entries first (the walk below moves the tree cursor) */
    for (r = tree_search(w->b, w->root, &k, &c, &e); r == 1; r = tree_next(&c, &e)) {
        dent_t de;
        size_t nl;
        if (item(&c, &got, d, sizeof d, &len, &e) < 0) {
            r = -1;
            break;
        }
        if (got.obj != dir || got.type != T_DIR_INDEX)
            break;
        nl = len >= 30 ? (size_t)le(d + 27, 2) : 0;
        if (len < 30 || nl == 0 || nl > 255 || 30 + nl > len) {
            pt_err_set(&e, PT_EFORMAT, "directory entry %" PRIu64 " is malformed", got.off);
            r = -1;
            break;
        }
        de.ino = le(d, 8);
        de.type = d[8];
        if (!(de.name = malloc(nl + 1))) {
            rc = pt_err_set(w->err, PT_ENOMEM, "out of memory");
            break;
        }
        memcpy(de.name, d + 30, nl);
        de.name[nl] = '\0';
        if (n == cap) {
            dent_t *g = realloc(ents, (cap = cap ? cap * 2 : 16) * sizeof *g);
            if (!g) {
                free(de.name);
                rc = pt_err_set(w->err, PT_ENOMEM, "out of memory");
                break;
            }
            ents = g;
        }
        ents[n++] = de;
    }
    if (rc == PT_OK && r < 0) {
        w->path[at] = '\0';
        rc = problem(w, "directory not read completely", &e);
    }
    for (i = 0; i < n && rc == PT_OK; i++) {
        /* entries of the same name (an INODE_ITEM, or a subvolume's ROOT_ITEM) */
        if (ents[i].type != T_INODE_ITEM && ents[i].type != T_ROOT_ITEM)
            continue;
        rc = visit(w, ents[i].ino, ents[i].type, ents[i].name, at, depth);
    }
    for (i = 0; i < n; i++)
        free(ents[i].name);
    free(ents);
    return rc;
}

typedef struct small_ctx {
    pt_btrfs_t *b;
    uint64_t root;
} small_ctx_t;

/* A small file of a subvolume by path (passwd, os-release), at most 1 MiB. */
static char *read_small(void *ctx, const char *path, size_t *out_len)
{
    pt_btrfs_t *b = ((small_ctx_t *)ctx)->b;
    uint64_t root = ((small_ctx_t *)ctx)->root;
    uint64_t dir = 256, ino = 0, size;
    const char *p = path;
    pt_err_t e = { 0, "" };
    char *buf = NULL;

    while (*p == '/')
        p++;
    while (*p) {
        const char *end = strchr(p, '/');
        size_t nl = end ? (size_t)(end - p) : strlen(p);
        bkey_t k = { dir, T_DIR_INDEX, 0 }, got;
        uint8_t d[30 + 256];
        size_t len;
        cursor_t c;
        int r;
        ino = 0;
        for (r = tree_search(b, root, &k, &c, &e); r == 1; r = tree_next(&c, &e)) {
            if (item(&c, &got, d, sizeof d, &len, &e) < 0 || got.obj != dir || got.type != T_DIR_INDEX)
                break;
            if (len >= 30 && le(d + 27, 2) == nl && 30 + nl <= len && d[8] == T_INODE_ITEM &&
                memcmp(d + 30, p, nl) == 0) {
                ino = le(d, 8);
                break;
            }
        }
        if (!ino)
            return NULL;
        dir = ino;
        p += nl;
        while (*p == '/')
            p++;
    }
    {
        uint8_t ii[160];
        size_t len = 0;
        bfile_t *f = NULL;
        if (lookup(b, root, ino, T_INODE_ITEM, 0, ii, sizeof ii, &len, &e) != 1 || len < sizeof ii ||
            (le(ii + 52, 4) & S_IFMT) != S_IFREG || (size = le(ii + 16, 8)) == 0 || size > (1 << 20))
            return NULL;
        if (file_open(b, root, ino, size, &f, &e) != PT_OK)
            return NULL;
        buf = pt_read_alloc(file_read, f, (size_t)size, out_len);
        file_free(f);
    }
    return buf;
}

/* ---- deleted files, from the trees of earlier generations ---- */

typedef struct oldwalk {
    bwalk_t *w;
    uint64_t gen;
    unsigned found, unread;
} oldwalk_t;

/* Puts the path of inode ino in the tree at w->root into w->path, from its
 * INODE_REFs up to the subvolume's root directory.  0 when a link is
 * missing or the chain does not end. */
static int old_path(bwalk_t *w, uint64_t ino)
{
    char *names[256];
    int n = 0, i, ok = 0;
    size_t at = w->base;
    uint64_t cur = ino;
    pt_err_t e = { 0, "" };

    while (cur != 256 && n < 256) {
        bkey_t k = { cur, T_INODE_REF, 0 }, got;
        uint8_t d[10 + 256];
        size_t len = 0, nl;
        cursor_t c;
        if (tree_search(w->b, w->root, &k, &c, &e) != 1 || item(&c, &got, d, sizeof d, &len, &e) < 0 ||
            got.obj != cur || got.type != T_INODE_REF || len < 10 || (nl = (size_t)le(d + 8, 2)) == 0 || nl > 255 ||
            10 + nl > len || got.off == cur || !(names[n] = malloc(nl + 1)))
            goto out;
        memcpy(names[n], d + 10, nl);
        names[n++][nl] = '\0';
        cur = got.off;
    }
    if (cur != 256)
        goto out;
    w->path[at] = '\0';
    for (i = n - 1; i >= 0; i--) {
        if (pt_item_path_set(&w->path, &w->cap, at, names[i], &e) != PT_OK)
            goto out;
        at = strlen(w->path);
    }
    ok = 1;
out:
    for (i = 0; i < n; i++)
        free(names[i]);
    return ok;
}

static int old_inode(oldwalk_t *o, uint64_t ino)
{
    bwalk_t *w = o->w;
    uint8_t ii[160];
    size_t len = 0;
    pt_err_t e = { 0, "" };
    pt_item_t it;
    char name[64];

    if (pt_u64set_add(&w->seen, ino) < 0)
        return pt_err_set(w->err, PT_ENOMEM, "out of memory");
    if (lookup(w->b, w->root, ino, T_INODE_ITEM, 0, ii, sizeof ii, &len, &e) != 1 || len < sizeof ii) {
        o->unread++;
        return PT_OK;
    }
    if (!old_path(w, ino)) {
        /* unlinked already in that generation (open then), or a name lost */
        snprintf(name, sizeof name, "$OrphanFiles/inode-%" PRIu64, ino);
        if (pt_item_path_set(&w->path, &w->cap, w->base, name, w->err) != PT_OK)
            return w->err->code;
    }
    pt_scan_item_at(w->s, &it, w->path);
    it.allocated = 0;
    pt_item_add_error(&it, "note", "deleted: named in the Btrfs tree of generation %" PRIu64 " (one of the "
                      "superblock's backup roots), not in the current tree (generation %" PRIu64 "); its content is "
                      "read from extents the filesystem has freed and may have written over since", o->gen,
                      w->b->generation);
    o->found++;
    return emit_inode(w, &it, ino, ii);
}

/* Walks the subtree at bytenr of an old tree, skipping the blocks the
 * current tree shares (nothing in them was deleted), and emits each inode
 * the current tree does not name. */
static int old_node(oldwalk_t *o, uint64_t bytenr, int depth)
{
    bwalk_t *w = o->w;
    pt_err_t e = { 0, "" };
    const uint8_t *p;
    uint64_t *list;
    uint32_t n, i, k = 0;
    int level, rc = PT_OK;

    if (pt_u64set_has(&w->blocks, bytenr))
        return PT_OK;
    if (depth >= LEVELS || !(p = node(w->b, bytenr, &e))) {
        if (e.code == PT_ENOMEM)
            return pt_err_set(w->err, PT_ENOMEM, "out of memory");
        o->unread++;
        return PT_OK;
    }
    n = (uint32_t)le(p + 0x60, 4);
    level = p[0x64];
    /* copied out: the recursion may evict the block from the cache */
    if (!(list = malloc((n ? n : 1) * sizeof *list)))
        return pt_err_set(w->err, PT_ENOMEM, "out of memory");
    for (i = 0; i < n; i++) {
        bkey_t key;
        if (level) {
            list[k++] = le(p + HDR + KEY_PTR * i + 17, 8);
            continue;
        }
        key_at(p + HDR + LEAF_ITEM * i, &key);
        if (key.type == T_INODE_ITEM && key.obj > 256 && key.obj < ((uint64_t)1 << 62) &&
            !pt_u64set_has(&w->seen, key.obj))
            list[k++] = key.obj;
    }
    for (i = 0; i < k && rc == PT_OK; i++)
        rc = level ? old_node(o, list[i], depth + 1) : old_inode(o, list[i]);
    free(list);
    return rc;
}

/* The subvolume's tree in each backup root that differs from the current
 * one: the files it names that the current tree does not, as deleted. */
static int walk_backups(bwalk_t *w)
{
    pt_btrfs_t *b = w->b;
    uint64_t cur = w->root, done[BACKUPS];
    int i, j, nd = 0, rc = PT_OK;

    for (i = 0; i < b->nbackup && rc == PT_OK; i++) {
        oldwalk_t o = { w, b->backup[i].gen, 0, 0 };
        pt_err_t e = { 0, "" };
        uint64_t root = 0;
        int seen_root = 0;
        b->max_gen = b->backup[i].gen;
        if (tree_root_in(b, b->backup[i].tree_root, w->subvol, &root, &e) != PT_OK) {
            b->max_gen = 0;
            if (e.code == PT_ENOMEM)
                return pt_err_set(w->err, PT_ENOMEM, "out of memory");
            continue; /* not there yet in that generation, or its blocks written over */
        }
        for (j = 0; j < nd; j++)
            seen_root |= done[j] == root;
        if (root != cur && !seen_root) {
            done[nd++] = root;
            w->root = root;
            rc = old_node(&o, root, 0);
            w->root = cur;
        }
        b->max_gen = 0;
        if (rc == PT_OK && (o.found || o.unread)) {
            char msg[400];
            snprintf(msg, sizeof msg, "Btrfs backup root of generation %" PRIu64 ": %u file%s the current tree no "
                     "longer names, listed as deleted%s", o.gen, o.found, o.found == 1 ? "" : "s",
                     o.unread ? "; some of its blocks had been written over (what they held is lost)" : "");
            rc = pt_scan_problem(w->s, "note", w->s->volume_label, msg, w->err);
        }
    }
    return rc;
}

int pt_btrfs_walk(pt_scan_t *s, pt_btrfs_t *b, uint64_t subvol, pt_err_t *err)
{
    pt_err_t e = { 0, "" };
    small_ctx_t ctx;
    bwalk_t w;
    long len;
    int rc;

    memset(&w, 0, sizeof w);
    w.s = s;
    w.b = b;
    w.subvol = subvol;
    w.err = err;
    if (tree_root(b, subvol, &w.root, &e) != PT_OK)
        return pt_scan_problem(s, "error", "filesystem", e.msg, err);
    ctx.b = b;
    ctx.root = w.root;
    if ((rc = pt_scan_volume_identity(s, read_small, &ctx, &w.accounts, err)) != PT_OK)
        goto out;
    if ((len = pt_scan_path_start(s, &w.path, &w.cap)) < 0) {
        rc = pt_err_set(err, PT_ENOMEM, "out of memory");
        goto out;
    }
    w.base = (size_t)len;
    b->blocks = &w.blocks;
    rc = walk_dir(&w, 256, (size_t)len, 0);
    b->blocks = NULL;
    if (rc == PT_OK)
        rc = walk_backups(&w);
out:
    b->blocks = NULL;
    b->max_gen = 0;
    pt_accounts_free(&w.accounts);
    pt_u64set_free(&w.seen);
    pt_u64set_free(&w.blocks);
    free(w.path);
    return rc;
}
