/* volume.c - partitions and filesystems of one image.  Owns the TSK_VS_INFO
 * and TSK_FS_INFO it opens and closes them before returning. */
#include "volume.h"

#include "archive_walk.h"
#include "bundle.h"
#include "phdbundle.h"
#include "chain.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apfs.h"
#include "btrfs.h"
#include "squashfs.h"
#include "erofs.h"
#include "f2fs.h"
#include "freespace.h"
#include "fsid.h"
#include "gpt.h"
#include "layer.h"
#include "mdarray.h"
#include "mdraid.h"
#include "tcrypt.h"
#include "trial.h"
#include "walk.h"
#include "vss.h"
#include "xfs.h"

/* containers inside containers (LUKS on LVM on a partition): enough for
 * any real stack, bounded against a crafted loop */
#define LAYER_DEPTH_MAX 4

typedef struct part_src {
    const TSK_VS_PART_INFO *part; /* NULL: the image, from off for len bytes (0: to its end) */
    TSK_IMG_INFO *img;
    uint64_t off, len;
} part_src_t;

static ssize_t read_part(void *src, uint64_t off, uint8_t *buf, size_t len, pt_err_t *err)
{
    part_src_t *p = src;
    ssize_t got;

    if (!p->part && p->len) { /* a partition read from the backup GPT */
        if (off >= p->len)
            return 0;
        if (len > p->len - off)
            len = (size_t)(p->len - off);
    }
    got = p->part ? tsk_vs_part_read(p->part, (TSK_OFF_T)off, (char *)buf, len)
                  : tsk_img_read(p->img, (TSK_OFF_T)(p->off + off), (char *)buf, len);
    if (got < 0)
        pt_source_tsk_err(err, PT_EIO, "libtsk");
    return got;
}

/* An item standing for the current volume as a whole. */
static void volume_item_init(const pt_scan_t *s, pt_item_t *it, uint64_t size)
{
    pt_item_init(it);
    it->evidence_id = s->evidence_id;
    it->volume_id = s->volume_id;
    it->path = s->nest_prefix ? s->volume_label : "";
    it->kind = PT_KIND_VOLUME;
    it->size = size;
}

/* Of a virtual disk's volume item, read at most 1,024 times what its file
 * holds (deflate's best ratio; the other codecs of disk images are of its
 * kind), and at least 1 GiB: beyond that the disk reads as zeros its file
 * does not store.  A small damaged file claiming a disk of petabytes would
 * otherwise be hashed for days. */
#define UNSTORED_RATIO 1024u
#define UNSTORED_MIN ((uint64_t)1 << 30)

/* A volume with no filesystem libtsk reads: one item holding its bytes.
 * The whole image without one is an error; a partition, a note. */
static int volume_item(pt_scan_t *s, pt_read_fn fn, void *src, uint64_t size, int whole, const char *why,
                       pt_err_t *err)
{
    pt_item_t it;
    pt_err_t rerr = { 0, "" };
    int rc;

    uint8_t head[65536];
    ssize_t n;
    int64_t before;
    /* evidence that is an archive or a compressed file (a disk image.gz, a
     * backup.tar) rather than a disk: its members are walked as "!/NAME" */
    int archive = whole && !s->nest_prefix && s->opts->archive_depth > 0 &&
                  (n = fn(src, 0, head, sizeof head < size ? sizeof head : (size_t)size, &rerr)) > 0 &&
                  pt_archive_looks_like(head, (size_t)n);

    volume_item_init(s, &it, size);
    if (s->opts->max_item_size)
        pt_item_limit(&it, s->opts->max_item_size, 0);
    else if (s->disk_file_bytes) {
        uint64_t most = s->disk_file_bytes < UINT64_MAX / UNSTORED_RATIO ? s->disk_file_bytes * UNSTORED_RATIO
                                                                          : UINT64_MAX;
        if (most < UNSTORED_MIN)
            most = UNSTORED_MIN;
        if (size > most) {
            it.read_limit = most;
            pt_item_add_error(&it, "error", "a virtual disk of %" PRIu64 " bytes in files of %" PRIu64 " bytes: "
                              "read stopped at byte %" PRIu64 " (%u times its files, at least 1 GiB: past what the "
                              "files can hold but as zeros they do not store), no hash (use --max-item-size to read "
                              "further)",
                              size, s->disk_file_bytes, most, UNSTORED_RATIO);
        }
    }
    if (archive)
        pt_item_add_error(&it, "note", "an archive or compressed file, not a disk image: recorded and hashed "
                          "whole, and expanded (libarchive): its members are !/NAME");
    else
        pt_item_add_error(&it, whole ? "error" : "note", "%s", why);
    if ((rc = pt_scan_read(s, &it, fn, src, &rerr)) != PT_OK) {
        *err = rerr;
        return rc;
    }
    if ((rc = pt_scan_emit(s, &it, err)) != PT_OK || !archive || !it.content_read)
        return rc;
    before = s->emitted;
    s->in_archive = 1;
    rc = pt_archive_expand(s, &it, fn, src, 0, err);
    s->in_archive = 0;
    if (rc == PT_OK && s->emitted == before)
        rc = pt_scan_item_problem(s, it.id, "error", "image", why, err);
    return rc;
}

static int add_volume(pt_scan_t *s, pt_volume_info_t *v, pt_err_t *err)
{
    int64_t id = 0;
    int rc;

    v->evidence_id = s->evidence_id;
    if (s->nest_prefix)
        v->parent_item_id = s->nest_item; /* covered by that file's hash */
    if (s->nest_prefix && !v->parent_volume_id) {
        v->container = s->nest_container; /* the file's virtual-disk format */
        /* a volume of a disk image found as a file: "/vm/disk.img!p1" */
        char *l = malloc(strlen(s->nest_prefix) + strlen(v->label ? v->label : "") + 1);
        if (!l)
            return pt_err_set(err, PT_ENOMEM, "out of memory");
        sprintf(l, "%s%s", s->nest_prefix, v->label ? v->label : "");
        v->label = pt_scan_intern(s, l);
        free(l);
    }
    if ((rc = pt_casedb_add_volume(s->db, v, &id, err)) != PT_OK)
        return rc;
    s->volume_id = id;
    s->volume_label = pt_scan_intern(s, v->label ? v->label : "");
    s->n.volumes++;
    return PT_OK;
}

/* A volume whose content could not be opened: recorded with why, and its
 * bytes hashed as one item. */
static int unopened(pt_scan_t *s, pt_volume_info_t *v, pt_read_fn fn, void *src, int whole, const char *why,
                    pt_err_t *err)
{
    int rc;

    v->error = why;
    if ((rc = add_volume(s, v, err)) != PT_OK)
        return rc;
    return volume_item(s, fn, src, v->length, whole, why, err);
}

static TSK_WALK_RET_ENUM count_block(const TSK_FS_BLOCK *b, void *ptr)
{
    (void)b;
    (*(uint64_t *)ptr)++;
    return TSK_WALK_CONT;
}

/* For the coverage ledger: how much of the filesystem is free space, which
 * ptriage does not carve.  Addresses only (no block is read), over the
 * blocks the image holds. */
static void measure_fs(pt_scan_t *s, TSK_FS_INFO *fs, pt_volume_info_t *v)
{
    pt_free_profile_t prof;
    uint64_t free_blocks = 0;

    v->fs_bytes = (uint64_t)fs->block_count * fs->block_size;
    if (tsk_fs_block_walk(fs, fs->first_block, fs->last_block_act,
                          TSK_FS_BLOCK_WALK_FLAG_UNALLOC | TSK_FS_BLOCK_WALK_FLAG_AONLY, count_block,
                          &free_blocks) != 0) {
        tsk_error_reset(); /* unknown: the ledger says so */
        return;
    }
    v->has_fs_bytes = 1;
    v->fs_unalloc_bytes = free_blocks * fs->block_size;
    pt_freespace_profile(fs, free_blocks, s->opts->free_sample, &prof);
    v->free_sampled = prof.sampled + prof.unreadable;
    v->free_zero = prof.zero;
    v->free_text = prof.text;
    v->free_random = prof.random;
    v->free_high = prof.high;
    v->free_other = prof.other;
    v->free_unreadable = prof.unreadable;
}

static int scan_fs_or_raw(pt_scan_t *s, pt_volume_info_t *v, TSK_FS_INFO *fs, pt_read_fn fn, void *src,
                          int whole, const char *fs_err, int depth, pt_err_t *err);

/* A row of the volumes table for a volume decoded from another. */
static void layer_row(pt_volume_info_t *v, const char *label, uint64_t length, const char *desc,
                      const char *container, int64_t parent, const char *layer_name)
{
    memset(v, 0, sizeof *v);
    v->label = label;
    v->tsk_addr = -1;
    v->length = length;
    v->flags = "layer";
    v->description = desc;
    v->container = container;
    v->parent_volume_id = parent;
    v->layer_name = layer_name;
}

/* One volume decoded from another (a logical volume, an opened LUKS
 * volume): labelled "p2!lvm:vg0/root", "p3!luks", walked like a partition. */
static int scan_layer_volume(pt_scan_t *s, int64_t parent, const char *parent_label, pt_layer_kind_t kind,
                             pt_layer_t *layer, int depth, pt_err_t *err)
{
    pt_volume_info_t v;
    TSK_IMG_INFO *img;
    TSK_FS_INFO *fs = NULL;
    pt_err_t ferr = { 0, "" };
    char label[1024], why[2048];
    int rc = PT_OK, named = kind == PT_LAYER_LVM || kind == PT_LAYER_BSD || kind == PT_LAYER_VSS ||
                            kind == PT_LAYER_VERACRYPT;

    if (named)
        snprintf(label, sizeof label, "%.600s!%s:%.400s", parent_label,
                 kind == PT_LAYER_LVM ? "lvm" : kind == PT_LAYER_BSD ? "bsd" : kind == PT_LAYER_VSS ? "vss" : "veracrypt",
                 pt_layer_name(layer));
    else
        snprintf(label, sizeof label, "%.600s!%s", parent_label, pt_layer_kind_name(kind));
    layer_row(&v, label, pt_layer_size(layer), pt_layer_describe(layer), pt_layer_kind_name(kind), parent,
              named ? pt_layer_name(layer) : NULL);
    img = pt_source_img_over(pt_layer_read, layer, v.length);
    if (img)
        fs = pt_source_fs_open(img, 0, 0);
    if (fs && kind == PT_LAYER_VSS && s->opts->shadow_copies == PT_SHADOW_CHANGED) {
        int idx = 0;
        pt_vss_t *set = pt_layer_vss(layer, &idx);
        if (!(s->shadow = pt_vss_filter_open(set, idx, fs)))
            rc = pt_scan_problem(s, "note", label, "which files this snapshot holds in an older state could not be "
                                 "told (its $MFT is not mapped): every file of it is listed", err);
    }
    if (!fs) {
        uint8_t h[16];
        pt_err_t herr = { 0, "" };
        pt_source_tsk_err(&ferr, PT_EFORMAT, "no filesystem recognised");
        snprintf(why, sizeof why, "%s has no filesystem libtsk reads (%.900s); recorded and hashed as one "
                 "volume item", label, ferr.msg);
        /* a snapshot's exception store (dm-snapshot's "SnAp" header) is
         * named for what it holds */
        if (kind == PT_LAYER_LVM && pt_read_exact(pt_layer_read, layer, 0, h, sizeof h, &herr) == PT_OK &&
            memcmp(h, "SnAp", 4) == 0)
            snprintf(why, sizeof why, "%s is an LVM snapshot's copy-on-write store (dm-snapshot exception store, "
                     "chunks of %u sectors): blocks of the origin volume as they were before they changed, not a "
                     "filesystem; recorded and hashed as one volume item", label,
                     (unsigned)(h[12] | h[13] << 8 | h[14] << 16 | (unsigned)h[15] << 24));
    }
    if (rc == PT_OK && !fs && kind == PT_LAYER_VSS) {
        /* the volume as it was, whose NTFS no longer opens: its bytes are
         * the volume's own but for the blocks the stores keep, so it is
         * not hashed whole (a second read of the whole volume) */
        snprintf(why, sizeof why, "%s: the snapshot's NTFS does not open (%.900s); its files are not listed",
                 label, ferr.msg);
        v.error = why;
        if ((rc = add_volume(s, &v, err)) == PT_OK)
            rc = pt_scan_problem(s, "error", label, why, err);
    } else if (rc == PT_OK) {
        rc = scan_fs_or_raw(s, &v, fs, pt_layer_read, layer, 0, why, depth, err);
    }
    pt_vss_filter_close(s->shadow);
    s->shadow = NULL;
    if (fs)
        tsk_fs_close(fs);
    if (img)
        tsk_img_close(img);
    return rc;
}

