/* xfs.c - the libfsxfs walker.  Owns the volume, its libbfio handle, the
 * path buffer and the file entry being read; frees each file entry once
 * its item is emitted. */
#include "xfs.h"

#define HAVE_LIBBFIO 1 /* declares libfsxfs_volume_open_file_io_handle */
#include <inttypes.h>
#include <libfsxfs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "accounts.h"
#include "bfio.h"
#include "bytes.h"
#include "scan.h"


struct pt_xfs {
    libfsxfs_volume_t *vol;
    pt_bfio_handle_t *bfio;
    libfsxfs_file_entry_t *open; /* pt_xfs_open_inode's */
    uint64_t size;               /* of the volume: no file is read past it */
    char desc[256];
    pt_read_fn fn;               /* the volume, for inode timestamps */
    void *src;
    /* superblock geometry, to find an inode's core */
    uint32_t blocksize, agblocks;
    uint16_t inodesize;
    uint8_t inopblog, agblklog;
};

typedef struct xwalk {
    pt_scan_t *s;
    pt_xfs_t *x;
    pt_accounts_t accounts;
    char *path;
    size_t cap;
    uint64_t fs_bytes;
    int damaged;
    pt_err_t *err;
} xwalk_t;

static void xfs_msg(libfsxfs_error_t **e, char *out, size_t n)
{
    char *p;

    out[0] = '\0';
    if (*e) {
        libfsxfs_error_sprint(*e, out, n);
        libfsxfs_error_free(e);
    }
    for (p = out; *p; p++)
        if (*p == '\n')
            *p = ' ';
}

static int read_at(pt_xfs_t *x, uint64_t off, uint8_t *buf, size_t len)
{
    pt_err_t e = { 0, "" };

    return pt_read_exact(x->fn, x->src, off, buf, len, &e) == PT_OK;
}

/* What locating an inode needs, from the primary superblock; left zero
 * (times then come from libfsxfs) when the values are implausible. */
static void geometry(pt_xfs_t *x)
{
    uint8_t sb[512];

    if (!read_at(x, 0, sb, sizeof sb) || memcmp(sb, "XFSB", 4) != 0)
        return;
    x->blocksize = be32(sb + 4);
    x->agblocks = be32(sb + 0x54);
    x->inodesize = (uint16_t)(sb[0x68] << 8 | sb[0x69]);
    x->inopblog = sb[0x7B];
    x->agblklog = sb[0x7C];
    if (x->blocksize < 512 || x->blocksize > 65536 || x->inodesize < 256 || x->inodesize > 2048 ||
        x->inopblog > 8 || x->agblklog > 31 || x->agblocks == 0)
        x->blocksize = 0;
}

/* XFS timestamps of one inode read from its core: libfsxfs 20201117
 * predates "bigtime" inodes (mkfs.xfs's default since xfsprogs 5.15:
 * nanoseconds since 1901-12-13 in one 64-bit field) and misreads them as
 * seconds and nanoseconds.  Returns 1 when the core was read. */
static int inode_times(pt_xfs_t *x, uint64_t ino, pt_time_t *a, pt_time_t *m, pt_time_t *c, pt_time_t *cr)
{
    uint8_t core[176];
    uint64_t agno, agbno, off, flags2 = 0;
    pt_time_t *t[4] = { a, m, c, cr };
    static const int at[4] = { 0x20, 0x28, 0x30, 0x90 };
    int i, n;

    if (!x->blocksize)
        return 0;
    agno = ino >> (x->agblklog + x->inopblog);
    agbno = (ino >> x->inopblog) & (((uint64_t)1 << x->agblklog) - 1);
    off = (agno * x->agblocks + agbno) * x->blocksize + (ino & ((1u << x->inopblog) - 1)) * x->inodesize;
    if (off >= x->size || !read_at(x, off, core, sizeof core) || core[0] != 'I' || core[1] != 'N')
        return 0;
    n = core[4] >= 3 ? 4 : 3; /* creation time: version 3 inodes only */
    if (core[4] >= 3)
        flags2 = (uint64_t)be32(core + 0x78) << 32 | be32(core + 0x7C);
    for (i = 0; i < n; i++) {
        const uint8_t *p = core + at[i];
        if (flags2 & (1u << 3)) { /* XFS_DIFLAG2_BIGTIME */
            uint64_t v = (uint64_t)be32(p) << 32 | be32(p + 4);
            t[i]->sec = (int64_t)(v / 1000000000u) - ((int64_t)1 << 31);
            t[i]->nsec = (uint32_t)(v % 1000000000u);
            t[i]->known = v != 0;
        } else {
            t[i]->sec = (int32_t)be32(p);
            t[i]->nsec = be32(p + 4) % 1000000000u;
            t[i]->known = t[i]->sec != 0 || t[i]->nsec != 0;
        }
    }
    return 1;
}

