/* volume.c - partitions and filesystems of one image.  Owns the TSK_VS_INFO
 * and TSK_FS_INFO it opens and closes them before returning. */
#include "volume.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "freespace.h"
#include "walk.h"

typedef struct part_src {
    const TSK_VS_PART_INFO *part; /* NULL: whole image */
    TSK_IMG_INFO *img;
} part_src_t;

static ssize_t read_part(void *src, uint64_t off, uint8_t *buf, size_t len, pt_err_t *err)
{
    part_src_t *p = src;
    ssize_t got = p->part ? tsk_vs_part_read(p->part, (TSK_OFF_T)off, (char *)buf, len)
                          : tsk_img_read(p->img, (TSK_OFF_T)off, (char *)buf, len);
    if (got < 0)
        pt_source_tsk_err(err, PT_EIO, "libtsk");
    return got;
}

/* A volume with no filesystem libtsk reads: one item holding its bytes. */
static int volume_item(pt_scan_t *s, part_src_t *ps, uint64_t size, const char *why, pt_err_t *err)
{
    pt_item_t it;
    pt_err_t rerr = { 0, "" };
    int rc;

    pt_item_init(&it);
    it.evidence_id = s->evidence_id;
    it.volume_id = s->volume_id;
    it.path = s->nest_prefix ? s->volume_label : "";
    it.kind = PT_KIND_VOLUME;
    it.size = size;
    pt_item_add_error(&it, ps->part ? "note" : "error", "%s", why);
    if ((rc = pt_scan_read(s, &it, read_part, ps, &rerr)) != PT_OK) {
        *err = rerr;
        return rc;
    }
    return pt_scan_emit(s, &it, err);
}