/* What a volume that holds no filesystem libtsk reads is, in words. */
static void container_why(pt_layer_kind_t k, const char *open_err, const char *fs_err, char *why, size_t n)
{
    const char *tail = "recorded and hashed as one volume item";

    switch (k) {
    case PT_LAYER_LUKS:
        snprintf(why, n, "LUKS encrypted volume, not opened (%.600s); %s", open_err, tail);
        break;
    case PT_LAYER_LVM:
        snprintf(why, n, "LVM2 physical volume, not opened (%.600s); %s", open_err, tail);
        break;
    case PT_LAYER_MDRAID:
        snprintf(why, n, "Linux software RAID member: %.900s; %s", open_err, tail);
        break;
    case PT_LAYER_BSD:
        snprintf(why, n, "BSD disklabel, not opened (%.600s); %s", open_err, tail);
        break;
    case PT_LAYER_ZFS:
        snprintf(why, n, "ZFS pool member (uberblock found): ptriage does not read ZFS; %s", tail);
        break;
    case PT_LAYER_BITLOCKER:
        snprintf(why, n, "BitLocker encrypted volume, not opened (%.600s); %s", open_err, tail);
        break;
    default:
        snprintf(why, n, "%s", fs_err);
    }
}

/* An XFS filesystem (which libtsk does not read), walked with libfsxfs. */
static int scan_xfs(pt_scan_t *s, pt_volume_info_t *v, pt_read_fn fn, void *src, int whole, pt_err_t *err)
{
    pt_xfs_t *x = NULL;
    pt_err_t xerr = { 0, "" };
    char why[1400];
    int rc = pt_xfs_open(fn, src, v->length, &x, &xerr);

    if (rc == PT_ENOMEM)
        return pt_err_set(err, rc, "%s", xerr.msg);
    if (!x) {
        snprintf(why, sizeof why, "%.1100s; recorded and hashed as one volume item", xerr.msg);
        return unopened(s, v, fn, src, whole, why, err);
    }
    v->filesystem = "xfs";
    if ((rc = add_volume(s, v, err)) == PT_OK &&
        (rc = pt_scan_problem(s, "note", s->volume_label, pt_xfs_describe(x), err)) == PT_OK)
        rc = pt_xfs_walk(s, x, err);
    pt_xfs_close(x);
    return rc;
}

/* A SquashFS filesystem (which libtsk does not read), walked by squashfs.c. */
static int scan_squashfs(pt_scan_t *s, pt_volume_info_t *v, pt_read_fn fn, void *src, int whole, pt_err_t *err)
{
    pt_squashfs_t *q = NULL;
    pt_err_t qerr = { 0, "" };
    char why[1400];
    int rc = pt_squashfs_open(fn, src, v->length, &q, &qerr);

    if (rc == PT_ENOMEM)
        return pt_err_set(err, rc, "%s", qerr.msg);
    if (!q) {
        snprintf(why, sizeof why, "%.1100s; recorded and hashed as one volume item", qerr.msg);
        return unopened(s, v, fn, src, whole, why, err);
    }
    v->filesystem = "squashfs";
    /* the bytes after its end (padding to the volume's size) are not its */
    v->has_fs_bytes = 1;
    v->fs_bytes = v->length;
    v->fs_unalloc_bytes = v->length - pt_squashfs_bytes_used(q);
    if ((rc = add_volume(s, v, err)) == PT_OK &&
        (rc = pt_scan_problem(s, "note", s->volume_label, pt_squashfs_describe(q), err)) == PT_OK)
        rc = pt_squashfs_walk(s, q, err);
    pt_squashfs_close(q);
    return rc;
}

/* An EROFS filesystem (which libtsk does not read), walked by erofs.c. */
static int scan_erofs(pt_scan_t *s, pt_volume_info_t *v, pt_read_fn fn, void *src, int whole, pt_err_t *err)
{
    pt_erofs_t *e = NULL;
    pt_err_t eerr = { 0, "" };
    char why[1400];
    int rc = pt_erofs_open(fn, src, v->length, &e, &eerr);

    if (rc == PT_ENOMEM)
        return pt_err_set(err, rc, "%s", eerr.msg);
    if (!e) {
        snprintf(why, sizeof why, "%.1100s; recorded and hashed as one volume item", eerr.msg);
        return unopened(s, v, fn, src, whole, why, err);
    }
    v->filesystem = "erofs";
    v->has_fs_bytes = 1;
    v->fs_bytes = v->length;
    v->fs_unalloc_bytes = v->length - pt_erofs_bytes_used(e);
    if ((rc = add_volume(s, v, err)) == PT_OK &&
        (rc = pt_scan_problem(s, "note", s->volume_label, pt_erofs_describe(e), err)) == PT_OK)
        rc = pt_erofs_walk(s, e, err);
    pt_erofs_close(e);
    return rc;
}

/* An F2FS filesystem (which libtsk does not read), walked by f2fs.c. */
static int scan_f2fs(pt_scan_t *s, pt_volume_info_t *v, pt_read_fn fn, void *src, int whole, pt_err_t *err)
{
    pt_f2fs_t *f2 = NULL;
    pt_err_t ferr = { 0, "" };
    char why[1400];
    int rc = pt_f2fs_open(fn, src, v->length, &f2, &ferr);

    if (rc == PT_ENOMEM)
        return pt_err_set(err, rc, "%s", ferr.msg);
    if (!f2) {
        snprintf(why, sizeof why, "%.1100s; recorded and hashed as one volume item", ferr.msg);
        return unopened(s, v, fn, src, whole, why, err);
    }
    v->filesystem = "f2fs";
    v->has_fs_bytes = 1;
    v->fs_bytes = v->length;
    v->fs_unalloc_bytes = v->length - pt_f2fs_bytes_used(f2);
    if ((rc = add_volume(s, v, err)) == PT_OK &&
        (rc = pt_scan_problem(s, "note", s->volume_label, pt_f2fs_describe(f2), err)) == PT_OK)
        rc = pt_f2fs_walk(s, f2, err);
    pt_f2fs_close(f2);
    return rc;
}

/* A Btrfs filesystem (which libtsk does not read), walked by btrfs.c: the
 * top-level subvolume as this volume, each other subvolume as a volume
 * "LABEL!btrfs:PATH" under it. */
static int scan_btrfs(pt_scan_t *s, pt_volume_info_t *v, pt_read_fn fn, void *src, int whole, pt_err_t *err)
{
    pt_btrfs_t *b = NULL;
    pt_err_t berr = { 0, "" };
    char why[1400];
    int rc = pt_btrfs_open(fn, src, v->length, &b, &berr), i, tail = 0;

    if (rc == PT_ENOMEM)
        return pt_err_set(err, rc, "%s", berr.msg);
    if (!b) {
        snprintf(why, sizeof why, "%.1100s; recorded and hashed as one volume item", berr.msg);
        return unopened(s, v, fn, src, whole, why, err);
    }
    v->filesystem = "btrfs";
    if (pt_btrfs_bytes_used(b) <= v->length) {
        /* free space as the filesystem counts it (one device) */
        v->has_fs_bytes = 1;
        v->fs_bytes = v->length;
        v->fs_unalloc_bytes = v->length - pt_btrfs_bytes_used(b);
    }
    if ((rc = add_volume(s, v, err)) == PT_OK &&
        (rc = pt_scan_problem(s, "note", s->volume_label, pt_btrfs_describe(b), err)) == PT_OK)
        rc = pt_btrfs_walk(s, b, PT_BTRFS_FS_TREE, err);
    int64_t parent = s->volume_id;
    const char *plabel = s->volume_label;
    /* the walks add the subvolumes they find; then those no name reaches */
    for (i = 0; rc == PT_OK && (i < pt_btrfs_subvol_count(b) || (!tail++ && pt_btrfs_add_unnamed(b) > 0)); i++) {
        pt_volume_info_t sv;
        char label[1024], id[32], desc[512];
        snprintf(label, sizeof label, "%.600s!btrfs:%.400s", plabel, pt_btrfs_subvol_path(b, i));
        snprintf(id, sizeof id, "%llu", (unsigned long long)pt_btrfs_subvol_id(b, i));
        if (strncmp(pt_btrfs_subvol_path(b, i), "id ", 3) == 0)
            snprintf(desc, sizeof desc, "Btrfs subvolume %s (or snapshot) of %.60s, which no directory names%s", id,
                     plabel[0] ? plabel : "the image", strstr(pt_btrfs_subvol_path(b, i), "(deleted)")
                     ? ": deleted, its blocks not yet reclaimed (what is left of it is walked)" : "");
        else
            snprintf(desc, sizeof desc, "Btrfs subvolume %s (or snapshot) at /%.300s of %.60s", id,
                     pt_btrfs_subvol_path(b, i), plabel[0] ? plabel : "the image");
        layer_row(&sv, label, v->length, desc, "btrfs", parent, id);
        sv.filesystem = "btrfs";
        if ((rc = add_volume(s, &sv, err)) == PT_OK)
            rc = pt_btrfs_walk(s, b, pt_btrfs_subvol_id(b, i), err);
        s->volume_id = parent;
        s->volume_label = plabel;
    }
    pt_btrfs_close(b);
    return rc;
}

/* The label of an APFS volume: "p2!apfs:Macintosh HD"; by its index when
 * it has no name or shares its name with an earlier one. */
static void apfs_label(const pt_apfs_t *a, int i, const char *parent, char *label, size_t n)
{
    const char *name = pt_apfs_volume(a, i)->name;
    int j, dup = !name[0];

    for (j = 0; j < i && !dup; j++)
        dup = strcmp(pt_apfs_volume(a, j)->name, name) == 0;
    if (dup)
        snprintf(label, n, "%.600s!apfs:#%d", parent, i + 1);
    else
        snprintf(label, n, "%.600s!apfs:%.300s", parent, name);
}

/* An encrypted APFS volume no key opened: one item, with no content read
 * (its blocks are spread over the container), identified as encrypted. */
static int apfs_locked_item(pt_scan_t *s, const pt_apfs_volume_t *vol, const char *why, pt_err_t *err)
{
    pt_item_t it;

    volume_item_init(s, &it, vol->bytes);
    it.encryption = "encrypted";
    it.encryption_format = "apfs-encrypted";
    snprintf(it.encryption_reason, sizeof it.encryption_reason, "APFS volume superblock marks the volume "
             "encrypted (FileVault)%s", vol->has_hint ? "; a password hint is stored (not reported)" : "");
    it.category = "encrypted";
    pt_item_add_error(&it, "note", "%s", why);
    return pt_scan_emit(s, &it, err);
}