/* The kernel's mount-time checks of the superblock's geometry
 * (xfs_validate_sb_common), and every allocation group's header inside the
 * volume: libfsxfs 20201117 reads each group's inode B-tree at open, goes
 * on after each failure, and so spins for hours on a damaged superblock
 * claiming millions of groups.  PT_OK, or PT_EFORMAT saying what is wrong
 * (a truncated image among it: libfsxfs cannot open one). */
static int sb_check(pt_read_fn fn, void *src, uint64_t size, pt_err_t *err)
{
    uint8_t sb[512];
    uint32_t bsize, agblocks, agcount;
    uint64_t dblocks, last_ag;
    unsigned agblklog, want_log = 0;

    if (pt_read_exact(fn, src, 0, sb, sizeof sb, err) != PT_OK)
        return PT_EFORMAT;
    if (memcmp(sb, "XFSB", 4) != 0)
        return pt_err_set(err, PT_EFORMAT, "no XFS superblock (no 'XFSB' at byte 0)");
    bsize = be32(sb + 4);
    dblocks = be64(sb + 8);
    agblocks = be32(sb + 0x54);
    agcount = be32(sb + 0x58);
    agblklog = sb[0x7C];
    while (agblocks > 1 && want_log < 32 && ((uint64_t)1 << want_log) < agblocks)
        want_log++;
    if (bsize < 512 || bsize > 65536 || (bsize & (bsize - 1)) || agcount == 0 || agblocks < 64 ||
        agblklog != want_log || dblocks > (uint64_t)agcount * agblocks ||
        dblocks < (uint64_t)(agcount - 1) * agblocks + 64)
        return pt_err_set(err, PT_EFORMAT,
                          "XFS superblock geometry is inconsistent (block size %" PRIu32 ", %" PRIu32
                          " allocation groups of %" PRIu32 " blocks (log %u), %" PRIu64 " blocks in all)",
                          bsize, agcount, agblocks, agblklog, dblocks);
    last_ag = (uint64_t)(agcount - 1) * agblocks * bsize;
    if (last_ag >= size)
        return pt_err_set(err, PT_EFORMAT,
                          "XFS allocation group %" PRIu32 " of %" PRIu32 " starts at byte %" PRIu64
                          ", past the end of the %" PRIu64 "-byte volume (the filesystem is %" PRIu64
                          " bytes: a truncated image?)",
                          agcount, agcount, last_ag, size, dblocks * bsize);
    return PT_OK;
}

int pt_xfs_open(pt_read_fn fn, void *src, uint64_t size, pt_xfs_t **out, pt_err_t *err)
{
    libfsxfs_error_t *e = NULL;
    pt_xfs_t *x;
    uint8_t ver = 0;
    char label[64] = "", msg[512];
    int rc;

    *out = NULL;
    if ((rc = pt_bfio_check(err)) != PT_OK || (rc = sb_check(fn, src, size, err)) != PT_OK)
        return rc;
    if (!(x = calloc(1, sizeof *x)))
        return pt_err_set(err, PT_ENOMEM, "out of memory");
    x->size = size;
    x->fn = fn;
    x->src = src;
    if ((rc = pt_bfio_open(fn, src, size, &x->bfio, err)) != PT_OK) {
        free(x);
        return rc;
    }
    if (libfsxfs_volume_initialize(&x->vol, &e) != 1 ||
        libfsxfs_volume_open_file_io_handle(x->vol, (libbfio_handle_t *)x->bfio, LIBFSXFS_OPEN_READ, &e) != 1) {
        xfs_msg(&e, msg, sizeof msg);
        pt_xfs_close(x);
        return pt_err_set(err, PT_EFORMAT, "XFS filesystem not opened by libfsxfs (%s)", msg);
    }
    geometry(x);
    libfsxfs_volume_get_format_version(x->vol, &ver, NULL);
    libfsxfs_volume_get_utf8_label(x->vol, (uint8_t *)label, sizeof label, NULL);
    snprintf(x->desc, sizeof x->desc, "XFS version %u%s%s, read with libfsxfs (allocated files only: deleted "
             "names are not listed)", ver, label[0] ? ", label " : "", label);
    *out = x;
    return PT_OK;
}

