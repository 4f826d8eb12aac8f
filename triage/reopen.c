/* reopen.c - one item's content, read from the evidence again.  Owns the
 * cached image, filesystem, open file and descriptor; closes them on the
 * next open and in pt_reopen_free.  Never writes; follows no link. */
#include "reopen.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "archive_walk.h"
#include "item.h"
#include "source.h"
#include "volume.h"
#include "walk.h"

struct pt_reopen {
    char *ev_path;              /* evidence of the cached source */
    pt_source_t *src;
    TSK_FS_INFO *fs;
    uint64_t fs_offset;
    TSK_FS_FILE *file;
    pt_walk_tsk_src_t tsrc;
    int fd;
    struct { TSK_IMG_INFO *img; uint64_t off, len; } vol;
    uint8_t *buf;               /* pt_reopen_copy's block */
};

#define BLOCK (1024 * 1024)

pt_reopen_t *pt_reopen_new(pt_err_t *err)
{
    pt_reopen_t *r = calloc(1, sizeof *r);

    if (!r)
        pt_err_set(err, PT_ENOMEM, "out of memory");
    else
        r->fd = -1;
    return r;
}

static void close_item(pt_reopen_t *r)
{
    if (r->file)
        tsk_fs_file_close(r->file);
    r->file = NULL;
    if (r->fd >= 0)
        close(r->fd);
    r->fd = -1;
}

static void close_source(pt_reopen_t *r)
{
    close_item(r);
    if (r->fs)
        tsk_fs_close(r->fs);
    r->fs = NULL;
    pt_source_close(r->src);
    r->src = NULL;
    free(r->ev_path);
    r->ev_path = NULL;
}

void pt_reopen_free(pt_reopen_t *r)
{
    if (!r)
        return;
    close_source(r);
    free(r->buf);
    free(r);
}

static ssize_t read_fd(void *src, uint64_t off, uint8_t *buf, size_t len, pt_err_t *err)
{
    int fd = *(int *)src;
    ssize_t got;

    do
        got = pread(fd, buf, len, (off_t)off);
    while (got < 0 && errno == EINTR);
    if (got < 0)
        pt_err_set(err, PT_EIO, "%s", strerror(errno));
    return got;
}

static ssize_t read_vol(void *src, uint64_t off, uint8_t *buf, size_t len, pt_err_t *err)
{
    pt_reopen_t *r = src;
    ssize_t got;

    if (off >= r->vol.len)
        return 0;
    if (len > r->vol.len - off)
        len = (size_t)(r->vol.len - off);
    got = tsk_img_read(r->vol.img, (TSK_OFF_T)(r->vol.off + off), (char *)buf, len);
    if (got < 0)
        pt_source_tsk_err(err, PT_EIO, "libtsk");
    return got;
}

/* Opens path under root one component at a time, never following a link. */
static int open_under(const char *root, const char *path, pt_err_t *err)
{
    int dfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC), fd = -1;
    const char *p = path;

    if (dfd < 0) {
        pt_err_set(err, PT_ENOENT, "%s: %s", root, strerror(errno));
        return -1;
    }
    while (*p == '/')
        p++;
    while (*p) {
        const char *slash = strchr(p, '/'), *rest;
        size_t n = slash ? (size_t)(slash - p) : strlen(p);
        char comp[NAME_MAX + 1];
        int last, flags, nfd;
        if (n > NAME_MAX) {
            pt_err_set(err, PT_EINVAL, "%s: name longer than NAME_MAX", path);
            break;
        }
        memcpy(comp, p, n);
        comp[n] = '\0';
        for (rest = slash; rest && *rest == '/'; rest++)
            ;
        last = !rest || !*rest;
        flags = O_RDONLY | O_NOFOLLOW | O_CLOEXEC | (last ? 0 : O_DIRECTORY);
        nfd = openat(dfd, comp, flags | O_NOATIME);
        if (nfd < 0 && errno == EPERM) /* O_NOATIME needs ownership unless root */
            nfd = openat(dfd, comp, flags);
        if (nfd < 0) {
            pt_err_set(err, errno == ENOENT ? PT_ENOENT : PT_EIO, "%s: %s", path, strerror(errno));
            break;
        }
        close(dfd);
        dfd = nfd;
        if (last) {
            fd = dfd;
            dfd = -1;
            break;
        }
        p = rest;
    }
    if (fd < 0 && err && err->code == 0)
        pt_err_set(err, PT_EINVAL, "%s: empty path", path);
    if (dfd >= 0)
        close(dfd);
    return fd;
}