/* An APFS container: every volume of it, each walked as a filesystem. */
static int scan_apfs(pt_scan_t *s, pt_volume_info_t *v, pt_read_fn fn, void *src, int whole, pt_err_t *err)
{
    const pt_policy_t *pol = s->opts->policy;
    pt_apfs_t *a = NULL;
    pt_err_t aerr = { 0, "" };
    char why[1400];
    int rc = pt_apfs_open(fn, src, v->length, &a, &aerr), i;

    if (rc == PT_ENOMEM)
        return pt_err_set(err, rc, "%s", aerr.msg);
    if (!a) {
        snprintf(why, sizeof why, "%.1100s; recorded and hashed as one volume item", aerr.msg);
        return unopened(s, v, fn, src, whole, why, err);
    }
    v->holds = "apfs";
    v->error = NULL;
    if ((rc = add_volume(s, v, err)) == PT_OK)
        rc = pt_scan_problem(s, "note", s->volume_label, pt_apfs_describe(a), err);
    int64_t parent = s->volume_id;
    const char *plabel = s->volume_label;
    for (i = 0; i < pt_apfs_count(a) && rc == PT_OK; i++) {
        const pt_apfs_volume_t *vol = pt_apfs_volume(a, i);
        pt_volume_info_t av;
        TSK_FS_INFO *fs = NULL;
        const char *used = NULL;
        char label[1024], block[32], desc[1400];
        pt_err_t ferr = { 0, "" };
        int frc = pt_apfs_open_fs(a, i, pol ? pol->keys : NULL, pol ? pol->n_keys : 0, &fs, &used, &ferr);

        memset(&av, 0, sizeof av);
        apfs_label(a, i, plabel, label, sizeof label);
        snprintf(block, sizeof block, "%" PRIu64, vol->block);
        snprintf(desc, sizeof desc, "APFS volume \"%.300s\" (superblock at block %" PRIu64 ", %" PRIu64 " bytes "
                 "used, case-%s%s%.300s)", vol->name, vol->block, vol->bytes,
                 vol->case_sensitive ? "sensitive" : "insensitive",
                 !vol->encrypted ? "" : used ? ", encrypted, opened with " : ", encrypted, not opened",
                 vol->encrypted && used ? used : "");
        av.label = label;
        av.tsk_addr = -1;
        av.length = vol->bytes;
        av.flags = "layer";
        av.description = desc;
        av.container = "apfs";
        av.parent_volume_id = parent;
        av.layer_name = block;
        if (frc == PT_ENOMEM) {
            rc = pt_err_set(err, frc, "%s", ferr.msg);
        } else if (fs) {
            rc = scan_fs_or_raw(s, &av, fs, NULL, NULL, 0, "", 0, err);
            tsk_fs_close(fs);
        } else {
            snprintf(why, sizeof why, "%.300s: %.1000s", label, ferr.msg);
            av.error = why;
            if ((rc = add_volume(s, &av, err)) == PT_OK)
                rc = vol->encrypted && frc == PT_ENOKEY ? apfs_locked_item(s, vol, why, err)
                                                         : pt_scan_problem(s, "error", label, why, err);
        }
        s->volume_id = parent;
        s->volume_label = plabel;
    }
    pt_apfs_close(a);
    return rc;
}

/* A part of a group that is described, not read (a thin pool): a row of
 * the volumes table and no item. */
static int record_volume(pt_scan_t *s, int64_t parent, const char *plabel, pt_layer_t *sub, pt_err_t *err)
{
    pt_volume_info_t v;
    char label[1024];

    snprintf(label, sizeof label, "%.600s!lvm:%.400s", plabel, pt_layer_name(sub));
    layer_row(&v, label, pt_layer_size(sub), pt_layer_describe(sub), pt_layer_kind_name(PT_LAYER_LVM), parent,
              pt_layer_name(sub));
    return add_volume(s, &v, err);
}

/* A volume libtsk found no filesystem in: a container ptriage opens (LVM,
 * LUKS with a key from case.conf) is walked volume by volume; any other is
 * named and recorded as one item. */
/* Each volume of a group (LVM logical volumes, BSD partitions, shadow
 * copies), walked in turn under the volume that holds them. */
static int scan_subs(pt_scan_t *s, int64_t parent, const char *plabel, pt_layer_kind_t k, pt_layer_t *group,
                     int depth, pt_err_t *err)
{
    int rc = PT_OK, i;

    for (i = 0; i < pt_layer_count(group) && rc == PT_OK; i++) {
        pt_layer_t *sub = NULL;
        pt_err_t serr = { 0, "" };
        if (pt_layer_sub(group, i, &sub, &serr) != PT_OK) {
            rc = pt_scan_problem(s, "error", plabel, serr.msg, err);
            continue;
        }
        if (!sub) /* LVM's internal snapshot object, a thin pool's data: read through other volumes */
            continue;
        if (pt_layer_is_record(sub))
            rc = record_volume(s, parent, plabel, sub, err);
        else
            rc = scan_layer_volume(s, parent, plabel, k, sub, depth + 1, err);
        pt_layer_close(sub);
    }
    return rc;
}

/* A decoded volume (a logical volume) that holds a partition table, as a
 * VM's disk does: each partition is a volume "LABEL!p1" under it (offset
 * within it, container "partition"), walked like a partition of the
 * evidence.  *walked is 0 when there is no table with a partition. */
static int scan_inner_table(pt_scan_t *s, pt_volume_info_t *v, pt_read_fn fn, void *src, int depth, int *walked,
                            pt_err_t *err)
{
    TSK_IMG_INFO *img = pt_source_img_over(fn, src, v->length);
    TSK_VS_INFO *vs = img ? tsk_vs_open(img, 0, TSK_VS_TYPE_DETECT) : NULL;
    TSK_PNUM_T i;
    int rc = PT_OK, ordinal = 0, n = 0;
    char msg[512];

    *walked = 0;
    for (i = 0; vs && i < vs->part_count; i++) {
        const TSK_VS_PART_INFO *p = tsk_vs_part_get(vs, i);
        n += p && (p->flags & TSK_VS_PART_FLAG_ALLOC);
    }
    if (!n) {
        tsk_error_reset();
        if (vs)
            tsk_vs_close(vs);
        if (img)
            tsk_img_close(img);
        return PT_OK;
    }
    *walked = 1;
    v->holds = tsk_vs_type_toname(vs->vstype);
    v->error = NULL;
    if ((rc = add_volume(s, v, err)) == PT_OK) {
        snprintf(msg, sizeof msg, "holds a disk: a partition table (%s) of %d partition%s, each walked as a volume "
                 "%.300s!pN", tsk_vs_type_todesc(vs->vstype), n, n == 1 ? "" : "s", s->volume_label);
        rc = pt_scan_problem(s, "note", s->volume_label, msg, err);
    }
    int64_t parent = s->volume_id;
    const char *plabel = s->volume_label;
    for (i = 0; i < vs->part_count && rc == PT_OK; i++) {
        const TSK_VS_PART_INFO *p = tsk_vs_part_get(vs, i);
        part_src_t ps = { p, img, 0, 0 };
        pt_volume_info_t pv;
        pt_err_t ferr = { 0, "" };
        TSK_FS_INFO *fs;
        char label[1024], name[32], slot[32], why[1400] = "";

        if (!p || !(p->flags & TSK_VS_PART_FLAG_ALLOC))
            continue;
        memset(&pv, 0, sizeof pv);
        snprintf(name, sizeof name, "p%d", ++ordinal);
        snprintf(label, sizeof label, "%.900s!%s", plabel, name);
        snprintf(slot, sizeof slot, "%d", p->slot_num);
        pv.label = label;
        pv.layer_name = name;
        pv.ordinal = ordinal;
        pv.slot = slot;
        pv.tsk_addr = (int64_t)p->addr;
        pv.offset = (uint64_t)p->start * vs->block_size;
        pv.length = (uint64_t)p->len * vs->block_size;
        pv.flags = "alloc";
        pv.description = p->desc;
        pv.container = "partition";
        pv.parent_volume_id = parent;
        if (!(fs = pt_source_fs_open(p->vs->img_info, (uint64_t)p->start * p->vs->block_size + p->vs->offset, 0))) {
            pt_source_tsk_err(&ferr, PT_EFORMAT, "no filesystem recognised");
            snprintf(why, sizeof why, "partition %.700s (%.100s) has no filesystem libtsk reads (%.400s); recorded "
                     "and hashed as one volume item", label, p->desc ? p->desc : "", ferr.msg);
        }
        rc = scan_fs_or_raw(s, &pv, fs, read_part, &ps, 0, why, depth + 1, err);
        if (fs)
            tsk_fs_close(fs);
        s->volume_id = parent;
        s->volume_label = plabel;
    }
    tsk_vs_close(vs);
    tsk_img_close(img);
    return rc;
}

/* ---- md arrays of striped levels, assembled from the evidence given ---- */

typedef struct md_part {
    pt_source_t *src;          /* the evidence image it is in (owned by the first part in it) */
    int owns;
    part_src_t ps;             /* the member device: a partition or the whole image */
    pt_md_info_t md;
    int ev;                    /* which evidence item */
} md_part_t;

/* Every member of array uuid in the evidence given: each image's
 * partitions, or the image itself when it has no partition table. */
static void md_find(pt_scan_t *s, const uint8_t *uuid, md_part_t *found, int max, int *n)
{
    int i;

    for (i = 0; i < s->opts->n_evidence && *n < max; i++) {
        pt_source_t *src = NULL;
        pt_err_t e = { 0, "" };
        TSK_VS_INFO *vs;
        TSK_PNUM_T k;
        int first = *n, parts = 0;
        if (pt_source_open(s->opts->evidence[i], &src, &e) != PT_OK || src->is_dir) {
            pt_source_close(src);
            continue;
        }
        vs = tsk_vs_open(src->img, 0, TSK_VS_TYPE_DETECT);
        for (k = 0; (vs ? k < vs->part_count : k < 1) && *n < max; k++) {
            const TSK_VS_PART_INFO *p = vs ? tsk_vs_part_get(vs, k) : NULL;
            md_part_t *f = &found[*n];
            if (vs && (!p || !(p->flags & TSK_VS_PART_FLAG_ALLOC)))
                continue;
            parts++;
            memset(f, 0, sizeof *f);
            f->ps.img = src->img;
            f->ps.off = p ? (uint64_t)p->start * vs->block_size : 0;
            f->ps.len = p ? (uint64_t)p->len * vs->block_size : src->size;
            if (pt_md_read(read_part, &f->ps, f->ps.len, &f->md, &e) == PT_OK && memcmp(f->md.uuid, uuid, 16) == 0 &&
                f->md.role >= 0) {
                f->src = src;
                f->ev = i;
                (*n)++;
            }
        }
        if (vs)
            tsk_vs_close(vs);
        tsk_error_reset();
        if (*n > first)
            found[first].owns = 1;
        else
            pt_source_close(src);
    }
}

/* A label in the member map, with its separators escaped. */
static void map_label(char *out, size_t n, const char *label)
{
    size_t k = 0;

    for (; *label && k + 4 < n; label++) {
        if (*label == '%' || *label == '|' || *label == '@')
            k += (size_t)snprintf(out + k, n - k, "%%%02X", (unsigned char)*label);
        else
            out[k++] = *label;
    }
    out[k] = '\0';
}

/* A member of a striped md array (RAID 0, 5, 6, 10, linear): the array is
 * assembled from the members found among the evidence given, once, and
 * walked as a volume "LABEL!md-raid" under the first member met; later
 * members are recorded as such.  *walked is 0 when it cannot be (members
 * missing: why says which). */
