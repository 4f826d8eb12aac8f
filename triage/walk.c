/* walk.c - libtsk filesystem walker.  Owns a path buffer for the walk;
 * copies what it keeps from TSK_FS_FILE (libtsk frees it after the callback).
 * Must not open files by name or follow links. */
#include "walk.h"

#include "chain.h"
#include "tskalloc.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "accounts.h"
#include "ewf.h"
#include "ext4ext.h"
#include "hfscat.h"
#include "ext4flags.h"
#include "layer.h"
#include "osinfo.h"
#include "plist.h"
#include "source.h"
#include "text.h"
#include "recycle.h"
#include "reparse.h"
#include "vss.h"
#include "wof.h"

typedef struct walk_dir {
    TSK_INUM_T inum;
    size_t entries;     /* seen so far, "." and ".." included */
    char *path;         /* relative to the root, for the message */
} walk_dir_t;

typedef struct walk_deep {
    char *path;
    TSK_INUM_T *chain;  /* the inodes of its ancestors and itself, root first */
    size_t depth;
    char *why;          /* set: an HFS+ folder libtsk could not open (its message), listed from the catalog */
} walk_deep_t;

typedef struct walk_state {
    pt_scan_t *s;
    TSK_FS_INFO *fs;
    char *path;
    size_t cap;
    int fatal;          /* a case database failure: stop the walk */
    pt_err_t *err;
    int owners;         /* filesystem records Unix uid/gid */
    pt_accounts_t accounts; /* from this filesystem's /etc/passwd */
    walk_dir_t *dirs;   /* dirs[k]: the directory at depth k of the current path (0: root) */
    size_t cap_dirs;
    size_t open;        /* deepest entry of dirs in use */
    int dots;           /* every directory but the root lists "." and ".." (ext, FAT) */
    const char *loop_of; /* set while emitting an entry that names its ancestor: that one's path */
    int no_data;        /* set while emitting an NTFS file record that has no $DATA */
    size_t skip_at;     /* when non-zero, entries this deep are a loop's repetition, not listed */
    const char *base;   /* a walk continued below libtsk's depth limit: "path/" of its start */
    size_t base_depth;  /* ... and the start's depth */
    walk_deep_t *deep;  /* directories left for a continued walk */
    size_t n_deep, cap_deep;
    pt_ext4flags_t *xflags; /* ext4 with fscrypt: inode flags (else NULL) */
    int sids;           /* NTFS: owners are SIDs, named through s->sids */
    const char *unread_why; /* set while emitting a name listed without its metadata: why */
} walk_state_t;

#define MAC_USERS "/private/var/db/dslocal/nodes/Default/users"
#define MAC_USERS_MAX 10000

/* Filesystems that record Unix uid/gid. */
static int has_owners(const TSK_FS_INFO *fs)
{
    return TSK_FS_TYPE_ISEXT(fs->ftype) || TSK_FS_TYPE_ISFFS(fs->ftype) || TSK_FS_TYPE_ISHFS(fs->ftype) ||
           TSK_FS_TYPE_ISAPFS(fs->ftype) || TSK_FS_TYPE_ISYAFFS2(fs->ftype);
}

/* Reads [off, off + len) of a virtual file whose size bytes lie at start in
 * the filesystem's volume (clipped to its end). */
static ssize_t read_in_volume(TSK_FS_INFO *fs, uint64_t start, uint64_t size, uint64_t off, uint8_t *buf, size_t len,
                              pt_err_t *err)
{
    if (off >= size)
        return 0;
    if (len > size - off)
        len = (size_t)(size - off);
    tsk_error_reset();
    ssize_t got = tsk_img_read(fs->img_info, fs->offset + (TSK_OFF_T)(start + off), (char *)buf, len);
    if (got < 0)
        pt_source_tsk_err(err, PT_EIO, "libtsk");
    return got;
}

/* libtsk 4.11 cannot read an exFAT volume's $FAT1/$FAT2 virtual file when
 * the FAT lies past the cluster count ("Starting cluster address too
 * large"), which Windows' and mkfs.exfat's aligned layouts make common.
 * Their content is the FAT's sectors, which the boot sector places: they
 * are always read from the image there (scan, export and verify alike).
 * -2 when f is not such a file. */
static ssize_t exfat_fat_read(TSK_FS_FILE *f, uint64_t off, uint8_t *buf, size_t len, pt_err_t *err)
{
    TSK_FS_INFO *fs = f->fs_info;
    uint8_t bs[512];
    unsigned shift, nfat, k;
    uint64_t fat_off, fat_len, start, size;

    if (!fs || fs->ftype != TSK_FS_TYPE_EXFAT || !f->meta || f->meta->type != TSK_FS_META_TYPE_VIRT ||
        tsk_img_read(fs->img_info, fs->offset, (char *)bs, sizeof bs) != (ssize_t)sizeof bs ||
        memcmp(bs + 3, "EXFAT   ", 8) != 0)
        return -2;
    shift = bs[108];
    nfat = bs[110];
    fat_off = (uint64_t)(bs[80] | bs[81] << 8 | bs[82] << 16 | (uint32_t)bs[83] << 24);
    fat_len = (uint64_t)(bs[84] | bs[85] << 8 | bs[86] << 16 | (uint32_t)bs[87] << 24);
    /* the virtual files end the inode range: $MBR, $FAT1, [$FAT2,] $OrphanFiles */
    if (shift < 9 || shift > 12 || nfat < 1 || nfat > 2 || f->meta->addr + nfat < fs->last_inum ||
        f->meta->addr >= fs->last_inum)
        return -2;
    k = (unsigned)(f->meta->addr + nfat - fs->last_inum); /* 0: $FAT1, 1: $FAT2 */
    start = (fat_off + k * fat_len) << shift;
    size = (uint64_t)f->meta->size < fat_len << shift ? (uint64_t)f->meta->size : fat_len << shift;
    if (start + size > (uint64_t)fs->block_count * fs->block_size)
        return -2;
    return read_in_volume(fs, start, size, off, buf, len, err);
}

/* libtsk 4.11 cannot read the $MBR virtual file of a FAT12/16/32 volume of
 * 4096-byte sectors (a 4Kn drive): its content is the volume's first bytes,
 * read there instead.  -2 when f is not that file. */
static ssize_t fat_mbr_read(TSK_FS_FILE *f, uint64_t off, uint8_t *buf, size_t len, pt_err_t *err)
{
    TSK_FS_INFO *fs = f->fs_info;
    uint8_t bs[512];
    uint64_t size;

    if (!fs || !TSK_FS_TYPE_ISFAT(fs->ftype) || fs->ftype == TSK_FS_TYPE_EXFAT || !f->meta ||
        f->meta->type != TSK_FS_META_TYPE_VIRT || f->meta->size <= 0 ||
        tsk_img_read(fs->img_info, fs->offset, (char *)bs, sizeof bs) != (ssize_t)sizeof bs ||
        bs[16] < 1 || bs[16] > 2 || f->meta->addr + bs[16] + 1 != fs->last_inum)
        return -2;
    size = (uint64_t)f->meta->size;
    if (size > (uint64_t)fs->block_count * fs->block_size)
        return -2;
    return read_in_volume(fs, 0, size, off, buf, len, err);
}

