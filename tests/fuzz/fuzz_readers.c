/* fuzz_readers.c - libFuzzer target: ptriage's own parsers of on-disk
 * structures, each given the input (after its first byte, which picks the
 * parser) from memory:
 *   - disk-image files (qcow2, VMDK, VHD, VHDX, VDI, DMG, Android sparse,
 *     Apple sparse image, Parallels, AFF4), opened as evidence is with no
 *     other file to find (a parent or an extent named is missing), and read
 *     at their start, middle and end;
 *   - filesystems (SquashFS, EROFS, F2FS, Btrfs, XFS through libfsxfs),
 *     opened and their first inodes opened and read;
 *   - volume layers: Volume Shadow Copies (libvshadow), LVM2 metadata, a
 *     dm-thin pool's metadata, a dm-snapshot exception store, GPT (primary
 *     and backup), LUKS1/LUKS2 headers;
 *   - NTFS WOF (a reparse point and its compressed stream) and small files
 *     read for the report ($I and INFO2 recycle records, .trashinfo, plists,
 *     the filesystem identifier).
 * The picking byte's high bit says the rest is a sparse image (sparse.h).
 * No case directory, libmagic or database: thousands of inputs a second,
 * where the whole-scan target runs a few. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "btrfs.h"
#include "chain.h"
#include "erofs.h"
#include "f2fs.h"
#include "fsid.h"
#include "gpt.h"
#include "layer.h"
#include "luks.h"
#include "lvmsnap.h"
#include "lvmthin.h"
#include "plist.h"
#include "reader.h"
#include "recycle.h"
#include "sparse.h"
#include "squashfs.h"
#include "vss.h"
#include "wof.h"
#include "xfs.h"


int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

static const pt_layer_kind_t disks[] = { PT_LAYER_QCOW, PT_LAYER_VMDK, PT_LAYER_VHD, PT_LAYER_VHDX,
                                         PT_LAYER_VDI, PT_LAYER_DMG, PT_LAYER_SIMG, PT_LAYER_SPARSEIMAGE,
                                         PT_LAYER_PARALLELS, PT_LAYER_AFF4 };
#define NDISKS (sizeof disks / sizeof disks[0])
/* the rest, numbered on from NDISKS: the seeds in run.sh use these numbers */
enum { FS_SQUASHFS, FS_EROFS, FS_F2FS, FS_BTRFS, FS_XFS, VOL_VSS, VOL_LVM, VOL_THIN, VOL_SNAP, VOL_GPT, VOL_LUKS,
       WOF, SMALL_FILES, OTHER_N };
#define READ_MAX (256u << 10) /* of each inode: enough for every mapping path, fast */

static uint8_t buf[64 << 10];
static int verbose = -1; /* PT_FUZZ_VERBOSE=1: say what each parser made of the input (for seeds) */

#define OK(call) ok_((call), #call, &err)
static int ok_(int rc, const char *what, const pt_err_t *err)
{
    if (verbose)
        fprintf(stderr, "%.*s: %s\n", (int)strcspn(what, "("), what, rc == PT_OK ? "ok" : err->msg);
    return rc == PT_OK;
}

/* The input as a source: flat, or sparse (records over zeros). */
typedef struct {
    const uint8_t *p;
    size_t n;
    int sparse;
    uint64_t size;
} src_t;

static ssize_t src_read(void *v, uint64_t off, uint8_t *out, size_t len, pt_err_t *err)
{
    const src_t *s = v;
    const uint8_t *p = s->p, *end = s->p + s->n;
    sparse_rec_t r;

    if (!s->sparse) {
        pt_mem_t m = { s->p, s->n };
        return pt_read_mem(&m, off, out, len, err);
    }
    if (off >= s->size)
        return 0;
    if (len > s->size - off)
        len = (size_t)(s->size - off);
    memset(out, 0, len);
    for (p += 4; sparse_next(&p, end, &r);)
        if (r.at < off + len && r.at + r.len > off) {
            uint64_t lo = r.at > off ? r.at : off, hi = r.at + r.len < off + len ? r.at + r.len : off + len;
            if (r.fill)
                memset(out + (lo - off), *r.data, (size_t)(hi - lo));
            else
                memcpy(out + (lo - off), r.data + (lo - r.at), (size_t)(hi - lo));
        }
    return (ssize_t)len;
}