static int scan_md_array(pt_scan_t *s, pt_volume_info_t *v, pt_read_fn fn, void *src, int depth, int *walked,
                         char *why, size_t why_n, pt_err_t *err)
{
    md_part_t *found = NULL;
    pt_mdarray_member_t mem[PT_MDARRAY_MAX];
    int byrole[PT_MDARRAY_MAX], n = 0, i, rc = PT_OK, have = 0;
    pt_md_info_t me;
    pt_mdarray_t *arr = NULL;
    pt_err_t e = { 0, "" };
    char what[200], *map = NULL, desc[640], label[1024], fwhy[1400] = "";
    size_t mlen = 0, mcap = 0;

    *walked = 0;
    if (pt_md_read(fn, src, v->length, &me, &e) != PT_OK || me.level == 1 || me.role < 0 ||
        me.raid_disks > PT_MDARRAY_MAX)
        return PT_OK;
    pt_md_describe(&me, what, sizeof what);
    for (i = 0; i < s->n_md_walked; i++) {
        if (memcmp(s->md_walked[i].uuid, me.uuid, 16) != 0)
            continue;
        /* walked already, through an earlier member */
        char note[900];
        v->holds = "md-array";
        v->error = NULL;
        snprintf(note, sizeof note, "%.200s: the array was assembled and walked as %.600s", what,
                 s->md_walked[i].label);
        *walked = 1;
        if ((rc = add_volume(s, v, err)) == PT_OK)
            rc = pt_scan_problem(s, "note", s->volume_label, note, err);
        return rc;
    }
    if (!(found = calloc(PT_MDARRAY_MAX * 2, sizeof *found)))
        return pt_err_set(err, PT_ENOMEM, "out of memory");
    md_find(s, me.uuid, found, PT_MDARRAY_MAX * 2, &n);
    for (i = 0; i < PT_MDARRAY_MAX; i++) {
        byrole[i] = -1;
        mem[i].fn = NULL;
    }
    /* per role, the member with the newest superblock */
    for (i = 0; i < n; i++) {
        int r = found[i].md.role;
        if (r < 0 || (uint32_t)r >= me.raid_disks || found[i].md.level != me.level ||
            found[i].md.raid_disks != me.raid_disks)
            continue;
        if (byrole[r] < 0 || found[i].md.events > found[byrole[r]].md.events)
            byrole[r] = i;
    }
    for (i = 0; i < (int)me.raid_disks; i++) {
        if (byrole[i] < 0) {
            if (i == me.role) { /* this member, where the search does not reach (inside another container) */
                have++;
                mem[i].fn = fn;
                mem[i].src = src;
                mem[i].data_offset = me.data_offset;
            }
            continue;
        }
        have++;
        mem[i].fn = read_part;
        mem[i].src = &found[byrole[i]].ps;
        mem[i].data_offset = found[byrole[i]].md.data_offset;
    }
    if (pt_mdarray_open(me.level, me.layout, me.chunk, me.raid_disks, me.component, mem, &arr, &e) != PT_OK) {
        snprintf(why, why_n, "Linux software RAID member: %.200s; %d of its %u members found among the evidence "
                 "given (%.300s): give every member's image in one run; recorded and hashed as one volume item",
                 what, have, me.raid_disks, e.msg);
        goto out;
    }
    /* the member map, for export and verify to assemble it again */
    for (i = -1; i < (int)me.raid_disks; i++) {
        char part[700], esc[400];
        if (i < 0) {
            snprintf(part, sizeof part, "md:%d:%u:%llu:%u:%llu", me.level, me.layout, (unsigned long long)me.chunk,
                     me.raid_disks, (unsigned long long)me.component);
        } else if (byrole[i] < 0) {
            snprintf(part, sizeof part, "|%d@-", i);
        } else {
            const md_part_t *f = &found[byrole[i]];
            map_label(esc, sizeof esc, s->evidence_labels ? s->evidence_labels[f->ev] : "");
            snprintf(part, sizeof part, "|%d@%llu@%llu@%llu@%s", i, (unsigned long long)f->ps.off,
                     (unsigned long long)f->ps.len, (unsigned long long)f->md.data_offset, esc);
        }
        if (mlen + strlen(part) + 1 > mcap) {
            char *g = realloc(map, mcap = (mlen + strlen(part) + 1) * 2);
            if (!g) {
                rc = pt_err_set(err, PT_ENOMEM, "out of memory");
                goto out;
            }
            map = g;
        }
        strcpy(map + mlen, part);
        mlen += strlen(part);
    }
    *walked = 1;
    v->holds = "md-array";
    v->error = NULL;
    if ((rc = add_volume(s, v, err)) == PT_OK) {
        int64_t parent = s->volume_id;
        const char *plabel = s->volume_label;
        pt_volume_info_t av;
        TSK_IMG_INFO *img;
        TSK_FS_INFO *fs = NULL;
        size_t k;
        snprintf(label, sizeof label, "%.900s!md-raid", plabel);
        k = (size_t)snprintf(desc, sizeof desc, "md array \"%s\": %s, %llu bytes, assembled from", me.name,
                             pt_mdarray_describe(arr), (unsigned long long)pt_mdarray_size(arr));
        for (i = 0; i < (int)me.raid_disks && k < sizeof desc; i++)
            k += (size_t)snprintf(desc + k, sizeof desc - k, "%s member %d %s", i ? ";" : "", i,
                                  byrole[i] < 0 ? "(missing)" : s->evidence_labels ? s->evidence_labels[found[byrole[i]].ev] : "?");
        if ((rc = pt_scan_problem(s, "note", plabel, desc, err)) == PT_OK) {
            /* remembered so that its other members do not walk it again */
            char where[1300];
            if (s->n_md_walked == s->cap_md_walked) {
                int cap = s->cap_md_walked ? s->cap_md_walked * 2 : 8;
                struct pt_md_walked *g = realloc(s->md_walked, (size_t)cap * sizeof *g);
                if (!g)
                    rc = pt_err_set(err, PT_ENOMEM, "out of memory");
                else
                    s->md_walked = g, s->cap_md_walked = cap;
            }
            snprintf(where, sizeof where, "%.200s %.1000s", s->evidence_label ? s->evidence_label : "", label);
            if (rc == PT_OK && !(s->md_walked[s->n_md_walked].label = pt_scan_intern(s, where)))
                rc = pt_err_set(err, PT_ENOMEM, "out of memory");
            if (rc == PT_OK)
                memcpy(s->md_walked[s->n_md_walked++].uuid, me.uuid, 16);
        }
        layer_row(&av, label, pt_mdarray_size(arr), desc, pt_layer_kind_name(PT_LAYER_MDRAID), parent, map);
        if (rc == PT_OK && (img = pt_source_img_over(pt_mdarray_read, arr, av.length)) != NULL) {
            if (!(fs = pt_source_fs_open(img, 0, 0))) {
                pt_err_t ferr = { 0, "" };
                pt_source_tsk_err(&ferr, PT_EFORMAT, "no filesystem recognised");
                snprintf(fwhy, sizeof fwhy, "%.600s has no filesystem libtsk reads (%.600s); recorded and hashed as "
                         "one volume item", label, ferr.msg);
            }
            rc = scan_fs_or_raw(s, &av, fs, pt_mdarray_read, arr, 0, fwhy, depth + 1, err);
            if (fs)
                tsk_fs_close(fs);
            tsk_img_close(img);
        } else if (rc == PT_OK) {
            rc = pt_err_set(err, PT_ENOMEM, "out of memory");
        }
        s->volume_id = parent;
        s->volume_label = plabel;
    }
out:
    pt_mdarray_close(arr);
    for (i = 0; i < n; i++)
        if (found[i].owns)
            pt_source_close(found[i].src);
    free(found);
    free(map);
    return rc;
}

/* 1 when the volume's first sector could be a VeraCrypt or TrueCrypt header
 * and the case gives passphrases to try (each try costs a PBKDF2 of
 * 500,000 iterations per PRF). */
static int tcrypt_worth(pt_read_fn fn, void *src, uint64_t size, const pt_policy_t *pol)
{
    uint8_t h[512];
    pt_err_t e = { 0, "" };

    return pol && pt_tcrypt_usable_keys(pol->keys, pol->n_keys) > 0 && size >= 256 * 1024 &&
           pt_read_exact(fn, src, 0, h, sizeof h, &e) == PT_OK && pt_tcrypt_candidate(h, sizeof h);
}

static int scan_container(pt_scan_t *s, pt_volume_info_t *v, pt_read_fn fn, void *src, int whole,
                          const char *fs_err, int depth, pt_err_t *err)
{
    const pt_policy_t *pol = s->opts->policy;
    pt_layer_kind_t k = pt_layer_detect(fn, src, v->length);
    pt_layer_t *layer = NULL;
    pt_err_t lerr = { 0, "" };
    char why[2048];
    int rc = PT_OK;

    if (k == PT_LAYER_XFS)
        return scan_xfs(s, v, fn, src, whole, err);
    if (k == PT_LAYER_BTRFS)
        return scan_btrfs(s, v, fn, src, whole, err);
    if (k == PT_LAYER_SQUASHFS)
        return scan_squashfs(s, v, fn, src, whole, err);
    if (k == PT_LAYER_EROFS)
        return scan_erofs(s, v, fn, src, whole, err);
    if (k == PT_LAYER_F2FS)
        return scan_f2fs(s, v, fn, src, whole, err);
    if (k == PT_LAYER_APFS)
        return scan_apfs(s, v, fn, src, whole, err);
    int opens = k == PT_LAYER_LVM || k == PT_LAYER_LUKS || k == PT_LAYER_BITLOCKER || k == PT_LAYER_MDRAID ||
                k == PT_LAYER_BSD;

    if (opens && depth < LAYER_DEPTH_MAX) {
        rc = pt_layer_open(k, fn, src, v->length, pol ? pol->keys : NULL, pol ? pol->n_keys : 0, &layer, &lerr);
        if (rc == PT_ENOMEM)
            return pt_err_set(err, rc, "%s", lerr.msg);
    } else if (opens) {
        snprintf(lerr.msg, sizeof lerr.msg, "nested more than %d containers deep", LAYER_DEPTH_MAX);
    }
    if (layer && (k == PT_LAYER_LVM || k == PT_LAYER_BSD) && pt_layer_count(layer) == 0) {
        /* damaged or emptied metadata: the PV's bytes are all there is */
        snprintf(lerr.msg, sizeof lerr.msg, "%.900s, but no %s could be read from its metadata",
                 pt_layer_describe(layer), k == PT_LAYER_BSD ? "partition" : "logical volume");
        pt_layer_close(layer);
        layer = NULL;
    }
    if (!layer && k == PT_LAYER_MDRAID && depth < LAYER_DEPTH_MAX) {
        /* a member of a striped array: assembled from the evidence given */
        int walked = 0;
        char mwhy[1400] = "";
        if ((rc = scan_md_array(s, v, fn, src, depth, &walked, mwhy, sizeof mwhy, err)) != PT_OK || walked)
            return rc;
        if (mwhy[0])
            return unopened(s, v, fn, src, whole, mwhy, err);
    }
    if (!layer && k == PT_LAYER_NONE && !whole && v->parent_volume_id && depth < LAYER_DEPTH_MAX) {
        /* a logical volume holding a whole disk: a VM's (Proxmox, libvirt) */
        int walked = 0;
        if ((rc = scan_inner_table(s, v, fn, src, depth, &walked, err)) != PT_OK || walked)
            return rc;
    }
    if (!layer) {
        char what[800];
        int named = k == PT_LAYER_NONE && pt_fsid_name(fn, src, v->length, what, sizeof what);
        if (named)
            snprintf(why, sizeof why, "%s%s holds %s; recorded and hashed as one volume item",
                     whole ? "the image" : v->flags && strcmp(v->flags, "alloc") == 0 ? "partition " : "volume ",
                     whole ? "" : v->label, what);
        else
            container_why(k, lerr.msg, fs_err, why, sizeof why);
        /* nothing names it, and it looks random: a VeraCrypt or TrueCrypt
         * volume opens only with its passphrase (case.conf [keys]) */
        if (!named && k == PT_LAYER_NONE && whole && s->tc_layer && pt_layer_size(s->tc_layer) == v->length) {
            /* a file container scan.c opened already */
            layer = s->tc_layer;
            s->tc_layer = NULL;
            k = PT_LAYER_VERACRYPT;
        } else if (!named && k == PT_LAYER_NONE && tcrypt_worth(fn, src, v->length, pol) &&
                   depth < LAYER_DEPTH_MAX) {
            if ((rc = pt_layer_open(PT_LAYER_VERACRYPT, fn, src, v->length, pol->keys, pol->n_keys, &layer,
                                    &lerr)) == PT_ENOMEM)
                return pt_err_set(err, rc, "%s", lerr.msg);
            if (layer) {
                k = PT_LAYER_VERACRYPT;
            } else {
                size_t n = strlen(why);
                snprintf(why + n, sizeof why - n, "; %.900s", lerr.msg);
            }
        }
        if (!layer)
            return unopened(s, v, fn, src, whole, why, err);
    }
    v->holds = pt_layer_kind_name(k);
    v->error = NULL;
    if ((rc = add_volume(s, v, err)) == PT_OK)
        rc = pt_scan_problem(s, "note", s->volume_label, pt_layer_describe(layer), err);
    if (rc == PT_OK) {
        int64_t parent = s->volume_id;
        const char *plabel = s->volume_label;
        if (k != PT_LAYER_LVM && k != PT_LAYER_BSD && k != PT_LAYER_VERACRYPT) {
            rc = scan_layer_volume(s, parent, plabel, k, layer, depth + 1, err);
        } else {
            rc = scan_subs(s, parent, plabel, k, layer, depth, err);
        }
        s->volume_id = parent;
        s->volume_label = plabel;
    }
    pt_layer_close(layer);
    return rc;
}