ssize_t pt_walk_read_tsk(void *src, uint64_t off, uint8_t *buf, size_t len, pt_err_t *err)
{
    pt_walk_tsk_src_t *t = src;
    ssize_t got;

    const TSK_FS_ATTR *a = t->attr;

    if (t->file && t->file->fs_info && t->file->fs_info->ftype == TSK_FS_TYPE_EXFAT &&
        (got = exfat_fat_read(t->file, off, buf, len, err)) != -2)
        return got;
    /* a Windows system-compressed file: the unnamed $DATA is sparse zeros,
     * the content is in WofCompressedData */
    if (t->file && t->file->fs_info && TSK_FS_TYPE_ISNTFS(t->file->fs_info->ftype) &&
        (!a || (a->type == TSK_FS_ATTR_TYPE_NTFS_DATA && (!a->name || !a->name[0])))) {
        pt_wof_t wof;
        int kind = pt_wof_probe(t->file, &wof);
        const TSK_FS_ATTR *d = a ? a : tsk_fs_file_attr_get(t->file);
        tsk_error_reset();
        if (kind == PT_WOF_FILE && d)
            return pt_wof_read(&wof, (uint64_t)d->size, off, buf, len, err);
        if (kind == PT_WOF_UNREADABLE)
            return pt_err_set(err, PT_EFORMAT, "%s", wof.info.why), -1;
        char why[512];
        if (kind == PT_WOF_NONE && pt_reparse_elsewhere(t->file, d, why, sizeof why) == PT_REPARSE_ELSEWHERE)
            return pt_err_set(err, PT_EFORMAT, "%s", why), -1;
    }
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
    if (got == 0 && len > 0) {
        /* libtsk ends content silently where a FAT cluster chain or a run
         * list is cut short (a chain loop, a cluster past the end) */
        const char *why = tsk_error_get();
        pt_err_set(err, PT_EIO, "libtsk has no content past this offset: the file's cluster chain or run "
                   "list ends before its size (damaged allocation table or metadata)%s%s",
                   why && *why ? ": " : "", why && *why ? why : "");
        tsk_error_reset();
        return -1;
    }
    if (got < 0 && t->file) {
        ssize_t mbr = fat_mbr_read(t->file, off, buf, len, err);
        if (mbr != -2)
            return mbr;
        /* an ext4 extent tree of two or more levels, which libtsk 4.11
         * cannot map (its run list fails): walked by ext4ext.c.  Other
         * failures (an unreadable block of the image) keep libtsk's error. */
        const char *why = tsk_error_get();
        if (!a && why && strstr(why, "fs_attr_add_run") && (mbr = pt_ext4ext_read(t->file, off, buf, len, err)) != -2) {
            tsk_error_reset();
            return mbr;
        }
    }
    if (got < 0 && t->file && t->file->meta &&
        t->file->meta->content_type == TSK_FS_META_CONTENT_TYPE_EXT4_INLINE &&
        (uint64_t)t->file->meta->size > pt_tskalloc_bound()) {
        /* libtsk sizes an inline file's buffer by its claim; tskalloc.c refused it */
        tsk_error_reset();
        return pt_err_set(err, PT_EFORMAT, "an ext4 inline-data inode (content kept in the inode, a few hundred "
                          "bytes at most) that claims %" PRIu64 " bytes: damaged; libtsk was refused a buffer of "
                          "that size", (uint64_t)t->file->meta->size), -1;
    }
    if (got < 0)
        pt_source_tsk_err(err, PT_EIO, "libtsk");
    return got;
}

typedef struct damage_walk {
    TSK_IMG_INFO *img;
    TSK_OFF_T base;             /* the filesystem's offset in the image */
    unsigned block;
    int hit;
    char *msg;
    size_t size;
} damage_walk_t;

static TSK_WALK_RET_ENUM damage_cb(TSK_FS_FILE *f, TSK_OFF_T off, TSK_DADDR_T addr, char *buf, size_t len,
                                   TSK_FS_BLOCK_FLAG_ENUM flags, void *ptr)
{
    damage_walk_t *d = ptr;

    (void)f, (void)off, (void)buf, (void)len;
    if (flags & (TSK_FS_BLOCK_FLAG_SPARSE | TSK_FS_BLOCK_FLAG_RES))
        return TSK_WALK_CONT;
    if (pt_ewf_range_damaged(d->img, (uint64_t)d->base + (uint64_t)addr * d->block, d->block, d->msg, d->size)) {
        d->hit = 1;
        return TSK_WALK_STOP;
    }
    return TSK_WALK_CONT;
}

static int damage_run(void *ptr, uint64_t first, uint64_t count)
{
    damage_walk_t *d = ptr;

    d->hit = pt_ewf_range_damaged(d->img, (uint64_t)d->base + first * d->block, count * d->block, d->msg, d->size);
    return d->hit;
}

int pt_walk_tsk_damaged(void *src, TSK_IMG_INFO *img, char *msg, size_t size)
{
    pt_walk_tsk_src_t *t = src;
    TSK_FS_INFO *fs = t->file->fs_info;
    damage_walk_t d = { img, fs->offset, fs->block_size, 0, msg, size };
    uint8_t failed;

    if (fs->img_info != img)
        return -1; /* behind a container: image offsets are not the filesystem's */
    const TSK_FS_ATTR *a = t->attr;
    pt_wof_t wof;
    /* a WOF file's content lies in its WofCompressedData stream's blocks */
    if (TSK_FS_TYPE_ISNTFS(fs->ftype) && (!a || !a->name || !a->name[0]) && pt_wof_probe(t->file, &wof) == PT_WOF_FILE)
        a = wof.data;
    failed = a ? tsk_fs_attr_walk(a, TSK_FS_FILE_WALK_FLAG_AONLY, damage_cb, &d)
               : tsk_fs_file_walk(t->file, TSK_FS_FILE_WALK_FLAG_AONLY, damage_cb, &d);
    if (failed && !a && !d.hit) {
        /* an extent tree libtsk cannot map: its blocks as ext4ext.c reads them */
        pt_err_t e = { 0, "" };
        failed = pt_ext4ext_map(t->file, damage_run, &d, &e) != PT_OK;
    }
    tsk_error_reset();
    return d.hit ? 1 : failed ? -1 : 0;
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
    const char *base = w->base ? w->base : "";
    size_t need = strlen(prefix) + 1 + strlen(base) + strlen(parent) + strlen(name) +
                  (stream ? strlen(stream) + 1 : 0) + 1;

    if (need > w->cap) {
        char *p = realloc(w->path, need * 2);
        if (!p)
            return -1;
        w->path = p;
        w->cap = need * 2;
    }
    snprintf(w->path, w->cap, "%s/%s%s%s%s%s", prefix, base, parent, name, stream ? ":" : "", stream ? stream : "");
    return 0;
}

static int is_readable_kind(const char *kind)
{
    return strcmp(kind, PT_KIND_FILE) == 0 || strcmp(kind, PT_KIND_STREAM) == 0 ||
           strcmp(kind, PT_KIND_VIRTUAL) == 0;
}

/* NTFS EFS: the data attribute's encrypted flag and the $EFS key ring
 * ($LOGGED_UTILITY_STREAM) that Windows keeps beside encrypted content. */
static int efs_bits(TSK_FS_FILE *f, const TSK_FS_ATTR *data)
{
    int bits = data && data->type == TSK_FS_ATTR_TYPE_NTFS_DATA && (data->flags & TSK_FS_ATTR_ENC) ? PT_EFS_DATA : 0;
    int i, cnt = tsk_fs_file_attr_getsize(f);

    for (i = 0; i < cnt; i++) {
        const TSK_FS_ATTR *a = tsk_fs_file_attr_get_idx(f, i);
        if (a && a->type == TSK_FS_ATTR_TYPE_NTFS_LOG && a->name && strcmp(a->name, "$EFS") == 0)
            bits |= PT_EFS_RING;
    }
    tsk_error_reset();
    return bits;
}

