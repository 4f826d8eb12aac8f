/* squashfs.c - a read-only SquashFS 4.0 reader after the kernel's
 * fs/squashfs/squashfs_fs.h: all little-endian; metadata (inodes,
 * directories, the id and fragment tables) in blocks of at most 8 KiB, each
 * behind a 2-byte length; file content in data blocks of block_size bytes,
 * the tail of a file possibly packed with others' in a fragment block.
 * Owns its id table, a cache of decoded metadata blocks, the fragment block
 * last decoded, the inode map built for reopening and the file opened by
 * pt_squashfs_open_inode. */
#include "squashfs.h"

#include <inttypes.h>
#include <lz4.h>
#include <lzma.h>
#include <lzo1x.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <zlib.h>
#include <zstd.h>

#include "decode.h"
#include "treewalk.h"

#define SB_SIZE 96u
#define META_MAX 8192u
#define CACHE 64
#define NAME_MAX_SQ 256u
#define BLOCKS_MAX (1u << 22)     /* per file: more is refused as damage */
#define LISTING_MAX (64u << 20)   /* bytes of one directory's listing */

/* inode types: basic, then extended (basic + 7) */
enum { I_DIR = 1, I_FILE, I_SYMLINK, I_BLK, I_CHR, I_FIFO, I_SOCK, I_LDIR, I_LFILE, I_LSYMLINK };

#define F_EXPORTABLE 0x80u
#define F_COMP_OPT 0x400u
#define NO_FRAGMENT 0xffffffffu
#define DATA_UNCOMPRESSED (1u << 24)

typedef struct mblock {
    uint64_t off;    /* of its 2-byte header on the volume; 0: empty slot */
    uint64_t next;   /* the block after it */
    uint32_t len;    /* decoded bytes */
    uint8_t data[META_MAX];
} mblock_t;

typedef struct mcur {
    uint64_t blk;    /* absolute offset of the current block's header */
    uint32_t off;    /* within its decoded bytes */
} mcur_t;

typedef struct sqinode {
    uint16_t type, perm, uid_idx, gid_idx;
    uint32_t mtime, number, nlink;
    uint64_t size;            /* file: its size; directory: listing bytes + 3 */
    /* directory */
    uint32_t dir_blk;
    uint16_t dir_off;
    /* file */
    uint64_t blocks_start;
    uint32_t frag, frag_off;
    mcur_t list;              /* where its block sizes start */
    /* symlink */
    uint32_t target_len;
    /* device */
    uint32_t rdev;
} sqinode_t;

typedef struct sqfile {
    pt_squashfs_t *q;
    uint64_t size;
    uint32_t nblocks;
    uint32_t *sz;             /* on-disk size fields */
    uint64_t *pos;            /* their offsets */
    uint32_t frag, frag_off;
    uint8_t *buf;             /* the block last decoded */
    int64_t cur;
    uint32_t cur_len;
} sqfile_t;

typedef struct imap {
    uint32_t number;
    uint64_t ref;
} imap_t;

struct pt_squashfs {
    pt_read_fn fn;
    void *src;
    uint64_t size;
    uint32_t inodes, mkfs_time, block_size, frag_count;
    uint16_t comp, flags, id_count;
    uint64_t root_ref, bytes_used, id_start, inode_start, dir_start, frag_start, export_start;
    uint32_t *ids;
    mblock_t *cache;          /* CACHE slots, direct-mapped by offset */
    uint8_t *cbuf;            /* compressed bytes: a data block's (block_size) or a metadata block's (META_MAX) */
    uint8_t *frag_data;       /* the fragment block last decoded */
    uint32_t frag_len;
    int64_t frag_idx;         /* -1: none */
    sqfile_t *open;
    imap_t *map;
    size_t nmap, capmap;
    int mapped;
    char desc[320];
};

static uint64_t le(const uint8_t *p, int n)
{
    uint64_t v = 0;

    while (n--)
        v = v << 8 | p[n];
    return v;
}

static const char *comp_name(unsigned c)
{
    static const char *const names[] = { "?", "gzip", "LZMA", "LZO", "XZ", "LZ4", "zstd" };
    return c < sizeof names / sizeof names[0] ? names[c] : "?";
}

int pt_squashfs_is(const uint8_t *h, size_t n)
{
    uint32_t bs;

    if (n < SB_SIZE || memcmp(h, "hsqs", 4) != 0 || le(h + 28, 2) != 4 || le(h + 30, 2) != 0)
        return 0;
    bs = (uint32_t)le(h + 12, 4);
    /* block_log is checked below 32 first: a hostile one would be an undefined shift */
    return bs >= 4096 && bs <= (1u << 20) && (bs & (bs - 1)) == 0 && le(h + 22, 2) < 32 &&
           (1u << le(h + 22, 2)) == bs &&
           le(h + 20, 2) >= 1 && le(h + 20, 2) <= 6;
}

/* Puts "what: " before the message err holds. */
__attribute__((format(printf, 2, 3))) static void err_prefix(pt_err_t *err, const char *fmt, ...)
{
    char was[sizeof err->msg], what[96];
    va_list ap;

    if (!err)
        return;
    snprintf(was, sizeof was, "%s", err->msg);
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    pt_err_set(err, err->code == PT_ENOMEM ? PT_ENOMEM : PT_EFORMAT, "%s: %.400s", what, was);
}