/* Volume Shadow Copies (their header lies in $Boot at 0x1e00): each
 * snapshot is walked as a volume of its own, "LABEL!vss:N", oldest first;
 * by default listing only the files in a state no newer snapshot holds. */
static int scan_shadow_copies(pt_scan_t *s, pt_read_fn fn, void *src, uint64_t size, int depth, pt_err_t *err)
{
    int64_t parent = s->volume_id;
    const char *plabel = s->volume_label;
    int probe = pt_vss_probe(fn, src, size), mode = s->opts->shadow_copies, rc = PT_OK, n;
    pt_layer_t *set = NULL;
    pt_err_t lerr = { 0, "" };
    char msg[1400];

    if (probe == 0)
        return PT_OK;
    if (probe == 1)
        return pt_scan_problem(s, "note", plabel, "the volume has a Volume Shadow Copy header (at 0x1e00) but no "
                               "catalog: no snapshots", err);
    if (mode == PT_SHADOW_NONE)
        return pt_scan_problem(s, "note", plabel, "the volume holds Volume Shadow Copies; not walked "
                               "(--shadow-copies none): the older versions of files they keep, deleted files "
                               "too, are not listed", err);
    if (depth >= LAYER_DEPTH_MAX)
        snprintf(lerr.msg, sizeof lerr.msg, "nested more than %d containers deep", LAYER_DEPTH_MAX);
    else if ((rc = pt_layer_open(PT_LAYER_VSS, fn, src, size, NULL, 0, &set, &lerr)) == PT_ENOMEM)
        return pt_err_set(err, rc, "%s", lerr.msg);
    if (!set) {
        snprintf(msg, sizeof msg, "the volume holds Volume Shadow Copies that could not be read (%.1000s): the "
                 "older versions of files they keep are not listed", lerr.msg);
        return pt_scan_problem(s, "error", plabel, msg, err);
    }
    n = pt_layer_count(set);
    snprintf(msg, sizeof msg, "the volume holds %d Volume Shadow Cop%s, walked as %s!vss:1%s%s%s: %s", n,
             n == 1 ? "y" : "ies", plabel, n > 1 ? " to " : "", n > 1 ? plabel : "", n > 1 ? "!vss:N" : "",
             mode == PT_SHADOW_ALL ? "every file of each is listed (--shadow-copies all)"
                                   : "each lists the files it holds in a state no newer snapshot holds "
                                     "(changed or deleted after it was taken), so each older version once; "
                                     "files as the volume holds them now are listed once, on the volume");
    if ((rc = pt_scan_problem(s, "note", plabel, msg, err)) == PT_OK)
        rc = scan_subs(s, parent, plabel, PT_LAYER_VSS, set, depth, err);
    s->volume_id = parent;
    s->volume_label = plabel;
    pt_layer_close(set);
    return rc;
}

/* A filesystem that was not cleanly unmounted (a running server seized):
 * its journal may hold changes not yet written in place, which libtsk, and
 * ptriage, do not replay.  ext2/3/4: the needs_recovery feature and the
 * error state; NTFS: the dirty flag of $Volume's $VOLUME_INFORMATION. */
static int dirty_note(pt_scan_t *s, TSK_FS_INFO *fs, pt_err_t *err)
{
    uint8_t b[12];
    int rc = PT_OK;
    const char *where = s->volume_label && *s->volume_label ? s->volume_label : "filesystem";

    if (TSK_FS_TYPE_ISEXT(fs->ftype)) {
        /* s_state at 0x3A (bit 2: errors); s_feature_incompat at 0x60 (0x4: recover) */
        uint8_t sb[0x64];
        if (tsk_fs_read(fs, 1024, (char *)sb, sizeof sb) == (ssize_t)sizeof sb) {
            uint32_t incompat = (uint32_t)sb[0x60] | (uint32_t)sb[0x61] << 8 | (uint32_t)sb[0x62] << 16 |
                                (uint32_t)sb[0x63] << 24;
            if (incompat & 0x4)
                rc = pt_scan_problem(s, "note", where, "the filesystem was not cleanly unmounted (its "
                                     "journal needs recovery, as on a running system seized): changes still only "
                                     "in the journal are not replayed (The Sleuth Kit reads the filesystem as it "
                                     "lies), so files written just before may be missing or stale", err);
            if (rc == PT_OK && (sb[0x3A] & 0x2))
                rc = pt_scan_problem(s, "note", where, "the filesystem recorded errors (its state says "
                                     "so; fsck had not repaired them)", err);
        }
    } else if (TSK_FS_TYPE_ISNTFS(fs->ftype)) {
        TSK_FS_FILE *v = tsk_fs_file_open_meta(fs, NULL, 3); /* $Volume */
        const TSK_FS_ATTR *a = v ? tsk_fs_file_attr_get_type(v, TSK_FS_ATTR_TYPE_NTFS_VINFO, 0, 0) : NULL;
        if (a && tsk_fs_attr_read(a, 0, (char *)b, 12, TSK_FS_FILE_READ_FLAG_NONE) == 12 && (b[10] & 0x1))
            rc = pt_scan_problem(s, "note", where, "the NTFS volume is marked dirty (not cleanly "
                                 "dismounted, as on a running system seized, or chkdsk is due): changes still "
                                 "only in $LogFile are not replayed (The Sleuth Kit reads the volume as it lies)",
                                 err);
        tsk_fs_file_close(v);
    }
    tsk_error_reset();
    return rc;
}

/* BitLocker To Go: a FAT volume whose boot sector carries BitLocker's GUID is
 * the unencrypted discovery volume; the encrypted volume (its content kept
 * in the discovery volume's cover files) opens through libbde with a key of
 * case.conf.  Sets *out to it when a key opens it, and why[] to the note
 * that says what the volume is (empty for any other FAT volume). */
static int bitlocker_to_go_open(pt_scan_t *s, pt_volume_info_t *v, pt_read_fn fn, void *src, int depth,
                                pt_layer_t **out, char *why, size_t n, const char **severity, pt_err_t *err)
{
    const pt_policy_t *pol = s->opts->policy;
    uint8_t h[512];
    pt_err_t lerr = { 0, "" };
    int rc;

    *out = NULL;
    *severity = "note";
    if (v->length < sizeof h || pt_read_exact(fn, src, 0, h, sizeof h, &lerr) != PT_OK ||
        !pt_layer_is_bitlocker_to_go(h, sizeof h))
        return PT_OK;
    if (depth >= LAYER_DEPTH_MAX) {
        snprintf(why, n, "BitLocker To Go: this FAT volume is the discovery volume of a BitLocker-encrypted "
                 "volume, nested more than %d containers deep: not opened; its cover files (COV nnnn. ER) hold the "
                 "ciphertext", LAYER_DEPTH_MAX);
        return PT_OK;
    }
    rc = pt_layer_open(PT_LAYER_BITLOCKER, fn, src, v->length, pol ? pol->keys : NULL, pol ? pol->n_keys : 0, out,
                       &lerr);
    if (rc == PT_ENOMEM)
        return pt_err_set(err, rc, "%s", lerr.msg);
    if (*out) {
        v->holds = pt_layer_kind_name(PT_LAYER_BITLOCKER);
        snprintf(why, n, "BitLocker To Go: the files listed here are the unencrypted discovery volume "
                 "(BitLockerToGo.exe, cover files); the encrypted volume (%.600s) is walked as %s!bitlocker",
                 pt_layer_describe(*out), v->label && *v->label ? v->label : "");
    } else {
        /* no key is a fact of the case; metadata libbde cannot read is damage */
        if (rc != PT_ENOKEY)
            *severity = "error";
        snprintf(why, n, "BitLocker To Go: the files listed here are the unencrypted discovery volume "
                 "(BitLockerToGo.exe, cover files); the encrypted volume was not opened (%.700s), so its files are "
                 "not listed: its ciphertext is in the cover files (COV nnnn. ER)", lerr.msg);
    }
    return PT_OK;
}

/* Walks the filesystem, or records why there is none. */
static int scan_fs_or_raw(pt_scan_t *s, pt_volume_info_t *v, TSK_FS_INFO *fs, pt_read_fn fn, void *src,
                          int whole, const char *fs_err, int depth, pt_err_t *err)
{
    pt_walk_pre_t pre;
    pt_md_info_t md;
    pt_err_t merr = { 0, "" };
    pt_layer_t *to_go = NULL;
    char to_go_why[1200] = "";
    const char *to_go_sev = "note";
    int rc, trial = 0;

    if (!fs)
        return scan_container(s, v, fn, src, whole, fs_err, depth, err);
    /* a member of a striped md array whose superblock is at its end (1.0)
     * starts with the array's first chunk, where libtsk finds the
     * filesystem's head; the rest of it is elsewhere: the array is what
     * is walked.  A filesystem that fits in the volume is its own (an md
     * superblock left over from an earlier life of the disk). */
    if (fs->block_count && (uint64_t)fs->block_count * fs->block_size > v->length &&
        pt_md_read(fn, src, v->length, &md, &merr) == PT_OK && md.level != 1 && md.role >= 0)
        return scan_container(s, v, fn, src, whole, "a member of a striped md array", depth, err);
    memset(&pre, 0, sizeof pre);
    if (pt_trial_needed(fs)) {
        char why[1024], msg[1200];
        trial = 1;
        if (pt_trial_walk(fs, PT_TRIAL_IDLE, &pre, why, sizeof why) != 0) {
            snprintf(msg, sizeof msg, "%s %s: %s; the filesystem is damaged and is not walked (no item of it "
                     "is listed)", tsk_fs_type_toname(fs->ftype), v->label && *v->label ? v->label : "volume", why);
            v->error = msg;
            if ((rc = add_volume(s, v, err)) != PT_OK)
                return rc;
            return pt_scan_problem(s, "error", s->volume_label, msg, err);
        }
    }
    v->filesystem = tsk_fs_type_toname(fs->ftype);
    v->fs_block_size = fs->block_size;
    /* an APFS volume's free space is its container's, shared by all its
     * volumes: counted once, at the container */
    if (!TSK_FS_TYPE_ISAPFS(fs->ftype))
        measure_fs(s, fs, v);
    if (TSK_FS_TYPE_ISFAT(fs->ftype) && /* exFAT too */
        (rc = bitlocker_to_go_open(s, v, fn, src, depth, &to_go, to_go_why, sizeof to_go_why, &to_go_sev, err)) !=
            PT_OK)
        return rc;
    rc = add_volume(s, v, err);
    if (rc == PT_OK && to_go_why[0])
        rc = pt_scan_problem(s, to_go_sev, *s->volume_label ? s->volume_label : "filesystem", to_go_why, err);
    if (rc == PT_OK && fs->last_block_act < fs->last_block) {
        /* libtsk clips to what the image holds; say how much is missing */
        char msg[256];
        snprintf(msg, sizeof msg, "filesystem is truncated: it spans %" PRIu64 " blocks of %u bytes "
                 "but the evidence holds only %" PRIu64, (uint64_t)fs->last_block + 1, fs->block_size,
                 (uint64_t)fs->last_block_act + 1);
        rc = pt_scan_problem(s, "error", "filesystem", msg, err);
    }
    if (rc == PT_OK)
        rc = dirty_note(s, fs, err);
    s->bde_to_go = to_go_why[0] != 0;
    if (rc == PT_OK)
        rc = pt_walk_fs(s, fs, trial ? &pre : NULL, err);
    s->bde_to_go = 0;
    pt_walk_pre_free(&pre);
    if (to_go) {
        /* the encrypted volume itself, after its discovery volume */
        if (rc == PT_OK) {
            int64_t parent = s->volume_id;
            const char *plabel = s->volume_label;
            rc = scan_layer_volume(s, parent, plabel, PT_LAYER_BITLOCKER, to_go, depth + 1, err);
            s->volume_id = parent;
            s->volume_label = plabel;
        }
        pt_layer_close(to_go);
    }
    /* a snapshot's own copy of the VSS header is not walked again */
    if (rc == PT_OK && TSK_FS_TYPE_ISNTFS(fs->ftype) && !(v->container && strcmp(v->container, "vss") == 0))
        rc = scan_shadow_copies(s, fn, src, v->length, depth, err);
    return rc;
}