static ssize_t zeros_read(void *v, uint64_t off, uint8_t *out, size_t len, pt_err_t *err)
{
    uint64_t size = *(const uint64_t *)v;

    (void)err;
    if (off >= size)
        return 0;
    if (len > size - off)
        len = (size_t)(size - off);
    memset(out, 0, len);
    return (ssize_t)len;
}

/* Reads [off, off + len) in pieces; stops at the first error or end. */
static void read_range(pt_read_fn fn, void *src, uint64_t off, uint64_t len)
{
    pt_err_t err = { 0, "" };

    while (len) {
        size_t want = len < sizeof buf ? (size_t)len : sizeof buf;
        ssize_t got = fn(src, off, buf, want, &err);
        if (got <= 0)
            return;
        off += (uint64_t)got;
        len -= (uint64_t)got;
    }
}

/* Start, middle and end of a size-byte source. */
static void read_spots(pt_read_fn fn, void *src, uint64_t size)
{
    read_range(fn, src, 0, 3 * sizeof buf);
    read_range(fn, src, size / 2, sizeof buf);
    read_range(fn, src, size > sizeof buf ? size - sizeof buf : 0, sizeof buf);
}

static void disk(pt_layer_kind_t kind, src_t *s)
{
    pt_files_t *files = pt_files_dir("/nonexistent-ptriage-fuzz"); /* nothing else to open */
    pt_chain_t *c = NULL;
    pt_err_t err = { 0, "" };

    if (files && OK(pt_chain_open(kind, src_read, s, s->size, "e.img", files, NULL, 0, &c, &err))) {
        pt_layer_t *top = pt_chain_top(c);
        read_spots(pt_layer_read, top, pt_layer_size(top));
        pt_chain_close(c);
    }
    pt_files_free(files);
}

/* Opens inodes first..first+count-1 of a filesystem and reads each. */
#define EACH_INODE(open_inode, h, first, count, ...)                                                          \
    for (uint64_t ino = (first); ino < (first) + (count); ino++) {                                            \
        pt_read_fn fn;                                                                                        \
        void *src;                                                                                            \
        uint64_t size = 0;                                                                                    \
        if (OK(open_inode(h, __VA_ARGS__ ino, &fn, &src, &size, &err)))                                  \
            read_range(fn, src, 0, size < READ_MAX ? size : READ_MAX);                                        \
    }

static void filesystem(int which, src_t *s)
{
    pt_err_t err = { 0, "" };

    if (which == FS_SQUASHFS) {
        pt_squashfs_t *q = NULL;
        if (OK(pt_squashfs_open(src_read, s, s->size, &q, &err))) {
            EACH_INODE(pt_squashfs_open_inode, q, 1, 16, )
            pt_squashfs_close(q);
        }
    } else if (which == FS_EROFS) {
        pt_erofs_t *e = NULL;
        if (OK(pt_erofs_open(src_read, s, s->size, &e, &err))) {
            EACH_INODE(pt_erofs_open_inode, e, 0, 64, )
            pt_erofs_close(e);
        }
    } else if (which == FS_F2FS) {
        pt_f2fs_t *f = NULL;
        if (OK(pt_f2fs_open(src_read, s, s->size, &f, &err))) {
            EACH_INODE(pt_f2fs_open_inode, f, 3, 16, )
            pt_f2fs_close(f);
        }
    } else if (which == FS_BTRFS) {
        pt_btrfs_t *b = NULL;
        if (OK(pt_btrfs_open(src_read, s, s->size, &b, &err))) {
            /* mkfs.btrfs --rootdir keeps the source's inode numbers: the
             * input's last 8 bytes name where its files start */
            uint64_t base = s->n >= 8 ? (uint64_t)sparse_le32(s->p + s->n - 8) | (uint64_t)sparse_le32(s->p + s->n - 4) << 32 : 0;
            EACH_INODE(pt_btrfs_open_inode, b, 256, 8, PT_BTRFS_FS_TREE, )
            EACH_INODE(pt_btrfs_open_inode, b, base, 8, PT_BTRFS_FS_TREE, )
            pt_btrfs_close(b);
        }
    } else {
        pt_xfs_t *x = NULL;
        if (OK(pt_xfs_open(src_read, s, s->size, &x, &err))) {
            (void)pt_xfs_describe(x);
            uint8_t root[8] = { 0 }; /* the superblock's root inode; files made after it follow */
            uint64_t first = 0;
            if (src_read(s, 56, root, sizeof root, &err) == (ssize_t)sizeof root)
                for (int i = 0; i < 8; i++)
                    first = first << 8 | root[i];
            EACH_INODE(pt_xfs_open_inode, x, first, 8, )
            pt_xfs_close(x);
        }
    }
}