static int read_raw(pt_squashfs_t *q, uint64_t off, void *buf, size_t len, pt_err_t *err)
{
    if (off > q->size || len > q->size - off)
        return pt_err_set(err, PT_EFORMAT, "bytes %" PRIu64 "..%" PRIu64 " lie past the end of the filesystem "
                          "(%" PRIu64 " bytes)", off, off + len, q->size);
    return pt_read_exact(q->fn, q->src, off, buf, len, err);
}

/* Decodes in_len bytes compressed with the filesystem's method into out
 * (cap bytes); *got is how many. */
static int decompress(pt_squashfs_t *q, const uint8_t *in, size_t in_len, uint8_t *out, size_t cap, size_t *got,
                      pt_err_t *err)
{
    const char *m = comp_name(q->comp);

    switch (q->comp) {
    case 1: {
        int zr = pt_decode_inflate(in, in_len, out, cap, got);
        if (zr == Z_MEM_ERROR)
            return pt_err_set(err, PT_ENOMEM, "zlib: out of memory");
        if (zr != Z_STREAM_END)
            return pt_err_set(err, PT_EFORMAT, "gzip-compressed block does not decode (zlib %d)", zr);
        return PT_OK;
    }
    case 2:
    case 4: {
        lzma_stream z = LZMA_STREAM_INIT;
        lzma_ret r = q->comp == 2 ? lzma_alone_decoder(&z, 256u << 20) : lzma_stream_decoder(&z, 256u << 20, 0);
        if (r != LZMA_OK)
            return pt_err_set(err, r == LZMA_MEM_ERROR ? PT_ENOMEM : PT_EFORMAT, "%s decoder not started (%d)", m, r);
        z.next_in = in;
        z.avail_in = in_len;
        z.next_out = out;
        z.avail_out = cap;
        r = lzma_code(&z, LZMA_FINISH);
        *got = cap - z.avail_out;
        lzma_end(&z);
        if (r != LZMA_STREAM_END)
            return pt_err_set(err, PT_EFORMAT, "%s-compressed block does not decode (liblzma %d)", m, r);
        return PT_OK;
    }
    case 3: {
        lzo_uint n = (lzo_uint)cap;
        if (lzo1x_decompress_safe(in, (lzo_uint)in_len, out, &n, NULL) != LZO_E_OK)
            return pt_err_set(err, PT_EFORMAT, "LZO-compressed block does not decode");
        *got = (size_t)n;
        return PT_OK;
    }
    case 5: {
        int n = LZ4_decompress_safe((const char *)in, (char *)out, (int)in_len, (int)cap);
        if (n < 0)
            return pt_err_set(err, PT_EFORMAT, "LZ4-compressed block does not decode");
        *got = (size_t)n;
        return PT_OK;
    }
    case 6: {
        size_t n = ZSTD_decompress(out, cap, in, in_len);
        if (ZSTD_isError(n))
            return pt_err_set(err, PT_EFORMAT, "zstd-compressed block: %s", ZSTD_getErrorName(n));
        *got = n;
        return PT_OK;
    }
    }
    return pt_err_set(err, PT_EFORMAT, "compression method %u, which SquashFS 4.0 does not define", q->comp);
}

/* The metadata block whose header is at off, decoded (cached). */
static const mblock_t *meta(pt_squashfs_t *q, uint64_t off, pt_err_t *err)
{
    mblock_t *b = &q->cache[(off >> 4) % CACHE];
    uint8_t h[2];
    uint32_t len;
    size_t got;

    if (b->off == off && off)
        return b;
    b->off = 0;
    if (read_raw(q, off, h, 2, err) != PT_OK)
        return NULL;
    len = (uint32_t)le(h, 2) & 0x7fffu;
    if (len == 0 || len > META_MAX) {
        pt_err_set(err, PT_EFORMAT, "metadata block at byte %" PRIu64 " claims %u bytes (at most 8192)", off, len);
        return NULL;
    }
    if (le(h, 2) & 0x8000u) {
        if (read_raw(q, off + 2, b->data, len, err) != PT_OK)
            return NULL;
        got = len;
    } else if (read_raw(q, off + 2, q->cbuf, len, err) != PT_OK ||
               decompress(q, q->cbuf, len, b->data, META_MAX, &got, err) != PT_OK) {
        err_prefix(err, "metadata block at byte %" PRIu64, off);
        return NULL;
    }
    if (got == 0) {
        pt_err_set(err, PT_EFORMAT, "metadata block at byte %" PRIu64 " is empty", off);
        return NULL;
    }
    b->len = (uint32_t)got;
    b->next = off + 2 + len;
    b->off = off;
    return b;
}

