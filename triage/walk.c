/* walk.c - libtsk filesystem walker.  Owns a path buffer for the walk;
 * copies what it keeps from TSK_FS_FILE (libtsk frees it after the callback).
 * Must not open files by name or follow links. */
#include "walk.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "accounts.h"
#include "osinfo.h"
#include "source.h"
#include "text.h"

typedef struct walk_state {
    pt_scan_t *s;
    TSK_FS_INFO *fs;
    char *path;
    size_t cap;
    int fatal;          /* a case database failure: stop the walk */
    pt_err_t *err;
    int owners;         /* filesystem records Unix uid/gid */
    pt_accounts_t accounts; /* from this filesystem's /etc/passwd */
} walk_state_t;

ssize_t pt_walk_read_tsk(void *src, uint64_t off, uint8_t *buf, size_t len, pt_err_t *err)
{
    pt_walk_tsk_src_t *t = src;
    ssize_t got;

    const TSK_FS_ATTR *a = t->attr;

    if (a)
        got = tsk_fs_attr_read(a, (TSK_OFF_T)off, (char *)buf, len, TSK_FS_FILE_READ_FLAG_NONE);
    else
        got = tsk_fs_file_read(t->file, (TSK_OFF_T)off, (char *)buf, len, TSK_FS_FILE_READ_FLAG_NONE);
    if (got == 0) {
        /* Past an NTFS attribute's initialized size the content is zeros
         * (what Windows returns); libtsk reports 0 bytes there instead. */
        if (!a)
            a = tsk_fs_file_attr_get(t->file);
        if (a && (a->flags & TSK_FS_ATTR_NONRES) && (TSK_OFF_T)off >= a->nrd.initsize &&
            (TSK_OFF_T)off < a->size) {
            size_t n = (uint64_t)(a->size - (TSK_OFF_T)off) < len ? (size_t)(a->size - (TSK_OFF_T)off) : len;
            memset(buf, 0, n);
            tsk_error_reset();
            return (ssize_t)n;
        }
    }
    if (got < 0)
        pt_source_tsk_err(err, PT_EIO, "libtsk");
    return got;
}

static const char *kind_of_meta(TSK_FS_META_TYPE_ENUM t)
{
    switch (t) {
    case TSK_FS_META_TYPE_REG: return PT_KIND_FILE;
    case TSK_FS_META_TYPE_DIR: return PT_KIND_DIR;
    case TSK_FS_META_TYPE_LNK: return PT_KIND_SYMLINK;
    case TSK_FS_META_TYPE_FIFO: return PT_KIND_FIFO;
    case TSK_FS_META_TYPE_CHR:
    case TSK_FS_META_TYPE_BLK: return PT_KIND_DEVICE;
    case TSK_FS_META_TYPE_SOCK: return PT_KIND_SOCKET;
    case TSK_FS_META_TYPE_VIRT: return PT_KIND_VIRTUAL;
    case TSK_FS_META_TYPE_VIRT_DIR: return PT_KIND_VIRTUAL_DIR;
    case TSK_FS_META_TYPE_UNDEF: return PT_KIND_UNKNOWN;
    default: return PT_KIND_OTHER;
    }
}

static const char *kind_of_name(TSK_FS_NAME_TYPE_ENUM t)
{
    switch (t) {
    case TSK_FS_NAME_TYPE_REG: return PT_KIND_FILE;
    case TSK_FS_NAME_TYPE_DIR: return PT_KIND_DIR;
    case TSK_FS_NAME_TYPE_LNK: return PT_KIND_SYMLINK;
    case TSK_FS_NAME_TYPE_FIFO: return PT_KIND_FIFO;
    case TSK_FS_NAME_TYPE_CHR:
    case TSK_FS_NAME_TYPE_BLK: return PT_KIND_DEVICE;
    case TSK_FS_NAME_TYPE_SOCK: return PT_KIND_SOCKET;
    case TSK_FS_NAME_TYPE_VIRT: return PT_KIND_VIRTUAL;
    case TSK_FS_NAME_TYPE_VIRT_DIR: return PT_KIND_VIRTUAL_DIR;
    default: return PT_KIND_UNKNOWN;
    }
}

static void set_time(pt_time_t *t, time_t sec, uint32_t nsec)
{
    /* libtsk uses 0 for "not recorded by this filesystem" */
    t->known = sec != 0;
    t->sec = (int64_t)sec;
    t->nsec = t->known ? nsec : 0;
}