/* A file or folder in a Windows recycle bin or a Linux desktop's trash:
 * where it was deleted from, when, from its record ($I or .trashinfo
 * beside it, read up to 64 KiB; Windows XP's INFO2, up to 4 MiB). */
static void recycle_note(walk_state_t *w, pt_item_t *it, const char *parent, const char *name)
{
    char fspath[4096], ipath[4096], desc[2048];
    uint8_t *buf = NULL;
    TSK_FS_FILE *f;
    ssize_t got = -1;
    size_t il, cap;
    int trash, info2, ok = 0;

    if ((size_t)snprintf(fspath, sizeof fspath, "/%s%s%s", w->base ? w->base : "", parent, name) >= sizeof fspath ||
        !pt_recycle_partner(fspath, ipath, sizeof ipath) || !(f = tsk_fs_file_open(w->fs, NULL, ipath))) {
        tsk_error_reset();
        return;
    }
    il = strlen(ipath);
    trash = il > 10 && strcmp(ipath + il - 10, ".trashinfo") == 0;
    info2 = il > 6 && strcmp(ipath + il - 6, "/INFO2") == 0;
    cap = info2 ? (size_t)4 << 20 : (size_t)64 << 10;
    if (f->meta && f->meta->type == TSK_FS_META_TYPE_REG && f->meta->size > 0) {
        if ((uint64_t)f->meta->size < cap)
            cap = (size_t)f->meta->size;
        if ((buf = malloc(cap)) != NULL)
            got = tsk_fs_file_read(f, 0, (char *)buf, cap, TSK_FS_FILE_READ_FLAG_NONE);
    }
    if (got > 0)
        ok = trash   ? pt_recycle_describe_trashinfo(buf, (size_t)got, desc, sizeof desc)
             : info2 ? pt_recycle_describe_info2(buf, (size_t)got, pt_recycle_info2_index(name), desc, sizeof desc)
                     : pt_recycle_describe(buf, (size_t)got, desc, sizeof desc);
    if (ok)
        pt_item_add_error(it, "note", "%s: %s, as its record %s says", trash ? "trash" : "recycle bin", desc,
                          strrchr(ipath, '/') + 1);
    free(buf);
    tsk_fs_file_close(f);
    tsk_error_reset();
}

typedef struct reuse_walk {
    uint64_t blocks, reused;
} reuse_walk_t;

static TSK_WALK_RET_ENUM reuse_cb(TSK_FS_FILE *f, TSK_OFF_T off, TSK_DADDR_T addr, char *buf, size_t len,
                                  TSK_FS_BLOCK_FLAG_ENUM flags, void *ptr)
{
    reuse_walk_t *r = ptr;

    (void)f, (void)off, (void)addr, (void)buf, (void)len;
    if (flags & (TSK_FS_BLOCK_FLAG_SPARSE | TSK_FS_BLOCK_FLAG_RES))
        return TSK_WALK_CONT;
    r->blocks++;
    if (flags & TSK_FS_BLOCK_FLAG_ALLOC)
        r->reused++;
    return TSK_WALK_CONT;
}

/* How many of a deleted file's blocks the filesystem has allocated again
 * (to other files): libtsk reads them as the file's content all the same
 * (NTFS keeps a freed record's run list; FAT's runs already skip them). */
static reuse_walk_t reused_blocks(TSK_FS_FILE *f, const TSK_FS_ATTR *a)
{
    reuse_walk_t r = { 0, 0 };

    if (a ? tsk_fs_attr_walk(a, TSK_FS_FILE_WALK_FLAG_AONLY, reuse_cb, &r)
          : tsk_fs_file_walk(f, TSK_FS_FILE_WALK_FLAG_AONLY, reuse_cb, &r))
        r.reused = 0; /* the read that follows names what is wrong */
    tsk_error_reset();
    return r;
}

/* An HFS+ or APFS file's resource fork (APFS keeps it as the extended
 * attribute com.apple.ResourceFork; libtsk gives both the same attribute
 * type), when it holds bytes of its own: classic
 * Mac documents, Finder aliases, custom icons, or anything put there out of
 * sight (fls lists only the name).  A file compressed into its resource fork
 * (decmpfs types 4 and 8, most of macOS's own files) is read decompressed as
 * its data; its fork is that data again, compressed, and is not listed. */
static const TSK_FS_ATTR *hfs_resource_fork(TSK_FS_FILE *f)
{
    const TSK_FS_ATTR *rsrc = NULL;
    int i, cnt;

    if (!f->meta || f->meta->type != TSK_FS_META_TYPE_REG)
        return NULL;
    cnt = tsk_fs_file_attr_getsize(f);
    for (i = 0; i < cnt; i++) {
        const TSK_FS_ATTR *a = tsk_fs_file_attr_get_idx(f, i);
        if (!a)
            continue;
        if (a->type == TSK_FS_ATTR_TYPE_HFS_DATA && (a->flags & TSK_FS_ATTR_COMP) && (a->flags & TSK_FS_ATTR_NONRES))
            return NULL;
        if (a->type == TSK_FS_ATTR_TYPE_HFS_RSRC && a->size > 0)
            rsrc = a;
    }
    tsk_error_reset();
    return rsrc;
}

static int emit(walk_state_t *w, TSK_FS_FILE *f, const char *parent, const TSK_FS_ATTR *attr);

/* Emits f: on NTFS one item per data stream and per directory index, as
 * fls lists them; on HFS+ and APFS its resource fork too. */
static int emit_file(walk_state_t *w, TSK_FS_FILE *f, const char *parent)
{
    int rc = PT_OK;

    if (TSK_FS_TYPE_ISNTFS(w->fs->ftype) && f->meta) {
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
        /* every NTFS file has an unnamed $DATA attribute, even when empty;
         * without it libtsk would report 0 bytes for a damaged record */
        w->no_data = !printed && f->meta->type == TSK_FS_META_TYPE_REG && (f->meta->flags & TSK_FS_META_FLAG_ALLOC);
        if (!printed && rc == PT_OK)
            rc = emit(w, f, parent, NULL);
        w->no_data = 0;
        return rc;
    }
    rc = emit(w, f, parent, NULL);
    const TSK_FS_ATTR *rsrc =
        TSK_FS_TYPE_ISHFS(w->fs->ftype) || TSK_FS_TYPE_ISAPFS(w->fs->ftype) ? hfs_resource_fork(f) : NULL;

    return rc == PT_OK && rsrc ? emit(w, f, parent, rsrc) : rc;
}

/* Emits one item for fs_file (and one NTFS attribute or HFS+ resource
 * fork, or NULL). */
