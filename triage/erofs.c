/* erofs.c - a read-only EROFS reader after the kernel's fs/erofs
 * (erofs_fs.h, data.c, zmap.c) and erofs-utils' lib/decompress.c: all
 * little-endian; the superblock at byte 1024; an inode at meta_blkaddr *
 * block + nid * 32 (32-byte compact or 64-byte extended), then its inline
 * xattrs, then (by layout) its inline tail, chunk index or compression map;
 * directories are blocks of 12-byte entries sorted by name with the names
 * after them.  Owns the file opened by pt_erofs_open_inode and, per open
 * file, the extent last decompressed. */
#include "erofs.h"

#include <inttypes.h>
#include <lz4.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "bytes.h"
#include "crc32c.h"
#include "treewalk.h"

#define SB_OFF 1024u
#define MAGIC 0xE0F5E1E2u
#define DIR_MAX (64u << 20)       /* bytes of one directory */
#define EXTENT_MAX (16u << 20)    /* decompressed bytes of one extent: more is damage */
#define PCLUSTER_MAX (1u << 20)   /* compressed bytes of one physical cluster (the kernel's limit) */
#define NULL_ADDR 0xffffffffu

/* incompat features */
#define F_ZERO_PADDING 0x01u
#define F_BIG_PCLUSTER 0x02u
#define F_CHUNKED 0x04u
#define F_DEVICE_TABLE 0x08u
#define F_ZTAILPACKING 0x10u
#define F_FRAGMENTS 0x20u
#define F_DEDUPE 0x40u
#define F_XATTR_PREFIXES 0x80u

/* data layouts */
enum { L_FLAT_PLAIN, L_COMPRESSED_FULL, L_FLAT_INLINE, L_COMPRESSED_COMPACT, L_CHUNK_BASED };
/* logical cluster types */
enum { T_PLAIN, T_HEAD1, T_NONHEAD, T_HEAD2 };
/* map header advice */
#define A_COMPACTED_2B 0x01u
#define A_BIG_PCLUSTER_1 0x02u
#define A_BIG_PCLUSTER_2 0x04u
#define A_INLINE_PCLUSTER 0x08u
#define A_INTERLACED 0x10u
#define A_FRAGMENT 0x20u
#define D0_CBLKCNT 0x800u

struct pt_erofs {
    pt_read_fn fn;
    void *src;
    uint64_t size, meta, build_time, blocks;
    uint32_t build_nsec, compat, incompat;
    unsigned blkbits;
    uint32_t blk;
    uint64_t root;
    char desc[512];
    struct efile *open;      /* the file pt_erofs_open_inode opened */
};

typedef struct einode {
    uint64_t nid, iloc, size;
    unsigned layout, isize, xsize;
    uint16_t mode;
    uint32_t uid, gid, nlink, raw, mtime_nsec;
    int64_t mtime;
} einode_t;

/* A compressed file's mapping state (z_erofs_maprecorder). */
typedef struct zmap {
    uint64_t lcn, pblk, nextpackoff;
    unsigned type, headtype, clusterofs, delta0, compressedblks;
} zmap_t;

typedef struct efile {
    pt_erofs_t *e;
    einode_t in;
    /* compressed */
    unsigned lbits, algs, advise;
    uint64_t ebase;                  /* where its indexes start */
    uint64_t tail_head, idata_off;   /* an inline tail cluster: its head lcluster, where its bytes lie */
    unsigned idata_size;
    uint64_t xla, xlen;              /* the extent last decoded: logical start and length */
    uint8_t *xbuf, *pbuf;
    int have;
} efile_t;

int pt_erofs_is(const uint8_t *h, size_t n)
{
    return n >= SB_OFF + 128 && le32(h + SB_OFF) == MAGIC && h[SB_OFF + 12] >= 9 && h[SB_OFF + 12] <= 16;
}

static int rd(pt_erofs_t *e, uint64_t off, void *buf, size_t len, pt_err_t *err)
{
    if (off > e->size || len > e->size - off)
        return pt_err_set(err, PT_EFORMAT, "bytes %" PRIu64 "-%" PRIu64 " lie past the filesystem's end (%" PRIu64
                          " bytes)", off, off + len, e->size);
    return pt_read_exact(e->fn, e->src, off, buf, len, err);
}