static void volume(int which, src_t *s)
{
    pt_err_t err = { 0, "" };

    if (which == VOL_VSS) {
        pt_vss_t *v = NULL;
        if (pt_vss_probe(src_read, s, s->size) && OK(pt_vss_open(src_read, s, s->size, &v, &err))) {
            for (int i = 0; i < pt_vss_count(v) && i < 4; i++) {
                uint64_t size = pt_vss_size(v, i);
                (void)pt_vss_describe(v, i);
                for (uint64_t off = 0; off < size && off < (1u << 20); off += sizeof buf)
                    if (pt_vss_read(v, i, off, buf, sizeof buf, &err) <= 0)
                        break;
            }
            pt_vss_close(v);
        }
    } else if (which == VOL_LVM) {
        static pt_lvm_lv_t lv[64];
        int n = pt_lvmsnap_list(src_read, s, s->size, lv, 64);
        if (verbose > 0)
            fprintf(stderr, "pt_lvmsnap_list: %d volumes\n", n);
    } else if (which == VOL_THIN) {
        /* the input is the pool's metadata LV and its data LV too */
        pt_lvmthin_pool_info_t info;
        if (OK(pt_lvmthin_pool(src_read, s, s->size, &info, &err)) && info.chunk / 512 <= UINT32_MAX)
            for (uint32_t dev = 0; dev < 3; dev++) {
                pt_lvmthin_t *t = NULL;
                if (OK(pt_lvmthin_open(src_read, s, s->size, src_read, s, s->size, (uint32_t)(info.chunk / 512), dev,
                                    8u << 20, &t, &err))) {
                    (void)pt_lvmthin_mapped(t);
                    read_spots(pt_lvmthin_read, t, 8u << 20);
                    pt_lvmthin_close(t);
                }
            }
    } else if (which == VOL_SNAP) {
        /* the input is the exception store, the origin 8 MiB of zeros; the
         * chunk size is taken from the store's own header (metadata's) */
        uint64_t origin = 8u << 20;
        uint8_t h[16];
        pt_lvmsnap_t *v = NULL;
        if (src_read(s, 0, h, sizeof h, &err) == (ssize_t)sizeof h &&
            OK(pt_lvmsnap_open(zeros_read, &origin, origin, src_read, s, s->size, sparse_le32(h + 12), &v, &err))) {
            (void)pt_lvmsnap_changed(v);
            read_spots(pt_lvmsnap_read, v, origin);
            pt_lvmsnap_close(v);
        }
    } else if (which == VOL_GPT) {
        static pt_gpt_t g;
        char why[256];
        for (unsigned ss = 512; ss <= 4096; ss *= 8) {
            if (OK(pt_gpt_read_primary(src_read, s, s->size, ss, &g, &err)))
                for (int i = 0; i < g.n; i++)
                    pt_gpt_describe(&g.part[i], why, sizeof why);
            pt_gpt_primary_problem(src_read, s, ss, why, sizeof why);
        }
        if (OK(pt_gpt_read_backup(src_read, s, s->size, &g, &err)))
            for (int i = 0; i < g.n; i++)
                pt_gpt_describe(&g.part[i], why, sizeof why);
    } else {
        pt_luks_t *l = NULL;
        if (OK(pt_luks_open(src_read, s, s->size, &l, &err))) {
            (void)pt_luks_describe(l);
            pt_luks_close(l);
        }
        l = NULL;
        if (OK(pt_luks_open_header(src_read, s, s->size, &l, &err))) {
            (void)pt_luks_describe(l);
            pt_luks_close(l);
        }
    }
}

