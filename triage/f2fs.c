/* f2fs.c - a read-only F2FS reader after the kernel's fs/f2fs and
 * f2fs-tools' include/f2fs_fs.h: all little-endian, 4 KiB blocks; the
 * superblock at byte 1024 (a copy in the next block); two checkpoint
 * packs, the valid one with the higher version in force; nodes (inodes,
 * direct and indirect node blocks) found through the node address table,
 * whose blocks come in pairs of copies (the checkpoint's bitmap says which
 * is current) and whose newest entries may be only in the checkpoint's
 * journal.  Owns the checkpoint and journal it read, the file opened by
 * pt_f2fs_open_inode and, per open file, the node blocks last read. */
#include "f2fs.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bytes.h"
#include "treewalk.h"

#define BLK 4096u
#define SB_OFF 1024u
#define MAGIC 0xF2F52010u
#define NAT_PER_BLOCK 455u            /* 4096 / 9 */
#define ADDRS_INODE 923u
#define ADDRS_BLOCK 1018u
#define I_ADDR 360u                   /* i_addr (and the extra attributes) in an inode */
#define I_NID 4052u                   /* i_nid[5] */
#define FOOTER 4072u
#define DENTRY_SLOTS 214u
#define NULL_ADDR 0u
#define NEW_ADDR 0xffffffffu
#define COMPRESS_ADDR 0xfffffffeu
#define DIR_MAX (256u << 20)
#define JOURNAL_MAX 64

/* checkpoint flags */
#define CP_UMOUNT 0x1u
#define CP_COMPACT_SUM 0x4u
#define CP_FASTBOOT 0x20u
#define CP_LARGE_NAT_BITMAP 0x400u
/* superblock features */
#define FEAT_ENCRYPT 0x1u
#define FEAT_EXTRA_ATTR 0x8u
#define FEAT_FLEX_XATTR 0x40u
#define FEAT_CASEFOLD 0x1000u
#define FEAT_COMPRESSION 0x2000u
/* inode i_inline */
#define IN_XATTR 0x01u
#define IN_DATA 0x02u
#define IN_DENTRY 0x04u
#define IN_EXTRA 0x20u
/* i_advise, i_flags */
#define ADV_ENCRYPT 0x04u
#define FL_COMPRESS 0x04u

typedef struct natj {
    uint32_t nid, blk;
} natj_t;

struct pt_f2fs {
    pt_read_fn fn;
    void *src;
    uint64_t size, blocks, cp_ver;
    uint32_t log_bps, nat_blkaddr, nat_blocks, root, feature;
    uint8_t *cp;             /* the checkpoint block and its payload blocks */
    size_t cp_len;
    const uint8_t *nat_bitmap;
    size_t nat_bitmap_len;
    natj_t journal[JOURNAL_MAX];
    unsigned njournal;
    char desc[600];
    struct ffile *open;
};

typedef struct finode {
    uint32_t ino;
    uint8_t raw[BLK];        /* its node block */
    uint16_t mode;
    uint8_t advise, inl;
    uint32_t uid, gid, flags, extra, xattr_addrs;
    uint64_t size;
    int64_t mtime, atime, ctime, crtime;
    uint32_t mtime_ns, atime_ns, ctime_ns, crtime_ns;
    int has_crtime;
} finode_t;

typedef struct ffile {
    pt_f2fs_t *f;
    finode_t in;
    uint32_t dnid, inid;     /* the direct and indirect node blocks held */
    uint8_t dn[BLK], ind[BLK];
} ffile_t;

/* f2fs_cal_crc32: CRC-32 (reflected 0xedb88320) seeded with the magic, no
 * final inversion. */
static uint32_t f2fs_crc(const uint8_t *p, size_t n)
{
    uint32_t crc = MAGIC;
    int i;

    while (n--) {
        crc ^= *p++;
        for (i = 0; i < 8; i++)
            crc = (crc >> 1) ^ ((crc & 1u) ? 0xedb88320u : 0);
    }
    return crc;
}