static int emit(walk_state_t *w, TSK_FS_FILE *f, const char *parent, const TSK_FS_ATTR *attr)
{
    const TSK_FS_META *m = f->meta;
    const TSK_FS_NAME *n = f->name;
    const char *stream = NULL;
    pt_item_t it;
    int realloc_meta;
    pt_err_t rerr = { 0, "" };
    pt_walk_tsk_src_t src = { NULL, NULL }; /* lives until emitted: an archive is read again through it */
    pt_wof_t wof;
    int wof_kind = PT_WOF_NONE, elsewhere = PT_REPARSE_HERE;
    char why[512];

    /* Same naming rule as libtsk's own listing (tsk_fs_name_print): the
     * attribute name is shown unless it is a directory's $I30 index. */
    if (attr && attr->type == TSK_FS_ATTR_TYPE_HFS_RSRC)
        stream = "RSRC"; /* HFS+ and APFS alike (APFS's attribute is named com.apple.ResourceFork) */
    else if (attr && attr->name && attr->name[0] &&
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
    /* BitLocker To Go keeps its encrypted volume in the discovery volume's
     * root, in cover files */
    if (w->s->bde_to_go && !*parent && !w->base && pt_layer_is_bitlocker_cover(n->name))
        it.fs_encrypted |= PT_BDE_COVER;
    if (attr) {
        it.attr_type = (int)attr->type;
        it.attr_id = attr->id;
        if (attr->type == TSK_FS_ATTR_TYPE_NTFS_DATA) {
            it.fs_encrypted = efs_bits(f, attr);
            if (!stream && (wof_kind = pt_wof_probe(f, &wof)) == PT_WOF_NONE &&
                (elsewhere = pt_reparse_elsewhere(f, attr, why, sizeof why)) == PT_REPARSE_PARTLY)
                pt_item_add_error(&it, "note", "%s", why);
            else if (pt_wof_is_stream(f, attr))
                it.fs_encrypted |= PT_WOF_STREAM;
            /* a directory's data stream, or any named stream, is data */
            if (stream)
                it.kind = PT_KIND_STREAM;
            else if (m && m->type == TSK_FS_META_TYPE_DIR)
                it.kind = PT_KIND_FILE;
        } else if (attr->type == TSK_FS_ATTR_TYPE_HFS_RSRC) {
            it.kind = PT_KIND_STREAM;
        } else if (attr->type == TSK_FS_ATTR_TYPE_NTFS_IDXROOT && stream) {
            it.kind = PT_KIND_INDEX; /* $Secure:$SDH, $Quota:$O: metadata, not data */
        }
    }
    /* A deleted name whose metadata entry is allocated: a newer file's, or
     * (an NTFS index entry left behind by a rename or a re-sort) the same
     * file under its current name.  Either way what the entry holds is
     * listed with that file, not under this name. */
    realloc_meta = m && (m->flags & TSK_FS_META_FLAG_ALLOC) && (n->flags & TSK_FS_NAME_FLAG_UNALLOC);
    if (realloc_meta && !attr && n->type != TSK_FS_NAME_TYPE_UNDEF)
        it.kind = kind_of_name(n->type); /* the entry's own type (ext's dirent), not the newer file's */
    if (m && !realloc_meta) {
        it.size = attr && (attr->type == TSK_FS_ATTR_TYPE_NTFS_DATA || attr->type == TSK_FS_ATTR_TYPE_HFS_RSRC)
                      ? (uint64_t)attr->size
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
        } else if (w->sids) {
            /* the owner SID of the file's security descriptor ($Secure),
             * named where the evidence's hive or Windows itself names it */
            char *sid = NULL;
            if (tsk_fs_file_get_owner_sid(f, &sid) == 0 && sid) {
                const char *name = pt_sids_name(&w->s->sids, sid);
                it.owner = pt_scan_intern(w->s, name ? name : sid);
            }
            free(sid);
            tsk_error_reset();
        }
        it.mode = (uint32_t)m->mode;
        if (m->type == TSK_FS_META_TYPE_LNK && m->link)
            it.link_target = m->link;
        uint32_t fl;
        if (w->xflags && pt_ext4flags_get(w->xflags, m->addr, &fl) && (fl & PT_EXT4_ENCRYPT_FL))
            it.fs_encrypted |= PT_FSCRYPT;
    } else if (!m && it.allocated == 0) {
        pt_item_add_error(&it, "note", "deleted name without metadata: size, times and content unknown");
    }
    if (it.allocated && (!m || m->type == TSK_FS_META_TYPE_UNDEF) && w->unread_why)
        pt_item_add_error(&it, "error", "%s", w->unread_why);
    else if (it.allocated && (!m || m->type == TSK_FS_META_TYPE_UNDEF))
        pt_item_add_error(&it, "error", "metadata entry %" PRIu64 " of this name could not be read (damaged?): "
                          "type, size, times and content unknown", (uint64_t)n->meta_addr);
    if (!pt_text_utf8_valid(w->path, strlen(w->path)))
        pt_item_add_error(&it, "note", "name is not valid UTF-8: invalid bytes are shown as \\xNN");
    if (pt_text_has_control(w->path))
        pt_item_add_error(&it, "note", "name contains control characters (kept as on disk)");
    if (!stream)
        recycle_note(w, &it, parent, n->name);
    if (w->loop_of)
        pt_item_add_error(&it, "note", "directory loop: this entry names directory %" PRIu64
                          ", which is its own ancestor /%s; its content is listed there, not walked again",
                          (uint64_t)n->meta_addr, w->loop_of);

    reuse_walk_t reuse = { 0, 0 };
    /* bounded as the read is: a damaged record's run list is walked block
     * by block, and it may claim more than the filesystem holds */
    if (!realloc_meta && m && (m->flags & TSK_FS_META_FLAG_UNALLOC) && is_readable_kind(it.kind) && it.size &&
        it.size <= (uint64_t)w->fs->block_count * w->fs->block_size)
        reuse = reused_blocks(f, attr);
    if (realloc_meta) {
        pt_item_add_error(&it, "note", "deleted name whose metadata entry %" PRIu64
                          " now holds an allocated file (fls: \"(realloc)\"): its size, times, owner and content "
                          "are that file's, not recorded here, not read", (uint64_t)n->meta_addr);
        it.category = "other";
    } else if (reuse.reused && reuse.reused == reuse.blocks) {
        pt_item_add_error(&it, "note", "deleted file whose %" PRIu64 " blocks are all allocated again (in use by "
                          "other files): what they hold is not attributable to it, not read", reuse.blocks);
        it.category = "other";
    } else if (w->no_data) {
        pt_item_add_error(&it, "error", "MFT entry %" PRIu64 " has no $DATA attribute (damaged record?): "
                          "size and content unknown, not read", (uint64_t)n->meta_addr);
    } else if (wof_kind == PT_WOF_UNREADABLE) {
        pt_item_add_error(&it, "error", "%s", wof.info.why);
    } else if (elsewhere == PT_REPARSE_ELSEWHERE) {
        pt_item_add_error(&it, "error", "%s", why);
    } else if (m && is_readable_kind(it.kind)) {
        if (wof_kind == PT_WOF_FILE)
            pt_item_add_error(&it, "note", "Windows system-compressed file (WOF %s, Compact OS): the content "
                              "was decompressed from its WofCompressedData stream", wof.info.name);
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
        if (reuse.reused)
            pt_item_add_error(&it, "note", "deleted file: %" PRIu64 " of its %" PRIu64 " blocks are allocated "
                              "again (in use by other files), so the content read is partly theirs",
                              reuse.reused, reuse.blocks);
        int rc = pt_scan_read(w->s, &it, pt_walk_read_tsk, &src, &rerr);
        if (rc != PT_OK) {
            pt_err_prefix(&rerr, "%s", w->path);
            *w->err = rerr;
            return rc;
        }
    }
    return pt_scan_emit(w->s, &it, w->err);
}

/* libtsk's directory walk goes no deeper than this (MAX_DEPTH in its
 * fs_dir.c), nor past its path buffer, and says nothing when it stops
 * there; ptriage walks on from each directory it left, up to --max-depth
 * levels in all. */
#define TSK_DEPTH_MAX 128