static int add_volume(pt_scan_t *s, pt_volume_info_t *v, pt_err_t *err)
{
    int64_t id = 0;
    int rc;

    v->evidence_id = s->evidence_id;
    if (s->nest_prefix) {
        /* a volume of a disk image found as a file: "/vm/disk.img!p1" */
        char *l = malloc(strlen(s->nest_prefix) + strlen(v->label ? v->label : "") + 1);
        if (!l)
            return pt_err_set(err, PT_ENOMEM, "out of memory");
        sprintf(l, "%s%s", s->nest_prefix, v->label ? v->label : "");
        v->label = pt_scan_intern(s, l);
        free(l);
        v->parent_item_id = s->nest_item;
    }
    if ((rc = pt_casedb_add_volume(s->db, v, &id, err)) != PT_OK)
        return rc;
    s->volume_id = id;
    s->volume_label = pt_scan_intern(s, v->label ? v->label : "");
    s->n.volumes++;
    return PT_OK;
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

/* Opens and walks the filesystem at offset, or records why it could not. */
static int scan_fs_or_raw(pt_scan_t *s, pt_volume_info_t *v, TSK_FS_INFO *fs, part_src_t *ps,
                          const char *fs_err, pt_err_t *err)
{
    int rc;

    if (fs) {
        v->filesystem = tsk_fs_type_toname(fs->ftype);
        v->fs_block_size = fs->block_size;
        measure_fs(s, fs, v);
    } else {
        v->error = fs_err;
    }
    if ((rc = add_volume(s, v, err)) != PT_OK)
        return rc;
    if (fs && fs->last_block_act < fs->last_block) {
        /* libtsk clips to what the image holds; say how much is missing */
        char msg[256];
        snprintf(msg, sizeof msg, "filesystem is truncated: it spans %" PRIu64 " blocks of %u bytes "
                 "but the evidence holds only %" PRIu64, (uint64_t)fs->last_block + 1, fs->block_size,
                 (uint64_t)fs->last_block_act + 1);
        if ((rc = pt_scan_problem(s, "error", "filesystem", msg, err)) != PT_OK)
            return rc;
    }
    if (fs)
        return pt_walk_fs(s, fs, err);
    return volume_item(s, ps, v->length, fs_err, err);
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

static int scan_partitions(pt_scan_t *s, pt_source_t *src, TSK_VS_INFO *vs, pt_err_t *err)
{
    TSK_PNUM_T i;
    int ordinal = 0, rc = PT_OK;

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
            part_src_t ps = { p, src->img };
            char why[1024];
            pt_err_t ferr = { 0, "" };
            TSK_FS_INFO *fs;

            snprintf(label, sizeof label, "p%d", ++ordinal);
            v.label = label;
            v.ordinal = ordinal;
            v.flags = "alloc";
            if ((rc = check_extent(s, src, vs, p, label, err)) != PT_OK)
                break;
            fs = tsk_fs_open_vol(p, TSK_FS_TYPE_DETECT);
            if (!fs) {
                pt_source_tsk_err(&ferr, PT_EFORMAT, "no filesystem recognised");
                snprintf(why, sizeof why, "partition %s has no filesystem libtsk reads "
                         "(%.900s); recorded and hashed as one volume item", label, ferr.msg);
            }
            rc = scan_fs_or_raw(s, &v, fs, &ps, why, err);
            if (fs)
                tsk_fs_close(fs);
        }
        s->volume_id = 0;
    }
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

int pt_volume_scan(pt_scan_t *s, pt_source_t *src, pt_err_t *err)
{
    TSK_VS_INFO *vs = tsk_vs_open(src->img, 0, TSK_VS_TYPE_DETECT);
    pt_volume_info_t v;
    part_src_t whole = { NULL, src->img };
    TSK_FS_INFO *fs;
    pt_err_t ferr = { 0, "" };
    char why[1024];
    int rc;

    if ((rc = probe(s, src, err)) != PT_OK) {
        if (vs)
            tsk_vs_close(vs);
        return rc;
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
    fs = tsk_fs_open_img(src->img, 0, TSK_FS_TYPE_DETECT);
    if (!fs) {
        pt_source_tsk_err(&ferr, PT_EFORMAT, "no filesystem recognised");
        snprintf(why, sizeof why, "no partition table and no filesystem libtsk reads (%.900s); "
                 "the whole image is recorded and hashed as one volume item", ferr.msg);
    }
    rc = scan_fs_or_raw(s, &v, fs, &whole, why, err);
    if (fs)
        tsk_fs_close(fs);
    s->volume_id = 0;
    return rc;
}

/* ---- a disk image found as a file of the evidence ---- */

typedef struct nested_img {
    TSK_IMG_INFO img;           /* first: libtsk sees only this */
    pt_read_fn fn;
    void *src;
} nested_img_t;

static ssize_t nested_read(TSK_IMG_INFO *img, TSK_OFF_T off, char *buf, size_t len)
{
    nested_img_t *n = (nested_img_t *)img;
    pt_err_t e = { 0, "" };

    if (off < 0 || (uint64_t)off >= (uint64_t)img->size)
        return 0;
    if (len > (uint64_t)img->size - (uint64_t)off)
        len = (size_t)((uint64_t)img->size - (uint64_t)off);
    return n->fn(n->src, (uint64_t)off, (uint8_t *)buf, len, &e);
}

static void nested_close(TSK_IMG_INFO *img)
{
    free(img);
}

static void nested_stat(TSK_IMG_INFO *img, FILE *f)
{
    fprintf(f, "disk image found as a file, %lld bytes\n", (long long)img->size);
}

TSK_IMG_INFO *pt_volume_open_nested(pt_read_fn fn, void *src, uint64_t size)
{
    nested_img_t *n = calloc(1, sizeof *n);

    if (!n)
        return NULL;
    n->fn = fn;
    n->src = src;
    if (!tsk_img_open_external(n, (TSK_OFF_T)size, 512, nested_read, nested_close, nested_stat)) {
        free(n);
        return NULL;
    }
    return &n->img;
}

int pt_volume_looks_like_disk(const uint8_t *h, size_t n, uint64_t size)
{
    static const struct { size_t off; const char *sig; size_t len; } fs[] = {
        { 512, "EFI PART", 8 },          /* GPT */
        { 1080, "\x53\xef", 2 },         /* ext2/3/4 superblock magic */
        { 3, "NTFS    ", 8 },
        { 3, "EXFAT   ", 8 },
        { 82, "FAT32   ", 8 },
        { 1024, "H+\x00\x04", 4 },       /* HFS+ */
    };
    size_t i;
    int entries = 0;

    if (size < 65536 || n < 1088)
        return 0;
    for (i = 0; i < sizeof fs / sizeof fs[0]; i++)
        if (memcmp(h + fs[i].off, fs[i].sig, fs[i].len) == 0)
            return 1;
    /* an MBR: the boot signature and at least one plausible partition entry */
    if (h[510] != 0x55 || h[511] != 0xaa)
        return 0;
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

int pt_volume_scan_nested(pt_scan_t *s, const pt_item_t *it, pt_read_fn fn, void *src, pt_err_t *err)
{
    pt_source_t nsrc;
    TSK_IMG_INFO *img;
    char *prefix;
    int64_t vol = s->volume_id;
    const char *vlabel = s->volume_label;
    int rc;

    if (!(img = pt_volume_open_nested(fn, src, it->size)))
        return pt_scan_item_problem(s, it->id, "note", it->path, "looks like a disk image, but libtsk cannot "
                                    "open it", err);
    if (!(prefix = malloc(strlen(it->path) + 2))) {
        tsk_img_close(img);
        return pt_err_set(err, PT_ENOMEM, "out of memory");
    }
    sprintf(prefix, "%s!", it->path);
    memset(&nsrc, 0, sizeof nsrc);
    nsrc.path = prefix;
    nsrc.img = img;
    nsrc.format = "raw (a file of the evidence)";
    nsrc.size = it->size;
    nsrc.sector_size = 512;
    s->nest_prefix = pt_scan_intern(s, prefix);
    s->nest_item = it->id;
    rc = pt_volume_scan(s, &nsrc, err);
    s->nest_prefix = NULL;
    s->nest_item = 0;
    s->volume_id = vol;
    s->volume_label = vlabel;
    tsk_img_close(img);
    free(prefix);
    return rc;
}