static int sb_plausible(const uint8_t *sb)
{
    return le32(sb) == MAGIC && le32(sb + 16) == 12 && le32(sb + 20) == 9 && le32(sb + 12) <= 3 &&
           le32(sb + 84) != 0 && le32(sb + 76) != 0;
}

int pt_f2fs_is(const uint8_t *h, size_t n)
{
    return n >= SB_OFF + 3072 && sb_plausible(h + SB_OFF);
}

static int rd(pt_f2fs_t *f, uint64_t off, void *buf, size_t len, pt_err_t *err)
{
    if (off > f->size || len > f->size - off)
        return pt_err_set(err, PT_EFORMAT, "bytes %" PRIu64 "-%" PRIu64 " lie past the filesystem's end (%" PRIu64
                          " bytes)", off, off + len, f->size);
    return pt_read_exact(f->fn, f->src, off, buf, len, err);
}

static int rd_blk(pt_f2fs_t *f, uint64_t blk, uint8_t *buf, pt_err_t *err)
{
    return rd(f, blk * BLK, buf, BLK, err);
}

/* A checkpoint pack at block start: its version when valid (CRC and the
 * closing copy agree), else 0; *len its blocks. */
static uint64_t cp_valid(pt_f2fs_t *f, uint64_t start, uint8_t *b, uint32_t *total)
{
    uint8_t last[BLK];
    pt_err_t e = { 0, "" };
    uint32_t off;

    if (rd_blk(f, start, b, &e) != PT_OK)
        return 0;
    off = le32(b + 164);
    if (off < 192 || off > BLK - 4 || f2fs_crc(b, off) != le32(b + off))
        return 0;
    *total = le32(b + 136);
    if (*total < 2 || *total > 1u << f->log_bps || rd_blk(f, start + *total - 1, last, &e) != PT_OK ||
        le64(last) != le64(b))
        return 0;
    return le64(b);
}