/* Reads n bytes of metadata at the cursor, moving it on. */
static int meta_read(pt_squashfs_t *q, mcur_t *c, void *out, size_t n, pt_err_t *err)
{
    uint8_t *o = out;

    while (n > 0) {
        const mblock_t *b = meta(q, c->blk, err);
        size_t k;
        if (!b)
            return err && err->code ? err->code : PT_EFORMAT;
        if (c->off >= b->len) {
            c->off -= b->len;
            c->blk = b->next;
            continue;
        }
        k = b->len - c->off < n ? b->len - c->off : n;
        memcpy(o, b->data + c->off, k);
        o += k;
        n -= k;
        c->off += (uint32_t)k;
    }
    return PT_OK;
}

/* A metadata reference of one of the tables: block start << 16 | offset. */
static mcur_t ref_cur(uint64_t table, uint64_t ref)
{
    mcur_t c = { table + (ref >> 16), (uint32_t)(ref & 0xffff) };
    return c;
}

/* Entry i of a table indexed by a list of u64 pointers to metadata blocks
 * (ids, fragments, the export table), each entry esize bytes. */
static int table_entry(pt_squashfs_t *q, uint64_t index_start, uint64_t i, size_t esize, void *out, pt_err_t *err)
{
    uint64_t per = META_MAX / esize;
    uint8_t p[8];
    mcur_t c;
    int rc;

    if ((rc = read_raw(q, index_start + 8 * (i / per), p, 8, err)) != PT_OK)
        return rc;
    c.blk = le(p, 8);
    c.off = (uint32_t)((i % per) * esize);
    if (c.blk >= q->size)
        return pt_err_set(err, PT_EFORMAT, "table block at byte %" PRIu64 " lies past the end", c.blk);
    return meta_read(q, &c, out, esize, err);
}

int pt_squashfs_open(pt_read_fn fn, void *src, uint64_t size, pt_squashfs_t **out, pt_err_t *err)
{
    uint8_t sb[SB_SIZE];
    pt_squashfs_t *q;
    char when[40] = "";
    int rc;
    uint32_t i;

    *out = NULL;
    if (size < SB_SIZE || (rc = pt_read_exact(fn, src, 0, sb, sizeof sb, err)) != PT_OK)
        return pt_err_set(err, PT_EFORMAT, "SquashFS superblock not read");
    if (memcmp(sb, "hsqs", 4) != 0)
        return pt_err_set(err, PT_EFORMAT, "no SquashFS magic (hsqs)");
    if (le(sb + 28, 2) != 4 || le(sb + 30, 2) != 0)
        return pt_err_set(err, PT_EFORMAT, "SquashFS version %u.%u: ptriage reads version 4.0 (since Linux "
                          "2.6.29, 2009) only", (unsigned)le(sb + 28, 2), (unsigned)le(sb + 30, 2));
    if (!pt_squashfs_is(sb, sizeof sb))
        return pt_err_set(err, PT_EFORMAT, "SquashFS superblock is implausible (block size %u, block log %u, "
                          "compression %u)", (unsigned)le(sb + 12, 4), (unsigned)le(sb + 22, 2),
                          (unsigned)le(sb + 20, 2));
    if (!(q = calloc(1, sizeof *q)))
        return pt_err_set(err, PT_ENOMEM, "out of memory");
    q->fn = fn;
    q->src = src;
    q->size = size;
    q->inodes = (uint32_t)le(sb + 4, 4);
    q->mkfs_time = (uint32_t)le(sb + 8, 4);
    q->block_size = (uint32_t)le(sb + 12, 4);
    q->frag_count = (uint32_t)le(sb + 16, 4);
    q->comp = (uint16_t)le(sb + 20, 2);
    q->flags = (uint16_t)le(sb + 24, 2);
    q->id_count = (uint16_t)le(sb + 26, 2);
    q->root_ref = le(sb + 32, 8);
    q->bytes_used = le(sb + 40, 8);
    q->id_start = le(sb + 48, 8);
    q->inode_start = le(sb + 64, 8);
    q->dir_start = le(sb + 72, 8);
    q->frag_start = le(sb + 80, 8);
    q->export_start = le(sb + 88, 8);
    q->frag_idx = -1;
    /* an image cut short (a truncated download, a partial dump) says so
     * here, rather than file by file */
    if (q->bytes_used > size) {
        rc = pt_err_set(err, PT_EFORMAT, "SquashFS says it uses %" PRIu64 " bytes, but only %" PRIu64 " are there "
                        "(truncated)", q->bytes_used, size);
        goto fail;
    }
    q->size = q->bytes_used;
    if (q->inode_start >= q->bytes_used || q->dir_start >= q->bytes_used || q->dir_start < q->inode_start ||
        q->id_start >= q->bytes_used || q->id_count == 0 || ((q->root_ref >> 16) > q->dir_start - q->inode_start)) {
        rc = pt_err_set(err, PT_EFORMAT, "SquashFS table offsets are implausible (inodes at %" PRIu64 ", directories "
                        "at %" PRIu64 ", ids at %" PRIu64 ", %u ids, %" PRIu64 " bytes used)", q->inode_start,
                        q->dir_start, q->id_start, (unsigned)q->id_count, q->bytes_used);
        goto fail;
    }
    if (!(q->cache = calloc(CACHE, sizeof *q->cache)) || !(q->cbuf = malloc(q->block_size > META_MAX ? q->block_size : META_MAX)) ||
        !(q->frag_data = malloc(q->block_size)) || !(q->ids = calloc(q->id_count, sizeof *q->ids))) {
        rc = pt_err_set(err, PT_ENOMEM, "out of memory");
        goto fail;
    }
    if (q->flags & F_COMP_OPT) {
        /* LZ4's options name its format: only the legacy one (1) exists */
        mcur_t c = { SB_SIZE, 0 };
        uint8_t o[8];
        if (q->comp == 5 && ((rc = meta_read(q, &c, o, 8, err)) != PT_OK || le(o, 4) != 1)) {
            rc = pt_err_set(err, PT_EFORMAT, "SquashFS LZ4 options name format %u, not the legacy format (1)",
                            rc == PT_OK ? (unsigned)le(o, 4) : 0u);
            goto fail;
        }
    }
    for (i = 0; i < q->id_count; i++) {
        uint8_t v[4];
        if ((rc = table_entry(q, q->id_start, i, 4, v, err)) != PT_OK) {
            if (rc != PT_ENOMEM)
                err_prefix(err, "SquashFS id table not read (%u ids)", (unsigned)q->id_count);
            goto fail;
        }
        q->ids[i] = (uint32_t)le(v, 4);
    }
    if (q->mkfs_time) {
        time_t t = (time_t)q->mkfs_time;
        struct tm tm;
        if (gmtime_r(&t, &tm))
            strftime(when, sizeof when, ", made %Y-%m-%d %H:%M:%S UTC", &tm);
    }
    snprintf(q->desc, sizeof q->desc, "SquashFS 4.0, %s-compressed, %u KiB blocks, %u inodes, %u fragment blocks, "
             "%" PRIu64 " bytes%s; read-only (no deleted files to recover)", comp_name(q->comp), q->block_size >> 10,
             q->inodes, q->frag_count, q->bytes_used, when);
    *out = q;
    return PT_OK;
fail:
    pt_squashfs_close(q);
    return rc == PT_ENOMEM ? rc : PT_EFORMAT;
}

