/* reopen.c - one item's content, read from the evidence again.  Owns the
 * cached image, filesystem, open file and descriptor; closes them on the
 * next open and in pt_reopen_free.  Never writes; follows no link. */
#include "reopen.h"

#include "file.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apfs.h"
#include "archive_walk.h"
#include "item.h"
#include "btrfs.h"
#include "bundle.h"
#include "phdbundle.h"
#include "chain.h"
#include "file.h"
#include "layer.h"
#include "mdarray.h"
#include "xfs.h"
#include "squashfs.h"
#include "erofs.h"
#include "f2fs.h"
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
    const pt_key_t *keys;       /* for LUKS volumes (borrowed) */
    size_t nkeys;
    const char *spool;          /* where disk images in archives are copied (borrowed) */
    int64_t spool_id;           /* the member last copied there, kept open for the next item in it */
    int spool_fd;
    struct link *vlink;         /* the volume the last item behind containers lay in, kept open: */
    int64_t vlink_id;           /* opening it again may cost a key derivation (LUKS, VeraCrypt) */
};

#define BLOCK (1024 * 1024)

pt_reopen_t *pt_reopen_new(pt_err_t *err)
{
    pt_reopen_t *r = calloc(1, sizeof *r);

    if (!r)
        pt_err_set(err, PT_ENOMEM, "out of memory");
    else
        r->fd = r->spool_fd = -1;
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

static void link_free(struct link *l);

void pt_reopen_free(pt_reopen_t *r)
{
    if (!r)
        return;
    close_source(r);
    link_free(r->vlink);
    if (r->spool_fd >= 0)
        close(r->spool_fd);
    free(r->buf);
    free(r);
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
        if ((r->fd = pt_source_open_under(path, loc->path, err)) < 0)
            return err ? err->code : PT_EIO;
        *fn = pt_source_read_fd;
        *src = &r->fd;
        return PT_OK;
    }
    if (!r->ev_path || strcmp(r->ev_path, path) != 0) {
        close_source(r);
        if ((rc = pt_source_open_keys(path, r->keys, r->nkeys, &r->src, err)) != PT_OK)
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
        /* the scan may have found it without YAFFS2 (pt_source_fs_open) */
        if (!(r->fs = tsk_fs_open_img(r->src->img, (TSK_OFF_T)r->fs_offset, TSK_FS_TYPE_DETECT)) &&
            !(r->fs = pt_source_fs_open(r->src->img, r->fs_offset, 0)))
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

/* ---- items behind containers: disk images found as files (with their
 * virtual-disk format), LVM logical volumes, LUKS volumes.  Each level is a
 * link reading from the one below; the whole chain is opened from the
 * evidence again by what case.db recorded. */

#define LINK_DEPTH 16

typedef struct link {
    struct link *up;            /* the level read from (owned, freed after this one, unless borrowed) */
    int up_borrowed;            /* up is the reopen's cached volume */
    pt_read_fn fn;              /* this level's bytes */
    void *src;
    uint64_t size;
    pt_source_t *ev;            /* the evidence image, at the bottom */
    int fd;                     /* a file of directory evidence, at the bottom */
    img_part_t part;
    pt_range_t range;
    pt_layer_t *layer, *vg;     /* vg: a logical volume's group (layer borrows it) */
    TSK_IMG_INFO *img;
    TSK_FS_INFO *fs;
    TSK_FS_FILE *file;
    pt_walk_tsk_src_t ts;
    pt_xfs_t *xfs;              /* an XFS volume (libfsxfs) */
    pt_squashfs_t *squashfs;    /* a SquashFS volume (squashfs.c) */
    pt_erofs_t *erofs;          /* an EROFS volume (erofs.c) */
    pt_f2fs_t *f2fs;            /* an F2FS volume (f2fs.c) */
    pt_btrfs_t *btrfs;          /* a Btrfs volume (btrfs.c) */
    struct md_link *md;         /* a striped md array: its members' evidence (owned) */
    pt_apfs_t *apfs;            /* an APFS volume: its container, and which volume */
    int apfs_index;
    pt_files_t *files;          /* a file's tree, where a disk it holds finds its backing files */
    char *path;                 /* that file's path in it */
    pt_chain_t *chain;          /* a disk image found as a file, with the files it names */
} link_t;

typedef struct md_link {
    pt_source_t *ev[PT_MDARRAY_MAX];
    img_part_t part[PT_MDARRAY_MAX];
    pt_mdarray_t *arr;
} md_link_t;

static void md_link_free(md_link_t *m)
{
    if (!m)
        return;
    pt_mdarray_close(m->arr);
    for (int i = 0; i < PT_MDARRAY_MAX; i++)
        pt_source_close(m->ev[i]);
    free(m);
}

static void link_free(link_t *l)
{
    while (l) {
        link_t *up = l->up_borrowed ? NULL : l->up;
        pt_chain_close(l->chain);
        pt_files_free(l->files);
        free(l->path);
        pt_xfs_close(l->xfs);
        pt_squashfs_close(l->squashfs);
        pt_erofs_close(l->erofs);
        pt_f2fs_close(l->f2fs);
        pt_btrfs_close(l->btrfs);
        md_link_free(l->md);
        if (l->file)
            tsk_fs_file_close(l->file);
        if (l->fs)
            tsk_fs_close(l->fs);
        if (l->img)
            tsk_img_close(l->img);
        pt_layer_close(l->layer);
        pt_layer_close(l->vg);
        pt_apfs_close(l->apfs);
        pt_source_close(l->ev);
        if (l->fd >= 0)
            close(l->fd);
        free(l);
        l = up;
    }
}

static link_t *link_new(pt_err_t *err)
{
    link_t *l = calloc(1, sizeof *l);

    if (!l)
        pt_err_set(err, PT_ENOMEM, "out of memory");
    else
        l->fd = -1;
    return l;
}

static int open_item_link(pt_reopen_t *r, sqlite3 *h, int64_t id, const char *cwd, int depth, link_t **out,
                          pt_err_t *err);

static const char *text(sqlite3_stmt *st, int c)
{
    return (const char *)sqlite3_column_text(st, c);
}

/* An APFS volume's blocks are spread over its container: it has no bytes
 * of its own to read (its files do). */
static ssize_t read_apfs_volume(void *src, uint64_t off, uint8_t *buf, size_t len, pt_err_t *err)
{
    (void)src, (void)off, (void)buf, (void)len;
    pt_err_set(err, PT_EINVAL, "an APFS volume is not a range of bytes; only its files can be read");
    return -1;
}

/* The bytes of volume vid. */
static int open_md_array(sqlite3 *h, const char *cwd, const char *map, link_t *l, pt_err_t *err);

static int open_volume_link(pt_reopen_t *r, sqlite3 *h, int64_t vid, const char *cwd, int depth, link_t **out,
                            pt_err_t *err)
{
    static const char q[] = "SELECT e.path, v.offset, v.length, v.parent_item_id, v.parent_volume_id, v.container,"
                            " v.layer_name, v.label FROM volumes v JOIN evidence e ON e.id = v.evidence_id"
                            " WHERE v.id = ?";
    sqlite3_stmt *st = NULL;
    link_t *l = NULL;
    int rc = PT_OK;

    *out = NULL;
    if (depth > LINK_DEPTH)
        return pt_err_set(err, PT_EFORMAT, "volume %lld: containers nested too deep", (long long)vid);
    if (sqlite3_prepare_v2(h, q, -1, &st, NULL) != SQLITE_OK)
        return pt_err_set(err, PT_EDB, "case database: %s", sqlite3_errmsg(h));
    sqlite3_bind_int64(st, 1, vid);
    if (sqlite3_step(st) != SQLITE_ROW) {
        rc = pt_err_set(err, PT_EDB, "volume %lld: not in the case database", (long long)vid);
        goto out;
    }
    if (!(l = link_new(err))) {
        rc = PT_ENOMEM;
        goto out;
    }
    if (sqlite3_column_type(st, 4) != SQLITE_NULL && pt_layer_kind_by_name(text(st, 5)) == PT_LAYER_APFS) {
        /* a volume of an APFS container: found again by its superblock's
         * block; its files are read through the container (open_item_link) */
        const char *block = text(st, 6) ? text(st, 6) : "";
        if ((rc = open_volume_link(r, h, sqlite3_column_int64(st, 4), cwd, depth + 1, &l->up, err)) != PT_OK ||
            (rc = pt_apfs_open(l->up->fn, l->up->src, l->up->size, &l->apfs, err)) != PT_OK)
            goto out;
        if ((l->apfs_index = pt_apfs_find(l->apfs, strtoull(block, NULL, 10))) < 0) {
            rc = pt_err_set(err, PT_EFORMAT, "no APFS volume at block %s of the container any more", block);
            goto out;
        }
        l->fn = read_apfs_volume;
        l->src = l;
        l->size = pt_apfs_volume(l->apfs, l->apfs_index)->bytes;
    } else if (sqlite3_column_type(st, 4) != SQLITE_NULL && text(st, 5) && strcmp(text(st, 5), "md-raid") == 0 &&
               text(st, 6) && strncmp(text(st, 6), "md:", 3) == 0) {
        /* a striped md array: from its members, in whatever evidence they are */
        if ((rc = open_md_array(h, cwd, text(st, 6), l, err)) != PT_OK)
            goto out;
    } else if (sqlite3_column_type(st, 4) != SQLITE_NULL && text(st, 5) && strcmp(text(st, 5), "btrfs") == 0) {
        /* a Btrfs subvolume: the bytes of the filesystem that holds it */
        if ((rc = open_volume_link(r, h, sqlite3_column_int64(st, 4), cwd, depth + 1, &l->up, err)) != PT_OK)
            goto out;
        l->fn = l->up->fn;
        l->src = l->up->src;
        l->size = l->up->size;
    } else if (sqlite3_column_type(st, 4) != SQLITE_NULL && text(st, 5) && strcmp(text(st, 5), "partition") == 0) {
        /* a partition of a disk a logical volume holds: a range of it */
        if ((rc = open_volume_link(r, h, sqlite3_column_int64(st, 4), cwd, depth + 1, &l->up, err)) != PT_OK)
            goto out;
        l->range.fn = l->up->fn;
        l->range.src = l->up->src;
        l->range.off = (uint64_t)sqlite3_column_int64(st, 1);
        l->range.len = (uint64_t)sqlite3_column_int64(st, 2);
        if (l->range.off > l->up->size || l->range.len > l->up->size - l->range.off) {
            rc = pt_err_set(err, PT_EFORMAT, "partition outside the volume that holds it");
            goto out;
        }
        l->fn = pt_read_range;
        l->src = &l->range;
        l->size = l->range.len;
    } else if (sqlite3_column_type(st, 4) != SQLITE_NULL) {
        /* decoded from another volume: LVM, LUKS, a shadow copy */
        pt_layer_kind_t k = pt_layer_kind_by_name(text(st, 5));
        pt_layer_t *layer = NULL;
        if ((rc = open_volume_link(r, h, sqlite3_column_int64(st, 4), cwd, depth + 1, &l->up, err)) != PT_OK ||
            (rc = pt_layer_open_named(k, l->up->fn, l->up->src, l->up->size, r->keys, r->nkeys, text(st, 6), &layer,
                                      err)) != PT_OK)
            goto out;
        if (k == PT_LAYER_LVM || k == PT_LAYER_BSD || k == PT_LAYER_VSS || k == PT_LAYER_VERACRYPT) {
            l->vg = layer;
            if ((rc = pt_layer_sub_by_name(l->vg, text(st, 6) ? text(st, 6) : "", &l->layer, err)) != PT_OK)
                goto out;
        } else {
            l->layer = layer;
        }
        l->fn = pt_layer_read;
        l->src = l->layer;
        l->size = pt_layer_size(l->layer);
    } else {
        pt_read_fn fn;
        void *src;
        if (sqlite3_column_type(st, 3) != SQLITE_NULL) {
            /* a partition of a disk image found as a file */
            pt_layer_kind_t k = pt_layer_kind_by_name(text(st, 5));
            if ((rc = open_item_link(r, h, sqlite3_column_int64(st, 3), cwd, depth + 1, &l->up, err)) != PT_OK)
                goto out;
            fn = l->up->fn;
            src = l->up->src;
            if (k == PT_LAYER_EWF || k == PT_LAYER_SPLIT || k == PT_LAYER_BUNDLE || k == PT_LAYER_PHDBUNDLE) {
                /* an E01 set, a split raw image or a sparse bundle's bands:
                 * opened by name as the scan did */
                int segments = 0;
                if (!l->up->files) {
                    rc = pt_err_set(err, PT_EFORMAT, "an image of several files is opened only where they can be "
                                    "looked up");
                    goto out;
                }
                if (!(l->img = k == PT_LAYER_BUNDLE
                                   ? pt_bundle_img(l->up->files, l->up->path, NULL, 0, err)
                                   : k == PT_LAYER_PHDBUNDLE
                                   ? pt_phdbundle_img(l->up->files, l->up->path, NULL, 0, err)
                                   : pt_files_open_image_set(l->up->files, l->up->path, k, &segments, NULL, 0, err))) {
                    rc = err && err->code ? err->code : PT_EFORMAT;
                    goto out;
                }
                l->part.img = l->img;
                l->part.off = 0;
                l->part.len = (uint64_t)l->img->size;
                fn = read_img_part;
                src = &l->part;
            } else if (pt_layer_is_disk_image(k) && l->up->files) {
                /* with the backing files the scan found in the same tree */
                if ((rc = pt_chain_open(k, fn, src, l->up->size, l->up->path, l->up->files, r->keys, r->nkeys,
                                        &l->chain, err)) !=
                    PT_OK)
                    goto out;
                fn = pt_layer_read;
                src = pt_chain_top(l->chain);
            } else if (pt_layer_is_disk_image(k)) {
                if ((rc = pt_layer_open(k, fn, src, l->up->size, NULL, 0, &l->layer, err)) != PT_OK)
                    goto out;
                fn = pt_layer_read;
                src = l->layer;
            }
        } else {
            /* a partition of the evidence */
            char path[PATH_MAX * 2];
            const char *ev = text(st, 0);
            if (ev[0] != '/' && cwd)
                snprintf(path, sizeof path, "%s/%s", cwd, ev);
            else
                snprintf(path, sizeof path, "%s", ev);
            if ((rc = pt_source_open_keys(path, r->keys, r->nkeys, &l->ev, err)) != PT_OK)
                goto out;
            l->part.img = l->ev->img;
            l->part.off = 0;
            l->part.len = l->ev->size;
            fn = read_img_part;
            src = &l->part;
        }
        l->range.fn = fn;
        l->range.src = src;
        l->range.off = (uint64_t)sqlite3_column_int64(st, 1);
        l->range.len = (uint64_t)sqlite3_column_int64(st, 2);
        l->fn = pt_read_range;
        l->src = &l->range;
        l->size = l->range.len;
    }
out:
    if (rc != PT_OK) {
        pt_err_prefix(err, "volume %s", text(st, 7) && *text(st, 7) ? text(st, 7) : "(whole image)");
        link_free(l);
    } else {
        *out = l;
    }
    sqlite3_finalize(st);
    return rc;
}

/* A striped md array assembled again from the member map the scan recorded
 * (volumes.layer_name: "md:LEVEL:LAYOUT:CHUNK:DISKS:COMPONENT", then
 * "|ROLE@OFFSET@LENGTH@DATA_OFFSET@EVIDENCE_LABEL" or "|ROLE@-" per member). */
static int open_md_array(sqlite3 *h, const char *cwd, const char *map, link_t *l, pt_err_t *err)
{
    pt_mdarray_member_t mem[PT_MDARRAY_MAX];
    md_link_t *m = calloc(1, sizeof *m);
    int level, rc = PT_OK, pos = 0;
    unsigned layout, disks;
    unsigned long long chunk, component;
    const char *p;

    if (!m)
        return pt_err_set(err, PT_ENOMEM, "out of memory");
    l->md = m;
    memset(mem, 0, sizeof mem);
    if (sscanf(map, "md:%d:%u:%llu:%u:%llu%n", &level, &layout, &chunk, &disks, &component, &pos) != 5 ||
        disks > PT_MDARRAY_MAX)
        return pt_err_set(err, PT_EFORMAT, "md array: member map '%.200s' not understood", map);
    for (p = map + pos; *p == '|'; ) {
        unsigned role;
        unsigned long long off, len, doff;
        char label[512], path[PATH_MAX * 2];
        int n = 0, k = 0;
        sqlite3_stmt *st = NULL;
        if (sscanf(p, "|%u@-%n", &role, &n) == 1 && n) {
            p += n;
            continue;
        }
        if (sscanf(p, "|%u@%llu@%llu@%llu@%n", &role, &off, &len, &doff, &n) != 4 || !n || role >= disks)
            return pt_err_set(err, PT_EFORMAT, "md array: member map '%.200s' not understood", map);
        for (p += n; *p && *p != '|' && k + 1 < (int)sizeof label; p++) {
            unsigned c;
            if (*p == '%' && sscanf(p + 1, "%2x", &c) == 1) {
                label[k++] = (char)c;
                p += 2;
            } else {
                label[k++] = *p;
            }
        }
        label[k] = '\0';
        if (sqlite3_prepare_v2(h, "SELECT path FROM evidence WHERE label = ?", -1, &st, NULL) != SQLITE_OK)
            return pt_err_set(err, PT_EDB, "case database: %s", sqlite3_errmsg(h));
        sqlite3_bind_text(st, 1, label, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(st) != SQLITE_ROW) {
            sqlite3_finalize(st);
            return pt_err_set(err, PT_EFORMAT, "md array: member %u's evidence '%s' is not in the case", role, label);
        }
        if (((const char *)sqlite3_column_text(st, 0))[0] != '/' && cwd)
            snprintf(path, sizeof path, "%s/%s", cwd, (const char *)sqlite3_column_text(st, 0));
        else
            snprintf(path, sizeof path, "%s", (const char *)sqlite3_column_text(st, 0));
        sqlite3_finalize(st);
        if (!m->ev[role] && (rc = pt_source_open(path, &m->ev[role], err)) != PT_OK)
            return rc;
        m->part[role].img = m->ev[role]->img;
        m->part[role].off = off;
        m->part[role].len = len;
        mem[role].fn = read_img_part;
        mem[role].src = &m->part[role];
        mem[role].data_offset = doff;
    }
    if ((rc = pt_mdarray_open(level, layout, chunk, disks, component, mem, &m->arr, err)) != PT_OK)
        return rc;
    l->fn = pt_mdarray_read;
    l->src = m->arr;
    l->size = pt_mdarray_size(m->arr);
    return PT_OK;
}

/* Archive member id, extracted again into a nameless file of the spool
 * directory (*fd), and checked against the SHA-256 the scan recorded. */
static int spool_member(pt_reopen_t *r, sqlite3 *h, int64_t id, const char *cwd, const char *sha256, int *fd,
                        pt_err_t *err)
{
    pt_hash_t *hash;
    pt_hash_result_t got;
    int rc;

    if (!r->spool)
        return pt_err_set(err, PT_EINVAL, "item %lld: a disk image in an archive is read again only through a "
                          "copy, and no directory was given for it", (long long)id);
    if (!sha256)
        return pt_err_set(err, PT_EIO, "item %lld: an archive member without a recorded hash", (long long)id);
    /* items are exported in walk order: the items of one disk image follow
     * each other, and it is extracted once for them all */
    if (r->spool_fd >= 0 && r->spool_id == id && (*fd = dup(r->spool_fd)) >= 0)
        return PT_OK;
    if ((*fd = pt_file_spool(r->spool, err)) < 0)
        return err && err->code ? err->code : PT_EIO;
    if (!(hash = pt_hash_new(PT_HASH_SHA256, err)))
        return PT_ENOMEM;
    rc = pt_reopen_copy_id(r, h, id, cwd, hash, *fd, &got, err);
    pt_hash_free(hash);
    if (rc == PT_OK && strcmp(got.sha256, sha256) != 0)
        rc = pt_err_set(err, PT_EIO, "item %lld: the disk image extracted again has SHA-256 %s, not %s as scanned",
                        (long long)id, got.sha256, sha256);
    if (rc == PT_OK) {
        if (r->spool_fd >= 0)
            close(r->spool_fd);
        r->spool_fd = dup(*fd);
        r->spool_id = id;
    }
    return rc;
}

/* Item id's content, through whatever holds it. */
static int open_item_link(pt_reopen_t *r, sqlite3 *h, int64_t id, const char *cwd, int depth, link_t **out,
                          pt_err_t *err)
{
    static const char q[] = "SELECT " PT_REOPEN_COLUMNS ", i.volume_id, v.filesystem, i.parent_id, i.sha256 FROM"
                            " items i JOIN evidence e ON e.id = i.evidence_id LEFT JOIN volumes v ON"
                            " v.id = i.volume_id WHERE i.id = ?";
    sqlite3_stmt *st = NULL;
    pt_item_loc_t loc;
    uint64_t size;
    link_t *l = NULL;
    int64_t vid;
    int rc = PT_OK;

    *out = NULL;
    if (depth > LINK_DEPTH)
        return pt_err_set(err, PT_EFORMAT, "item %lld: containers nested too deep", (long long)id);
    if (sqlite3_prepare_v2(h, q, -1, &st, NULL) != SQLITE_OK)
        return pt_err_set(err, PT_EDB, "case database: %s", sqlite3_errmsg(h));
    sqlite3_bind_int64(st, 1, id);
    if (sqlite3_step(st) != SQLITE_ROW) {
        rc = pt_err_set(err, PT_EDB, "item %lld: not in the case database", (long long)id);
        goto out;
    }
    pt_reopen_loc(st, 0, cwd, &loc, &size);
    if (!(l = link_new(err))) {
        rc = PT_ENOMEM;
        goto out;
    }
    l->size = size;
    if (sqlite3_column_type(st, PT_REOPEN_NCOLUMNS + 2) != SQLITE_NULL) {
        /* an archive member (a disk image in it) */
        rc = spool_member(r, h, id, cwd, text(st, PT_REOPEN_NCOLUMNS + 3), &l->fd, err);
        l->fn = pt_source_read_fd;
        l->src = &l->fd;
        goto out;
    }
    if (loc.is_dir && sqlite3_column_type(st, PT_REOPEN_NCOLUMNS) == SQLITE_NULL) {
        /* a file of directory evidence (its volumes are all nested disks) */
        char path[PATH_MAX * 2];
        if (loc.evidence_path[0] != '/' && cwd)
            snprintf(path, sizeof path, "%s/%s", cwd, loc.evidence_path);
        else
            snprintf(path, sizeof path, "%s", loc.evidence_path);
        if ((l->fd = pt_source_open_under(path, loc.path, err)) < 0) {
            rc = err && err->code ? err->code : PT_EIO;
            goto out;
        }
        l->fn = pt_source_read_fd;
        l->src = &l->fd;
        if (!(l->files = pt_files_dir(path)) || !(l->path = strdup(loc.path)))
            rc = pt_err_set(err, PT_ENOMEM, "out of memory");
        goto out;
    }
    /* the volume of a top-level item is kept for the next item (walk order
     * puts a volume's items together); levels below are not, as links
     * above them borrow nothing */
    vid = sqlite3_column_int64(st, PT_REOPEN_NCOLUMNS);
    if (depth == 0 && r->vlink && r->vlink_id == vid) {
        l->up = r->vlink;
        l->up_borrowed = 1;
    } else if ((rc = open_volume_link(r, h, vid, cwd, depth + 1, &l->up, err)) != PT_OK) {
        goto out;
    } else if (depth == 0 && !l->up->apfs) {
        /* (not an APFS volume: libtsk's APFS filesystem, once closed, leaves
         * its container unusable for the next) */
        link_free(r->vlink);
        r->vlink = l->up;
        r->vlink_id = vid;
        l->up_borrowed = 1;
    }
    if (strcmp(loc.kind, PT_KIND_VOLUME) == 0) {
        l->fn = l->up->fn;
        l->src = l->up->src;
        goto out;
    }
    if (!loc.has_inode) {
        rc = pt_err_set(err, PT_EFORMAT, "%s: no inode recorded", loc.path);
        goto out;
    }
    if (text(st, PT_REOPEN_NCOLUMNS + 1) && strcmp(text(st, PT_REOPEN_NCOLUMNS + 1), "xfs") == 0) {
        uint64_t isize = 0;
        if ((rc = pt_xfs_open(l->up->fn, l->up->src, l->up->size, &l->xfs, err)) == PT_OK &&
            (rc = pt_xfs_open_inode(l->xfs, loc.inode, &l->fn, &l->src, &isize, err)) == PT_OK && isize != size)
            rc = pt_err_set(err, PT_EIO, "%s: XFS inode %llu now holds %llu bytes, not %llu", loc.path,
                            (unsigned long long)loc.inode, (unsigned long long)isize, (unsigned long long)size);
        goto out;
    }
    if (text(st, PT_REOPEN_NCOLUMNS + 1) && strcmp(text(st, PT_REOPEN_NCOLUMNS + 1), "squashfs") == 0) {
        uint64_t isize = 0;
        if ((rc = pt_squashfs_open(l->up->fn, l->up->src, l->up->size, &l->squashfs, err)) == PT_OK &&
            (rc = pt_squashfs_open_inode(l->squashfs, loc.inode, &l->fn, &l->src, &isize, err)) == PT_OK &&
            isize != size)
            rc = pt_err_set(err, PT_EIO, "%s: SquashFS inode %llu now holds %llu bytes, not %llu", loc.path,
                            (unsigned long long)loc.inode, (unsigned long long)isize, (unsigned long long)size);
        goto out;
    }
    if (text(st, PT_REOPEN_NCOLUMNS + 1) && strcmp(text(st, PT_REOPEN_NCOLUMNS + 1), "erofs") == 0) {
        uint64_t isize = 0;
        if ((rc = pt_erofs_open(l->up->fn, l->up->src, l->up->size, &l->erofs, err)) == PT_OK &&
            (rc = pt_erofs_open_inode(l->erofs, loc.inode, &l->fn, &l->src, &isize, err)) == PT_OK && isize != size)
            rc = pt_err_set(err, PT_EIO, "%s: EROFS node %llu now holds %llu bytes, not %llu", loc.path,
                            (unsigned long long)loc.inode, (unsigned long long)isize, (unsigned long long)size);
        goto out;
    }
    if (text(st, PT_REOPEN_NCOLUMNS + 1) && strcmp(text(st, PT_REOPEN_NCOLUMNS + 1), "f2fs") == 0) {
        uint64_t isize = 0;
        if ((rc = pt_f2fs_open(l->up->fn, l->up->src, l->up->size, &l->f2fs, err)) == PT_OK &&
            (rc = pt_f2fs_open_inode(l->f2fs, loc.inode, &l->fn, &l->src, &isize, err)) == PT_OK && isize != size)
            rc = pt_err_set(err, PT_EIO, "%s: F2FS inode %llu now holds %llu bytes, not %llu", loc.path,
                            (unsigned long long)loc.inode, (unsigned long long)isize, (unsigned long long)size);
        goto out;
    }
    if (text(st, PT_REOPEN_NCOLUMNS + 1) && strcmp(text(st, PT_REOPEN_NCOLUMNS + 1), "btrfs") == 0) {
        uint64_t isize = 0, subvol = PT_BTRFS_FS_TREE;
        sqlite3_stmt *vq = NULL;
        /* which subvolume: a subvolume's row names it */
        if (sqlite3_prepare_v2(h, "SELECT layer_name FROM volumes WHERE id = ? AND container = 'btrfs'", -1, &vq,
                               NULL) == SQLITE_OK) {
            sqlite3_bind_int64(vq, 1, vid);
            if (sqlite3_step(vq) == SQLITE_ROW && sqlite3_column_text(vq, 0))
                subvol = strtoull((const char *)sqlite3_column_text(vq, 0), NULL, 10);
        }
        sqlite3_finalize(vq);
        if ((rc = pt_btrfs_open(l->up->fn, l->up->src, l->up->size, &l->btrfs, err)) == PT_OK &&
            (rc = pt_btrfs_open_inode(l->btrfs, subvol, loc.inode, &l->fn, &l->src, &isize, err)) == PT_OK &&
            isize != size)
            rc = pt_err_set(err, PT_EIO, "%s: Btrfs inode %llu now holds %llu bytes, not %llu", loc.path,
                            (unsigned long long)loc.inode, (unsigned long long)isize, (unsigned long long)size);
        goto out;
    }
    if (l->up->apfs) {
        const char *used = NULL;
        if ((rc = pt_apfs_open_fs(l->up->apfs, l->up->apfs_index, r->keys, r->nkeys, &l->fs, &used, err)) != PT_OK)
            goto out;
    } else if (!(l->img = pt_source_img_over(l->up->fn, l->up->src, l->up->size)) ||
               !(l->fs = pt_source_fs_open(l->img, 0, 0))) { /* a decoded volume: as the scan opened it */
        rc = pt_source_tsk_err(err, PT_EIO, "%s: not found again in its volume", loc.path);
        goto out;
    }
    if (!(l->file = tsk_fs_file_open_meta(l->fs, NULL, (TSK_INUM_T)loc.inode))) {
        rc = pt_source_tsk_err(err, PT_EIO, "%s: not found again in its volume", loc.path);
        goto out;
    }
    l->ts.file = l->file;
    if (loc.attr_type >= 0 &&
        !(l->ts.attr = tsk_fs_file_attr_get_type(l->file, (TSK_FS_ATTR_TYPE_ENUM)loc.attr_type, (uint16_t)loc.attr_id,
                                                 1))) {
        rc = pt_source_tsk_err(err, PT_EIO, "%s: attribute %d-%d", loc.path, loc.attr_type, loc.attr_id);
        goto out;
    }
    l->fn = pt_walk_read_tsk;
    l->src = &l->ts;
    /* as the scan does (walk.c): no path lookup in APFS */
    if (!l->up->apfs && (!(l->files = pt_files_tsk(l->fs)) || !(l->path = strdup(loc.path))))
        rc = pt_err_set(err, PT_ENOMEM, "out of memory");
out:
    if (rc != PT_OK) {
        link_free(l);
        l = NULL;
    }
    *out = l;
    sqlite3_finalize(st);
    return rc;
}

/* 1 when item id lies in a volume reached through a container, or in a
 * filesystem libtsk does not read. */
static int behind_container(sqlite3 *h, int64_t id)
{
    sqlite3_stmt *st = NULL;
    int yes = 0;

    if (sqlite3_prepare_v2(h, "SELECT 1 FROM items i JOIN volumes v ON v.id = i.volume_id WHERE i.id = ? AND"
                              " (v.parent_item_id IS NOT NULL OR v.parent_volume_id IS NOT NULL"
                              " OR v.filesystem IN ('xfs', 'btrfs', 'squashfs', 'erofs', 'f2fs'))", -1, &st,
                           NULL) == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, id);
        yes = sqlite3_step(st) == SQLITE_ROW;
    }
    sqlite3_finalize(st);
    return yes;
}

void pt_reopen_set_spool(pt_reopen_t *r, const char *dir)
{
    r->spool = dir;
}

void pt_reopen_set_keys(pt_reopen_t *r, const pt_key_t *keys, size_t n)
{
    r->keys = keys;
    r->nkeys = n;
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
        link_t *l = NULL;
        pt_reopen_loc(top, 0, cwd, &loc, &size);
        /* paths[n-1] is the top archive; each member's name follows "!/" */
        for (i = 0; i < n - 1; i++) {
            const char *child = paths[n - 2 - i], *parent = paths[n - 1 - i];
            size_t pl = strlen(parent);
            if (strncmp(child, parent, pl) != 0 || strncmp(child + pl, "!/", 2) != 0) {
                rc = pt_err_set(err, PT_EDB, "item %lld: path %s is not a member of %s", (long long)id, child, parent);
                goto out;
            }
            /* the evidence itself is a compressed file: named after the file given */
            parents[i] = parent[0] ? parent : loc.evidence_path;
            names[i] = child + pl + 2;
        }
        if (behind_container(h, cur)) {
            if ((rc = open_item_link(r, h, cur, cwd, 0, &l, err)) == PT_OK) {
                fn = l->fn;
                src = l->src;
            }
        } else {
            rc = pt_reopen_item(r, &loc, &fn, &src, err);
        }
        if (rc == PT_OK && n == 1)
            rc = copy_fn(r, fn, src, size, hash, out_fd, got, err);
        else if (rc == PT_OK)
            rc = pt_archive_extract(fn, src, size, parents, names, (size_t)(n - 1), hash, out_fd, got, err);
        link_free(l);
    }
out:
    for (i = 0; i < n; i++)
        free(paths[i]);
    sqlite3_finalize(top);
    sqlite3_finalize(up);
    return rc;
}