int pt_erofs_open(pt_read_fn fn, void *src, uint64_t size, pt_erofs_t **out, pt_err_t *err)
{
    uint8_t *b;
    pt_erofs_t *e;
    char name[17], feats[200] = "", built[40];
    size_t k;
    int rc, sum_ok = -1;

    *out = NULL;
    if (size < SB_OFF + 128)
        return pt_err_set(err, PT_EFORMAT, "EROFS: the volume is shorter than a superblock");
    if (!(e = calloc(1, sizeof *e)) || !(b = malloc(65536))) {
        free(e);
        return pt_err_set(err, PT_ENOMEM, "out of memory");
    }
    e->fn = fn;
    e->src = src;
    e->size = size;
    if ((rc = pt_read_exact(fn, src, 0, b, SB_OFF + 128, err)) != PT_OK)
        goto fail;
    if (!pt_erofs_is(b, SB_OFF + 128)) {
        rc = pt_err_set(err, PT_EFORMAT, "no EROFS superblock (magic, block size)");
        goto fail;
    }
    e->blkbits = b[SB_OFF + 12];
    e->blk = 1u << e->blkbits;
    e->compat = le32(b + SB_OFF + 8);
    e->root = le16(b + SB_OFF + 14);
    e->build_time = le64(b + SB_OFF + 24);
    e->build_nsec = le32(b + SB_OFF + 32);
    e->blocks = le32(b + SB_OFF + 36);
    e->meta = (uint64_t)le32(b + SB_OFF + 40) << e->blkbits;
    e->incompat = le32(b + SB_OFF + 80);
    if (e->meta >= size || e->blk < 512) {
        rc = pt_err_set(err, PT_EFORMAT, "EROFS superblock damaged: metadata at byte %" PRIu64 " of a %" PRIu64
                        "-byte volume", e->meta, size);
        goto fail;
    }
    /* its CRC-32C over the rest of the superblock's block, the field zeroed
     * (the kernel's crc32c(~0, ...), without the final inversion) */
    if ((e->compat & 1u) && e->blk > SB_OFF && e->blk <= 65536 &&
        pt_read_exact(fn, src, 0, b, e->blk, err) == PT_OK) {
        uint32_t want = le32(b + SB_OFF + 4);
        memset(b + SB_OFF + 4, 0, 4);
        sum_ok = (~pt_crc32c(b + SB_OFF, e->blk - SB_OFF)) == want;
    }
    for (k = 0; k < 16 && b[SB_OFF + 64 + k] >= 0x20 && b[SB_OFF + 64 + k] < 0x7f; k++)
        name[k] = (char)b[SB_OFF + 64 + k];
    name[k] = '\0';
    snprintf(feats, sizeof feats, "%s%s%s%s%s%s%s%s", e->incompat & F_ZERO_PADDING ? ", LZ4 0-padding" : "",
             e->incompat & F_BIG_PCLUSTER ? ", big physical clusters" : "",
             e->incompat & F_CHUNKED ? ", chunk-based files" : "",
             e->incompat & F_DEVICE_TABLE ? ", extra devices (not read)" : "",
             e->incompat & F_ZTAILPACKING ? ", inline tail clusters" : "",
             e->incompat & F_FRAGMENTS ? ", fragments (not read)" : "",
             e->incompat & F_DEDUPE ? ", deduplicated clusters" : "",
             e->incompat & F_XATTR_PREFIXES ? ", long xattr prefixes" : "");
    {
        time_t t = (time_t)e->build_time;
        struct tm tm;
        if (e->build_time > (uint64_t)INT32_MAX * 64 || !gmtime_r(&t, &tm) ||
            !strftime(built, sizeof built, "%Y-%m-%dT%H:%M:%SZ", &tm))
            snprintf(built, sizeof built, "%" PRIu64 " (Unix time)", e->build_time);
    }
    snprintf(e->desc, sizeof e->desc, "EROFS, %u-byte blocks, %" PRIu64 " blocks, volume name '%s', built %s (the "
             "time of its compact inodes)%s%s", e->blk, e->blocks, name, built, feats,
             sum_ok == 0 ? "; its superblock checksum does not match (damage)" : "");
    free(b);
    *out = e;
    return PT_OK;
fail:
    free(b);
    free(e);
    return rc;
}

static void file_free(efile_t *f)
{
    if (f) {
        free(f->xbuf);
        free(f->pbuf);
        free(f);
    }
}

void pt_erofs_close(pt_erofs_t *e)
{
    if (e) {
        file_free(e->open);
        free(e);
    }
}

const char *pt_erofs_describe(const pt_erofs_t *e)
{
    return e->desc;
}

uint64_t pt_erofs_bytes_used(const pt_erofs_t *e)
{
    uint64_t b = e->blocks << e->blkbits;
    return b && b <= e->size ? b : e->size;
}

/* ---- inodes ---- */

static int inode_read(pt_erofs_t *e, uint64_t nid, einode_t *in, pt_err_t *err)
{
    uint8_t b[64];
    uint16_t fmt, icount;
    int rc;

    memset(in, 0, sizeof *in);
    in->nid = nid;
    if (nid > (e->size - e->meta) / 32)
        return pt_err_set(err, PT_EFORMAT, "node %" PRIu64 " lies past the filesystem's end", nid);
    in->iloc = e->meta + nid * 32;
    if ((rc = rd(e, in->iloc, b, e->size - in->iloc >= 64 ? 64 : 32, err)) != PT_OK)
        return rc;
    fmt = le16(b);
    icount = le16(b + 2);
    in->layout = (fmt >> 1) & 7u;
    in->isize = (fmt & 1u) ? 64 : 32;
    in->xsize = icount ? 12u + 4u * (icount - 1u) : 0;
    in->mode = le16(b + 4);
    if (fmt & 1u) {
        in->size = le64(b + 8);
        in->raw = le32(b + 16);
        in->uid = le32(b + 24);
        in->gid = le32(b + 28);
        in->mtime = (int64_t)le64(b + 32);
        in->mtime_nsec = le32(b + 40);
        in->nlink = le32(b + 44);
    } else {
        in->nlink = le16(b + 6);
        in->size = le32(b + 8);
        in->raw = le32(b + 16);
        in->uid = le16(b + 24);
        in->gid = le16(b + 26);
        /* a compact inode has no time of its own: the filesystem's build time */
        in->mtime = (int64_t)e->build_time;
        in->mtime_nsec = e->build_nsec;
    }
    if (in->layout > L_CHUNK_BASED)
        return pt_err_set(err, PT_EFORMAT, "node %" PRIu64 ": data layout %u is not one EROFS defines", nid,
                          in->layout);
    return PT_OK;
}