int pt_f2fs_open(pt_read_fn fn, void *src, uint64_t size, pt_f2fs_t **out, pt_err_t *err)
{
    uint8_t sb[3072], cpa[BLK], cpb[BLK], sum[BLK], *cp;
    uint64_t va, vb, start, cp_addr;
    uint32_t ta = 0, tb = 0, total, payload, flags, nat_segs, j;
    char name[64] = "";
    pt_f2fs_t *f;
    int rc, copy = 0;
    size_t k;

    *out = NULL;
    if (size < 2 * BLK)
        return pt_err_set(err, PT_EFORMAT, "F2FS: the volume is shorter than its superblocks");
    if (!(f = calloc(1, sizeof *f)))
        return pt_err_set(err, PT_ENOMEM, "out of memory");
    f->fn = fn;
    f->src = src;
    f->size = size;
    if ((rc = pt_read_exact(fn, src, SB_OFF, sb, sizeof sb, err)) != PT_OK)
        goto fail;
    if (!sb_plausible(sb)) {
        /* the copy in the second block */
        if ((rc = pt_read_exact(fn, src, BLK + SB_OFF, sb, sizeof sb, err)) != PT_OK)
            goto fail;
        if (!sb_plausible(sb)) {
            rc = pt_err_set(err, PT_EFORMAT, "no F2FS superblock (magic, 4 KiB blocks, 2 MiB segments)");
            goto fail;
        }
        copy = 1;
    }
    f->log_bps = le32(sb + 20);
    f->blocks = le64(sb + 36);
    nat_segs = le32(sb + 60);
    f->nat_blkaddr = le32(sb + 84);
    f->nat_blocks = (nat_segs / 2) << f->log_bps;
    f->root = le32(sb + 96);
    f->feature = le32(sb + 2180);
    payload = le32(sb + 1664);
    cp_addr = le32(sb + 76);
    if (payload > 4096 || (uint64_t)f->nat_blkaddr * BLK >= size) {
        rc = pt_err_set(err, PT_EFORMAT, "F2FS superblock damaged: checkpoint payload of %u blocks, NAT at block "
                        "%u of a %" PRIu64 "-byte volume", payload, f->nat_blkaddr, size);
        goto fail;
    }
    va = cp_valid(f, cp_addr, cpa, &ta);
    vb = cp_valid(f, cp_addr + (1u << f->log_bps), cpb, &tb);
    if (!va && !vb) {
        rc = pt_err_set(err, PT_EFORMAT, "F2FS: neither checkpoint pack is valid (checksum, or its closing copy "
                        "differs)");
        goto fail;
    }
    start = va >= vb ? cp_addr : cp_addr + (1u << f->log_bps);
    cp = va >= vb ? cpa : cpb;
    total = va >= vb ? ta : tb;
    f->cp_ver = va >= vb ? va : vb;
    flags = le32(cp + 132);
    /* the checkpoint block and its payload (the bitmaps may run into it) */
    f->cp_len = (size_t)(1 + payload) * BLK;
    if (!(f->cp = malloc(f->cp_len))) {
        rc = pt_err_set(err, PT_ENOMEM, "out of memory");
        goto fail;
    }
    memcpy(f->cp, cp, BLK);
    for (j = 0; j < payload; j++)
        if ((rc = rd_blk(f, start + 1 + j, f->cp + (size_t)(j + 1) * BLK, err)) != PT_OK)
            goto fail;
    {
        size_t off = flags & CP_LARGE_NAT_BITMAP ? 192 + 4 : payload ? 192 : 192 + le32(f->cp + 156);
        f->nat_bitmap_len = le32(f->cp + 160);
        if (off > f->cp_len || f->nat_bitmap_len > f->cp_len - off || f->nat_bitmap_len * 8 < f->nat_blocks / 2) {
            rc = pt_err_set(err, PT_EFORMAT, "F2FS checkpoint damaged: a NAT bitmap of %zu bytes at %zu for %u NAT "
                            "blocks", f->nat_bitmap_len, off, f->nat_blocks);
            goto fail;
        }
        f->nat_bitmap = f->cp + off;
    }
    /* the NAT journal: in the hot data summary */
    {
        uint64_t sblk = flags & CP_COMPACT_SUM ? start + le32(f->cp + 140)
                                               : start + total - ((flags & (CP_UMOUNT | CP_FASTBOOT)) ? 7 : 4);
        size_t jo = flags & CP_COMPACT_SUM ? 0 : 512 * 7;
        unsigned n;
        if ((rc = rd_blk(f, sblk, sum, err)) != PT_OK)
            goto fail;
        n = le16(sum + jo);
        if (n > 38) {
            rc = pt_err_set(err, PT_EFORMAT, "F2FS checkpoint damaged: %u NAT journal entries (38 fit)", n);
            goto fail;
        }
        for (j = 0; j < n; j++) {
            const uint8_t *e = sum + jo + 2 + 13 * j;
            f->journal[f->njournal].nid = le32(e);
            f->journal[f->njournal++].blk = le32(e + 9);
        }
    }
    for (k = 0; k < 31 && le16(sb + 124 + 2 * k) && le16(sb + 124 + 2 * k) < 0x80; k++)
        name[k] = (char)le16(sb + 124 + 2 * k);
    name[k] = '\0';
    snprintf(f->desc, sizeof f->desc, "F2FS %u.%u, %" PRIu64 " blocks of 4096 bytes, volume name '%s', checkpoint "
             "%" PRIu64 " (pack %d%s%s)%s%s%s%s", le16(sb + 4), le16(sb + 6), f->blocks, name, f->cp_ver,
             va >= vb ? 1 : 2, flags & CP_UMOUNT ? ", cleanly unmounted" : ", not cleanly unmounted: writes after it "
             "are not read", va && vb ? "" : "; the other pack is not valid",
             copy ? "; the primary superblock is damaged, its copy read" : "",
             f->feature & FEAT_ENCRYPT ? "; encryption (fscrypt) enabled" : "",
             f->feature & FEAT_COMPRESSION ? "; compression enabled (compressed clusters are not decoded)" : "",
             f->feature & FEAT_CASEFOLD ? "; case-insensitive names" : "");
    *out = f;
    return PT_OK;
fail:
    free(f->cp);
    free(f);
    return rc;
}