/* Keeps the directory at w->open for a walk continued from it. */
static int keep_deep(walk_state_t *w)
{
    walk_deep_t *d;

    if (w->n_deep == w->cap_deep) {
        size_t cap = w->cap_deep ? w->cap_deep * 2 : 8;
        walk_deep_t *a = realloc(w->deep, cap * sizeof *a);
        if (!a)
            return pt_err_set(w->err, PT_ENOMEM, "out of memory");
        w->deep = a;
        w->cap_deep = cap;
    }
    d = &w->deep[w->n_deep];
    d->depth = w->open;
    if (!(d->chain = malloc((w->open + 1) * sizeof *d->chain)))
        return pt_err_set(w->err, PT_ENOMEM, "out of memory");
    for (size_t k = 0; k <= w->open; k++)
        d->chain[k] = w->dirs[k].inum;
    d->path = w->dirs[w->open].path; /* ownership moves */
    w->dirs[w->open].path = NULL;
    d->why = NULL;
    w->n_deep++;
    return PT_OK;
}

/* Marks the directories at depth >= from as walked.  Keeps for a
 * continued walk those libtsk left at its depth or path limit (nothing
 * listed from them, though they hold entries); on ext and FAT (where
 * every directory but FAT's root holds "." and "..") lists as damage a
 * directory from which nothing at all can be listed. */
static int finish_dirs(walk_state_t *w, size_t from)
{
    int rc = PT_OK;

    for (; w->open > from; w->open--) {
        walk_dir_t *d = &w->dirs[w->open];
        char *msg = NULL;

        if (rc != PT_OK) {
        } else if (w->open >= (size_t)w->s->opts->max_depth) {
            if (asprintf(&msg, "directory /%s (inode %" PRIu64 ") is %d levels deep (a loop through damaged "
                         "metadata?): what it holds is not listed (--max-depth)", d->path, (uint64_t)d->inum,
                         w->s->opts->max_depth) < 0)
                msg = NULL, rc = pt_err_set(w->err, PT_ENOMEM, "out of memory");
        } else if (w->open - w->base_depth > TSK_DEPTH_MAX) {
            rc = keep_deep(w);
        } else if (d->entries == 0) {
            /* libtsk also stops, silently, where the path grows past its
             * buffer; a directory that opens with entries is walked on */
            TSK_FS_DIR *dir = tsk_fs_dir_open_meta(w->fs, d->inum);
            size_t n = dir ? tsk_fs_dir_getsize(dir) : 0;
            if (dir)
                tsk_fs_dir_close(dir);
            if (n > 0) {
                rc = keep_deep(w);
            } else if (TSK_FS_TYPE_ISHFS(w->fs->ftype) || (!dir && TSK_FS_TYPE_ISNTFS(w->fs->ftype))) {
                /* libtsk lists ".." in every HFS+ folder it can open; the
                 * entries of either are found another way (walk_listed) */
                const char *why = tsk_error_get();
                if ((rc = keep_deep(w)) == PT_OK &&
                    asprintf(&w->deep[w->n_deep - 1].why, "%s%s", dir ? "libtsk lists no entries in it, not even "
                             "\"..\"" : "libtsk could not open it: ", dir ? "" : why && *why ? why : "no reason given")
                    < 0) {
                    w->deep[w->n_deep - 1].why = NULL;
                    rc = pt_err_set(w->err, PT_ENOMEM, "out of memory");
                }
            } else if (!dir) {
                /* libtsk's recursive walk passes over a directory it cannot
                 * open without a word (an HFS+ hard link it cannot follow
                 * fails the whole folder, a damaged B-tree node, ...) */
                const char *why = tsk_error_get();
                if (asprintf(&msg, "directory /%s (inode %" PRIu64 ") could not be opened, so what it holds is not "
                             "listed%s%s", d->path, (uint64_t)d->inum, why && *why ? ": libtsk: " : "",
                             why && *why ? why : "") < 0)
                    msg = NULL, rc = pt_err_set(w->err, PT_ENOMEM, "out of memory");
            } else if (w->dots) {
                const char *why = tsk_error_get();
                if (asprintf(&msg, "directory /%s (inode %" PRIu64 ") lists no entries, not even \".\" and "
                             "\"..\": its blocks are damaged or unreadable, so what it held is not listed%s%s",
                             d->path, (uint64_t)d->inum, why && *why ? ": libtsk: " : "", why && *why ? why : "") < 0)
                    msg = NULL, rc = pt_err_set(w->err, PT_ENOMEM, "out of memory");
            }
            tsk_error_reset();
        }
        if (msg)
            rc = pt_scan_problem(w->s, "error", "filesystem", msg, w->err);
        free(msg);
        free(d->path);
        d->path = NULL;
    }
    return rc;
}

static void finish_dirs_free(walk_state_t *w)
{
    size_t k;

    for (k = 0; k < w->cap_dirs; k++)
        free(w->dirs[k].path);
    free(w->dirs);
    for (k = 0; k < w->n_deep; k++) {
        free(w->deep[k].path);
        free(w->deep[k].chain);
        free(w->deep[k].why);
    }
    free(w->deep);
}

static int grow_dirs(walk_state_t *w, size_t need)
{
    if (need > w->cap_dirs) {
        size_t cap = need * 2;
        walk_dir_t *a = realloc(w->dirs, cap * sizeof *a);
        if (!a)
            return pt_err_set(w->err, PT_ENOMEM, "out of memory");
        memset(a + w->cap_dirs, 0, (cap - w->cap_dirs) * sizeof *a);
        w->dirs = a;
        w->cap_dirs = cap;
    }
    return PT_OK;
}

#define PT_SKIP 1 /* track_dirs: an entry not to list */

/* Tracks the directories on the current path.  libtsk calls back for a
 * directory before walking into it.  An entry naming one of its own
 * ancestors (a loop made by damage or by hand) is noted, and is not
 * walked into.  Called for every entry, "." and ".." included. */
static int track_dirs(walk_state_t *w, const TSK_FS_FILE *f, const char *parent)
{
    size_t depth = w->base_depth, k;
    const char *p;
    /* an HFS+ folder whose metadata libtsk cannot read (its thread record
     * damaged) may still have its entries in the catalog */
    int is_dir = (f->meta && f->meta->type == TSK_FS_META_TYPE_DIR) ||
                 ((!f->meta || (f->meta->type == TSK_FS_META_TYPE_UNDEF && TSK_FS_TYPE_ISHFS(w->fs->ftype))) &&
                  f->name->type == TSK_FS_NAME_TYPE_DIR);

    for (p = parent; *p; p++)
        depth += *p == '/';
    w->loop_of = NULL;
    if (w->skip_at && depth >= w->skip_at)
        return PT_SKIP;
    w->skip_at = 0;
    if (grow_dirs(w, depth + 2) != PT_OK)
        return w->err->code;
    /* entries at this depth belong to dirs[depth]; deeper ones are done */
    if (finish_dirs(w, depth) != PT_OK)
        return w->err->code;
    w->dirs[depth].entries++;
    if (!is_dir || TSK_FS_ISDOT(f->name->name) || (f->name->flags & TSK_FS_NAME_FLAG_UNALLOC))
        return PT_OK;
    for (k = 0; k <= depth; k++) {
        if (w->dirs[k].inum == f->name->meta_addr) {
            w->loop_of = w->dirs[k].path ? w->dirs[k].path : "";
            /* libtsk's own loop check knows only the directories it walked
             * into, not where its walk started or what lies above that:
             * it walks into those again, and that repetition is skipped */
            if (k <= w->base_depth)
                w->skip_at = depth + 1;
            return PT_OK;
        }
    }
    w->open = depth + 1;
    w->dirs[w->open].inum = f->name->meta_addr;
    w->dirs[w->open].entries = 0;
    if (asprintf(&w->dirs[w->open].path, "%s%s%s", w->base ? w->base : "", parent, f->name->name) < 0) {
        w->dirs[w->open].path = NULL;
        w->open = depth;
        return pt_err_set(w->err, PT_ENOMEM, "out of memory");
    }
    return PT_OK;
}