/* A partition table written by a suspect, or damaged, may describe
 * partitions that overlap or lie beyond the image: both are reported
 * against the partition (its bytes are still examined where they exist). */
static int check_extent(pt_scan_t *s, pt_source_t *src, TSK_VS_INFO *vs, const TSK_VS_PART_INFO *p,
                        const char *label, pt_err_t *err)
{
    uint64_t start = (uint64_t)p->start * vs->block_size, len = (uint64_t)p->len * vs->block_size;
    char msg[256];
    TSK_PNUM_T j;
    int n = 0, rc;

    if (start + len > src->size) {
        snprintf(msg, sizeof msg, "partition %s (bytes %" PRIu64 "..%" PRIu64 ") extends past the end of the "
                 "image (%" PRIu64 " bytes)", label, start, start + len, src->size);
        if ((rc = pt_scan_problem(s, "error", label, msg, err)) != PT_OK)
            return rc;
    }
    for (j = 0; j < vs->part_count && j < p->addr; j++) {
        const TSK_VS_PART_INFO *q = tsk_vs_part_get(vs, j);
        if (!q || !(q->flags & TSK_VS_PART_FLAG_ALLOC))
            continue;
        n++;
        if (q->start < p->start + p->len && p->start < q->start + q->len) {
            snprintf(msg, sizeof msg, "partition %s overlaps partition p%d (sectors %" PRIu64 "..%" PRIu64
                     " and %" PRIu64 "..%" PRIu64 ")", label, n, (uint64_t)p->start,
                     (uint64_t)(p->start + p->len - 1), (uint64_t)q->start, (uint64_t)(q->start + q->len - 1));
            if ((rc = pt_scan_problem(s, "error", label, msg, err)) != PT_OK)
                return rc;
        }
    }
    return PT_OK;
}

/* What a GPT partition starting at sector start is: its name and type
 * ("Linux LVM"), which libtsk does not give (only the name). */
static void gpt_what(const pt_gpt_t *g, uint64_t start, char *desc, size_t n, const char **type)
{
    int k;

    desc[0] = '\0';
    *type = NULL;
    for (k = 0; g && k < g->n; k++)
        if (g->part[k].first_lba == start) {
            pt_gpt_describe(&g->part[k], desc, n);
            *type = pt_gpt_type_name(g->part[k].type);
            return;
        }
}

/* Why a partition holds no filesystem libtsk reads, with what its type says. */
static void no_fs_why(char *why, size_t n, const char *label, const char *desc, const char *type, const char *tsk,
                      pt_source_t *src)
{
    char ph[8];
    int ldm = type && strstr(type, "LDM"), spaces = type && strstr(type, "Storage Spaces");

    if (desc && (strstr(desc, "(0x42)") || strstr(desc, "LDM")))
        ldm = 1;
    if (ldm)
        snprintf(why, n, "partition %s is a Windows dynamic disk (LDM) partition (%.100s%s): its volumes (simple, "
                 "spanned, striped, mirrored) are laid out by the LDM database at the end of the disk, which ptriage "
                 "does not read; recorded and hashed as one volume item", label, desc,
                 tsk_img_read(src->img, 6 * 512, ph, sizeof ph) == 8 && memcmp(ph, "PRIVHEAD", 8) == 0
                     ? "; LDM private header at sector 6" : "");
    else if (spaces)
        snprintf(why, n, "partition %s is a Windows Storage Spaces pool member (%.100s): the pool's virtual disks "
                 "are laid out by its metadata across the pool's disks, which ptriage does not read; recorded and "
                 "hashed as one volume item", label, desc);
    else
        snprintf(why, n, "partition %s%s%.100s%s has no filesystem libtsk reads (%.700s); recorded and hashed as one "
                 "volume item", label, type ? " (" : "", type ? type : "", type ? ")" : "", tsk);
}

static int scan_partitions(pt_scan_t *s, pt_source_t *src, TSK_VS_INFO *vs, pt_err_t *err)
{
    TSK_PNUM_T i;
    int ordinal = 0, rc = PT_OK;
    pt_gpt_t *g = NULL;

    if (vs->vstype == TSK_VS_TYPE_GPT && (g = malloc(sizeof *g))) {
        part_src_t whole = { NULL, src->img, 0, 0 };
        pt_err_t gerr = { 0, "" };
        if (pt_gpt_read_primary(read_part, &whole, src->size, vs->block_size, g, &gerr) != PT_OK) {
            free(g);
            g = NULL;
        }
    }
    for (i = 0; i < vs->part_count && rc == PT_OK; i++) {
        const TSK_VS_PART_INFO *p = tsk_vs_part_get(vs, i);
        pt_volume_info_t v;
        char label[32], slot[32];

        if (!p)
            continue;
        memset(&v, 0, sizeof v);
        v.tsk_addr = (int64_t)p->addr;
        v.offset = (uint64_t)p->start * vs->block_size;
        v.length = (uint64_t)p->len * vs->block_size;
        v.description = p->desc;
        if (p->flags & TSK_VS_PART_FLAG_ALLOC) {
            if (p->table_num >= 0)
                snprintf(slot, sizeof slot, "%d:%d", p->table_num, p->slot_num);
            else
                snprintf(slot, sizeof slot, "%d", p->slot_num);
            v.slot = slot;
        }
        if (p->flags & TSK_VS_PART_FLAG_META) {
            v.flags = "meta";
            v.label = "";
            rc = add_volume(s, &v, err);
        } else if (p->flags & TSK_VS_PART_FLAG_UNALLOC) {
            v.flags = "unalloc";
            v.label = "";
            rc = add_volume(s, &v, err);
        } else {
            part_src_t ps = { p, src->img, 0, 0 };
            char why[1024], gdesc[256];
            const char *gtype;
            pt_err_t ferr = { 0, "" };
            TSK_FS_INFO *fs;

            gpt_what(g, (uint64_t)p->start, gdesc, sizeof gdesc, &gtype);
            if (gdesc[0])
                v.description = gdesc;

            snprintf(label, sizeof label, "p%d", ++ordinal);
            v.label = label;
            v.ordinal = ordinal;
            v.flags = "alloc";
            if ((rc = check_extent(s, src, vs, p, label, err)) != PT_OK)
                break;
            fs = pt_source_fs_open(src->img, (uint64_t)p->start * vs->block_size + vs->offset, 0);
            if (!fs) {
                /* a Windows dynamic disk or Storage Spaces pool: their own
                 * metadata, not the partition table, says where volumes lie */
                pt_source_tsk_err(&ferr, PT_EFORMAT, "no filesystem recognised");
                no_fs_why(why, sizeof why, label, gdesc[0] ? gdesc : p->desc ? p->desc : "", gtype, ferr.msg, src);
            }
            rc = scan_fs_or_raw(s, &v, fs, read_part, &ps, 0, why, 0, err);
            if (fs)
                tsk_fs_close(fs);
        }
        s->volume_id = 0;
    }
    free(g);
    return rc;
}

/* Reads the first and the last sector, so that a damaged or truncated image
 * (an E01 missing chunks, a short raw file) is named as such up front
 * rather than surfacing as "no filesystem". */
static int probe(pt_scan_t *s, pt_source_t *src, pt_err_t *err)
{
    char buf[512], msg[1024];
    uint64_t offs[2] = { 0, src->size >= sizeof buf ? src->size - sizeof buf : 0 };
    int i, rc;

    if (src->size < sizeof buf) {
        /* an empty or sub-sector image holds neither table nor filesystem;
         * say so once rather than as two failed reads */
        snprintf(msg, sizeof msg, "image is %s: %" PRIu64 " bytes, less than one 512-byte sector",
                 src->size ? "shorter than a sector" : "empty", src->size);
        return pt_scan_problem(s, "error", "image", msg, err);
    }
    for (i = 0; i < 2; i++) {
        if (tsk_img_read(src->img, (TSK_OFF_T)offs[i], buf, sizeof buf) == (ssize_t)sizeof buf)
            continue;
        pt_err_t rerr = { 0, "" };
        pt_source_tsk_err(&rerr, PT_EIO, "read failed");
        snprintf(msg, sizeof msg, "image is damaged or truncated: cannot read the %s sector "
                 "(offset %" PRIu64 " of %" PRIu64 "): %.700s", i ? "last" : "first", offs[i], src->size,
                 rerr.msg);
        if ((rc = pt_scan_problem(s, "error", "image", msg, err)) != PT_OK)
            return rc;
    }
    return PT_OK;
}

/* A protective MBR only: libtsk found no GPT at LBA 1. */
static int protective_only(TSK_VS_INFO *vs)
{
    TSK_PNUM_T i;
    int ee = 0;

    if (vs->vstype != TSK_VS_TYPE_DOS)
        return 0;
    for (i = 0; i < vs->part_count; i++) {
        const TSK_VS_PART_INFO *p = tsk_vs_part_get(vs, i);
        if (p && (p->flags & TSK_VS_PART_FLAG_ALLOC) && p->desc && strstr(p->desc, "(0xee)"))
            ee = 1;
    }
    return ee;
}

static int gpt_meta(pt_scan_t *s, uint64_t off, uint64_t len, const char *what, pt_err_t *err)
{
    pt_volume_info_t v;

    memset(&v, 0, sizeof v);
    v.label = "";
    v.tsk_addr = -1;
    v.offset = off;
    v.length = len;
    v.flags = "meta";
    v.description = what;
    return add_volume(s, &v, err);
}

/* The partitions of a disk whose primary GPT header is damaged, read from
 * the backup header: each walked like one of libtsk's, found again by
 * export and verify through its offset. */