static void file_free(sqfile_t *f)
{
    if (f) {
        free(f->sz);
        free(f->pos);
        free(f->buf);
        free(f);
    }
}

void pt_squashfs_close(pt_squashfs_t *q)
{
    if (!q)
        return;
    file_free(q->open);
    free(q->map);
    free(q->ids);
    free(q->cache);
    free(q->cbuf);
    free(q->frag_data);
    free(q);
}

const char *pt_squashfs_describe(const pt_squashfs_t *q)
{
    return q->desc;
}

uint64_t pt_squashfs_bytes_used(const pt_squashfs_t *q)
{
    return q->bytes_used;
}

/* ---- inodes ---- */

static int inode_read(pt_squashfs_t *q, uint64_t ref, sqinode_t *in, pt_err_t *err)
{
    mcur_t c = ref_cur(q->inode_start, ref);
    uint8_t h[16], b[40];
    int rc;

    memset(in, 0, sizeof *in);
    in->frag = NO_FRAGMENT;
    if ((ref >> 16) >= q->dir_start - q->inode_start)
        return pt_err_set(err, PT_EFORMAT, "inode reference %" PRIx64 " lies outside the inode table", ref);
    if ((rc = meta_read(q, &c, h, 16, err)) != PT_OK)
        return rc;
    in->type = (uint16_t)le(h, 2);
    in->perm = (uint16_t)le(h + 2, 2);
    in->uid_idx = (uint16_t)le(h + 4, 2);
    in->gid_idx = (uint16_t)le(h + 6, 2);
    in->mtime = (uint32_t)le(h + 8, 4);
    in->number = (uint32_t)le(h + 12, 4);
    switch (in->type) {
    case I_DIR:
        if ((rc = meta_read(q, &c, b, 16, err)) != PT_OK)
            return rc;
        in->dir_blk = (uint32_t)le(b, 4);
        in->nlink = (uint32_t)le(b + 4, 4);
        in->size = le(b + 8, 2);
        in->dir_off = (uint16_t)le(b + 10, 2);
        return PT_OK;
    case I_LDIR:
        if ((rc = meta_read(q, &c, b, 24, err)) != PT_OK)
            return rc;
        in->nlink = (uint32_t)le(b, 4);
        in->size = le(b + 4, 4);
        in->dir_blk = (uint32_t)le(b + 8, 4);
        in->dir_off = (uint16_t)le(b + 18, 2);
        return PT_OK;
    case I_FILE:
        if ((rc = meta_read(q, &c, b, 16, err)) != PT_OK)
            return rc;
        in->nlink = 1;
        in->blocks_start = le(b, 4);
        in->frag = (uint32_t)le(b + 4, 4);
        in->frag_off = (uint32_t)le(b + 8, 4);
        in->size = le(b + 12, 4);
        in->list = c;
        return PT_OK;
    case I_LFILE:
        if ((rc = meta_read(q, &c, b, 40, err)) != PT_OK)
            return rc;
        in->blocks_start = le(b, 8);
        in->size = le(b + 8, 8);
        in->nlink = (uint32_t)le(b + 24, 4);
        in->frag = (uint32_t)le(b + 28, 4);
        in->frag_off = (uint32_t)le(b + 32, 4);
        in->list = c;
        return PT_OK;
    case I_SYMLINK:
    case I_LSYMLINK:
        if ((rc = meta_read(q, &c, b, 8, err)) != PT_OK)
            return rc;
        in->nlink = (uint32_t)le(b, 4);
        in->target_len = (uint32_t)le(b + 4, 4);
        in->size = in->target_len;
        in->list = c; /* the target follows */
        return PT_OK;
    case I_BLK:
    case I_CHR:
    case I_BLK + 7:
    case I_CHR + 7:
        if ((rc = meta_read(q, &c, b, 8, err)) != PT_OK)
            return rc;
        in->nlink = (uint32_t)le(b, 4);
        in->rdev = (uint32_t)le(b + 4, 4);
        return PT_OK;
    case I_FIFO:
    case I_SOCK:
    case I_FIFO + 7:
    case I_SOCK + 7:
        return meta_read(q, &c, b, 4, err);
    }
    return pt_err_set(err, PT_EFORMAT, "inode %u has type %u, which SquashFS does not define", in->number, in->type);
}