static void file_free(ffile_t *x)
{
    free(x);
}

void pt_f2fs_close(pt_f2fs_t *f)
{
    if (f) {
        file_free(f->open);
        free(f->cp);
        free(f);
    }
}

const char *pt_f2fs_describe(const pt_f2fs_t *f)
{
    return f->desc;
}

uint64_t pt_f2fs_bytes_used(const pt_f2fs_t *f)
{
    uint64_t b = f->blocks * BLK;
    return b && b <= f->size ? b : f->size;
}

/* ---- nodes ---- */

static int nat_lookup(pt_f2fs_t *f, uint32_t nid, uint32_t *blk, pt_err_t *err)
{
    uint32_t bo = nid / NAT_PER_BLOCK, seg = bo >> f->log_bps, addr;
    uint8_t e[9];
    unsigned i;
    int rc;

    for (i = f->njournal; i-- > 0;)
        if (f->journal[i].nid == nid) {
            *blk = f->journal[i].blk;
            return PT_OK;
        }
    if (bo >= f->nat_blocks / 2)
        return pt_err_set(err, PT_EFORMAT, "node %u is past the node address table", nid);
    addr = f->nat_blkaddr + (seg << f->log_bps << 1) + (bo & ((1u << f->log_bps) - 1));
    if (f->nat_bitmap[bo >> 3] & (0x80u >> (bo & 7)))
        addr += 1u << f->log_bps;
    if ((rc = rd(f, (uint64_t)addr * BLK + (nid % NAT_PER_BLOCK) * 9, e, 9, err)) != PT_OK)
        return rc;
    *blk = le32(e + 5);
    return PT_OK;
}

static int node_read(pt_f2fs_t *f, uint32_t nid, uint8_t *buf, pt_err_t *err)
{
    uint32_t blk = 0;
    int rc;

    if ((rc = nat_lookup(f, nid, &blk, err)) != PT_OK)
        return rc;
    if (blk == NULL_ADDR || blk == NEW_ADDR || (uint64_t)blk >= f->blocks)
        return pt_err_set(err, PT_EFORMAT, "node %u has no block (address %u)", nid, blk);
    if ((rc = rd_blk(f, blk, buf, err)) != PT_OK)
        return rc;
    if (le32(buf + FOOTER) != nid)
        return pt_err_set(err, PT_EFORMAT, "block %u holds node %u, not node %u as the address table says", blk,
                          le32(buf + FOOTER), nid);
    return PT_OK;
}

static int inode_read(pt_f2fs_t *f, uint32_t ino, finode_t *in, pt_err_t *err)
{
    const uint8_t *r;
    int rc;

    memset(in, 0, sizeof *in);
    in->ino = ino;
    if ((rc = node_read(f, ino, in->raw, err)) != PT_OK)
        return rc;
    r = in->raw;
    if (le32(r + FOOTER + 4) != ino)
        return pt_err_set(err, PT_EFORMAT, "node %u is not an inode (its footer names inode %u)", ino,
                          le32(r + FOOTER + 4));
    in->mode = le16(r);
    in->advise = r[2];
    in->inl = r[3];
    in->uid = le32(r + 4);
    in->gid = le32(r + 8);
    in->size = le64(r + 16);
    in->atime = (int64_t)le64(r + 32);
    in->ctime = (int64_t)le64(r + 40);
    in->mtime = (int64_t)le64(r + 48);
    in->atime_ns = le32(r + 56);
    in->ctime_ns = le32(r + 60);
    in->mtime_ns = le32(r + 64);
    in->flags = le32(r + 80);
    if (in->inl & IN_EXTRA) {
        uint16_t ex = le16(r + I_ADDR);
        if (ex % 4 || ex > 200)
            return pt_err_set(err, PT_EFORMAT, "inode %u: %u bytes of extra attributes", ino, ex);
        in->extra = ex / 4;
        if (ex >= 24 && (f->feature & 0x100u)) {
            in->has_crtime = 1;
            in->crtime = (int64_t)le64(r + I_ADDR + 12);
            in->crtime_ns = le32(r + I_ADDR + 20);
        }
    }
    if (f->feature & FEAT_FLEX_XATTR)
        in->xattr_addrs = (in->inl & IN_EXTRA) ? le16(r + I_ADDR + 2) : 0;
    else if (in->inl & (IN_XATTR | IN_DENTRY))
        in->xattr_addrs = 50;
    if (in->extra + in->xattr_addrs + 1 >= ADDRS_INODE)
        return pt_err_set(err, PT_EFORMAT, "inode %u: extra attributes and inline xattrs fill its addresses", ino);
    return PT_OK;
}

