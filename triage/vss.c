/* vss.c - Volume Shadow Copies through libvshadow.  Owns the libvshadow
 * volume, its stores and the libbfio handle they read through; a filter
 * owns its copy of the $MFT's runs and borrows the snapshot set. */
#include "vss.h"

#include <libbfio.h>
#include <libvshadow.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bfio.h"
#include "bytes.h"

#define VSS_BLOCK 16384
#define VSS_HEADER 0x1e00
#define FILETIME_UNIX 116444736000000000ULL /* 1601 to 1970 in 100 ns */

typedef struct store {
    libvshadow_store_t *h;
    uint64_t size;
    int64_t created;
    uint64_t *blocks;           /* original offsets / 16 KiB of the blocks it keeps, sorted, unique */
    size_t nblocks;
    char desc[256];
} store_t;

struct pt_vss {
    pt_read_fn fn;              /* the volume now */
    void *src;
    uint64_t size;
    pt_bfio_handle_t *bfio;
    libvshadow_volume_t *vol;
    store_t *st;
    int n;
};

static const uint8_t vss_id[16] = { 0x6b, 0x87, 0x08, 0x38, 0x76, 0xc1, 0x48, 0x4e,
                                    0xb7, 0xae, 0x04, 0x04, 0x6e, 0x6c, 0xc7, 0x52 };

int pt_vss_probe(pt_read_fn fn, void *src, uint64_t size)
{
    uint8_t h[64];
    pt_err_t err = { 0, "" };

    if (size < VSS_HEADER + sizeof h || pt_read_exact(fn, src, VSS_HEADER, h, sizeof h, &err) != PT_OK)
        return 0;
    if (memcmp(h, vss_id, 16) != 0 || (h[20] | h[21] << 8) != 1) /* record type 1: the volume header */
        return 0;
    return le64(h + 0x30) ? 2 : 1;
}