/* ---- uncompressed layouts: a byte's place on the volume ---- */

/* The physical offset of byte off of an uncompressed file and the bytes
 * that follow it contiguously (to its block's end); *hole for a chunk
 * never written. */
static int flat_map(efile_t *f, uint64_t off, uint64_t *pa, uint64_t *run, int *hole, pt_err_t *err)
{
    pt_erofs_t *e = f->e;
    const einode_t *in = &f->in;
    uint64_t blk = off >> e->blkbits, in_blk = off & (e->blk - 1);
    int rc;

    *hole = 0;
    *run = e->blk - in_blk;
    if (in->layout == L_CHUNK_BASED) {
        unsigned cbits = e->blkbits + (in->raw & 0x1fu), unit = (in->raw & 0x20u) ? 8 : 4;
        uint64_t chunk = off >> cbits, pos = ((in->iloc + in->isize + in->xsize + unit - 1) & ~(uint64_t)(unit - 1)) +
                                                unit * chunk;
        uint8_t ix[8];
        uint32_t addr;
        if (cbits > 40)
            return pt_err_set(err, PT_EFORMAT, "chunks of 2^%u bytes", cbits);
        if ((rc = rd(e, pos, ix, unit, err)) != PT_OK)
            return rc;
        addr = unit == 8 ? le32(ix + 4) : le32(ix);
        if (unit == 8 && le16(ix + 2) != 0)
            return pt_err_set(err, PT_EFORMAT, "chunk %" PRIu64 " lies on extra device %u, which is not read", chunk,
                              le16(ix + 2));
        *run = ((chunk + 1) << cbits) - off;
        if (addr == NULL_ADDR) {
            *hole = 1;
            return PT_OK;
        }
        *pa = ((uint64_t)addr << e->blkbits) + (off - (chunk << cbits));
        return PT_OK;
    }
    if (in->layout == L_FLAT_INLINE && blk == (in->size - 1) >> e->blkbits) {
        /* the tail block's bytes follow the inode and its xattrs, in its block */
        uint64_t at = in->iloc + in->isize + in->xsize;
        if ((at & (e->blk - 1)) + (in->size - (blk << e->blkbits)) > e->blk)
            return pt_err_set(err, PT_EFORMAT, "its inline tail (%" PRIu64 " bytes) crosses a block boundary",
                              in->size - (blk << e->blkbits));
        *pa = at + in_blk;
        return PT_OK;
    }
    /* flat: contiguous up to the inline tail's block, if any */
    *pa = ((uint64_t)in->raw << e->blkbits) + off;
    *run = (in->layout == L_FLAT_INLINE ? ((in->size - 1) >> e->blkbits) << e->blkbits : in->size) - off;
    return PT_OK;
}

/* ---- compressed layouts (zmap.c) ---- */

static unsigned decode_bits(const uint8_t *in, unsigned lobits, unsigned pos, unsigned *type)
{
    uint32_t v = le32(in + pos / 8) >> (pos & 7);
    *type = (v >> lobits) & 3u;
    return v & ((1u << lobits) - 1);
}

static int load_full(efile_t *f, uint64_t lcn, zmap_t *m, pt_err_t *err)
{
    uint64_t pos = ((f->in.iloc + f->in.isize + f->in.xsize + 7) & ~(uint64_t)7) + 16 + lcn * 8;
    uint8_t di[8];
    int rc;

    if ((rc = rd(f->e, pos, di, 8, err)) != PT_OK)
        return rc;
    m->lcn = lcn;
    m->nextpackoff = pos + 8;
    m->type = le16(di) & 3u;
    m->compressedblks = 0;
    if (m->type == T_NONHEAD) {
        m->clusterofs = 1u << f->lbits;
        m->delta0 = le16(di + 4);
        if (m->delta0 & D0_CBLKCNT) {
            if (!(f->advise & (A_BIG_PCLUSTER_1 | A_BIG_PCLUSTER_2)))
                return pt_err_set(err, PT_EFORMAT, "logical cluster %" PRIu64 " counts blocks of a big physical "
                                  "cluster the file does not have", lcn);
            m->compressedblks = m->delta0 & ~D0_CBLKCNT;
            m->delta0 = 1;
        }
    } else {
        m->clusterofs = le16(di + 2);
        if (m->clusterofs >= 1u << f->lbits)
            return pt_err_set(err, PT_EFORMAT, "logical cluster %" PRIu64 " starts at %u, past its end", lcn,
                              m->clusterofs);
        m->pblk = le32(di + 4);
    }
    return PT_OK;
}