static unsigned mode_of(const sqinode_t *in)
{
    static const unsigned fmt[] = { 0, S_IFDIR, S_IFREG, S_IFLNK, S_IFBLK, S_IFCHR, S_IFIFO, S_IFSOCK };
    unsigned t = in->type > 7 ? in->type - 7u : in->type;
    return (t < 8 ? fmt[t] : 0) | (in->perm & 07777u);
}

/* ---- file content ---- */

static int file_open(pt_squashfs_t *q, const sqinode_t *in, sqfile_t **out, pt_err_t *err)
{
    uint64_t bs = q->block_size, n = in->frag == NO_FRAGMENT ? (in->size + bs - 1) / bs : in->size / bs, p;
    sqfile_t *f;
    mcur_t c = in->list;
    uint32_t i;
    int rc;

    *out = NULL;
    if (n > BLOCKS_MAX)
        return pt_err_set(err, PT_EFORMAT, "a file of %" PRIu64 " bytes in %" PRIu64 " blocks: more than ptriage "
                          "reads in one file (%u blocks; damage?)", in->size, n, BLOCKS_MAX);
    if (in->frag != NO_FRAGMENT && (in->frag >= q->frag_count || in->frag_off >= bs))
        return pt_err_set(err, PT_EFORMAT, "its tail is in fragment %u at offset %u, which the filesystem does not "
                          "have (%u fragments)", in->frag, in->frag_off, q->frag_count);
    if (in->blocks_start > q->bytes_used)
        return pt_err_set(err, PT_EFORMAT, "its blocks start at byte %" PRIu64 ", past the filesystem's end",
                          in->blocks_start);
    if (!(f = calloc(1, sizeof *f)) || !(f->sz = malloc((n ? n : 1) * sizeof *f->sz)) ||
        !(f->pos = malloc((n ? n : 1) * sizeof *f->pos)) || !(f->buf = malloc(q->block_size))) {
        file_free(f);
        return pt_err_set(err, PT_ENOMEM, "out of memory");
    }
    f->q = q;
    f->size = in->size;
    f->nblocks = (uint32_t)n;
    f->frag = in->frag;
    f->frag_off = in->frag_off;
    f->cur = -1;
    for (i = 0, p = in->blocks_start; i < n; i++) {
        uint8_t v[4];
        uint32_t len;
        if ((rc = meta_read(q, &c, v, 4, err)) != PT_OK) {
            file_free(f);
            return rc;
        }
        f->sz[i] = (uint32_t)le(v, 4);
        len = f->sz[i] & ~DATA_UNCOMPRESSED;
        if (len > q->block_size || (f->sz[i] >> 25)) {
            file_free(f);
            return pt_err_set(err, PT_EFORMAT, "block %u claims %u bytes on disk, more than a block (%u)", i, len,
                              q->block_size);
        }
        f->pos[i] = p;
        p += len;
    }
    if (p > q->bytes_used) {
        file_free(f);
        return pt_err_set(err, PT_EFORMAT, "its blocks end at byte %" PRIu64 ", past the filesystem's end", p);
    }
    *out = f;
    return PT_OK;
}

/* Decodes a data block (or fragment block) of size field sz at off into out
 * (block_size bytes); *got is how many it holds. */
static int data_block(pt_squashfs_t *q, uint64_t off, uint32_t sz, uint8_t *out, uint32_t *got, pt_err_t *err)
{
    uint32_t len = sz & ~DATA_UNCOMPRESSED;
    size_t n = 0;
    int rc;

    if (len == 0) { /* a sparse block */
        memset(out, 0, q->block_size);
        *got = q->block_size;
        return PT_OK;
    }
    if (len > q->block_size)
        return pt_err_set(err, PT_EFORMAT, "block at byte %" PRIu64 " claims %u bytes", off, len);
    if (sz & DATA_UNCOMPRESSED) {
        rc = read_raw(q, off, out, len, err);
        n = len;
    } else if ((rc = read_raw(q, off, q->cbuf, len, err)) == PT_OK) {
        rc = decompress(q, q->cbuf, len, out, q->block_size, &n, err);
    }
    if (rc != PT_OK) {
        err_prefix(err, "block at byte %" PRIu64, off);
        return rc == PT_ENOMEM ? rc : PT_EFORMAT;
    }
    *got = (uint32_t)n;
    return PT_OK;
}