static void vss_err(libvshadow_error_t **e, pt_err_t *err, int code, const char *what)
{
    char m[512] = "", *p;

    if (*e) {
        libvshadow_error_sprint(*e, m, sizeof m);
        libvshadow_error_free(e);
    }
    for (p = m; *p; p++)
        if (*p == '\n')
            *p = ' ';
    pt_err_set(err, code, "%s%s%s", what, m[0] ? ": " : "", m);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* The blocks store s keeps (its block list), sorted and unique. */
static int load_blocks(store_t *s, pt_err_t *err)
{
    libvshadow_error_t *e = NULL;
    int n = 0, i;
    size_t k = 0, j;

    if (libvshadow_store_get_number_of_blocks(s->h, &n, &e) != 1) {
        vss_err(&e, err, PT_EFORMAT, "block list not read");
        return PT_EFORMAT;
    }
    if (n > 0 && !(s->blocks = malloc((size_t)n * sizeof *s->blocks)))
        return pt_err_set(err, PT_ENOMEM, "out of memory");
    for (i = 0; i < n; i++) {
        libvshadow_block_t *b = NULL;
        off64_t orig = 0, rel = 0, off = 0;
        uint32_t flags = 0, bitmap = 0;
        if (libvshadow_store_get_block_by_index(s->h, i, &b, &e) != 1 ||
            libvshadow_block_get_values(b, &orig, &rel, &off, &flags, &bitmap, &e) != 1) {
            libvshadow_block_free(&b, NULL);
            vss_err(&e, err, PT_EFORMAT, "block descriptor not read");
            return PT_EFORMAT;
        }
        libvshadow_block_free(&b, NULL);
        if (orig >= 0)
            s->blocks[k++] = (uint64_t)orig / VSS_BLOCK;
    }
    if (k)
        qsort(s->blocks, k, sizeof *s->blocks, cmp_u64);
    for (i = 0, j = 0; (size_t)i < k; i++)
        if (j == 0 || s->blocks[j - 1] != s->blocks[i])
            s->blocks[j++] = s->blocks[i];
    s->nblocks = j;
    return PT_OK;
}

static void describe(pt_vss_t *v, int i)
{
    store_t *s = &v->st[i];
    uint8_t g[16];
    char when[64] = "at an unknown time";

    if (s->created) {
        time_t t = (time_t)s->created;
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", &tm);
    }
    if (libvshadow_store_get_identifier(s->h, g, sizeof g, NULL) == 1)
        snprintf(s->desc, sizeof s->desc,
                 "Volume Shadow Copy %d of %d, created %s, store {%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
                 "%02x%02x%02x%02x%02x%02x}, %zu block%s of 16 KiB kept", i + 1, v->n, when, g[3], g[2], g[1],
                 g[0], g[5], g[4], g[7], g[6], g[8], g[9], g[10], g[11], g[12], g[13], g[14], g[15], s->nblocks,
                 s->nblocks == 1 ? "" : "s");
    else
        snprintf(s->desc, sizeof s->desc, "Volume Shadow Copy %d of %d, created %s, %zu block%s of 16 KiB kept",
                 i + 1, v->n, when, s->nblocks, s->nblocks == 1 ? "" : "s");
}

/* libvshadow 20190323 reads the NTFS boot sector's geometry and divides by
 * its bytes per sector unchecked: a damaged boot sector (0) killed the
 * scan with SIGFPE (found by fuzz_readers).  The values NTFS allows. */
static int boot_sector_check(pt_read_fn fn, void *src, pt_err_t *err)
{
    uint8_t b[512];
    unsigned bps, spc;

    if (pt_read_exact(fn, src, 0, b, sizeof b, err) != PT_OK)
        return PT_EFORMAT;
    bps = (unsigned)(b[11] | b[12] << 8);
    spc = b[13];
    if (bps < 256 || bps > 4096 || (bps & (bps - 1)) || spc == 0 || le64(b + 40) == 0)
        return pt_err_set(err, PT_EFORMAT, "shadow copies not read: the NTFS boot sector is damaged (%u bytes per "
                          "sector, %u sectors per cluster code, %llu sectors)", bps, spc,
                          (unsigned long long)le64(b + 40));
    return PT_OK;
}

int pt_vss_open(pt_read_fn fn, void *src, uint64_t size, pt_vss_t **out, pt_err_t *err)
{
    libvshadow_error_t *e = NULL;
    pt_vss_t *v;
    int rc, i;

    *out = NULL;
    if ((rc = pt_bfio_check(err)) != PT_OK || (rc = boot_sector_check(fn, src, err)) != PT_OK)
        return rc;
    if (!(v = calloc(1, sizeof *v)))
        return pt_err_set(err, PT_ENOMEM, "out of memory");
    v->fn = fn;
    v->src = src;
    v->size = size;
    if ((rc = pt_bfio_open(fn, src, size, &v->bfio, err)) != PT_OK)
        goto fail;
    if (libvshadow_volume_initialize(&v->vol, &e) != 1 ||
        libvshadow_volume_open_file_io_handle(v->vol, (libbfio_handle_t *)v->bfio, LIBVSHADOW_OPEN_READ, &e) != 1 ||
        libvshadow_volume_get_number_of_stores(v->vol, &v->n, &e) != 1) {
        vss_err(&e, err, PT_EFORMAT, "shadow copy catalog not read");
        rc = PT_EFORMAT;
        goto fail;
    }
    if (v->n > 0 && !(v->st = calloc((size_t)v->n, sizeof *v->st))) {
        rc = pt_err_set(err, PT_ENOMEM, "out of memory");
        goto fail;
    }
    for (i = 0; i < v->n; i++) {
        store_t *s = &v->st[i];
        size64_t sz = 0;
        uint64_t ft = 0;
        if (libvshadow_volume_get_store(v->vol, i, &s->h, &e) != 1 ||
            libvshadow_store_get_size(s->h, &sz, &e) != 1) {
            vss_err(&e, err, PT_EFORMAT, "shadow copy store not read");
            rc = PT_EFORMAT;
            pt_err_prefix(err, "snapshot %d of %d", i + 1, v->n);
            goto fail;
        }
        s->size = sz;
        if (libvshadow_store_get_creation_time(s->h, &ft, NULL) == 1 && ft > FILETIME_UNIX)
            s->created = (int64_t)((ft - FILETIME_UNIX) / 10000000ULL);
        if ((rc = load_blocks(s, err)) != PT_OK) {
            pt_err_prefix(err, "snapshot %d of %d", i + 1, v->n);
            goto fail;
        }
        describe(v, i);
    }
    *out = v;
    return PT_OK;
fail:
    pt_vss_close(v);
    return rc;
}

void pt_vss_close(pt_vss_t *v)
{
    int i;

    if (!v)
        return;
    for (i = 0; v->st && i < v->n; i++) {
        free(v->st[i].blocks);
        if (v->st[i].h)
            libvshadow_store_free(&v->st[i].h, NULL);
    }
    free(v->st);
    if (v->vol) {
        libvshadow_volume_close(v->vol, NULL);
        libvshadow_volume_free(&v->vol, NULL);
    }
    pt_bfio_free(v->bfio);
    free(v);
}

int pt_vss_count(const pt_vss_t *v)
{
    return v ? v->n : 0;
}

uint64_t pt_vss_size(const pt_vss_t *v, int i)
{
    return v->st[i].size;
}

const char *pt_vss_describe(const pt_vss_t *v, int i)
{
    return v->st[i].desc;
}

int64_t pt_vss_created(const pt_vss_t *v, int i)
{
    return v->st[i].created;
}

ssize_t pt_vss_read(pt_vss_t *v, int i, uint64_t off, uint8_t *buf, size_t len, pt_err_t *err)
{
    libvshadow_error_t *e = NULL;
    ssize_t n;

    if (i < 0 || i >= v->n)
        return pt_err_set(err, PT_EINVAL, "no snapshot %d", i + 1), -1;
    if (off >= v->st[i].size)
        return 0;
    if (len > v->st[i].size - off)
        len = (size_t)(v->st[i].size - off);
    if ((n = libvshadow_store_read_buffer_at_offset(v->st[i].h, buf, len, (off64_t)off, &e)) < 0) {
        char what[96];
        snprintf(what, sizeof what, "shadow copy %d read at %llu", i + 1, (unsigned long long)off);
        vss_err(&e, err, PT_EIO, what);
    }
    return n;
}

/* ---- which files of a snapshot differ from a newer one, or the volume now ---- */

typedef struct view {
    pt_vss_t *v;
    int i;
} view_t;

static ssize_t vss_read_fn(void *src, uint64_t off, uint8_t *buf, size_t len, pt_err_t *err)
{
    view_t *w = src;
    return pt_vss_read(w->v, w->i, off, buf, len, err);
}

typedef struct mft_run {
    uint64_t vcn, lcn, len;     /* clusters; lcn UINT64_MAX: not stored */
} mft_run_t;

struct pt_vss_filter {
    pt_vss_t *v;
    int first;                  /* stores first..n-1 make this snapshot's view */
    unsigned block_size;        /* the filesystem's cluster */
    uint32_t record_size;       /* MFT record */
    mft_run_t *runs;
    size_t nruns;
    TSK_INUM_T last_real;       /* above: libtsk's virtual entries ($OrphanFiles) */
};

/* Whether volume bytes [off, off + len) touch a block that a store of the
 * view keeps. */
static int touched(const pt_vss_filter_t *fl, uint64_t off, uint64_t len)
{
    uint64_t b0 = off / VSS_BLOCK, b1 = (off + (len ? len : 1) - 1) / VSS_BLOCK;
    int i;

    for (i = fl->first; i < fl->v->n; i++) {
        const store_t *s = &fl->v->st[i];
        size_t lo = 0, hi = s->nblocks;
        while (lo < hi) { /* first kept block >= b0 */
            size_t mid = lo + (hi - lo) / 2;
            if (s->blocks[mid] < b0)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo < s->nblocks && s->blocks[lo] <= b1)
            return 1;
    }
    return 0;
}

/* Whether volume bytes [off, off + len) read differently in the snapshot
 * than in the next newer one (the newest: than on the volume now):
 * compared byte for byte where a store keeps a block, elsewhere all read
 * the volume (1 also when either cannot be read). */
static int differs(const pt_vss_filter_t *fl, uint64_t off, uint64_t len)
{
    uint8_t a[VSS_BLOCK], b[VSS_BLOCK];
    uint64_t end = off + len, pos;
    view_t self = { fl->v, fl->first }, newer = { fl->v, fl->first + 1 };
    pt_read_fn nfn = fl->first + 1 < fl->v->n ? vss_read_fn : fl->v->fn;
    void *nsrc = fl->first + 1 < fl->v->n ? (void *)&newer : fl->v->src;

    if (!touched(fl, off, len))
        return 0;
    for (pos = off; pos < end;) {
        uint64_t next = (pos / VSS_BLOCK + 1) * VSS_BLOCK;
        size_t n = (size_t)((next < end ? next : end) - pos);
        if (touched(fl, pos, n)) {
            pt_err_t e1 = { 0, "" }, e2 = { 0, "" };
            if (pt_read_exact(vss_read_fn, &self, pos, a, n, &e1) != PT_OK ||
                pt_read_exact(nfn, nsrc, pos, b, n, &e2) != PT_OK || memcmp(a, b, n) != 0)
                return 1;
        }
        pos += n;
    }
    return 0;
}

pt_vss_filter_t *pt_vss_filter_open(pt_vss_t *v, int i, TSK_FS_INFO *fs)
{
    pt_vss_filter_t *fl;
    TSK_FS_FILE *mft = NULL;
    const TSK_FS_ATTR *a;
    const TSK_FS_ATTR_RUN *r;
    uint8_t boot[512];
    int8_t rs;
    size_t n = 0;

    if (!v || i < 0 || i >= v->n || !TSK_FS_TYPE_ISNTFS(fs->ftype) ||
        tsk_fs_read(fs, 0, (char *)boot, sizeof boot) != (ssize_t)sizeof boot) {
        tsk_error_reset();
        return NULL;
    }
    if (!(fl = calloc(1, sizeof *fl)))
        return NULL;
    fl->v = v;
    fl->first = i;
    fl->block_size = fs->block_size;
    fl->last_real = fs->last_inum > 0 ? fs->last_inum - 1 : 0;
    /* clusters per MFT record at 0x40: a negative value n means 2^-n bytes */
    rs = (int8_t)boot[0x40];
    fl->record_size = rs < 0 ? (rs >= -31 ? 1u << -rs : 0) : (uint32_t)rs * fs->block_size;
    if (fl->record_size < 256 || !(mft = tsk_fs_file_open_meta(fs, NULL, 0)) ||
        !(a = tsk_fs_file_attr_get_type(mft, TSK_FS_ATTR_TYPE_NTFS_DATA, 0, 0)) || !(a->flags & TSK_FS_ATTR_NONRES))
        goto fail;
    for (r = a->nrd.run; r; r = r->next)
        n++;
    if (!n || !(fl->runs = calloc(n, sizeof *fl->runs)))
        goto fail;
    for (r = a->nrd.run; r; r = r->next, fl->nruns++) {
        mft_run_t *m = &fl->runs[fl->nruns];
        m->vcn = r->offset;
        m->len = r->len;
        m->lcn = r->flags & (TSK_FS_ATTR_RUN_FLAG_SPARSE | TSK_FS_ATTR_RUN_FLAG_FILLER) ? UINT64_MAX : r->addr;
    }
    tsk_fs_file_close(mft);
    return fl;
fail:
    tsk_error_reset();
    if (mft)
        tsk_fs_file_close(mft);
    pt_vss_filter_close(fl);
    return NULL;
}

void pt_vss_filter_close(pt_vss_filter_t *fl)
{
    if (!fl)
        return;
    free(fl->runs);
    free(fl);
}

/* Where MFT record addr lies on the volume: 1 and *off, or 0 unknown. */
static int record_at(const pt_vss_filter_t *fl, TSK_INUM_T addr, uint64_t *off)
{
    uint64_t byte = (uint64_t)addr * fl->record_size, vcn = byte / fl->block_size;
    size_t k;

    for (k = 0; k < fl->nruns; k++) {
        const mft_run_t *m = &fl->runs[k];
        if (vcn >= m->vcn && vcn < m->vcn + m->len) {
            if (m->lcn == UINT64_MAX)
                return 0;
            *off = (m->lcn + (vcn - m->vcn)) * fl->block_size + byte % fl->block_size;
            return 1;
        }
    }
    return 0;
}

int pt_vss_filter_keep(const pt_vss_filter_t *fl, TSK_FS_FILE *f)
{
    uint64_t off;
    int i, cnt;

    if (!fl || !f->meta)
        return 1;
    if (f->meta->addr > fl->last_real) /* libtsk's $OrphanFiles: not on disk */
        return 0;
    if (!record_at(fl, f->meta->addr, &off) || differs(fl, off, fl->record_size))
        return 1;
    cnt = tsk_fs_file_attr_getsize(f);
    for (i = 0; i < cnt; i++) {
        const TSK_FS_ATTR *a = tsk_fs_file_attr_get_idx(f, i);
        const TSK_FS_ATTR_RUN *r;
        if (!a)
            continue;
        /* attributes in other MFT records: those records are not checked */
        if ((unsigned)a->type == 0x20)
            return 1;
        if (!(a->flags & TSK_FS_ATTR_NONRES))
            continue;
        for (r = a->nrd.run; r; r = r->next) {
            if (r->flags & TSK_FS_ATTR_RUN_FLAG_SPARSE)
                continue;
            if (r->flags & TSK_FS_ATTR_RUN_FLAG_FILLER)
                return 1;
            if (differs(fl, (uint64_t)r->addr * fl->block_size, (uint64_t)r->len * fl->block_size))
                return 1;
        }
    }
    tsk_error_reset();
    return 0;
}