typedef struct {
    src_t *s;
    uint64_t base;
} at_t;

static ssize_t at_read(void *v, uint64_t off, uint8_t *out, size_t len, pt_err_t *err)
{
    const at_t *a = v;
    return src_read(a->s, a->base + off, out, len, err);
}

/* WOF: a u16 length, that many bytes of reparse point, a u32 uncompressed
 * size; the rest of the input is the WofCompressedData stream. */
static void wof(src_t *s)
{
    uint8_t rp[512], h[4];
    pt_wof_info_t info;
    pt_err_t err = { 0, "" };
    size_t rn;
    at_t a = { s, 0 };

    if (src_read(s, 0, h, 2, &err) != 2)
        return;
    rn = (size_t)(h[0] | h[1] << 8) % sizeof rp;
    if (src_read(s, 2, rp, rn, &err) != (ssize_t)rn || src_read(s, 2 + rn, h, 4, &err) != 4)
        return;
    a.base = 6 + rn;
    if (!OK(pt_wof_parse_reparse(rp, rn, &info) == PT_WOF_FILE ? PT_OK : PT_EFORMAT) || s->size < a.base)
        return;
    uint64_t usize = sparse_le32(h), csize = s->size - a.base;
    for (uint64_t off = 0; off < usize && off < (1u << 20); off += sizeof buf)
        if (pt_wof_decode(&info, usize, csize, at_read, &a, off, buf, sizeof buf, &err) <= 0) {
            OK(PT_EIO);
            break;
        }
    if (usize > sizeof buf)
        (void)pt_wof_decode(&info, usize, csize, at_read, &a, usize - 100, buf, sizeof buf, &err);
}

/* Small files read whole for the report. */
static void small_files(src_t *s)
{
    static const char *const keys[] = { "diskimage-bundle-type", "ProductName", "name", "uid", "size" };
    char out[1024];
    uint64_t v;
    size_t n = s->size < sizeof buf ? (size_t)s->size : sizeof buf;
    pt_err_t err = { 0, "" };

    if (src_read(s, 0, buf, n, &err) != (ssize_t)n)
        return;
    pt_recycle_describe(buf, n, out, sizeof out);
    pt_recycle_describe_trashinfo(buf, n, out, sizeof out);
    pt_recycle_describe_info2(buf, n, n ? buf[0] : 0, out, sizeof out);
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        pt_plist_string(buf, n, keys[i], out, sizeof out);
        pt_plist_integer(buf, n, keys[i], &v);
    }
    pt_fsid_name_buf(buf, n, s->size, out, sizeof out);
    pt_fsid_name(src_read, s, s->size, out, sizeof out);
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
    src_t s;
    unsigned pick;

    if (verbose < 0)
        verbose = getenv("PT_FUZZ_VERBOSE") != NULL;
    if (n < 2)
        return 0;
    pick = (d[0] & 0x7f) % (unsigned)(NDISKS + OTHER_N);
    s = (src_t){ d + 1, n - 1, d[0] >> 7, n - 1 };
    if (s.sparse) {
        if (s.n < 4)
            return 0;
        s.size = sparse_le32(s.p);
    }
    if (pick < NDISKS)
        disk(disks[pick], &s);
    else if ((pick -= NDISKS) <= FS_XFS)
        filesystem((int)pick, &s);
    else if (pick <= VOL_LUKS)
        volume((int)pick, &s);
    else if (pick == WOF)
        wof(&s);
    else
        small_files(&s);
    return 0;
}