static int fragment(pt_squashfs_t *q, uint32_t idx, pt_err_t *err)
{
    uint8_t e[16];
    int rc;

    if (q->frag_idx == (int64_t)idx)
        return PT_OK;
    q->frag_idx = -1;
    if ((rc = table_entry(q, q->frag_start, idx, 16, e, err)) != PT_OK)
        return rc;
    if ((rc = data_block(q, le(e, 8), (uint32_t)le(e + 8, 4), q->frag_data, &q->frag_len, err)) != PT_OK)
        return rc;
    q->frag_idx = idx;
    return PT_OK;
}

static ssize_t file_read(void *src, uint64_t off, uint8_t *buf, size_t len, pt_err_t *err)
{
    sqfile_t *f = src;
    pt_squashfs_t *q = f->q;
    uint64_t bs = q->block_size;
    size_t done = 0;

    if (off >= f->size)
        return 0;
    if (len > f->size - off)
        len = (size_t)(f->size - off);
    while (done < len) {
        uint64_t at = off + done, bi = at / bs, want;
        uint32_t boff = (uint32_t)(at % bs);
        const uint8_t *from;
        size_t k;
        if (bi < f->nblocks) {
            want = f->size - bi * bs < bs ? f->size - bi * bs : bs;
            if (f->cur != (int64_t)bi) {
                f->cur = -1;
                if (data_block(q, f->pos[bi], f->sz[bi], f->buf, &f->cur_len, err) != PT_OK)
                    return -1;
                if (f->cur_len < want) {
                    pt_err_set(err, PT_EFORMAT, "block %" PRIu64 " decodes to %u bytes, not %" PRIu64, bi,
                               f->cur_len, want);
                    return -1;
                }
                f->cur = (int64_t)bi;
            }
            from = f->buf + boff;
            k = (size_t)(want - boff);
        } else {
            uint64_t tail = f->size - (uint64_t)f->nblocks * bs;
            if (f->frag == NO_FRAGMENT || fragment(q, f->frag, err) != PT_OK) {
                if (f->frag == NO_FRAGMENT)
                    pt_err_set(err, PT_EFORMAT, "the file's size runs past its blocks and it has no fragment");
                return -1;
            }
            if ((uint64_t)f->frag_off + tail > q->frag_len) {
                pt_err_set(err, PT_EFORMAT, "its tail (%" PRIu64 " bytes at %u) runs past fragment %u (%u bytes)",
                           tail, f->frag_off, f->frag, q->frag_len);
                return -1;
            }
            from = q->frag_data + f->frag_off + boff;
            k = (size_t)(tail - boff);
        }
        if (k > len - done)
            k = len - done;
        memcpy(buf + done, from, k);
        done += k;
    }
    return (ssize_t)done;
}

/* ---- directories ---- */

#define DIR_DAMAGED PT_TW_DAMAGED

/* Calls fn for each entry of directory in, in the listing's order; stops at
 * the first non-zero return, which it returns.  A damaged listing:
 * DIR_DAMAGED, why in err (fn returns a PT_E* code, 0, or 1). */
static int dir_each(void *fs, const void *dir, pt_tw_entry_fn fn, void *ctx, pt_err_t *err)
{
    pt_squashfs_t *q = fs;
    const sqinode_t *in = dir;
    mcur_t c = { q->dir_start + in->dir_blk, in->dir_off };
    uint64_t left = in->size > 3 ? in->size - 3 : 0;
    char name[NAME_MAX_SQ + 1];

    if (in->dir_blk >= q->bytes_used - q->dir_start) {
        pt_err_set(err, PT_EFORMAT, "its listing at %u lies past the directory table", in->dir_blk);
        return DIR_DAMAGED;
    }
    if (left > LISTING_MAX) {
        pt_err_set(err, PT_EFORMAT, "its listing claims %" PRIu64 " bytes", left);
        return DIR_DAMAGED;
    }
    while (left >= 12) {
        uint8_t h[12], e[8];
        uint32_t count, start, base, i;
        if (meta_read(q, &c, h, 12, err) != PT_OK)
            return DIR_DAMAGED;
        left -= 12;
        count = (uint32_t)le(h, 4) + 1;
        start = (uint32_t)le(h + 4, 4);
        base = (uint32_t)le(h + 8, 4);
        if (count > 256) {
            pt_err_set(err, PT_EFORMAT, "a listing header claims %u entries (at most 256)", count);
            return DIR_DAMAGED;
        }
        for (i = 0; i < count; i++) {
            size_t nl;
            int r;
            if (left < 8 || meta_read(q, &c, e, 8, err) != PT_OK) {
                if (left < 8)
                    pt_err_set(err, PT_EFORMAT, "the listing ends inside an entry");
                return DIR_DAMAGED;
            }
            left -= 8;
            nl = (size_t)le(e + 6, 2) + 1;
            if (nl > NAME_MAX_SQ || nl > left) {
                pt_err_set(err, PT_EFORMAT, "an entry's name claims %zu bytes", nl);
                return DIR_DAMAGED;
            }
            if (meta_read(q, &c, name, nl, err) != PT_OK)
                return DIR_DAMAGED;
            left -= nl;
            name[nl] = '\0';
            r = fn(ctx, (uint64_t)start << 16 | le(e, 2), (uint32_t)(base + (int16_t)le(e + 2, 2)),
                   (unsigned)le(e + 4, 2), name, nl);
            if (r)
                return r;
        }
    }
    return 0;
}