int pt_reopen_item(pt_reopen_t *r, const pt_item_loc_t *loc, pt_read_fn *fn, void **src, pt_err_t *err)
{
    char path[PATH_MAX * 2];
    int rc;

    close_item(r);
    if (loc->evidence_path[0] != '/' && loc->cwd)
        snprintf(path, sizeof path, "%s/%s", loc->cwd, loc->evidence_path);
    else
        snprintf(path, sizeof path, "%s", loc->evidence_path);
    if (loc->is_dir) {
        if ((r->fd = open_under(path, loc->path, err)) < 0)
            return err ? err->code : PT_EIO;
        *fn = read_fd;
        *src = &r->fd;
        return PT_OK;
    }
    if (!r->ev_path || strcmp(r->ev_path, path) != 0) {
        close_source(r);
        if ((rc = pt_source_open(path, &r->src, err)) != PT_OK)
            return rc;
        if (!(r->ev_path = strdup(path)))
            return pt_err_set(err, PT_ENOMEM, "out of memory");
    }
    if (strcmp(loc->kind, PT_KIND_VOLUME) == 0) {
        r->vol.img = r->src->img;
        r->vol.off = loc->has_volume ? loc->volume_offset : 0;
        r->vol.len = loc->has_volume ? loc->volume_length : r->src->size;
        *fn = read_vol;
        *src = r;
        return PT_OK;
    }
    if (!loc->has_inode)
        return pt_err_set(err, PT_EFORMAT, "%s: no inode recorded", loc->path);
    if (!r->fs || r->fs_offset != (loc->has_volume ? loc->volume_offset : 0)) {
        if (r->fs)
            tsk_fs_close(r->fs);
        r->fs_offset = loc->has_volume ? loc->volume_offset : 0;
        if (!(r->fs = tsk_fs_open_img(r->src->img, (TSK_OFF_T)r->fs_offset, TSK_FS_TYPE_DETECT)))
            return pt_source_tsk_err(err, PT_EFORMAT, "filesystem at offset %llu",
                                     (unsigned long long)r->fs_offset);
    }
    if (!(r->file = tsk_fs_file_open_meta(r->fs, NULL, (TSK_INUM_T)loc->inode)))
        return pt_source_tsk_err(err, PT_EIO, "%s: inode %llu", loc->path, (unsigned long long)loc->inode);
    r->tsrc.file = r->file;
    r->tsrc.attr = NULL;
    if (loc->attr_type >= 0 &&
        !(r->tsrc.attr = tsk_fs_file_attr_get_type(r->file, (TSK_FS_ATTR_TYPE_ENUM)loc->attr_type,
                                                   (uint16_t)loc->attr_id, 1)))
        return pt_source_tsk_err(err, PT_EIO, "%s: attribute %d-%d", loc->path, loc->attr_type, loc->attr_id);
    *fn = pt_walk_read_tsk;
    *src = &r->tsrc;
    return PT_OK;
}

void pt_reopen_loc(sqlite3_stmt *st, int col, const char *cwd, pt_item_loc_t *loc, uint64_t *size)
{
    memset(loc, 0, sizeof *loc);
    loc->evidence_path = (const char *)sqlite3_column_text(st, col);
    loc->cwd = cwd;
    loc->is_dir = strcmp((const char *)sqlite3_column_text(st, col + 1), "directory") == 0;
    loc->has_volume = sqlite3_column_type(st, col + 2) != SQLITE_NULL;
    loc->volume_offset = (uint64_t)sqlite3_column_int64(st, col + 2);
    loc->volume_length = (uint64_t)sqlite3_column_int64(st, col + 3);
    loc->kind = (const char *)sqlite3_column_text(st, col + 4);
    loc->path = (const char *)sqlite3_column_text(st, col + 5);
    loc->has_inode = sqlite3_column_type(st, col + 6) != SQLITE_NULL;
    loc->inode = (uint64_t)sqlite3_column_int64(st, col + 6);
    loc->attr_type = sqlite3_column_type(st, col + 7) == SQLITE_NULL ? -1 : sqlite3_column_int(st, col + 7);
    loc->attr_id = sqlite3_column_int(st, col + 8);
    *size = (uint64_t)sqlite3_column_int64(st, col + 9);
}

static int copy_fn(pt_reopen_t *r, pt_read_fn fn, void *src, uint64_t size, pt_hash_t *h, int out_fd,
                   pt_hash_result_t *got, pt_err_t *err);

int pt_reopen_copy(pt_reopen_t *r, const pt_item_loc_t *loc, uint64_t size, pt_hash_t *h, int out_fd,
                   pt_hash_result_t *got, pt_err_t *err)
{
    pt_read_fn fn;
    void *src;
    int rc = pt_reopen_item(r, loc, &fn, &src, err);

    return rc != PT_OK ? rc : copy_fn(r, fn, src, size, h, out_fd, got, err);
}

#define CHAIN_MAX 64 /* archive levels: far more than --archive-depth allows */