/* The inline area: where it starts in the inode block and its bytes. */
static size_t inline_at(const finode_t *in, size_t *len)
{
    *len = 4 * (ADDRS_INODE - in->xattr_addrs - in->extra - 1);
    return I_ADDR + 4 * (in->extra + 1);
}

/* ---- content ---- */

static int hold(ffile_t *x, uint32_t nid, uint8_t *buf, uint32_t *held, pt_err_t *err)
{
    int rc;

    if (*held == nid)
        return PT_OK;
    *held = 0;
    if ((rc = node_read(x->f, nid, buf, err)) != PT_OK)
        return rc;
    *held = nid;
    return PT_OK;
}

/* The block address of file block bi: 0 for a hole. */
static int block_of(ffile_t *x, uint64_t bi, uint32_t *addr, pt_err_t *err)
{
    const finode_t *in = &x->in;
    uint64_t api = ADDRS_INODE - in->extra - in->xattr_addrs, per = ADDRS_BLOCK;
    uint32_t nid;
    int rc;

    *addr = 0;
    if (bi < api) {
        *addr = le32(in->raw + I_ADDR + 4 * (in->extra + bi));
        return PT_OK;
    }
    bi -= api;
    if (bi < 2 * per) {
        nid = le32(in->raw + I_NID + 4 * (uint32_t)(bi / per));
        if (!nid)
            return PT_OK;
        if ((rc = hold(x, nid, x->dn, &x->dnid, err)) != PT_OK)
            return rc;
        *addr = le32(x->dn + 4 * (bi % per));
        return PT_OK;
    }
    bi -= 2 * per;
    if (bi < 2 * per * per) {
        nid = le32(in->raw + I_NID + 4 * (2 + (uint32_t)(bi / (per * per))));
        bi %= per * per;
    } else {
        bi -= 2 * per * per;
        if (bi >= per * per * per)
            return pt_err_set(err, PT_EFORMAT, "file block past F2FS's largest file");
        /* double indirect: an indirect block of indirect blocks */
        nid = le32(in->raw + I_NID + 16);
        if (!nid)
            return PT_OK;
        if ((rc = hold(x, nid, x->ind, &x->inid, err)) != PT_OK)
            return rc;
        nid = le32(x->ind + 4 * (uint32_t)(bi / (per * per)));
        bi %= per * per;
        x->inid = 0; /* the buffer is reused for the level below */
    }
    if (!nid)
        return PT_OK;
    if ((rc = hold(x, nid, x->ind, &x->inid, err)) != PT_OK)
        return rc;
    nid = le32(x->ind + 4 * (uint32_t)(bi / per));
    if (!nid)
        return PT_OK;
    if ((rc = hold(x, nid, x->dn, &x->dnid, err)) != PT_OK)
        return rc;
    *addr = le32(x->dn + 4 * (bi % per));
    return PT_OK;
}