/* ---- the walk ---- */

static void set_owner(pt_tw_t *w, pt_item_t *it, const sqinode_t *in)
{
    pt_squashfs_t *q = w->fs;

    if (in->uid_idx >= q->id_count || in->gid_idx >= q->id_count) {
        pt_item_add_error(it, "error", "owner index %u or group index %u past the id table (%u ids)", in->uid_idx,
                          in->gid_idx, q->id_count);
        return;
    }
    pt_tw_owner(w, it, q->ids[in->uid_idx], q->ids[in->gid_idx]);
}

static int visit(void *ctx, uint64_t ref, uint64_t number, unsigned type, const char *name, size_t nlen)
{
    pt_tw_t *w = ctx;
    pt_squashfs_t *q = w->fs;
    pt_err_t ierr = { 0, "" };
    sqinode_t in;
    pt_item_t it;
    int rc;

    (void)nlen;
    if ((rc = pt_tw_item(w, &it, name, number)) != PT_OK)
        return rc;
    if ((rc = inode_read(q, ref, &in, &ierr)) != PT_OK) {
        if (rc == PT_ENOMEM)
            return pt_err_set(w->err, rc, "%s", ierr.msg);
        it.kind = PT_KIND_UNKNOWN;
        pt_item_add_error(&it, "error", "inode %" PRIu64 " not read: %s", number, ierr.msg);
        return pt_scan_emit(w->s, &it, w->err);
    }
    if (in.number != number)
        pt_item_add_error(&it, "error", "the directory names inode %" PRIu64 ", but the inode there is %u", number,
                          in.number);
    if ((in.type > 7 ? in.type - 7u : in.type) != type)
        pt_item_add_error(&it, "error", "the directory says type %u, the inode is of type %u", type, in.type);
    it.kind = pt_item_kind_of_mode(mode_of(&in));
    it.mode = in.perm & 07777u;
    it.size = in.type == I_DIR || in.type == I_LDIR ? 0 : in.size;
    it.mtime.sec = in.mtime;
    it.mtime.known = 1;
    set_owner(w, &it, &in);
    if (in.type == I_SYMLINK || in.type == I_LSYMLINK) {
        char target[4097];
        mcur_t c = in.list;
        if (in.target_len >= sizeof target)
            pt_item_add_error(&it, "error", "link target claims %u bytes", in.target_len);
        else if ((rc = meta_read(q, &c, target, in.target_len, &ierr)) == PT_OK) {
            target[in.target_len] = '\0';
            it.link_target = target;
        } else if (rc == PT_ENOMEM)
            return pt_err_set(w->err, rc, "%s", ierr.msg);
        else
            pt_item_add_error(&it, "error", "link target not read: %s", ierr.msg);
        return pt_scan_emit(w->s, &it, w->err);
    }
    if (in.type == I_FILE || in.type == I_LFILE) {
        sqfile_t *f = NULL;
        if ((rc = file_open(q, &in, &f, &ierr)) == PT_ENOMEM)
            return pt_err_set(w->err, rc, "%s", ierr.msg);
        if (f) {
            /* holes read as zeros: a size far beyond what the blocks could
             * hold decoded is damage, not data */
            uint64_t plausible = (uint64_t)f->nblocks * q->block_size + q->block_size;
            pt_item_limit(&it, w->s->opts->max_item_size, 0);
            if (!it.read_limit && it.size > plausible)
                pt_item_limit(&it, 0, plausible);
        }
        rc = pt_tw_content(w, &it, file_read, f, &ierr);
        file_free(f);
        return rc;
    }
    if ((rc = pt_scan_emit(w->s, &it, w->err)) == PT_OK && (in.type == I_DIR || in.type == I_LDIR)) {
        char which[40];
        snprintf(which, sizeof which, "inode %" PRIu64, number);
        rc = pt_tw_enter(w, &in, ref, which);
    }
    return rc;
}

/* ---- lookups by path and by inode number ---- */