/* Hashes (and copies) size bytes read through fn. */
static int copy_fn(pt_reopen_t *r, pt_read_fn fn, void *src, uint64_t size, pt_hash_t *h, int out_fd,
                   pt_hash_result_t *got, pt_err_t *err)
{
    uint64_t off = 0;
    int rc;

    if (!r->buf && !(r->buf = malloc(BLOCK)))
        return pt_err_set(err, PT_ENOMEM, "out of memory");
    if ((rc = pt_hash_begin(h, err)) != PT_OK)
        return rc;
    while (off < size) {
        size_t want = size - off < BLOCK ? (size_t)(size - off) : BLOCK;
        ssize_t n = fn(src, off, r->buf, want, err);
        if (n < 0)
            return err && err->code ? err->code : PT_EIO;
        if (n == 0)
            return pt_err_set(err, PT_EIO, "content ends at byte %llu of %llu", (unsigned long long)off,
                              (unsigned long long)size);
        pt_hash_update(h, r->buf, (size_t)n);
        if (out_fd >= 0 && write(out_fd, r->buf, (size_t)n) != n)
            return pt_err_set(err, PT_EIO, "writing the copy: %s", strerror(errno));
        off += (uint64_t)n;
    }
    return pt_hash_end(h, got, err);
}

typedef struct img_part {
    TSK_IMG_INFO *img;
    uint64_t off, len;
} img_part_t;

static ssize_t read_img_part(void *src, uint64_t off, uint8_t *buf, size_t len, pt_err_t *err)
{
    img_part_t *p = src;
    ssize_t got;

    if (off >= p->len)
        return 0;
    if (len > p->len - off)
        len = (size_t)(p->len - off);
    got = tsk_img_read(p->img, (TSK_OFF_T)(p->off + off), (char *)buf, len);
    if (got < 0)
        pt_source_tsk_err(err, PT_EIO, "libtsk");
    return got;
}

/* An item of a disk image found as a file (volume.c): the file is read from
 * the evidence, libtsk opens it as an image, and the item is found in it by
 * the partition offset, inode and attribute the scan recorded. */
static int copy_nested(pt_reopen_t *r, sqlite3 *h, int64_t id, int64_t image_id, const char *cwd, pt_hash_t *hash,
                       int out_fd, pt_hash_result_t *got, pt_err_t *err)
{
    sqlite3_stmt *st = NULL;
    pt_item_loc_t loc, iloc;
    uint64_t size, isize;
    pt_read_fn fn;
    void *src;
    TSK_IMG_INFO *img = NULL;
    TSK_FS_INFO *fs = NULL;
    TSK_FS_FILE *f = NULL;
    int rc = PT_OK;
    static const char q[] = "SELECT " PT_REOPEN_COLUMNS " FROM items i JOIN evidence e ON e.id = i.evidence_id"
                            " LEFT JOIN volumes v ON v.id = i.volume_id WHERE i.id = ?";

    if (sqlite3_prepare_v2(h, q, -1, &st, NULL) != SQLITE_OK)
        return pt_err_set(err, PT_EDB, "case database: %s", sqlite3_errmsg(h));
    sqlite3_bind_int64(st, 1, image_id);
    if (sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_finalize(st);
        return pt_err_set(err, PT_EDB, "item %lld: its disk image is not in the case", (long long)id);
    }
    pt_reopen_loc(st, 0, cwd, &iloc, &isize);
    if ((rc = pt_reopen_item(r, &iloc, &fn, &src, err)) != PT_OK)
        goto out;
    if (!(img = pt_volume_open_nested(fn, src, isize))) {
        rc = pt_source_tsk_err(err, PT_EFORMAT, "%s: not opened as a disk image any more", iloc.path);
        goto out;
    }
    sqlite3_reset(st);
    sqlite3_bind_int64(st, 1, id);
    if (sqlite3_step(st) != SQLITE_ROW) {
        rc = pt_err_set(err, PT_EDB, "item %lld: not in the case database", (long long)id);
        goto out;
    }
    pt_reopen_loc(st, 0, cwd, &loc, &size);
    if (strcmp(loc.kind, PT_KIND_VOLUME) == 0) {
        img_part_t part = { img, loc.volume_offset, loc.volume_length };
        rc = copy_fn(r, read_img_part, &part, size, hash, out_fd, got, err);
        goto out;
    }
    if (!(fs = tsk_fs_open_img(img, (TSK_OFF_T)(loc.has_volume ? loc.volume_offset : 0), TSK_FS_TYPE_DETECT)) ||
        !(f = tsk_fs_file_open_meta(fs, NULL, (TSK_INUM_T)loc.inode))) {
        rc = pt_source_tsk_err(err, PT_EIO, "%s: not found again in its disk image", loc.path);
        goto out;
    }
    {
        pt_walk_tsk_src_t ts = { f, NULL };
        if (loc.attr_type >= 0 &&
            !(ts.attr = tsk_fs_file_attr_get_type(f, (TSK_FS_ATTR_TYPE_ENUM)loc.attr_type, (uint16_t)loc.attr_id, 1)))
            rc = pt_source_tsk_err(err, PT_EIO, "%s: attribute %d-%d", loc.path, loc.attr_type, loc.attr_id);
        else
            rc = copy_fn(r, pt_walk_read_tsk, &ts, size, hash, out_fd, got, err);
    }
out:
    if (f)
        tsk_fs_file_close(f);
    if (fs)
        tsk_fs_close(fs);
    if (img)
        tsk_img_close(img);
    sqlite3_finalize(st);
    return rc;
}