/* "/" + parent path + name (+ ":" + stream).  Returns 0, or -1 on ENOMEM. */
static int build_path(walk_state_t *w, const char *parent, const char *name, const char *stream)
{
    /* inside a disk image found as a file: "/vm/disk.img!p1" + "/etc/passwd" */
    const char *prefix = w->s->nest_prefix ? w->s->volume_label : "";
    size_t need = strlen(prefix) + 1 + strlen(parent) + strlen(name) + (stream ? strlen(stream) + 1 : 0) + 1;

    if (need > w->cap) {
        char *p = realloc(w->path, need * 2);
        if (!p)
            return -1;
        w->path = p;
        w->cap = need * 2;
    }
    snprintf(w->path, w->cap, "%s/%s%s%s%s", prefix, parent, name, stream ? ":" : "", stream ? stream : "");
    return 0;
}

static int is_readable_kind(const char *kind)
{
    return strcmp(kind, PT_KIND_FILE) == 0 || strcmp(kind, PT_KIND_STREAM) == 0 ||
           strcmp(kind, PT_KIND_VIRTUAL) == 0;
}

/* Emits one item for fs_file (and one NTFS attribute, or NULL). */
static int emit(walk_state_t *w, TSK_FS_FILE *f, const char *parent, const TSK_FS_ATTR *attr)
{
    const TSK_FS_META *m = f->meta;
    const TSK_FS_NAME *n = f->name;
    const char *stream = NULL;
    pt_item_t it;
    int realloc_meta;
    pt_err_t rerr = { 0, "" };
    pt_walk_tsk_src_t src = { NULL, NULL }; /* lives until emitted: an archive is read again through it */

    /* Same naming rule as libtsk's own listing (tsk_fs_name_print): the
     * attribute name is shown unless it is a directory's $I30 index. */
    if (attr && attr->name && attr->name[0] &&
        (attr->type != TSK_FS_ATTR_TYPE_NTFS_IDXROOT || strcmp(attr->name, "$I30") != 0))
        stream = attr->name;
    if (build_path(w, parent, n->name, stream) != 0)
        return pt_err_set(w->err, PT_ENOMEM, "out of memory");

    pt_item_init(&it);
    it.evidence_id = w->s->evidence_id;
    it.volume_id = w->s->volume_id;
    it.path = w->path;
    it.allocated = (n->flags & TSK_FS_NAME_FLAG_UNALLOC) ? 0 : 1;
    it.has_inode = 1;
    it.inode = n->meta_addr;
    it.kind = m ? kind_of_meta(m->type) : kind_of_name(n->type);
    if (attr) {
        it.attr_type = (int)attr->type;
        it.attr_id = attr->id;
        if (attr->type == TSK_FS_ATTR_TYPE_NTFS_DATA) {
            /* a directory's data stream, or any named stream, is data */
            if (stream)
                it.kind = PT_KIND_STREAM;
            else if (m && m->type == TSK_FS_META_TYPE_DIR)
                it.kind = PT_KIND_FILE;
        } else if (attr->type == TSK_FS_ATTR_TYPE_NTFS_IDXROOT && stream) {
            it.kind = PT_KIND_INDEX; /* $Secure:$SDH, $Quota:$O: metadata, not data */
        }
    }
    /* A deleted name whose metadata entry now belongs to another file: the
     * times and content there are not this file's. */
    realloc_meta = m && (m->flags & TSK_FS_META_FLAG_ALLOC) && (n->flags & TSK_FS_NAME_FLAG_UNALLOC);
    if (m) {
        it.size = attr && attr->type == TSK_FS_ATTR_TYPE_NTFS_DATA ? (uint64_t)attr->size
                  : (m->size > 0 ? (uint64_t)m->size : 0);
        set_time(&it.mtime, m->mtime, m->mtime_nano);
        set_time(&it.atime, m->atime, m->atime_nano);
        set_time(&it.ctime, m->ctime, m->ctime_nano);
        set_time(&it.crtime, m->crtime, m->crtime_nano);
        if (w->owners) {
            const char *name = pt_accounts_name(&w->accounts, (uint32_t)m->uid);
            it.has_owner = 1;
            it.uid = (uint32_t)m->uid;
            it.gid = (uint32_t)m->gid;
            it.owner = name ? pt_scan_intern(w->s, name) : NULL;
        }
        it.mode = (uint32_t)m->mode;
        if (m->type == TSK_FS_META_TYPE_LNK && m->link)
            it.link_target = m->link;
    } else if (it.allocated == 0) {
        pt_item_add_error(&it, "note", "deleted name without metadata: size, times and content unknown");
    }
    if (!pt_text_utf8_valid(w->path, strlen(w->path)))
        pt_item_add_error(&it, "note", "name is not valid UTF-8: invalid bytes are shown as \\xNN");
    if (pt_text_has_control(w->path))
        pt_item_add_error(&it, "note", "name contains control characters (kept as on disk)");

    if (realloc_meta) {
        pt_item_add_error(&it, "note", "deleted name whose metadata entry %" PRIu64
                          " was reused by another file: content not attributable, not read",
                          (uint64_t)n->meta_addr);
        it.category = "other";
    } else if (m && is_readable_kind(it.kind)) {
        src.file = f;
        src.attr = attr;
        uint64_t fs_bytes = (uint64_t)w->fs->block_count * w->fs->block_size;
        /* a damaged inode can claim terabytes; a legitimately sparse file
         * larger than its filesystem is rare.  Either way, reading more than
         * the filesystem holds needs the examiner's say-so. */
        if (w->s->opts->max_item_size ? it.size > w->s->opts->max_item_size : it.size > fs_bytes) {
            it.read_limit = w->s->opts->max_item_size ? w->s->opts->max_item_size : fs_bytes;
            pt_item_add_error(&it, "error", "size claims %" PRIu64 " bytes, more than %s (%" PRIu64 "): read "
                              "stopped there, no hash (use --max-item-size to read further)", it.size,
                              w->s->opts->max_item_size ? "--max-item-size" : "the filesystem holds",
                              it.read_limit);
        }
        int rc = pt_scan_read(w->s, &it, pt_walk_read_tsk, &src, &rerr);
        if (rc != PT_OK) {
            pt_err_prefix(&rerr, "%s", w->path);
            *w->err = rerr;
            return rc;
        }
    }
    return pt_scan_emit(w->s, &it, w->err);
}