static int unpack_compact(efile_t *f, zmap_t *m, unsigned ashift, uint64_t pos, pt_err_t *err)
{
    unsigned vcnt, lobits, encodebits, i, lo, type, nblk;
    uint8_t pack[64];
    int big = (f->advise & A_BIG_PCLUSTER_1) != 0, rc, j;
    uint64_t packoff;

    if ((1u << ashift) == 4 && f->lbits <= 14)
        vcnt = 2;
    else if ((1u << ashift) == 2 && f->lbits <= 12)
        vcnt = 16;
    else
        return pt_err_set(err, PT_EFORMAT, "compacted indexes of %u bytes for logical clusters of 2^%u bytes",
                          1u << ashift, f->lbits);
    packoff = pos / (vcnt << ashift) * (vcnt << ashift);
    m->nextpackoff = packoff + (vcnt << ashift);
    lobits = f->lbits > 12 ? f->lbits : 12; /* max(lclusterbits, ilog2(D0_CBLKCNT) + 1) */
    encodebits = ((vcnt << ashift) - 4) * 8 / vcnt;
    if ((rc = rd(f->e, packoff, pack, vcnt << ashift, err)) != PT_OK)
        return rc;
    i = (unsigned)((pos - packoff) >> ashift);
    lo = decode_bits(pack, lobits, encodebits * i, &type);
    m->type = type;
    m->compressedblks = 0;
    if (type == T_NONHEAD) {
        m->clusterofs = 1u << f->lbits;
        if (lo & D0_CBLKCNT) {
            if (!big)
                return pt_err_set(err, PT_EFORMAT, "logical cluster %" PRIu64 " counts blocks of a big physical "
                                  "cluster the file does not have", m->lcn);
            m->compressedblks = lo & ~D0_CBLKCNT;
            m->delta0 = 1;
            return PT_OK;
        }
        if (i + 1 != vcnt) {
            m->delta0 = lo;
            return PT_OK;
        }
        /* the last of a pack keeps delta[1]: delta[0] from the one before */
        lo = decode_bits(pack, lobits, encodebits * (i - 1), &type);
        if (type != T_NONHEAD)
            lo = 0;
        else if (lo & D0_CBLKCNT)
            lo = 1;
        m->delta0 = lo + 1;
        return PT_OK;
    }
    m->clusterofs = lo;
    m->delta0 = 0;
    /* the head's block: the pack's base address plus the blocks before it */
    j = (int)i;
    nblk = big ? 0 : 1;
    while (j > 0) {
        --j;
        lo = decode_bits(pack, lobits, encodebits * (unsigned)j, &type);
        if (!big) {
            if (type == T_NONHEAD)
                j -= (int)lo;
            if (j >= 0)
                ++nblk;
            continue;
        }
        if (type == T_NONHEAD) {
            if (lo & D0_CBLKCNT) {
                --j;
                nblk += lo & ~D0_CBLKCNT;
                continue;
            }
            if (lo <= 1)
                return pt_err_set(err, PT_EFORMAT, "logical cluster %" PRIu64 ": a big-cluster pack with a "
                                  "distance of %u", m->lcn, lo);
            j -= (int)lo - 2;
            continue;
        }
        ++nblk;
    }
    m->pblk = le32(pack + (vcnt << ashift) - 4) + nblk;
    return PT_OK;
}

static int load_compact(efile_t *f, uint64_t lcn, zmap_t *m, pt_err_t *err)
{
    uint64_t total = (f->in.size + (1ull << f->lbits) - 1) >> f->lbits, pos = f->ebase, init4, c2b;
    unsigned ashift;

    if (lcn >= total)
        return pt_err_set(err, PT_EFORMAT, "logical cluster %" PRIu64 " past the file's %" PRIu64, lcn, total);
    m->lcn = lcn;
    init4 = (32 - f->ebase % 32) / 4;
    if (init4 == 8)
        init4 = 0;
    c2b = (f->advise & A_COMPACTED_2B) && init4 < total ? (total - init4) / 16 * 16 : 0;
    if (lcn < init4) {
        ashift = 2;
    } else {
        pos += init4 * 4;
        lcn -= init4;
        if (lcn < c2b) {
            ashift = 1;
        } else {
            pos += c2b * 2;
            lcn -= c2b;
            ashift = 2;
        }
    }
    return unpack_compact(f, m, ashift, pos + (lcn << ashift), err);
}

static int load(efile_t *f, uint64_t lcn, zmap_t *m, pt_err_t *err)
{
    return f->in.layout == L_COMPRESSED_FULL ? load_full(f, lcn, m, err) : load_compact(f, lcn, m, err);
}

static int lookback(efile_t *f, zmap_t *m, unsigned dist, uint64_t *la, pt_err_t *err)
{
    int hops = 0, rc;

    while (m->lcn >= dist && dist && ++hops < 1 << 20) {
        if ((rc = load(f, m->lcn - dist, m, err)) != PT_OK)
            return rc;
        if (m->type == T_NONHEAD) {
            dist = m->delta0;
            continue;
        }
        m->headtype = m->type;
        *la = (m->lcn << f->lbits) | m->clusterofs;
        return PT_OK;
    }
    return pt_err_set(err, PT_EFORMAT, "no head logical cluster before logical cluster %" PRIu64
                      " (damaged compression indexes)", m->lcn);
}

typedef struct extent {
    uint64_t la, llen, pa, plen;
    unsigned fmt;       /* 0 LZ4, 1 LZMA, ...; 100: stored (shifted) */
    int inline_tail;
} extent_t;

#define FMT_STORED 100u