static TSK_WALK_RET_ENUM walk_cb(TSK_FS_FILE *f, const char *parent, void *ptr);

/* Walks one directory (the root, or one libtsk left at its depth limit).
 * Returns PT_OK or a fatal error; libtsk's own failure is a volume error. */
static int walk_from(walk_state_t *w, TSK_INUM_T inum)
{
    uint8_t failed = tsk_fs_dir_walk(w->fs, inum,
                                     TSK_FS_DIR_WALK_FLAG_RECURSE | TSK_FS_DIR_WALK_FLAG_ALLOC |
                                         TSK_FS_DIR_WALK_FLAG_UNALLOC,
                                     walk_cb, w);

    if (!w->fatal && finish_dirs(w, w->base_depth ? w->base_depth - 1 : 0) != PT_OK)
        w->fatal = 1;
    if (w->fatal)
        return w->err->code ? w->err->code : PT_EDB;
    if (failed) {
        /* libtsk stops a walk on a damaged directory; what was walked stays
         * recorded and the damage is listed against the volume. */
        pt_err_t terr = { 0, "" };
        pt_source_tsk_err(&terr, PT_EFORMAT, "filesystem walk incomplete");
        return pt_scan_problem(w->s, "error", "filesystem", terr.msg, w->err);
    }
    tsk_error_reset();
    return PT_OK;
}

/* Keeps the folder cnid named name, an entry of the catalog-listed folder
 * d at path, for a walk continued from it: by libtsk, or (why set: libtsk
 * cannot read its metadata) from the catalog again. */
static int keep_sub(walk_state_t *w, const walk_deep_t *d, const char *path, const char *name, TSK_INUM_T cnid,
                    const char *why)
{
    walk_dir_t *sub;
    int rc;

    if (grow_dirs(w, d->depth + 2) != PT_OK)
        return w->err->code;
    for (size_t k = 0; k <= d->depth; k++)
        w->dirs[k].inum = d->chain[k];
    sub = &w->dirs[d->depth + 1];
    sub->inum = cnid;
    free(sub->path);
    if (asprintf(&sub->path, "%s/%s", path, name) < 0) {
        sub->path = NULL;
        return pt_err_set(w->err, PT_ENOMEM, "out of memory");
    }
    w->open = d->depth + 1;
    rc = keep_deep(w);
    w->open = d->depth;
    if (rc == PT_OK && why && !(w->deep[w->n_deep - 1].why = strdup(why)))
        rc = pt_err_set(w->err, PT_ENOMEM, "out of memory");
    return rc;
}

/* The allocated files whose NTFS $FILE_NAME names folder as their parent
 * (one meta walk of the MFT), into out as hfscat lists a folder: a file
 * with a long and a DOS name in it is listed once, by the longer. */
typedef struct by_parent {
    TSK_INUM_T folder;
    pt_hfscat_list_t *out;
    size_t cap;
    int oom;
} by_parent_t;

static TSK_WALK_RET_ENUM by_parent_cb(TSK_FS_FILE *f, void *ptr)
{
    by_parent_t *b = ptr;
    const TSK_FS_META_NAME_LIST *n, *best = NULL;
    pt_hfscat_entry_t e;

    if (!f->meta || f->meta->addr == b->folder)
        return TSK_WALK_CONT;
    for (n = f->meta->name2; n; n = n->next)
        if (n->par_inode == b->folder && n->name[0] && (!best || strlen(n->name) > strlen(best->name)))
            best = n;
    if (!best)
        return TSK_WALK_CONT;
    if (b->out->n == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 16;
        pt_hfscat_entry_t *a = realloc(b->out->e, cap * sizeof *a);
        if (!a)
            return b->oom = 1, TSK_WALK_STOP;
        b->out->e = a;
        b->cap = cap;
    }
    memset(&e, 0, sizeof e);
    e.cnid = e.target = (uint32_t)f->meta->addr;
    e.is_dir = f->meta->type == TSK_FS_META_TYPE_DIR;
    if (!(e.name = strdup(best->name)))
        return b->oom = 1, TSK_WALK_STOP;
    b->out->e[b->out->n++] = e;
    return TSK_WALK_CONT;
}

static int list_by_parent(TSK_FS_INFO *fs, TSK_INUM_T folder, pt_hfscat_list_t *out, pt_err_t *err)
{
    by_parent_t b = { folder, out, 0, 0 };
    uint8_t failed = tsk_fs_meta_walk(fs, fs->first_inum, fs->last_inum, TSK_FS_META_FLAG_ALLOC, by_parent_cb, &b);

    if (b.oom)
        return pt_err_set(err, PT_ENOMEM, "out of memory");
    if (failed && out->n == 0)
        return pt_source_tsk_err(err, PT_EFORMAT, "the MFT could not be walked");
    tsk_error_reset();
    return PT_OK;
}

/* Lists a folder libtsk could not open another way, with w->base at its
 * path: an HFS+ folder from the catalog itself (hfscat.c), an NTFS one
 * from the parent references of its files' MFT records.  Each entry is an
 * item (one whose metadata libtsk cannot read, or a hard link whose
 * indirect node is missing, with the reason as its error), each folder
 * kept for a walk continued from it; the folder is named in a note, or an
 * error when anything in it could not be read. */
static int walk_listed(walk_state_t *w, walk_deep_t *d)
{
    int hfs = TSK_FS_TYPE_ISHFS(w->fs->ftype);
    const char *how = hfs ? "read from the HFS+ catalog" : "found by the parent references in their MFT records";
    const char *path = w->dirs[d->depth].path ? w->dirs[d->depth].path : "";
    pt_hfscat_list_t l;
    pt_err_t cerr = { 0, "" };
    char *msg = NULL, why[512], damage[320] = "", unread_note[96] = "";
    size_t unread = 0;
    int rc = PT_OK, failed;

    memset(&l, 0, sizeof l);
    failed = (hfs ? pt_hfscat_folder(w->fs, (uint32_t)d->chain[d->depth], &l, &cerr)
                  : list_by_parent(w->fs, d->chain[d->depth], &l, &cerr)) != PT_OK;
    for (size_t i = 0; i < l.n && rc == PT_OK; i++) {
        const pt_hfscat_entry_t *e = &l.e[i];
        TSK_FS_FILE *f = e->target ? tsk_fs_file_open_meta(w->fs, NULL, e->target) : NULL, stub;
        TSK_FS_NAME name;
        int loop = 0;

        why[0] = '\0';
        if (!f) {
            const char *t = tsk_error_get();
            if (!e->target)
                snprintf(why, sizeof why, "hard link number %u, whose indirect %s %s%u is not in the volume's "
                         "private folder: its metadata and content are unknown", e->link,
                         e->is_dir ? "folder" : "file", e->is_dir ? "dir_" : "iNode", e->link);
            else
                snprintf(why, sizeof why, "libtsk could not read the metadata of %s %u (libtsk: %s): type, size, "
                         "times and content unknown", hfs ? "catalog record" : "MFT entry", e->target,
                         t && *t ? t : "no reason given");
            memset(&stub, 0, sizeof stub);
            stub.tag = TSK_FS_FILE_TAG;
            stub.fs_info = w->fs;
            f = &stub;
            unread++;
        }
        tsk_error_reset();
        /* the name libtsk would have given it (lent: taken back before the close) */
        memset(&name, 0, sizeof name);
        name.tag = TSK_FS_NAME_TAG;
        name.name = e->name;
        name.name_size = strlen(e->name) + 1;
        name.meta_addr = e->target ? e->target : e->cnid;
        name.par_addr = d->chain[d->depth];
        name.flags = TSK_FS_NAME_FLAG_ALLOC;
        name.type = e->is_dir ? TSK_FS_NAME_TYPE_DIR
                    : f->meta && f->meta->type == TSK_FS_META_TYPE_LNK ? TSK_FS_NAME_TYPE_LNK
                                                                        : TSK_FS_NAME_TYPE_REG;
        f->name = &name;
        w->unread_why = why[0] ? why : NULL;
        /* in a shadow copy, what a newer snapshot or the volume holds alike
         * is listed there (as walk_cb does) */
        if (!w->s->shadow || f == &stub || pt_vss_filter_keep(w->s->shadow, f))
            rc = emit_file(w, f, "");
        w->unread_why = NULL;
        f->name = NULL;
        for (size_t k = 0; k <= d->depth; k++)
            loop |= d->chain[k] == e->target;
        if (rc == PT_OK && e->is_dir && e->target && !loop)
            rc = keep_sub(w, d, path, e->name, e->target,
                          f == &stub ? "libtsk could not read its metadata (see the folder's own item)" : NULL);
        if (f != &stub)
            tsk_fs_file_close(f);
    }
    if (l.damaged)
        snprintf(damage, sizeof damage, ", passing over %zu damaged catalog records (the first: %s), whose entries "
                 "are not listed", l.damaged, l.damage);
    if (unread)
        snprintf(unread_note, sizeof unread_note, " (%zu of them without their metadata: see their errors)", unread);
    if (rc != PT_OK)
        ;
    else if (failed ? asprintf(&msg, "directory /%s (inode %" PRIu64 "): %s; nor could ptriage list it otherwise "
                               "(%s), so what it holds is not listed", path, (uint64_t)d->chain[d->depth],
                               d->why, cerr.msg) < 0
                    : asprintf(&msg, "directory /%s (inode %" PRIu64 "): %s; its %zu entr%s %s by ptriage%s%s",
                               path, (uint64_t)d->chain[d->depth], d->why, l.n, l.n == 1 ? "y was" : "ies were",
                               how, unread_note, damage) < 0)
        rc = pt_err_set(w->err, PT_ENOMEM, "out of memory");
    else
        rc = pt_scan_problem(w->s, failed || unread || l.damaged ? "error" : "note", "filesystem", msg, w->err);
    free(msg);
    pt_hfscat_free(&l);
    return rc;
}