static TSK_WALK_RET_ENUM walk_cb(TSK_FS_FILE *f, const char *parent, void *ptr)
{
    walk_state_t *w = ptr;
    int rc = PT_OK;

    if (!f->name || TSK_FS_ISDOT(f->name->name))
        return TSK_WALK_CONT;
    if (TSK_FS_TYPE_ISNTFS(w->fs->ftype) && f->meta) {
        /* One item per data stream and per directory index, as fls lists. */
        int i, cnt = tsk_fs_file_attr_getsize(f), printed = 0;
        for (i = 0; i < cnt && rc == PT_OK; i++) {
            const TSK_FS_ATTR *a = tsk_fs_file_attr_get_idx(f, i);
            if (!a)
                continue;
            if (a->type == TSK_FS_ATTR_TYPE_NTFS_DATA || a->type == TSK_FS_ATTR_TYPE_NTFS_IDXROOT) {
                printed = 1;
                rc = emit(w, f, parent, a);
            }
        }
        tsk_error_reset();
        if (!printed && rc == PT_OK)
            rc = emit(w, f, parent, NULL);
    } else {
        rc = emit(w, f, parent, NULL);
    }
    if (rc != PT_OK) {
        w->fatal = 1;
        return TSK_WALK_STOP;
    }
    return TSK_WALK_CONT;
}

/* The content of one small file of the filesystem being walked (/etc/passwd,
 * os-release), read by name before the walk, bounded at 1 MiB.  Returns a
 * malloc'd buffer or NULL; libtsk errors here are not the walk's. */
static char *read_small(walk_state_t *w, const char *path, size_t *len)
{
    TSK_FS_FILE *f = tsk_fs_file_open(w->fs, NULL, path);
    char *buf = NULL;
    ssize_t n;

    if (f && f->meta && f->meta->type == TSK_FS_META_TYPE_REG && f->meta->size > 0 && f->meta->size <= (1 << 20) &&
        (buf = malloc((size_t)f->meta->size)) != NULL) {
        n = tsk_fs_file_read(f, 0, buf, (size_t)f->meta->size, TSK_FS_FILE_READ_FLAG_NONE);
        if (n > 0) {
            *len = (size_t)n;
        } else {
            free(buf);
            buf = NULL;
        }
    }
    if (f)
        tsk_fs_file_close(f);
    tsk_error_reset();
    return buf;
}