int pt_reopen_copy_id(pt_reopen_t *r, sqlite3 *h, int64_t id, const char *cwd, pt_hash_t *hash, int out_fd,
                      pt_hash_result_t *got, pt_err_t *err)
{
    sqlite3_stmt *up = NULL, *top = NULL;
    char *paths[CHAIN_MAX + 1];
    const char *names[CHAIN_MAX], *parents[CHAIN_MAX];
    int n = 0, i, rc = PT_OK;
    int64_t cur = id;

    memset(paths, 0, sizeof paths);
    if (sqlite3_prepare_v2(h, "SELECT v.parent_item_id FROM items i JOIN volumes v ON v.id = i.volume_id"
                              " WHERE i.id = ? AND v.parent_item_id IS NOT NULL", -1, &up, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(up, 1, id);
        if (sqlite3_step(up) == SQLITE_ROW) {
            int64_t image = sqlite3_column_int64(up, 0);
            sqlite3_finalize(up);
            return copy_nested(r, h, id, image, cwd, hash, out_fd, got, err);
        }
    }
    sqlite3_finalize(up);
    up = NULL;
    if (sqlite3_prepare_v2(h, "SELECT parent_id, path FROM items WHERE id = ?", -1, &up, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(h, "SELECT " PT_REOPEN_COLUMNS " FROM items i JOIN evidence e ON e.id = i.evidence_id"
                              " LEFT JOIN volumes v ON v.id = i.volume_id WHERE i.id = ?", -1, &top, NULL) != SQLITE_OK) {
        rc = pt_err_set(err, PT_EDB, "case database: %s", sqlite3_errmsg(h));
        goto out;
    }
    /* the chain from the item up to the file of the evidence that holds it */
    for (;;) {
        sqlite3_reset(up);
        sqlite3_bind_int64(up, 1, cur);
        if (sqlite3_step(up) != SQLITE_ROW || n > CHAIN_MAX) {
            rc = pt_err_set(err, PT_EDB, "item %lld: not in the case database", (long long)cur);
            goto out;
        }
        if (!(paths[n++] = strdup((const char *)sqlite3_column_text(up, 1)))) {
            rc = pt_err_set(err, PT_ENOMEM, "out of memory");
            goto out;
        }
        if (sqlite3_column_type(up, 0) == SQLITE_NULL)
            break;
        cur = sqlite3_column_int64(up, 0);
    }
    sqlite3_bind_int64(top, 1, cur);
    if (sqlite3_step(top) != SQLITE_ROW) {
        rc = pt_err_set(err, PT_EDB, "item %lld: not in the case database", (long long)cur);
        goto out;
    }
    {
        pt_item_loc_t loc;
        uint64_t size;
        pt_read_fn fn;
        void *src;
        pt_reopen_loc(top, 0, cwd, &loc, &size);
        if (n == 1) {
            rc = pt_reopen_copy(r, &loc, size, hash, out_fd, got, err);
            goto out;
        }
        /* paths[n-1] is the top archive; each member's name follows "!/" */
        for (i = 0; i < n - 1; i++) {
            const char *child = paths[n - 2 - i], *parent = paths[n - 1 - i];
            size_t pl = strlen(parent);
            if (strncmp(child, parent, pl) != 0 || strncmp(child + pl, "!/", 2) != 0) {
                rc = pt_err_set(err, PT_EDB, "item %lld: path %s is not a member of %s", (long long)id, child, parent);
                goto out;
            }
            parents[i] = parent;
            names[i] = child + pl + 2;
        }
        if ((rc = pt_reopen_item(r, &loc, &fn, &src, err)) == PT_OK)
            rc = pt_archive_extract(fn, src, size, parents, names, (size_t)(n - 1), hash, out_fd, got, err);
    }
out:
    for (i = 0; i < n; i++)
        free(paths[i]);
    sqlite3_finalize(top);
    sqlite3_finalize(up);
    return rc;
}