/* Where the output of the physical cluster whose head lies at or before
 * lcn ends: at the next head logical cluster's start, or the file's end
 * (z_erofs_get_extent_decompressedlen).  The kernel's map stops at the end
 * of the logical cluster asked for and its page cache keeps the rest; a
 * reader that decoded each logical cluster's extent from its head again
 * would decode a 256 KiB cluster of text hundreds of times.  At most
 * EXTENT_MAX bytes from la; damaged indexes leave *end as it was (that
 * logical cluster is then read alone, as before). */
static void extent_end(efile_t *f, uint64_t lcn, uint64_t la, uint64_t *end)
{
    pt_err_t ignored;
    zmap_t m;

    for (; (lcn << f->lbits) < f->in.size && (lcn << f->lbits) - la < EXTENT_MAX; lcn++) {
        memset(&m, 0, sizeof m);
        if (load(f, lcn, &m, &ignored) != PT_OK)
            return;
        if (m.type != T_NONHEAD) {
            *end = (lcn << f->lbits) | m.clusterofs;
            return;
        }
        *end = (lcn + 1) << f->lbits < f->in.size ? (lcn + 1) << f->lbits : f->in.size;
    }
}

/* The extent holding logical byte ofs (z_erofs_do_map_blocks), whole. */
static int zmap_blocks(efile_t *f, uint64_t ofs, extent_t *x, int findtail, pt_err_t *err)
{
    uint64_t lcn = ofs >> f->lbits, end;
    unsigned endoff = (unsigned)(ofs & ((1ull << f->lbits) - 1));
    int whole = 0;
    zmap_t m;
    int rc;

    memset(&m, 0, sizeof m);
    memset(x, 0, sizeof *x);
    if ((rc = load(f, lcn, &m, err)) != PT_OK)
        return rc;
    if (findtail && (f->advise & A_INLINE_PCLUSTER))
        f->idata_off = m.nextpackoff;
    end = (m.lcn + 1) << f->lbits;
    if (m.type == T_PLAIN || m.type == T_HEAD1 || m.type == T_HEAD2) {
        if (endoff >= m.clusterofs) {
            m.headtype = m.type;
            x->la = (m.lcn << f->lbits) | m.clusterofs;
            if ((f->advise & A_INLINE_PCLUSTER) && end > f->in.size)
                end = f->in.size;
            whole = 1;
        } else {
            if (!m.lcn)
                return pt_err_set(err, PT_EFORMAT, "logical cluster 0 starts at %u", m.clusterofs);
            end = (m.lcn << f->lbits) | m.clusterofs;
            if ((rc = lookback(f, &m, 1, &x->la, err)) != PT_OK)
                return rc;
        }
    } else if (m.type == T_NONHEAD) {
        if ((rc = lookback(f, &m, m.delta0, &x->la, err)) != PT_OK)
            return rc;
        whole = 1;
    } else {
        return pt_err_set(err, PT_EFORMAT, "logical cluster %" PRIu64 " of type %u", lcn, m.type);
    }
    if (end <= x->la)
        return pt_err_set(err, PT_EFORMAT, "an extent ending before it starts at logical byte %" PRIu64, x->la);
    x->llen = end - x->la;
    if (findtail) {
        f->tail_head = m.lcn;
        return PT_OK;
    }
    if (whole && end == (lcn + 1) << f->lbits) {
        extent_end(f, lcn + 1, x->la, &end);
        x->llen = end - x->la;
    }
    if ((f->advise & A_INLINE_PCLUSTER) && m.lcn == f->tail_head) {
        x->inline_tail = 1;
        x->pa = f->idata_off;
        x->plen = f->idata_size;
    } else {
        int big1 = (f->advise & A_BIG_PCLUSTER_1) != 0, big2 = (f->advise & A_BIG_PCLUSTER_2) != 0;
        unsigned headtype = m.headtype;
        uint64_t head = m.lcn;
        x->pa = m.pblk << f->e->blkbits;
        m.compressedblks = 0;
        if ((headtype == T_HEAD1 && !big1) || ((headtype == T_PLAIN || headtype == T_HEAD2) && !big2) ||
            (head << f->lbits) >= f->in.size) {
            m.compressedblks = 1;
        } else {
            if ((rc = load(f, head + 1, &m, err)) != PT_OK)
                return rc;
            if (m.type != T_NONHEAD)
                m.compressedblks = 1;
            else if (m.delta0 != 1 || !m.compressedblks)
                return pt_err_set(err, PT_EFORMAT, "logical cluster %" PRIu64 " does not count its physical "
                                  "cluster's blocks", head + 1);
        }
        x->plen = (uint64_t)m.compressedblks << f->e->blkbits;
        m.headtype = headtype;
    }
    if (m.headtype == T_PLAIN) {
        if (f->advise & A_INTERLACED)
            return pt_err_set(err, PT_EFORMAT, "interlaced stored clusters are not read");
        x->fmt = FMT_STORED;
    } else {
        x->fmt = m.headtype == T_HEAD2 ? f->algs >> 4 : f->algs & 15u;
    }
    return PT_OK;
}