static int scan_backup_gpt(pt_scan_t *s, pt_source_t *src, const pt_gpt_t *g, pt_err_t *err)
{
    part_src_t whole = { NULL, src->img, 0, 0 };
    uint64_t ss = g->sector_size;
    char msg[1200], primary[160], label[32], slot[16];
    int i, rc;

    pt_gpt_primary_problem(read_part, &whole, g->sector_size, primary, sizeof primary);
    snprintf(msg, sizeof msg, "GPT disk whose primary header is damaged (%s; The Sleuth Kit sees only the "
             "protective MBR): its %d partition(s) are read from the backup GPT header in the last sector (LBA %llu, "
             "%u-byte sectors, CRC-32 of header and entries verified; disk GUID %s)", primary, g->n,
             (unsigned long long)g->header_lba, g->sector_size, g->disk_guid);
    if ((rc = pt_scan_problem(s, "error", "image", msg, err)) != PT_OK ||
        (!s->nest_prefix &&
         (rc = pt_casedb_set_evidence(s->db, s->evidence_id, PT_EV_VOLUME_SYSTEM, "gpt (backup header)", err)) != PT_OK) ||
        (rc = gpt_meta(s, 0, ss, "Protective MBR", err)) != PT_OK ||
        (rc = gpt_meta(s, ss, ss + g->entries_bytes, "Primary GPT header and entries (damaged: not used)", err)) != PT_OK ||
        (rc = gpt_meta(s, g->entries_lba * ss, g->entries_bytes, "Backup GPT entries", err)) != PT_OK ||
        (rc = gpt_meta(s, g->header_lba * ss, ss, "Backup GPT header", err)) != PT_OK)
        return rc;
    for (i = 0; i < g->n && rc == PT_OK; i++) {
        const pt_gpt_part_t *q = &g->part[i];
        pt_volume_info_t v;
        part_src_t ps = { NULL, src->img, q->first_lba * ss, (q->last_lba - q->first_lba + 1) * ss };
        pt_err_t ferr = { 0, "" };
        char why[1024], gdesc[256];
        TSK_FS_INFO *fs;

        memset(&v, 0, sizeof v);
        pt_gpt_describe(q, gdesc, sizeof gdesc);
        snprintf(label, sizeof label, "p%d", i + 1);
        snprintf(slot, sizeof slot, "%u", q->index);
        v.label = label;
        v.ordinal = i + 1;
        v.tsk_addr = -1;
        v.offset = ps.off;
        v.length = ps.len;
        v.flags = "alloc";
        v.slot = slot;
        v.description = gdesc;
        if (ps.off + ps.len > src->size) {
            snprintf(msg, sizeof msg, "partition %s (bytes %llu..%llu) extends past the end of the image (%llu bytes)",
                     label, (unsigned long long)ps.off, (unsigned long long)(ps.off + ps.len),
                     (unsigned long long)src->size);
            if ((rc = pt_scan_problem(s, "error", label, msg, err)) != PT_OK)
                break;
        }
        fs = pt_source_fs_open(src->img, ps.off, 0);
        if (!fs) {
            pt_source_tsk_err(&ferr, PT_EFORMAT, "no filesystem recognised");
            no_fs_why(why, sizeof why, label, gdesc, pt_gpt_type_name(q->type), ferr.msg, src);
        }
        rc = scan_fs_or_raw(s, &v, fs, read_part, &ps, 0, why, 0, err);
        if (fs)
            tsk_fs_close(fs);
        s->volume_id = 0;
    }
    return rc;
}

/* The backup GPT, when the primary is gone: PT_OK and *done when its
 * partitions were scanned; a note when the disk says GPT but no header can
 * be read. */
static int try_backup_gpt(pt_scan_t *s, pt_source_t *src, int protective, int *done, pt_err_t *err)
{
    part_src_t whole = { NULL, src->img, 0, 0 };
    pt_gpt_t *g = malloc(sizeof *g);
    pt_err_t gerr = { 0, "" };
    int rc = PT_OK;

    *done = 0;
    if (!g)
        return pt_err_set(err, PT_ENOMEM, "out of memory");
    if (pt_gpt_read_backup(read_part, &whole, src->size, g, &gerr) == PT_OK) {
        *done = 1;
        rc = scan_backup_gpt(s, src, g, err);
    } else if (gerr.code == PT_ENOMEM) {
        rc = pt_err_set(err, PT_ENOMEM, "out of memory");
    } else if (protective) {
        char msg[900];
        snprintf(msg, sizeof msg, "protective MBR of a GPT disk, but no GPT header can be read: the primary "
                 "(LBA 1) and the backup (%.600s); the disk is walked as its MBR describes it", gerr.msg);
        rc = pt_scan_problem(s, "error", "image", msg, err);
    }
    free(g);
    return rc;
}

#define FOUND_MAX 32
#define SEARCH_WINDOW (64ull << 20) /* how far past the disk's start, or the last find, to look */

/* A disk with no partition table left (its MBR wiped, or its signature
 * gone): filesystems are looked for by their own headers where partitions
 * begin: sectors 32 to 256, 1 MiB and cylinder boundaries, and right after each one found (as
 * partitions follow each other), up to 64 MiB past the last find.  Each is
 * walked as volume "sN" (its first sector). */
static int find_filesystems(pt_scan_t *s, pt_source_t *src, int *found, pt_err_t *err)
{
    const uint64_t mib = 1 << 20, cyl = 16065 * 512ull;
    TSK_FS_INFO *fs[FOUND_MAX];
    uint64_t off[FOUND_MAX], len[FOUND_MAX], next = 0, limit = SEARCH_WINDOW;
    char msg[1400], label[40], desc[160];
    size_t k;
    int n = 0, i, rc = PT_OK, probes = 0;

    *found = 0;
    while (n < FOUND_MAX && next < src->size && probes < 1024) {
        /* candidates at or after next, nearest first: right after the last
         * find (or the small-media starts: sectors 32, 63, 64, 128, 256),
         * after an extended table's gap, cylinder and MiB boundaries */
        uint64_t c[10] = { next ? next : 32 * 512ull, (next ? next : 0) + 63 * 512, next ? 0 : 64 * 512,
                           next ? 0 : 128 * 512, next ? 0 : 256 * 512, (next + mib - 1) / mib * mib,
                           (next + cyl - 1) / cyl * cyl, (next + cyl - 1) / cyl * cyl + 63 * 512, 0, 0 };
        uint64_t best = UINT64_MAX;
        TSK_FS_INFO *hit = NULL;
        for (k = 0; k < 8; k++) {
            if (c[k] < next || c[k] >= src->size || c[k] >= best || (k > 0 && c[k] == 0))
                continue;
            probes++;
            TSK_FS_INFO *f = pt_source_fs_open(src->img, c[k], 0);
            if (!f) {
                tsk_error_reset();
                continue;
            }
            if (hit)
                tsk_fs_close(hit);
            hit = f;
            best = c[k];
        }
        /* then every 1 MiB boundary of the window */
        for (uint64_t o = (next + mib - 1) / mib * mib; !hit && o < limit && o < src->size; o += mib) {
            if (++probes > 1024)
                break;
            if ((hit = pt_source_fs_open(src->img, o, 0)) != NULL)
                best = o;
            else
                tsk_error_reset();
        }
        if (!hit)
            break;
        uint64_t bytes = (uint64_t)hit->block_count * hit->block_size;
        if (bytes > src->size - best)
            bytes = src->size - best;
        fs[n] = hit;
        off[n] = best;
        len[n] = bytes;
        n++;
        next = best + (bytes >= mib ? bytes : mib);
        limit = next + SEARCH_WINDOW;
    }
    if (n == 0)
        return PT_OK;
    *found = 1;
    k = (size_t)snprintf(msg, sizeof msg, "no partition table (the MBR's signature or entries are gone); %d "
                         "filesystem(s) found by their own headers and walked as volumes:", n);
    for (i = 0; i < n && k < sizeof msg - 100; i++)
        k += (size_t)snprintf(msg + k, sizeof msg - k, "%s s%llu (%s at sector %llu, %llu bytes)", i ? "," : "",
                              (unsigned long long)(off[i] / 512), tsk_fs_type_toname(fs[i]->ftype),
                              (unsigned long long)(off[i] / 512), (unsigned long long)len[i]);
    snprintf(msg + k, sizeof msg - k, "; the rest of the disk is unpartitioned space");
    if (!s->nest_prefix)
        rc = pt_casedb_set_evidence(s->db, s->evidence_id, PT_EV_VOLUME_SYSTEM, "none (filesystems found)", err);
    if (rc == PT_OK)
        rc = pt_scan_problem(s, "error", "image", msg, err);
    for (i = 0; i < n; i++) {
        pt_volume_info_t v;
        part_src_t ps = { NULL, src->img, off[i], len[i] };
        if (rc == PT_OK) {
            memset(&v, 0, sizeof v);
            snprintf(label, sizeof label, "s%llu", (unsigned long long)(off[i] / 512));
            snprintf(desc, sizeof desc, "%s found at sector %llu (no partition table)",
                     tsk_fs_type_toname(fs[i]->ftype), (unsigned long long)(off[i] / 512));
            v.label = label;
            v.ordinal = i + 1;
            v.tsk_addr = -1;
            v.offset = off[i];
            v.length = len[i];
            v.flags = "alloc";
            v.description = desc;
            rc = scan_fs_or_raw(s, &v, fs[i], read_part, &ps, 0, NULL, 0, err);
            s->volume_id = 0;
        }
        tsk_fs_close(fs[i]);
    }
    return rc;
}

int pt_volume_scan(pt_scan_t *s, pt_source_t *src, pt_err_t *err)
{
    TSK_VS_INFO *vs = tsk_vs_open(src->img, 0, TSK_VS_TYPE_DETECT);
    pt_volume_info_t v;
    part_src_t whole = { NULL, src->img, 0, 0 };
    TSK_FS_INFO *fs;
    pt_err_t ferr = { 0, "" };
    char why[1024];
    int rc;

    if ((rc = probe(s, src, err)) != PT_OK) {
        if (vs)
            tsk_vs_close(vs);
        return rc;
    }
    if (vs && protective_only(vs)) {
        int done = 0;
        if ((rc = try_backup_gpt(s, src, 1, &done, err)) != PT_OK || done) {
            tsk_vs_close(vs);
            s->volume_id = 0;
            return rc;
        }
    }
    if (vs && vs->vstype == TSK_VS_TYPE_GPT) {
        /* libtsk falls back to the backup header silently when LBA 0 holds no MBR */
        char primary[160], msg[400];
        pt_gpt_primary_problem(read_part, &whole, vs->block_size, primary, sizeof primary);
        if (strncmp(primary, "the header at LBA 1 looks valid", 31) != 0) {
            snprintf(msg, sizeof msg, "GPT disk whose primary header is damaged (%s): The Sleuth Kit read the "
                     "partitions from the backup GPT header in the last sector", primary);
            if ((rc = pt_scan_problem(s, "error", "image", msg, err)) != PT_OK) {
                tsk_vs_close(vs);
                return rc;
            }
        }
    }
    if (vs) {
        const char *vsname = tsk_vs_type_toname(vs->vstype);
        rc = s->nest_prefix ? PT_OK /* the evidence's own table is another */
                            : pt_casedb_set_evidence(s->db, s->evidence_id, PT_EV_VOLUME_SYSTEM, vsname, err);
        if (rc == PT_OK)
            rc = scan_partitions(s, src, vs, err);
        tsk_vs_close(vs);
        return rc;
    }
    tsk_error_reset();
    /* No partition table: a bare filesystem, or nothing libtsk knows. */
    memset(&v, 0, sizeof v);
    v.label = "";
    v.tsk_addr = -1;
    v.length = src->size;
    v.flags = "whole";
    /* a virtual disk is no NAND dump, and may claim far more than it holds */
    fs = pt_source_fs_open(src->img, 0, !s->disk_file_bytes);
    if (!fs) {
        int done = 0;
        pt_source_tsk_err(&ferr, PT_EFORMAT, "no filesystem recognised");
        snprintf(why, sizeof why, "no partition table and no filesystem libtsk reads (%.900s); "
                 "the whole image is recorded and hashed as one volume item", ferr.msg);
        /* the first sectors wiped (MBR and primary GPT): the backup GPT may
         * remain; else the filesystems themselves, unless a container or a
         * volume named by its signature starts the disk */
        if ((rc = try_backup_gpt(s, src, 0, &done, err)) == PT_OK && !done &&
            pt_layer_detect(read_part, &whole, src->size) == PT_LAYER_NONE &&
            !pt_fsid_name(read_part, &whole, src->size, why, sizeof why)) {
            snprintf(why, sizeof why, "no partition table and no filesystem libtsk reads (%.900s); "
                     "the whole image is recorded and hashed as one volume item", ferr.msg);
            rc = find_filesystems(s, src, &done, err);
        }
        if (rc != PT_OK || done) {
            s->volume_id = 0;
            return rc;
        }
        snprintf(why, sizeof why, "no partition table and no filesystem libtsk reads (%.900s); "
                 "the whole image is recorded and hashed as one volume item", ferr.msg);
    }
    rc = scan_fs_or_raw(s, &v, fs, read_part, &whole, 1, why, 0, err);
    if (fs)
        tsk_fs_close(fs);
    s->volume_id = 0;
    return rc;
}