void pt_xfs_close(pt_xfs_t *x)
{
    if (!x)
        return;
    if (x->open)
        libfsxfs_file_entry_free(&x->open, NULL);
    if (x->vol) {
        libfsxfs_volume_close(x->vol, NULL);
        libfsxfs_volume_free(&x->vol, NULL);
    }
    pt_bfio_free(x->bfio);
    free(x);
}

const char *pt_xfs_describe(const pt_xfs_t *x)
{
    return x->desc;
}

static ssize_t read_entry(void *src, uint64_t off, uint8_t *buf, size_t len, pt_err_t *err)
{
    libfsxfs_error_t *e = NULL;
    ssize_t n = libfsxfs_file_entry_read_buffer_at_offset(src, buf, len, (off64_t)off, &e);
    char msg[512];

    if (n < 0) {
        xfs_msg(&e, msg, sizeof msg);
        pt_err_set(err, PT_EIO, "libfsxfs: %s", msg);
    }
    return n;
}

/* libfsxfs gives times in nanoseconds since 1970 (0: not set). */
static void set_time(pt_time_t *t, int64_t ns)
{
    t->known = ns != 0;
    t->sec = ns / 1000000000;
    t->nsec = (uint32_t)(ns % 1000000000 < 0 ? ns % 1000000000 + 1000000000 : ns % 1000000000);
    if (ns % 1000000000 < 0)
        t->sec--;
}

/* Reads a small file by path (passwd, os-release), at most 1 MiB. */
static char *read_small(void *ctx, const char *path, size_t *len)
{
    pt_xfs_t *x = ctx;
    libfsxfs_file_entry_t *f = NULL;
    size64_t size = 0;
    char *buf = NULL;
    ssize_t n;

    if (libfsxfs_volume_get_file_entry_by_utf8_path(x->vol, (const uint8_t *)path, strlen(path), &f, NULL) == 1 &&
        libfsxfs_file_entry_get_size(f, &size, NULL) == 1 && size > 0 && size <= (1 << 20) &&
        (buf = malloc((size_t)size)) != NULL) {
        n = libfsxfs_file_entry_read_buffer_at_offset(f, buf, (size_t)size, 0, NULL);
        if (n > 0) {
            *len = (size_t)n;
        } else {
            free(buf);
            buf = NULL;
        }
    }
    if (f)
        libfsxfs_file_entry_free(&f, NULL);
    return buf;
}

static int walk_dir(xwalk_t *w, libfsxfs_file_entry_t *dir, size_t at, int depth);

/* One name: its item, then (a directory) what it holds. */
static int visit(xwalk_t *w, libfsxfs_file_entry_t *f, size_t at, int depth)
{
    libfsxfs_error_t *e = NULL;
    pt_item_t it;
    pt_err_t rerr = { 0, "" };
    char name[1024] = "", target[4096] = "", msg[512];
    uint64_t ino = 0;
    uint16_t mode = 0;
    uint32_t uid = 0, gid = 0;
    size64_t size = 0;
    int64_t t;
    int rc;

    if (libfsxfs_file_entry_get_utf8_name(f, (uint8_t *)name, sizeof name, &e) != 1) {
        xfs_msg(&e, msg, sizeof msg);
        snprintf(name, sizeof name, "(name not readable)");
    }
    if ((rc = pt_item_path_set(&w->path, &w->cap, at, name, w->err)) != PT_OK)
        return rc;
    libfsxfs_file_entry_get_inode_number(f, &ino, NULL);
    libfsxfs_file_entry_get_file_mode(f, &mode, NULL);
    libfsxfs_file_entry_get_size(f, &size, NULL);
    pt_scan_item_at(w->s, &it, w->path);
    it.has_inode = 1;
    it.inode = ino;
    it.kind = pt_item_kind_of_mode(mode);
    it.size = size;
    it.mode = mode & 07777;
    if (!inode_times(w->x, ino, &it.atime, &it.mtime, &it.ctime, &it.crtime)) {
        if (libfsxfs_file_entry_get_modification_time(f, &t, NULL) == 1)
            set_time(&it.mtime, t);
        if (libfsxfs_file_entry_get_access_time(f, &t, NULL) == 1)
            set_time(&it.atime, t);
        if (libfsxfs_file_entry_get_inode_change_time(f, &t, NULL) == 1)
            set_time(&it.ctime, t);
        if (libfsxfs_file_entry_get_creation_time(f, &t, NULL) == 1)
            set_time(&it.crtime, t);
    }
    if (libfsxfs_file_entry_get_owner_identifier(f, &uid, NULL) == 1 &&
        libfsxfs_file_entry_get_group_identifier(f, &gid, NULL) == 1) {
        const char *owner = pt_accounts_name(&w->accounts, uid);
        it.has_owner = 1;
        it.uid = uid;
        it.gid = gid;
        it.owner = owner ? pt_scan_intern(w->s, owner) : NULL;
    }
    if ((mode & S_IFMT) == S_IFLNK &&
        libfsxfs_file_entry_get_utf8_symbolic_link_target(f, (uint8_t *)target, sizeof target, NULL) == 1)
        it.link_target = target;
    if ((mode & S_IFMT) == S_IFREG) {
        pt_item_limit(&it, w->s->opts->max_item_size, w->fs_bytes);
        if ((rc = pt_scan_read(w->s, &it, read_entry, f, &rerr)) != PT_OK) {
            *w->err = rerr;
            return rc;
        }
    }
    if ((rc = pt_scan_emit(w->s, &it, w->err)) != PT_OK)
        return rc;
    if ((mode & S_IFMT) == S_IFDIR)
        return walk_dir(w, f, strlen(w->path), depth + 1);
    return PT_OK;
}