static ssize_t file_read(void *src, uint64_t off, uint8_t *buf, size_t len, pt_err_t *err)
{
    ffile_t *x = src;
    const finode_t *in = &x->in;
    size_t done = 0;

    if (off >= in->size)
        return 0;
    if (len > in->size - off)
        len = (size_t)(in->size - off);
    if (in->inl & IN_DATA) {
        size_t il, at = inline_at(in, &il);
        if (off + len > il) {
            pt_err_set(err, PT_EFORMAT, "inline data of %" PRIu64 " bytes where %zu fit", in->size, il);
            return -1;
        }
        memcpy(buf, in->raw + at + off, len);
        return (ssize_t)len;
    }
    while (done < len) {
        uint64_t at = off + done, in_blk = at % BLK;
        size_t n = BLK - in_blk < len - done ? (size_t)(BLK - in_blk) : len - done;
        uint32_t addr;
        if (block_of(x, at / BLK, &addr, err) != PT_OK)
            return -1;
        if (addr == COMPRESS_ADDR) {
            pt_err_set(err, PT_EFORMAT, "file block %" PRIu64 " is in a compressed cluster, which is not decoded",
                       at / BLK);
            return -1;
        }
        if (addr == NULL_ADDR || addr == NEW_ADDR)
            memset(buf + done, 0, n);
        else if ((uint64_t)addr >= x->f->blocks) {
            pt_err_set(err, PT_EFORMAT, "file block %" PRIu64 " at block %u, past the filesystem's %" PRIu64,
                       at / BLK, addr, x->f->blocks);
            return -1;
        } else if (rd(x->f, (uint64_t)addr * BLK + in_blk, buf + done, n, err) != PT_OK) {
            return -1;
        }
        done += n;
    }
    return (ssize_t)done;
}

static int file_open(pt_f2fs_t *f, const finode_t *in, ffile_t **out, pt_err_t *err)
{
    ffile_t *x;

    *out = NULL;
    if (in->flags & FL_COMPRESS)
        return pt_err_set(err, PT_EFORMAT, "an F2FS compressed file: its clusters are not decoded");
    if (!(x = malloc(sizeof *x)))
        return pt_err_set(err, PT_ENOMEM, "out of memory");
    x->f = f;
    x->in = *in;
    x->dnid = x->inid = 0;
    *out = x;
    return PT_OK;
}

/* ---- directories ---- */

#define DIR_DAMAGED PT_TW_DAMAGED

/* One dentry area: n slots, their bitmap, entries and names. */
static int dentries(const uint8_t *bitmap, const uint8_t *ents, const uint8_t *names, unsigned n, pt_tw_entry_fn fn,
                    void *ctx, pt_err_t *err)
{
    unsigned i = 0;
    int r;

    while (i < n) {
        const uint8_t *d = ents + 11 * i;
        unsigned len, slots;
        char name[256];
        if (!(bitmap[i >> 3] & (1u << (i & 7)))) {
            i++;
            continue;
        }
        len = le16(d + 8);
        slots = (len + 7) / 8;
        if (len == 0 || len > 255 || i + slots > n) {
            pt_err_set(err, PT_EFORMAT, "a directory entry of %u bytes at slot %u", len, i);
            return DIR_DAMAGED;
        }
        memcpy(name, names + 8 * i, len);
        name[len] = '\0';
        i += slots;
        if ((len == 1 && name[0] == '.') || (len == 2 && name[0] == '.' && name[1] == '.'))
            continue;
        if ((r = fn(ctx, le32(d + 4), le32(d + 4), d[10], name, len)) != 0)
            return r;
    }
    return 0;
}