/* ---- a disk image found as a file of the evidence ---- */

int pt_volume_looks_like_disk(const uint8_t *h, size_t n, uint64_t size)
{
    static const struct { size_t off; const char *sig; size_t len; } fs[] = {
        { 512, "EFI PART", 8 },          /* GPT */
        { 1080, "\x53\xef", 2 },         /* ext2/3/4 superblock magic */
        { 3, "NTFS    ", 8 },
        { 3, "EXFAT   ", 8 },
        { 82, "FAT32   ", 8 },
        { 1024, "H+\x00\x04", 4 },       /* HFS+ */
        { 32, "NXSB", 4 },               /* APFS container */
    };
    size_t i;
    int entries = 0;

    if ((pt_squashfs_is(h, n) || pt_erofs_is(h, n) || pt_f2fs_is(h, n)) && size >= 4096)
        return 1; /* a snap, a firmware's root filesystem, a live system's, Android's system.img */
    /* a whole-disk XFS (a cloud VM's data disk), a whole-disk LVM PV */
    if (n >= 8 && memcmp(h, "XFSB", 4) == 0 && size >= 1024 * 1024) {
        uint32_t bs = (uint32_t)h[4] << 24 | (uint32_t)h[5] << 16 | (uint32_t)h[6] << 8 | h[7];
        if (bs >= 512 && bs <= 65536 && (bs & (bs - 1)) == 0)
            return 1;
    }
    for (i = 0; i < 4 && n >= 512 * i + 32; i++)
        if (memcmp(h + 512 * i, "LABELONE", 8) == 0 && memcmp(h + 512 * i + 24, "LVM2 001", 8) == 0 &&
            size >= 1024 * 1024)
            return 1;
    if (size < 65536 || n < 1088)
        return 0;
    for (i = 0; i < sizeof fs / sizeof fs[0]; i++)
        if (memcmp(h + fs[i].off, fs[i].sig, fs[i].len) == 0)
            return 1;
    if (h[510] != 0x55 || h[511] != 0xaa)
        return 0;
    /* a FAT12/16 volume without a partition table (a floppy, a USB stick) */
    if (memcmp(h + 54, "FAT12   ", 8) == 0 || memcmp(h + 54, "FAT16   ", 8) == 0)
        return 1;
    /* an MBR: the boot signature and at least one plausible partition entry */
    for (i = 0; i < 4; i++) {
        const uint8_t *e = h + 446 + 16 * i;
        uint32_t start = (uint32_t)e[8] | (uint32_t)e[9] << 8 | (uint32_t)e[10] << 16 | (uint32_t)e[11] << 24;
        uint32_t len = (uint32_t)e[12] | (uint32_t)e[13] << 8 | (uint32_t)e[14] << 16 | (uint32_t)e[15] << 24;
        if ((e[0] & 0x7f) != 0)
            return 0; /* the boot flag is 0x00 or 0x80 */
        if (e[4] != 0 && start != 0 && len != 0 && (uint64_t)start * 512 < size)
            entries++;
    }
    return entries > 0;
}

/* Walks img, a disk held by item it, as nested evidence (PATH!p1 ...). */
static int scan_nested_img(pt_scan_t *s, const pt_item_t *it, TSK_IMG_INFO *img, uint64_t size, unsigned sector,
                           const char *fmt, const char *container, uint64_t file_bytes, pt_err_t *err)
{
    pt_source_t nsrc;
    int64_t vol = s->volume_id;
    const char *vlabel = s->volume_label;
    char *prefix = malloc(strlen(it->path) + 2);
    int rc;

    if (!prefix)
        return pt_err_set(err, PT_ENOMEM, "out of memory");
    sprintf(prefix, "%s!", it->path);
    memset(&nsrc, 0, sizeof nsrc);
    nsrc.path = prefix;
    nsrc.img = img;
    nsrc.format = fmt;
    nsrc.size = size;
    nsrc.sector_size = sector;
    s->nest_prefix = pt_scan_intern(s, prefix);
    s->nest_item = it->id;
    s->nest_container = container;
    s->disk_file_bytes = file_bytes;
    rc = pt_volume_scan(s, &nsrc, err);
    s->nest_prefix = NULL;
    s->nest_item = 0;
    s->nest_container = NULL;
    s->disk_file_bytes = 0;
    s->volume_id = vol;
    s->volume_label = vlabel;
    free(prefix);
    return rc;
}

int pt_volume_scan_bundle(pt_scan_t *s, const pt_item_t *it, pt_layer_kind_t kind, pt_err_t *err)
{
    pt_err_t berr = { 0, "" };
    TSK_IMG_INFO *img;
    const char *what = kind == PT_LAYER_BUNDLE ? "sparse bundle" : "Parallels disk";
    char desc[400], msg[1200];
    int rc;

    if (!s->files)
        return pt_scan_item_problem(s, it->id, "note", it->path, kind == PT_LAYER_BUNDLE
                                    ? "a sparse bundle found where its bands cannot be looked up (an APFS volume, an "
                                      "archive): its disk is not walked"
                                    : "a Parallels disk found where its files cannot be looked up (an APFS volume, an "
                                      "archive): its disk is not walked", err);
    img = kind == PT_LAYER_BUNDLE ? pt_bundle_img(s->files, it->path, desc, sizeof desc, &berr)
                                  : pt_phdbundle_img(s->files, it->path, desc, sizeof desc, &berr);
    if (!img) {
        if (berr.code == PT_ENOMEM)
            return pt_err_set(err, PT_ENOMEM, "%s", berr.msg);
        if (berr.code == PT_ENOENT && kind == PT_LAYER_PHDBUNDLE)
            return PT_OK; /* a directory named .hdd without a descriptor: its files are walked as they are */
        snprintf(msg, sizeof msg, "%s, not opened: %.1000s", what, berr.msg);
        return pt_scan_item_problem(s, it->id, "error", it->path, msg, err);
    }
    snprintf(msg, sizeof msg, "%.500s (files of the evidence)", desc);
    if ((rc = pt_scan_item_problem(s, it->id, "note", it->path, msg, err)) == PT_OK)
        rc = scan_nested_img(s, it, img, (uint64_t)img->size, 512, msg, pt_layer_kind_name(kind), 0, err);
    tsk_img_close(img);
    return rc;
}

int pt_volume_scan_nested(pt_scan_t *s, const pt_item_t *it, pt_read_fn fn, void *src, pt_layer_kind_t kind,
                          pt_err_t *err)
{
    TSK_IMG_INFO *img = NULL;
    pt_layer_t *layer = NULL, *top;
    pt_chain_t *chain = NULL;
    pt_err_t lerr = { 0, "" };
    char fmt[700];
    uint64_t size = it->size;
    /* a virtual disk's files bound its volume item (volume_item); an E01
     * set or a split raw image stores every byte it has */
    uint64_t file_bytes = kind != PT_LAYER_NONE && kind != PT_LAYER_EWF && kind != PT_LAYER_SPLIT ? it->size : 0;
    int rc, segments = 0;

    if (kind == PT_LAYER_EWF || kind == PT_LAYER_SPLIT) {
        /* an E01 set or a split raw image in a directory given as evidence
         * (opened by name), or an E01 set in a filesystem (ewfmap.c) */
        char sdesc[400];
        if (!s->files || !(img = pt_files_open_image_set(s->files, it->path, kind, &segments, sdesc, sizeof sdesc,
                                                         &lerr))) {
            char msg[1200];
            if (!s->files || lerr.code == PT_EINVAL)
                return pt_scan_item_problem(s, it->id, "note", it->path, "an EWF (E01) segment or split raw image "
                                            "found where the other files of its set cannot be looked up (an APFS "
                                            "volume, an archive): extract all its files (verified by hash) and give "
                                            "them as evidence", err);
            snprintf(msg, sizeof msg, "%s, not opened: %.1000s", kind == PT_LAYER_EWF ? "EWF image" : "split raw image",
                     lerr.msg);
            return pt_scan_item_problem(s, it->id, "error", it->path, msg, err);
        }
        size = (uint64_t)img->size;
        if (sdesc[0])
            snprintf(fmt, sizeof fmt, "%.500s (files of the evidence)", sdesc);
        else
            snprintf(fmt, sizeof fmt, "%s of %d %s%s, %llu bytes (files of the evidence)",
                     kind == PT_LAYER_EWF ? "EWF image" : "split raw image", segments,
                     kind == PT_LAYER_EWF ? "segment" : "file", segments == 1 ? "" : "s", (unsigned long long)size);
    } else if (kind != PT_LAYER_NONE) {
        /* an overlay's backing files are looked up in the tree it was found
         * in (chain.h); where the tree cannot be searched, it is named */
        if (s->files) {
            uint64_t before = pt_files_bytes(s->files);
            rc = pt_chain_open(kind, fn, src, it->size, it->path, s->files, s->opts->policy ? s->opts->policy->keys : NULL,
                               s->opts->policy ? s->opts->policy->n_keys : 0, &chain, &lerr);
            file_bytes += pt_files_bytes(s->files) - before; /* its backing files and extents */
        } else if ((rc = pt_layer_open(kind, fn, src, it->size, NULL, 0, &layer, &lerr)) == PT_OK &&
                   *pt_layer_backing(layer)) {
            snprintf(lerr.msg, sizeof lerr.msg, "%.700s: a differential image whose backing file cannot be looked "
                     "up where it was found; its disk is not walked", pt_layer_describe(layer));
            pt_layer_close(layer);
            layer = NULL;
            rc = PT_EFORMAT;
        }
        if (rc != PT_OK) {
            char msg[1200];
            if (rc == PT_ENOMEM)
                return pt_err_set(err, rc, "%s", lerr.msg);
            snprintf(msg, sizeof msg, "%s disk image, not opened: %.1000s", pt_layer_kind_name(kind), lerr.msg);
            /* an encrypted image without its key is a fact of the case (the
             * item is encrypted, needs-review), not damage */
            return pt_scan_item_problem(s, it->id, rc == PT_ENOKEY ? "note" : "error", it->path, msg, err);
        }
        /* which files make up the disk walked is part of the record */
        if (chain && pt_chain_depth(chain) > 1 &&
            (rc = pt_scan_item_problem(s, it->id, "note", it->path, pt_chain_describe(chain), err)) != PT_OK) {
            pt_chain_close(chain);
            return rc;
        }
        top = chain ? pt_chain_top(chain) : layer;
        fn = pt_layer_read;
        src = top;
        size = pt_layer_size(top);
        snprintf(fmt, sizeof fmt, "%.600s (a file of the evidence)",
                 chain ? pt_chain_describe(chain) : pt_layer_describe(layer));
    } else {
        snprintf(fmt, sizeof fmt, "raw (a file of the evidence)");
    }
    if ((kind == PT_LAYER_EWF || kind == PT_LAYER_SPLIT) &&
        (rc = pt_scan_item_problem(s, it->id, "note", it->path, fmt, err)) != PT_OK) {
        tsk_img_close(img); /* which files make up the disk walked is part of the record */
        return rc;
    }
    if (kind != PT_LAYER_EWF && kind != PT_LAYER_SPLIT && !(img = pt_source_img_over(fn, src, size))) {
        pt_layer_close(layer);
        pt_chain_close(chain);
        return pt_scan_item_problem(s, it->id, "note", it->path, "looks like a disk image, but libtsk cannot "
                                    "open it", err);
    }
    rc = scan_nested_img(s, it, img, size, kind == PT_LAYER_EWF || kind == PT_LAYER_SPLIT ?
                         (unsigned)img->sector_size : 512, fmt, kind != PT_LAYER_NONE ? pt_layer_kind_name(kind) : NULL,
                         file_bytes, err);
    tsk_img_close(img);
    pt_layer_close(layer);
    pt_chain_close(chain);
    return rc;
}