static int walk_dir(xwalk_t *w, libfsxfs_file_entry_t *dir, size_t at, int depth)
{
    libfsxfs_error_t *e = NULL;
    char msg[512], where[1200];
    int n = 0, i, rc = PT_OK;

    if (depth > w->s->opts->max_depth) /* a loop or damage */
        return pt_scan_too_deep(w->s, w->path, w->err);
    if (libfsxfs_file_entry_get_number_of_sub_file_entries(dir, &n, &e) != 1) {
        xfs_msg(&e, msg, sizeof msg);
        w->path[at] = '\0';
        snprintf(where, sizeof where, "directory %.600s not read: %.500s", at ? w->path : "/", msg);
        return pt_scan_problem(w->s, "error", "filesystem", where, w->err);
    }
    for (i = 0; i < n && rc == PT_OK; i++) {
        libfsxfs_file_entry_t *f = NULL;
        if (libfsxfs_file_entry_get_sub_file_entry_by_index(dir, i, &f, &e) != 1) {
            xfs_msg(&e, msg, sizeof msg);
            w->path[at] = '\0';
            snprintf(where, sizeof where, "entry %d of directory %.600s not read: %.500s", i, at ? w->path : "/", msg);
            rc = pt_scan_problem(w->s, "error", "filesystem", where, w->err);
            continue;
        }
        rc = visit(w, f, at, depth);
        libfsxfs_file_entry_free(&f, NULL);
    }
    return rc;
}

int pt_xfs_walk(pt_scan_t *s, pt_xfs_t *x, pt_err_t *err)
{
    libfsxfs_file_entry_t *root = NULL;
    libfsxfs_error_t *e = NULL;
    xwalk_t w;
    char msg[512];
    long len;
    int rc;

    memset(&w, 0, sizeof w);
    w.s = s;
    w.x = x;
    w.err = err;
    w.fs_bytes = x->size;
    if ((rc = pt_scan_volume_identity(s, read_small, x, &w.accounts, err)) != PT_OK)
        goto out;
    if (libfsxfs_volume_get_root_directory(x->vol, &root, &e) != 1) {
        xfs_msg(&e, msg, sizeof msg);
        rc = pt_scan_problem(s, "error", "filesystem", msg, err);
        goto out;
    }
    if ((len = pt_scan_path_start(s, &w.path, &w.cap)) < 0) {
        rc = pt_err_set(err, PT_ENOMEM, "out of memory");
        goto out;
    }
    rc = walk_dir(&w, root, (size_t)len, 0);
out:
    if (root)
        libfsxfs_file_entry_free(&root, NULL);
    pt_accounts_free(&w.accounts);
    free(w.path);
    return rc;
}

int pt_xfs_open_inode(pt_xfs_t *x, uint64_t inode, pt_read_fn *fn, void **src, uint64_t *size, pt_err_t *err)
{
    libfsxfs_error_t *e = NULL;
    size64_t sz = 0;
    char msg[512];

    if (x->open)
        libfsxfs_file_entry_free(&x->open, NULL);
    if (libfsxfs_volume_get_file_entry_by_inode(x->vol, inode, &x->open, &e) != 1 ||
        libfsxfs_file_entry_get_size(x->open, &sz, &e) != 1) {
        xfs_msg(&e, msg, sizeof msg);
        return pt_err_set(err, PT_EIO, "XFS inode %llu: %s", (unsigned long long)inode, msg);
    }
    *fn = read_entry;
    *src = x->open;
    *size = sz;
    return PT_OK;
}