static int dir_each(void *fs, const void *dirp, pt_tw_entry_fn fn, void *ctx, pt_err_t *err)
{
    pt_f2fs_t *f = fs;
    const finode_t *dir = dirp;
    ffile_t *x = NULL;
    uint8_t *blk;
    uint64_t pos;
    int r = 0, rc;

    if (dir->inl & IN_DENTRY) {
        size_t il, at = inline_at(dir, &il);
        unsigned n = (unsigned)(il * 8 / (19 * 8 + 1)), bm = (n + 7) / 8;
        size_t reserved = il - (19 * (size_t)n + bm);
        const uint8_t *base = dir->raw + at;
        return dentries(base, base + bm + reserved, base + bm + reserved + 11 * (size_t)n, n, fn, ctx, err);
    }
    if (dir->size > DIR_MAX) {
        pt_err_set(err, PT_EFORMAT, "a directory of %" PRIu64 " bytes", dir->size);
        return DIR_DAMAGED;
    }
    if ((rc = file_open(f, dir, &x, err)) != PT_OK)
        return rc == PT_ENOMEM ? rc : DIR_DAMAGED;
    if (!(blk = malloc(BLK))) {
        file_free(x);
        return pt_err_set(err, PT_ENOMEM, "out of memory");
    }
    for (pos = 0; pos < dir->size && !r; pos += BLK) {
        uint32_t addr;
        if (block_of(x, pos / BLK, &addr, err) != PT_OK) {
            r = DIR_DAMAGED;
            break;
        }
        if (addr == NULL_ADDR || addr == NEW_ADDR)
            continue; /* a bucket never used */
        if ((uint64_t)addr >= f->blocks || rd_blk(f, addr, blk, err) != PT_OK) {
            if (!err->msg[0])
                pt_err_set(err, PT_EFORMAT, "directory block at %u, past the filesystem", addr);
            r = DIR_DAMAGED;
            break;
        }
        r = dentries(blk, blk + 30, blk + 30 + 11 * DENTRY_SLOTS, DENTRY_SLOTS, fn, ctx, err);
    }
    free(blk);
    file_free(x);
    return r;
}

/* ---- the walk ---- */

static void times(pt_item_t *it, const finode_t *in)
{
    it->mtime = (pt_time_t){ in->mtime, in->mtime_ns, 1 };
    it->atime = (pt_time_t){ in->atime, in->atime_ns, 1 };
    it->ctime = (pt_time_t){ in->ctime, in->ctime_ns, 1 };
    if (in->has_crtime)
        it->crtime = (pt_time_t){ in->crtime, in->crtime_ns, 1 };
}

static int visit(void *ctx, uint64_t ref, uint64_t number, unsigned type, const char *name, size_t nlen)
{
    pt_tw_t *w = ctx;
    pt_f2fs_t *f = w->fs;
    pt_err_t ierr = { 0, "" };
    uint32_t ino = (uint32_t)ref;
    finode_t *in;
    pt_item_t it;
    int rc;

    (void)nlen;
    if ((rc = pt_tw_item(w, &it, name, number)) != PT_OK)
        return rc;
    if (!(in = malloc(sizeof *in)))
        return pt_err_set(w->err, PT_ENOMEM, "out of memory");
    if ((rc = inode_read(f, ino, in, &ierr)) != PT_OK) {
        free(in);
        if (rc == PT_ENOMEM)
            return pt_err_set(w->err, rc, "%s", ierr.msg);
        it.kind = PT_KIND_UNKNOWN;
        pt_item_add_error(&it, "error", "inode %u not read: %s", ino, ierr.msg);
        return pt_scan_emit(w->s, &it, w->err);
    }
    if (type && pt_tw_dtype(in->mode) != type)
        pt_item_add_error(&it, "error", "the directory says type %u, the inode is of type %u", type,
                          pt_tw_dtype(in->mode));
    it.kind = pt_item_kind_of_mode(in->mode);
    it.mode = in->mode & 07777u;
    it.size = S_ISDIR(in->mode) ? 0 : in->size;
    times(&it, in);
    pt_tw_owner(w, &it, in->uid, in->gid);
    if (in->advise & ADV_ENCRYPT)
        pt_item_add_error(&it, "note", "encrypted by fscrypt (the file's key is the user's, not the filesystem's): "
                          "its content is read as the ciphertext it is");
    if (S_ISLNK(in->mode)) {
        ffile_t *x = NULL;
        char target[4097];
        if (in->size >= sizeof target)
            pt_item_add_error(&it, "error", "link target claims %" PRIu64 " bytes", in->size);
        else if ((rc = file_open(f, in, &x, &ierr)) == PT_OK &&
                 file_read(x, 0, (uint8_t *)target, (size_t)in->size, &ierr) == (ssize_t)in->size) {
            target[in->size] = '\0';
            it.link_target = target;
        } else if (rc == PT_ENOMEM) {
            free(in);
            return pt_err_set(w->err, rc, "%s", ierr.msg);
        } else {
            pt_item_add_error(&it, "error", "link target not read: %s", ierr.msg);
        }
        file_free(x);
        it.size = 0;
        free(in);
        return pt_scan_emit(w->s, &it, w->err);
    }
    if (S_ISREG(in->mode)) {
        ffile_t *x = NULL;
        if ((rc = file_open(f, in, &x, &ierr)) == PT_ENOMEM) {
            free(in);
            return pt_err_set(w->err, rc, "%s", ierr.msg);
        }
        if (x)
            pt_item_limit(&it, w->s->opts->max_item_size, 0);
        rc = pt_tw_content(w, &it, file_read, x, &ierr);
        file_free(x);
        free(in);
        return rc;
    }
    if ((rc = pt_scan_emit(w->s, &it, w->err)) == PT_OK && S_ISDIR(in->mode)) {
        char which[40];
        snprintf(which, sizeof which, "inode %u", ino);
        rc = pt_tw_enter(w, in, ino, which);
    }
    free(in);
    return rc;
}