static int file_open(pt_erofs_t *e, const einode_t *in, efile_t **out, pt_err_t *err)
{
    efile_t *f;
    int rc;

    *out = NULL;
    if (!(f = calloc(1, sizeof *f)))
        return pt_err_set(err, PT_ENOMEM, "out of memory");
    f->e = e;
    f->in = *in;
    if (in->layout == L_COMPRESSED_FULL || in->layout == L_COMPRESSED_COMPACT) {
        uint8_t h[8];
        uint64_t hpos = (in->iloc + in->isize + in->xsize + 7) & ~(uint64_t)7;
        if ((rc = rd(e, hpos, h, 8, err)) != PT_OK)
            goto fail;
        f->advise = le16(h + 4);
        f->algs = h[6];
        f->lbits = e->blkbits + (h[7] & 7u);
        f->idata_size = le16(h + 2);
        f->ebase = hpos + 8;
        if (h[7] & 0x80u) {
            rc = pt_err_set(err, PT_EFORMAT, "its content is a fragment of the packed inode, which is not read");
            goto fail;
        }
        if (f->advise & A_FRAGMENT) {
            rc = pt_err_set(err, PT_EFORMAT, "its tail is a fragment of the packed inode, which is not read");
            goto fail;
        }
        if (in->layout == L_COMPRESSED_COMPACT && !(f->advise & A_BIG_PCLUSTER_1) != !(f->advise & A_BIG_PCLUSTER_2)) {
            rc = pt_err_set(err, PT_EFORMAT, "compacted indexes with big physical clusters for one head type only");
            goto fail;
        }
        if (in->size && (f->advise & A_INLINE_PCLUSTER)) {
            extent_t x;
            if (f->idata_size > e->blk) {
                rc = pt_err_set(err, PT_EFORMAT, "an inline tail cluster of %u bytes", f->idata_size);
                goto fail;
            }
            if ((rc = zmap_blocks(f, in->size - 1, &x, 1, err)) != PT_OK)
                goto fail;
        }
    }
    *out = f;
    return PT_OK;
fail:
    file_free(f);
    return rc;
}

/* Decodes extent x whole into f->xbuf. */
static int decode_extent(efile_t *f, const extent_t *x, pt_err_t *err)
{
    pt_erofs_t *e = f->e;
    unsigned margin = 0;
    int rc, got;
    uint8_t *nb;

    if (x->llen > EXTENT_MAX || x->plen > PCLUSTER_MAX || !x->plen)
        return pt_err_set(err, PT_EFORMAT, "an extent of %" PRIu64 " bytes from %" PRIu64 " compressed: out of "
                          "EROFS's bounds (damage?)", x->llen, x->plen);
    if (x->fmt != FMT_STORED && x->fmt != 0)
        return pt_err_set(err, PT_EFORMAT, "an extent compressed with %s, which ptriage does not decode",
                          x->fmt == 1 ? "LZMA" : x->fmt == 2 ? "DEFLATE" : "an unknown algorithm");
    f->have = 0;
    if (!(nb = realloc(f->xbuf, x->llen ? x->llen : 1)))
        return pt_err_set(err, PT_ENOMEM, "out of memory");
    f->xbuf = nb;
    if (!(nb = realloc(f->pbuf, x->plen)))
        return pt_err_set(err, PT_ENOMEM, "out of memory");
    f->pbuf = nb;
    if ((rc = rd(e, x->pa, f->pbuf, x->plen, err)) != PT_OK)
        return rc;
    if (x->fmt == FMT_STORED) {
        if (x->llen > x->plen)
            return pt_err_set(err, PT_EFORMAT, "a stored extent of %" PRIu64 " bytes in %" PRIu64, x->llen, x->plen);
        memcpy(f->xbuf, f->pbuf, x->llen);
    } else {
        /* 0-padding: the compressed bytes end their physical cluster */
        if (e->incompat & F_ZERO_PADDING) {
            while (margin < x->plen && !f->pbuf[margin])
                margin++;
            if (margin >= x->plen)
                return pt_err_set(err, PT_EFORMAT, "an LZ4 cluster of zeros at byte %" PRIu64, x->pa);
        }
        got = LZ4_decompress_safe_partial((const char *)f->pbuf + margin, (char *)f->xbuf, (int)(x->plen - margin),
                                          (int)x->llen, (int)x->llen);
        if (got != (int)x->llen)
            return pt_err_set(err, PT_EFORMAT, "the LZ4 cluster at byte %" PRIu64 " decodes to %d bytes, not %" PRIu64,
                              x->pa, got, x->llen);
    }
    f->xla = x->la;
    f->xlen = x->llen;
    f->have = 1;
    return PT_OK;
}