/* Walks on from each directory libtsk left at its depth limit, with that
 * directory's ancestors in place so that loops are still seen. */
static int walk_deep(walk_state_t *w)
{
    int rc = PT_OK;

    while (w->n_deep > 0 && rc == PT_OK) {
        walk_deep_t d = w->deep[--w->n_deep];
        char *base = NULL;

        if (grow_dirs(w, d.depth + 2) != PT_OK || asprintf(&base, "%s/", d.path) < 0) {
            base = NULL;
            rc = w->err->code ? w->err->code : pt_err_set(w->err, PT_ENOMEM, "out of memory");
        } else {
            for (size_t k = 0; k <= d.depth; k++) {
                free(w->dirs[k].path);
                w->dirs[k].path = NULL;
                w->dirs[k].inum = d.chain[k];
                w->dirs[k].entries = 0;
            }
            w->dirs[d.depth].path = d.path; /* ownership moves */
            d.path = NULL;
            w->open = d.depth;
            w->base = base;
            w->base_depth = d.depth;
            w->skip_at = 0;
            rc = d.why ? walk_listed(w, &d) : walk_from(w, d.chain[d.depth]);
            w->base = NULL;
        }
        free(base);
        free(d.path);
        free(d.chain);
        free(d.why);
    }
    return rc;
}

static TSK_WALK_RET_ENUM walk_cb(TSK_FS_FILE *f, const char *parent, void *ptr)
{
    walk_state_t *w = ptr;
    int rc = PT_OK;

    if (!f->name)
        return TSK_WALK_CONT;
    rc = track_dirs(w, f, parent);
    if (rc == PT_SKIP)
        return TSK_WALK_CONT;
    if (rc != PT_OK) {
        w->fatal = 1;
        return TSK_WALK_STOP;
    }
    if (TSK_FS_ISDOT(f->name->name))
        return TSK_WALK_CONT;
    /* a shadow copy: a file a newer snapshot, or the volume, holds alike
     * is listed there, not again here */
    if (w->s->shadow && !pt_vss_filter_keep(w->s->shadow, f))
        return TSK_WALK_CONT;
    rc = emit_file(w, f, parent);
    if (rc != PT_OK) {
        w->fatal = 1;
        return TSK_WALK_STOP;
    }
    return TSK_WALK_CONT;
}

/* The content of one small file of the filesystem, read by name before
 * the walk, bounded at 1 MiB.  Returns a malloc'd buffer or NULL; libtsk
 * errors here are not the walk's. */