/* Owner names come from the filesystem's own /etc/passwd. */
static void load_accounts(walk_state_t *w)
{
    size_t len = 0;
    char *buf = read_small(w, "/etc/passwd", &len);

    if (buf)
        pt_accounts_parse(&w->accounts, buf, len);
    free(buf);
}

#define HIVE_MAX ((int64_t)512 << 20) /* a SOFTWARE hive is tens of MB; a bigger one is not read */

/* The hive is copied into an anonymous memory file for libhivex, which
 * opens files by name; nothing is written to disk. */
static int windows_product(TSK_FS_FILE *f, char *os, size_t size)
{
    char buf[65536];
    int64_t off = 0;
    int fd, ok = 0;

    if (!f->meta || f->meta->size <= 0 || f->meta->size > HIVE_MAX || (fd = memfd_create("hive", MFD_CLOEXEC)) < 0)
        return 0;
    while (off < f->meta->size) {
        ssize_t n = tsk_fs_file_read(f, off, buf, sizeof buf, TSK_FS_FILE_READ_FLAG_NONE);
        if (n <= 0 || write(fd, buf, (size_t)n) != n)
            break;
        off += n;
    }
    if (off == f->meta->size)
        ok = pt_osinfo_windows(fd, os, size);
    close(fd);
    tsk_error_reset();
    return ok;
}

/* The operating system the filesystem holds, for the report. */
static int record_os(walk_state_t *w)
{
    static const char *const release[] = { "/etc/os-release", "/usr/lib/os-release" };
    char os[256] = "";
    size_t len = 0, i;
    TSK_FS_FILE *f;

    for (i = 0; i < 2 && !os[0]; i++) {
        char *buf = read_small(w, release[i], &len);
        if (buf)
            pt_osinfo_parse_release(buf, len, os, sizeof os);
        free(buf);
    }
    if (!os[0] && (f = tsk_fs_file_open(w->fs, NULL, "/Windows/System32/config/SOFTWARE")) != NULL) {
        if (!windows_product(f, os, sizeof os))
            snprintf(os, sizeof os, "Windows (the SOFTWARE hive names no product)");
        tsk_fs_file_close(f);
    }
    tsk_error_reset();
    if (!os[0] || !w->s->volume_id)
        return PT_OK;
    return pt_casedb_set_volume_os(w->s->db, w->s->volume_id, os, w->err);
}

int pt_walk_fs(pt_scan_t *s, TSK_FS_INFO *fs, pt_err_t *err)
{
    walk_state_t w;
    uint8_t failed;

    memset(&w, 0, sizeof w);
    w.s = s;
    w.fs = fs;
    w.err = err;
    w.owners = TSK_FS_TYPE_ISEXT(fs->ftype) || TSK_FS_TYPE_ISFFS(fs->ftype) ||
               TSK_FS_TYPE_ISHFS(fs->ftype) || TSK_FS_TYPE_ISAPFS(fs->ftype) ||
               TSK_FS_TYPE_ISYAFFS2(fs->ftype);
    if (w.owners)
        load_accounts(&w);
    if (record_os(&w) != PT_OK)
        return err->code;
    failed = tsk_fs_dir_walk(fs, fs->root_inum,
                             TSK_FS_DIR_WALK_FLAG_RECURSE | TSK_FS_DIR_WALK_FLAG_ALLOC |
                                 TSK_FS_DIR_WALK_FLAG_UNALLOC,
                             walk_cb, &w);
    free(w.path);
    pt_accounts_free(&w.accounts);
    if (w.fatal)
        return err->code ? err->code : PT_EDB;
    if (failed) {
        /* libtsk stops a walk on a damaged directory; what was walked stays
         * recorded and the damage is listed against the volume. */
        pt_err_t terr = { 0, "" };
        pt_source_tsk_err(&terr, PT_EFORMAT, "filesystem walk incomplete");
        return pt_scan_problem(s, "error", "filesystem", terr.msg, err);
    }
    tsk_error_reset();
    return PT_OK;
}