static ssize_t file_read(void *src, uint64_t off, uint8_t *buf, size_t len, pt_err_t *err)
{
    efile_t *f = src;
    size_t done = 0;

    if (off >= f->in.size)
        return 0;
    if (len > f->in.size - off)
        len = (size_t)(f->in.size - off);
    while (done < len) {
        uint64_t at = off + done, n;
        if (f->in.layout == L_COMPRESSED_FULL || f->in.layout == L_COMPRESSED_COMPACT) {
            if (!f->have || at < f->xla || at >= f->xla + f->xlen) {
                extent_t x;
                if (zmap_blocks(f, at, &x, 0, err) != PT_OK || decode_extent(f, &x, err) != PT_OK)
                    return -1;
                if (at < f->xla || at >= f->xla + f->xlen) {
                    pt_err_set(err, PT_EFORMAT, "logical byte %" PRIu64 " is in no extent", at);
                    return -1;
                }
            }
            n = f->xla + f->xlen - at;
            if (n > len - done)
                n = len - done;
            memcpy(buf + done, f->xbuf + (at - f->xla), (size_t)n);
        } else {
            uint64_t pa = 0, run;
            int hole;
            if (flat_map(f, at, &pa, &run, &hole, err) != PT_OK)
                return -1;
            n = run < len - done ? run : len - done;
            if (hole)
                memset(buf + done, 0, (size_t)n);
            else if (rd(f->e, pa, buf + done, (size_t)n, err) != PT_OK)
                return -1;
        }
        done += (size_t)n;
    }
    return (ssize_t)done;
}

/* ---- directories ---- */

#define DIR_DAMAGED PT_TW_DAMAGED

/* Calls fn for each entry but "." and ".." (a non-zero return stops);
 * DIR_DAMAGED with err set when the listing is damaged. */
static int dir_each(void *fs, const void *dirp, pt_tw_entry_fn fn, void *ctx, pt_err_t *err)
{
    pt_erofs_t *e = fs;
    const einode_t *dir = dirp;
    efile_t *f = NULL;
    uint8_t *blk = NULL;
    uint64_t pos;
    int r = 0, rc;

    if (dir->size > DIR_MAX) {
        pt_err_set(err, PT_EFORMAT, "a directory of %" PRIu64 " bytes", dir->size);
        return DIR_DAMAGED;
    }
    if ((rc = file_open(e, dir, &f, err)) != PT_OK)
        return rc == PT_ENOMEM ? rc : DIR_DAMAGED;
    if (!(blk = malloc(e->blk))) {
        file_free(f);
        return pt_err_set(err, PT_ENOMEM, "out of memory");
    }
    for (pos = 0; pos < dir->size && !r; pos += e->blk) {
        size_t bl = dir->size - pos < e->blk ? (size_t)(dir->size - pos) : e->blk;
        unsigned n, i, nameoff0;
        if (file_read(f, pos, blk, bl, err) != (ssize_t)bl) {
            r = DIR_DAMAGED;
            break;
        }
        nameoff0 = bl >= 12 ? le16(blk + 8) : 0;
        if (nameoff0 < 12 || nameoff0 % 12 || nameoff0 > bl) {
            pt_err_set(err, PT_EFORMAT, "directory block at byte %" PRIu64 ": its first name at %u", pos, nameoff0);
            r = DIR_DAMAGED;
            break;
        }
        n = nameoff0 / 12;
        for (i = 0; i < n && !r; i++) {
            const uint8_t *d = blk + 12 * i;
            unsigned no = le16(d + 8), ne = i + 1 < n ? le16(d + 12 + 8) : (unsigned)bl;
            size_t nl;
            if (no < nameoff0 || ne > bl || ne <= no) {
                pt_err_set(err, PT_EFORMAT, "directory block at byte %" PRIu64 ": entry %u's name at %u-%u", pos, i,
                           no, ne);
                r = DIR_DAMAGED;
                break;
            }
            nl = ne - no;
            if (i + 1 == n) /* the last name ends at the block's end or its first NUL */
                nl = strnlen((const char *)blk + no, nl);
            if (nl == 0 || nl > 255) {
                pt_err_set(err, PT_EFORMAT, "directory block at byte %" PRIu64 ": a name of %zu bytes", pos, nl);
                r = DIR_DAMAGED;
                break;
            }
            if ((nl == 1 && blk[no] == '.') || (nl == 2 && blk[no] == '.' && blk[no + 1] == '.'))
                continue;
            {
                char name[256];
                memcpy(name, blk + no, nl);
                name[nl] = '\0';
                r = fn(ctx, le64(d), le64(d), d[10], name, nl);
            }
        }
    }
    free(blk);
    file_free(f);
    return r;
}

/* ---- the walk ---- */

/* The most bytes a file of this layout can hold on the volume: a larger
 * size is damage, not data (LZ4 expands at most 255-fold; a chunk table
 * cannot be larger than the volume). */
static uint64_t plausible(const pt_erofs_t *e, const einode_t *in)
{
    if (in->layout == L_COMPRESSED_FULL || in->layout == L_COMPRESSED_COMPACT)
        return e->size > UINT64_MAX / 256 ? UINT64_MAX : e->size * 256;
    if (in->layout == L_CHUNK_BASED) {
        unsigned cbits = e->blkbits + (in->raw & 0x1fu);
        uint64_t chunks = e->size / ((in->raw & 0x20u) ? 8 : 4);
        return cbits >= 40 || chunks > UINT64_MAX >> cbits ? UINT64_MAX : chunks << cbits;
    }
    return e->size;
}