/* ---- lookups ---- */

static char *read_small(void *ctx, const char *path, size_t *out_len)
{
    pt_f2fs_t *f = ctx;
    pt_err_t err = { 0, "" };
    finode_t *in = malloc(sizeof *in);
    pt_tw_find_t fc = { NULL, 0, 0 };
    const char *p = path;
    ffile_t *x = NULL;
    char *buf = NULL;
    int hops = 0;

    if (!in || inode_read(f, f->root, in, &err) != PT_OK)
        goto out;
    while (pt_path_next(&p, &fc.name, &fc.nlen))
        if (!S_ISDIR(in->mode) || ++hops > 64 || dir_each(f, in, pt_tw_find_entry, &fc, &err) != 1 ||
            inode_read(f, (uint32_t)fc.ref, in, &err) != PT_OK)
            goto out;
    if (S_ISREG(in->mode) && in->size && in->size <= (1 << 20) && file_open(f, in, &x, &err) == PT_OK)
        buf = pt_read_alloc(file_read, x, (size_t)in->size, out_len);
out:
    file_free(x);
    free(in);
    return buf;
}

int pt_f2fs_open_inode(pt_f2fs_t *f, uint64_t ino, pt_read_fn *fn, void **src, uint64_t *size, pt_err_t *err)
{
    finode_t *in;
    int rc;

    file_free(f->open);
    f->open = NULL;
    if (ino > UINT32_MAX)
        return pt_err_set(err, PT_EFORMAT, "F2FS inode %" PRIu64 " is past 32 bits", ino);
    if (!(in = malloc(sizeof *in)))
        return pt_err_set(err, PT_ENOMEM, "out of memory");
    if ((rc = inode_read(f, (uint32_t)ino, in, err)) == PT_OK) {
        if (!S_ISREG(in->mode))
            rc = pt_err_set(err, PT_EFORMAT, "F2FS inode %" PRIu64 " is not a regular file", ino);
        else if ((rc = file_open(f, in, &f->open, err)) == PT_OK) {
            *fn = file_read;
            *src = f->open;
            *size = in->size;
        }
    }
    free(in);
    return rc;
}

int pt_f2fs_walk(pt_scan_t *s, pt_f2fs_t *f, pt_err_t *err)
{
    pt_err_t ie = { 0, "" };
    finode_t *root = malloc(sizeof *root);
    pt_tw_t w;
    int rc;

    if (!root)
        return pt_err_set(err, PT_ENOMEM, "out of memory");
    if (inode_read(f, f->root, root, &ie) != PT_OK || !S_ISDIR(root->mode)) {
        char msg[700];
        snprintf(msg, sizeof msg, "F2FS root directory (inode %u) not read: %.600s", f->root,
                 ie.msg[0] ? ie.msg : "its inode is not a directory");
        free(root);
        return pt_scan_problem(s, "error", "filesystem", msg, err);
    }
    if ((rc = pt_tw_start(&w, s, f, dir_each, visit, read_small, f->root, err)) == PT_OK)
        rc = pt_tw_dir(&w, root, w.base, 0);
    pt_tw_end(&w);
    free(root);
    return rc;
}