/* A small file by path (passwd, os-release), at most 1 MiB. */
static char *read_small(void *ctx, const char *path, size_t *out_len)
{
    pt_squashfs_t *q = ctx;
    pt_err_t e = { 0, "" };
    sqinode_t in;
    sqfile_t *f = NULL;
    pt_tw_find_t fc = { NULL, 0, 0 };
    const char *p = path;
    char *buf = NULL;
    int hops = 0;

    if (inode_read(q, q->root_ref, &in, &e) != PT_OK)
        return NULL;
    while (pt_path_next(&p, &fc.name, &fc.nlen))
        if ((in.type != I_DIR && in.type != I_LDIR) || ++hops > 64 ||
            dir_each(q, &in, pt_tw_find_entry, &fc, &e) != 1 || inode_read(q, fc.ref, &in, &e) != PT_OK)
            return NULL;
    if ((in.type != I_FILE && in.type != I_LFILE) || in.size == 0 || in.size > (1 << 20) ||
        file_open(q, &in, &f, &e) != PT_OK)
        return NULL;
    buf = pt_read_alloc(file_read, f, (size_t)in.size, out_len);
    file_free(f);
    return buf;
}

typedef struct map_ctx {
    pt_squashfs_t *q;
    pt_u64set_t dirs;
    int depth, failed;
    pt_err_t *err;
} map_ctx_t;

static int map_entry(void *ctx, uint64_t ref, uint64_t number, unsigned type, const char *name, size_t nlen)
{
    map_ctx_t *m = ctx;
    pt_squashfs_t *q = m->q;
    sqinode_t in;
    pt_err_t e = { 0, "" };
    int r = 0;

    (void)name;
    (void)nlen;
    if (q->nmap == q->capmap) {
        size_t cap = q->capmap ? q->capmap * 2 : 1024;
        imap_t *g = realloc(q->map, cap * sizeof *g);
        if (!g) {
            m->failed = pt_err_set(m->err, PT_ENOMEM, "out of memory");
            return 1;
        }
        q->map = g;
        q->capmap = cap;
    }
    q->map[q->nmap].number = (uint32_t)number;
    q->map[q->nmap++].ref = ref;
    if (type == I_DIR && m->depth < 4096 && (r = pt_u64set_add(&m->dirs, ref)) == 1 &&
        inode_read(q, ref, &in, &e) == PT_OK && (in.type == I_DIR || in.type == I_LDIR)) {
        m->depth++;
        r = dir_each(q, &in, map_entry, m, &e);
        m->depth--;
        return r == DIR_DAMAGED ? 0 : r; /* a damaged directory: the rest is still mapped */
    }
    if (r < 0) {
        m->failed = pt_err_set(m->err, PT_ENOMEM, "out of memory");
        return 1;
    }
    return 0;
}

static int imap_cmp(const void *a, const void *b)
{
    const imap_t *x = a, *y = b;
    return x->number < y->number ? -1 : x->number > y->number;
}

int pt_squashfs_open_inode(pt_squashfs_t *q, uint64_t ino, pt_read_fn *fn, void **src, uint64_t *size,
                           pt_err_t *err)
{
    imap_t key, *hit;
    sqinode_t in;
    int rc;

    file_free(q->open);
    q->open = NULL;
    if (!q->mapped) {
        /* inode numbers to references, from the names (what the scan saw);
         * the export table, where there is one, is not needed */
        map_ctx_t m = { q, { NULL, 0, 0 }, 0, 0, err };
        if ((rc = inode_read(q, q->root_ref, &in, err)) != PT_OK)
            return rc;
        dir_each(q, &in, map_entry, &m, err);
        pt_u64set_free(&m.dirs);
        if (m.failed)
            return m.failed;
        if (q->nmap) /* an empty root names nothing (and map is NULL) */
            qsort(q->map, q->nmap, sizeof *q->map, imap_cmp);
        q->mapped = 1;
    }
    key.number = (uint32_t)ino;
    if (ino > UINT32_MAX || !q->nmap || !(hit = bsearch(&key, q->map, q->nmap, sizeof *q->map, imap_cmp)))
        return pt_err_set(err, PT_EFORMAT, "SquashFS inode %" PRIu64 " is named by no directory", ino);
    if ((rc = inode_read(q, hit->ref, &in, err)) != PT_OK)
        return rc;
    if (in.type != I_FILE && in.type != I_LFILE)
        return pt_err_set(err, PT_EFORMAT, "SquashFS inode %" PRIu64 " is not a regular file", ino);
    if ((rc = file_open(q, &in, &q->open, err)) != PT_OK)
        return rc;
    *fn = file_read;
    *src = q->open;
    *size = in.size;
    return PT_OK;
}

int pt_squashfs_walk(pt_scan_t *s, pt_squashfs_t *q, pt_err_t *err)
{
    pt_err_t e = { 0, "" };
    sqinode_t root;
    pt_tw_t w;
    int rc;

    if (inode_read(q, q->root_ref, &root, &e) != PT_OK || (root.type != I_DIR && root.type != I_LDIR)) {
        char msg[700];
        snprintf(msg, sizeof msg, "SquashFS root directory not read: %.600s",
                 e.msg[0] ? e.msg : "its inode is not a directory");
        return pt_scan_problem(s, "error", "filesystem", msg, err);
    }
    if ((rc = pt_tw_start(&w, s, q, dir_each, visit, read_small, q->root_ref, err)) == PT_OK)
        rc = pt_tw_dir(&w, &root, w.base, 0);
    pt_tw_end(&w);
    return rc;
}