static int visit(void *ctx, uint64_t nid, uint64_t number, unsigned type, const char *name, size_t nlen)
{
    pt_tw_t *w = ctx;
    pt_erofs_t *e = w->fs;
    pt_err_t ierr = { 0, "" };
    einode_t in;
    pt_item_t it;
    int rc;

    (void)nlen;
    if ((rc = pt_tw_item(w, &it, name, number)) != PT_OK)
        return rc;
    if ((rc = inode_read(e, nid, &in, &ierr)) != PT_OK) {
        if (rc == PT_ENOMEM)
            return pt_err_set(w->err, rc, "%s", ierr.msg);
        it.kind = PT_KIND_UNKNOWN;
        pt_item_add_error(&it, "error", "node %" PRIu64 " not read: %s", nid, ierr.msg);
        return pt_scan_emit(w->s, &it, w->err);
    }
    if (type && pt_tw_dtype(in.mode) != type)
        pt_item_add_error(&it, "error", "the directory says type %u, the inode is of type %u", type,
                          pt_tw_dtype(in.mode));
    it.kind = pt_item_kind_of_mode(in.mode);
    it.mode = in.mode & 07777u;
    it.size = S_ISDIR(in.mode) ? 0 : in.size;
    it.mtime.sec = in.mtime;
    it.mtime.nsec = in.mtime_nsec;
    it.mtime.known = 1;
    pt_tw_owner(w, &it, in.uid, in.gid);
    if (S_ISLNK(in.mode)) {
        efile_t *f = NULL;
        char target[4097];
        if (in.size >= sizeof target)
            pt_item_add_error(&it, "error", "link target claims %" PRIu64 " bytes", in.size);
        else if ((rc = file_open(e, &in, &f, &ierr)) == PT_OK &&
                 file_read(f, 0, (uint8_t *)target, (size_t)in.size, &ierr) == (ssize_t)in.size) {
            target[in.size] = '\0';
            it.link_target = target;
        } else if (rc == PT_ENOMEM) {
            return pt_err_set(w->err, rc, "%s", ierr.msg);
        } else {
            pt_item_add_error(&it, "error", "link target not read: %s", ierr.msg);
        }
        file_free(f);
        it.size = 0;
        return pt_scan_emit(w->s, &it, w->err);
    }
    if (S_ISREG(in.mode)) {
        efile_t *f = NULL;
        if ((rc = file_open(e, &in, &f, &ierr)) == PT_ENOMEM)
            return pt_err_set(w->err, rc, "%s", ierr.msg);
        if (f)
            pt_item_limit(&it, w->s->opts->max_item_size, plausible(e, &in));
        rc = pt_tw_content(w, &it, file_read, f, &ierr);
        file_free(f);
        return rc;
    }
    if ((rc = pt_scan_emit(w->s, &it, w->err)) == PT_OK && S_ISDIR(in.mode)) {
        char which[40];
        snprintf(which, sizeof which, "node %" PRIu64, nid);
        rc = pt_tw_enter(w, &in, nid, which);
    }
    return rc;
}

/* ---- lookups by path ---- */

/* A small file by path (passwd, os-release, build.prop), at most 1 MiB. */
static char *read_small(void *ctx, const char *path, size_t *out_len)
{
    pt_erofs_t *e = ctx;
    pt_err_t err = { 0, "" };
    einode_t in;
    efile_t *f = NULL;
    pt_tw_find_t fc = { NULL, 0, 0 };
    const char *p = path;
    char *buf;
    int hops = 0;

    if (inode_read(e, e->root, &in, &err) != PT_OK)
        return NULL;
    while (pt_path_next(&p, &fc.name, &fc.nlen))
        if (!S_ISDIR(in.mode) || ++hops > 64 || dir_each(e, &in, pt_tw_find_entry, &fc, &err) != 1 ||
            inode_read(e, fc.ref, &in, &err) != PT_OK)
            return NULL;
    if (!S_ISREG(in.mode) || in.size == 0 || in.size > (1 << 20) || file_open(e, &in, &f, &err) != PT_OK)
        return NULL;
    buf = pt_read_alloc(file_read, f, (size_t)in.size, out_len);
    file_free(f);
    return buf;
}

int pt_erofs_open_inode(pt_erofs_t *e, uint64_t nid, pt_read_fn *fn, void **src, uint64_t *size, pt_err_t *err)
{
    einode_t in;
    int rc;

    file_free(e->open);
    e->open = NULL;
    if ((rc = inode_read(e, nid, &in, err)) != PT_OK)
        return rc;
    if (!S_ISREG(in.mode))
        return pt_err_set(err, PT_EFORMAT, "EROFS node %" PRIu64 " is not a regular file", nid);
    if ((rc = file_open(e, &in, &e->open, err)) != PT_OK)
        return rc;
    *fn = file_read;
    *src = e->open;
    *size = in.size;
    return PT_OK;
}

int pt_erofs_walk(pt_scan_t *s, pt_erofs_t *e, pt_err_t *err)
{
    pt_err_t ie = { 0, "" };
    einode_t root;
    pt_tw_t w;
    int rc;

    if (inode_read(e, e->root, &root, &ie) != PT_OK || !S_ISDIR(root.mode)) {
        char msg[700];
        snprintf(msg, sizeof msg, "EROFS root directory (node %" PRIu64 ") not read: %.600s", e->root,
                 ie.msg[0] ? ie.msg : "its inode is not a directory");
        return pt_scan_problem(s, "error", "filesystem", msg, err);
    }
    if ((rc = pt_tw_start(&w, s, e, dir_each, visit, read_small, e->root, err)) == PT_OK)
        rc = pt_tw_dir(&w, &root, w.base, 0);
    pt_tw_end(&w);
    return rc;
}