static char *read_small(TSK_FS_INFO *fs, const char *path, size_t *len)
{
    TSK_FS_FILE *f = tsk_fs_file_open(fs, NULL, path);
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

/* macOS keeps its accounts in the local directory, one property list per
 * account (name and uid, each in an array), not in /etc/passwd: appended to
 * *text as "name:*:uid:" lines. */
static void mac_accounts(TSK_FS_INFO *fs, char **text, size_t *len)
{
    TSK_FS_DIR *d = tsk_fs_dir_open(fs, MAC_USERS);
    size_t i, n;

    if (!d) {
        tsk_error_reset();
        return;
    }
    n = tsk_fs_dir_getsize(d);
    for (i = 0; i < n && i < MAC_USERS_MAX; i++) {
        TSK_FS_FILE *f = tsk_fs_dir_get(d, i);
        const char *nm = f && f->name ? f->name->name : "";
        size_t nl = strlen(nm);
        char name[64], uid[16], *buf, *grown;
        ssize_t got;

        if (f && f->meta && f->meta->type == TSK_FS_META_TYPE_REG && (f->name->flags & TSK_FS_NAME_FLAG_ALLOC) &&
            nl > 6 && strcmp(nm + nl - 6, ".plist") == 0 && f->meta->size > 0 && f->meta->size <= (1 << 20) &&
            (buf = malloc((size_t)f->meta->size)) != NULL) {
            got = tsk_fs_file_read(f, 0, buf, (size_t)f->meta->size, TSK_FS_FILE_READ_FLAG_NONE);
            if (got > 0 && pt_plist_string((const uint8_t *)buf, (size_t)got, "name", name, sizeof name) &&
                pt_plist_string((const uint8_t *)buf, (size_t)got, "uid", uid, sizeof uid) && !strchr(name, ':') &&
                (grown = realloc(*text, *len + sizeof name + sizeof uid + 8)) != NULL) {
                *text = grown;
                *len += (size_t)sprintf(grown + *len, "%s:*:%s:\n", name, uid);
            }
            free(buf);
        }
        if (f)
            tsk_fs_file_close(f);
    }
    tsk_fs_dir_close(d);
    tsk_error_reset();
}

#define HIVE_MAX ((int64_t)512 << 20) /* a SOFTWARE hive is tens of MB; a bigger one is not read */

/* A registry hive of the filesystem, copied into an anonymous memory file
 * for libhivex, which opens files by name; nothing is written to disk.
 * Returns the descriptor, or -1 when there is no such hive or it cannot
 * be read whole. */
static int hive_fd(TSK_FS_INFO *fs, const char *path)
{
    char buf[65536];
    int64_t off = 0;
    int fd = -1;
    TSK_FS_FILE *f = tsk_fs_file_open(fs, NULL, path);

    if (f && f->meta && f->meta->size > 0 && f->meta->size <= HIVE_MAX &&
        (fd = memfd_create("hive", MFD_CLOEXEC)) >= 0) {
        while (off < f->meta->size) {
            ssize_t n = tsk_fs_file_read(f, off, buf, sizeof buf, TSK_FS_FILE_READ_FLAG_NONE);
            if (n <= 0 || write(fd, buf, (size_t)n) != n)
                break;
            off += n;
        }
        if (off != f->meta->size) {
            close(fd);
            fd = -1;
        }
    }
    if (f)
        tsk_fs_file_close(f);
    tsk_error_reset();
    return fd;
}

/* Windows: the product from the SOFTWARE hive; the accounts that own
 * files from SAM (local accounts by name) and from SOFTWARE's ProfileList
 * (every profile, domain accounts too), SAM's names first. */
static void windows_hives(TSK_FS_INFO *fs, pt_walk_pre_t *pre)
{
    int sam = hive_fd(fs, "/Windows/System32/config/SAM"), soft = hive_fd(fs, "/Windows/System32/config/SOFTWARE");

    if (sam >= 0) {
        pt_osinfo_windows_sam(sam, &pre->profiles, &pre->profiles_len);
        close(sam);
    }
    if (soft >= 0) {
        pt_osinfo_windows(soft, pre->os, sizeof pre->os);
        pt_osinfo_windows_profiles(soft, &pre->profiles, &pre->profiles_len);
        close(soft);
    }
}

/* The operating system the filesystem holds, for the report. */
static void read_os(TSK_FS_INFO *fs, pt_walk_pre_t *pre)
{
    char *os = pre->os;
    size_t size = sizeof pre->os;
    static const char *const release[] = { "/etc/os-release", "/usr/lib/os-release" };
    size_t len = 0, i;
    TSK_FS_FILE *f;

    os[0] = '\0';
    for (i = 0; i < 2 && !os[0]; i++) {
        char *buf = read_small(fs, release[i], &len);
        if (buf)
            pt_osinfo_parse_release(buf, len, os, size);
        free(buf);
    }
    if (!os[0] && (TSK_FS_TYPE_ISAPFS(fs->ftype) || TSK_FS_TYPE_ISHFS(fs->ftype))) {
        char *buf = read_small(fs, "/System/Library/CoreServices/SystemVersion.plist", &len);
        if (buf)
            pt_osinfo_parse_macos(buf, len, os, size);
        free(buf);
    }
    if (!os[0] && (f = tsk_fs_file_open(fs, NULL, "/Windows/System32/config/SOFTWARE")) != NULL) {
        tsk_fs_file_close(f);
        windows_hives(fs, pre);
        if (!os[0])
            snprintf(os, size, "Windows (the SOFTWARE hive names no product)");
    }
    tsk_error_reset();
}

void pt_walk_pre_read(TSK_FS_INFO *fs, pt_walk_pre_t *pre)
{
    memset(pre, 0, sizeof *pre);
    if (has_owners(fs)) {
        pre->accounts = read_small(fs, "/etc/passwd", &pre->accounts_len);
        if (TSK_FS_TYPE_ISAPFS(fs->ftype) || TSK_FS_TYPE_ISHFS(fs->ftype))
            mac_accounts(fs, &pre->accounts, &pre->accounts_len);
    }
    read_os(fs, pre);
}

void pt_walk_pre_free(pt_walk_pre_t *pre)
{
    free(pre->accounts);
    pre->accounts = NULL;
    pre->accounts_len = 0;
    free(pre->profiles);
    pre->profiles = NULL;
    pre->profiles_len = 0;
}

/* The hives' accounts join the evidence's SID map; the note says which
 * names owners get from them (each SID once, as it is named; Windows' own
 * SIDs keep their names and are not listed). */
static int profiles_note(pt_scan_t *s, const char *text, size_t len, pt_err_t *err)
{
    char msg[2048];
    pt_sids_t shown = { NULL, 0 };
    size_t added = pt_sids_add(&s->sids, text, len), i, at;
    int rc;

    if (!added)
        return PT_OK;
    at = (size_t)snprintf(msg, sizeof msg, "owners (the SIDs of files' security descriptors) are named from this "
                          "volume's SAM and SOFTWARE hives (local accounts, then ProfileList), for this evidence:");
    for (i = 0; i < len && at < sizeof msg - 200 && shown.n < 20;) {
        const char *line = text + i, *end = memchr(line, '\n', len - i), *tab;
        size_t ll = end ? (size_t)(end - line) : len - i;
        char sid[96];
        const char *name;
        i += ll + 1;
        if (!(tab = memchr(line, '\t', ll)) || (size_t)(tab - line) >= sizeof sid)
            continue;
        memcpy(sid, line, (size_t)(tab - line));
        sid[tab - line] = '\0';
        if (pt_sids_name(NULL, sid) || !(name = pt_sids_name(&s->sids, sid)) ||
            !pt_sids_add(&shown, line, (size_t)(end ? end - line : (ptrdiff_t)ll)))
            continue;
        at += (size_t)snprintf(msg + at, sizeof msg - at, "%s %s = %s", shown.n > 1 ? "," : "", name, sid);
    }
    if (added > shown.n && at < sizeof msg - 60)
        snprintf(msg + at, sizeof msg - at, "%s and %zu more", shown.n ? "," : "", added - shown.n);
    rc = pt_scan_problem(s, "note", s->volume_label, msg, err);
    pt_sids_free(&shown);
    return rc;
}

int pt_walk_fs(pt_scan_t *s, TSK_FS_INFO *fs, const pt_walk_pre_t *pre, pt_err_t *err)
{
    walk_state_t w;
    pt_walk_pre_t own;
    int rc;

    memset(&w, 0, sizeof w);
    w.s = s;
    w.fs = fs;
    w.err = err;
    w.owners = has_owners(fs);
    w.dots = TSK_FS_TYPE_ISEXT(fs->ftype) || TSK_FS_TYPE_ISFAT(fs->ftype);
    if (!pre) {
        pt_walk_pre_read(fs, &own);
        pre = &own;
    }
    if (w.owners && pre->accounts)
        pt_accounts_parse(&w.accounts, pre->accounts, pre->accounts_len);
    w.xflags = pt_ext4flags_open(fs);
    w.sids = TSK_FS_TYPE_ISNTFS(fs->ftype);
    rc = pre->os[0] && s->volume_id ? pt_casedb_set_volume_os(s->db, s->volume_id, pre->os, err) : PT_OK;
    if (rc == PT_OK && w.sids && pre->profiles)
        rc = profiles_note(s, pre->profiles, pre->profiles_len, err);
    if (pre == &own)
        pt_walk_pre_free(&own);
    if (rc != PT_OK) {
        pt_accounts_free(&w.accounts);
        pt_ext4flags_close(w.xflags);
        return rc;
    }
    w.dirs = NULL;
    rc = grow_dirs(&w, 2);
    /* disks found in the tree look their backing files up in it; not in
     * APFS, whose path lookup libtsk gets wrong on damaged trees (trial.c) */
    struct pt_files *outer = s->files;
    s->files = TSK_FS_TYPE_ISAPFS(fs->ftype) ? NULL : pt_files_tsk(fs);
    if (rc == PT_OK) {
        w.dirs[0].inum = fs->root_inum;
        rc = walk_from(&w, fs->root_inum);
    }
    pt_files_free(s->files);
    s->files = outer;
    if (rc == PT_OK)
        rc = walk_deep(&w);
    finish_dirs_free(&w);
    free(w.path);
    pt_accounts_free(&w.accounts);
    pt_ext4flags_close(w.xflags);
    return rc;
}
