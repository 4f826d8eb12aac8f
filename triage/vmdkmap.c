/* vmdkmap.c - grain states of hosted sparse VMDK extents (VMware's "Virtual
 * Disk Format 5.0": a little-endian header, a grain directory of 32-bit
 * sector offsets of grain tables, grain tables of 32-bit sector offsets of
 * grains; 0 = not allocated, 1 = zeroed grain when header flag bit 2 is
 * set).  Every offset is checked against the extent file before it is read. */
#include "vmdkmap.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"

#define GT_CACHE 8
#define GD_MAX_ENTRIES (16u << 20)
#define FLAG_ZEROED_GRAIN (1u << 2)
#define FLAG_COMPRESSED (1u << 16)
#define GD_AT_END 0xffffffffffffffffULL

typedef struct extent {
    uint64_t at, len;           /* the disk bytes it covers */
    pt_read_fn fn;
    void *src;
    uint64_t fsize;
    int sparse;                 /* 0: left to libvmdk (flat, COWD, ...) */
    int zeroed;                 /* entry 1 means a zeroed grain */
    int compressed;             /* entries point at grain markers of compressed data */
    uint64_t grain;             /* bytes */
    uint32_t gtes;              /* entries per grain table */
    uint32_t *gd;               /* sector offsets of the grain tables */
    uint32_t gd_len;
    struct {
        int64_t index;          /* -1: empty */
        uint32_t *gt;
    } cache[GT_CACHE];
} extent_t;

struct pt_vmdkmap {
    uint64_t disk_size;
    extent_t *ext;
    int n;
    pthread_mutex_t lock;
};

pt_vmdkmap_t *pt_vmdkmap_new(uint64_t disk_size)
{
    pt_vmdkmap_t *m = calloc(1, sizeof *m);

    if (!m)
        return NULL;
    m->disk_size = disk_size;
    pthread_mutex_init(&m->lock, NULL);
    return m;
}

void pt_vmdkmap_free(pt_vmdkmap_t *m)
{
    int i, j;

    if (!m)
        return;
    for (i = 0; i < m->n; i++) {
        free(m->ext[i].gd);
        for (j = 0; j < GT_CACHE; j++)
            free(m->ext[i].cache[j].gt);
    }
    free(m->ext);
    pthread_mutex_destroy(&m->lock);
    free(m);
}

/* n 32-bit entries at sector `sector` of the extent file, in host order */
static int read_entries(const extent_t *e, uint64_t sector, uint32_t *out, uint64_t n, const char *what, pt_err_t *err)
{
    uint64_t off = sector * 512, i;
    int rc;

    if (sector > e->fsize / 512 || n * 4 > e->fsize - off)
        return pt_err_set(err, PT_EFORMAT, "VMDK %s at sector %llu lies outside the %llu-byte extent file", what,
                          (unsigned long long)sector, (unsigned long long)e->fsize);
    if ((rc = pt_read_exact(e->fn, e->src, off, (uint8_t *)out, (size_t)n * 4, err)) != PT_OK)
        return rc;
    for (i = 0; i < n; i++)
        out[i] = le32((const uint8_t *)&out[i]);
    return PT_OK;
}

int pt_vmdkmap_add_extent(pt_vmdkmap_t *m, uint64_t at, uint64_t len, pt_read_fn fn, void *src, uint64_t fsize,
                          pt_err_t *err)
{
    uint8_t h[512];
    extent_t e, *grown;
    uint64_t capacity, grains, gd_sector;
    int rc, i;

    memset(&e, 0, sizeof e);
    e.at = at;
    e.len = len;
    e.fn = fn;
    e.src = src;
    e.fsize = fsize;
    for (i = 0; i < GT_CACHE; i++)
        e.cache[i].index = -1;
    if (fsize >= sizeof h && pt_read_exact(fn, src, 0, h, sizeof h, err) == PT_OK && memcmp(h, "KDMV", 4) == 0) {
        uint32_t flags = le32(h + 8);
        e.grain = le64(h + 20) * 512;
        e.gtes = le32(h + 44);
        gd_sector = le64(h + 56);
        capacity = le64(h + 12) * 512;
        if (gd_sector == GD_AT_END) {
            /* stream-optimised: the footer (the header again, 1 KiB before the end) knows */
            if (fsize < 1536 || (rc = pt_read_exact(fn, src, fsize - 1024, h, sizeof h, err)) != PT_OK ||
                memcmp(h, "KDMV", 4) != 0)
                return pt_err_set(err, PT_EFORMAT, "VMDK stream-optimised extent without its footer");
            gd_sector = le64(h + 56);
        }
        if (e.grain < 512 || e.grain > (64u << 20) || (e.grain & (e.grain - 1)) || e.gtes == 0 || e.gtes > 65536)
            return pt_err_set(err, PT_EFORMAT, "VMDK extent header: grain of %llu bytes, %u entries per table",
                              (unsigned long long)e.grain, e.gtes);
        grains = capacity / e.grain + (capacity % e.grain != 0);
        if (grains / e.gtes + 1 > GD_MAX_ENTRIES || capacity < len)
            return pt_err_set(err, PT_EFORMAT, "VMDK extent header: %llu bytes in grains of %llu",
                              (unsigned long long)capacity, (unsigned long long)e.grain);
        e.gd_len = (uint32_t)(grains / e.gtes + (grains % e.gtes != 0));
        e.zeroed = (flags & FLAG_ZEROED_GRAIN) != 0;
        e.compressed = (flags & FLAG_COMPRESSED) != 0;
        if (!(e.gd = malloc((size_t)e.gd_len * 4 + 4)))
            return pt_err_set(err, PT_ENOMEM, "out of memory");
        if ((rc = read_entries(&e, gd_sector, e.gd, e.gd_len, "grain directory", err)) != PT_OK) {
            free(e.gd);
            return rc;
        }
        e.sparse = 1;
    }
    if (!(grown = realloc(m->ext, (size_t)(m->n + 1) * sizeof *grown))) {
        free(e.gd);
        return pt_err_set(err, PT_ENOMEM, "out of memory");
    }
    m->ext = grown;
    m->ext[m->n++] = e;
    return PT_OK;
}

int pt_vmdkmap_state(pt_vmdkmap_t *m, uint64_t off, uint64_t *run, pt_err_t *err)
{
    extent_t *e = NULL;
    uint64_t rel, g, gt_sector;
    uint32_t entry;
    int i, slot;

    for (i = 0; i < m->n; i++)
        if (off >= m->ext[i].at && off - m->ext[i].at < m->ext[i].len) {
            e = &m->ext[i];
            break;
        }
    if (!e || !e->sparse) {
        /* libvmdk reads it: up to the next extent, or the end */
        uint64_t end = m->disk_size;
        for (i = 0; i < m->n; i++)
            if (m->ext[i].at > off && m->ext[i].at < end)
                end = m->ext[i].at;
        if (e && e->at + e->len < end)
            end = e->at + e->len;
        *run = end > off ? end - off : 1;
        return PT_MAP_DATA;
    }
    rel = off - e->at;
    g = rel / e->grain;
    *run = e->grain - rel % e->grain;
    if (*run > e->len - rel)
        *run = e->len - rel;
    if (g / e->gtes >= e->gd_len || !(gt_sector = e->gd[g / e->gtes]))
        return PT_MAP_PARENT;
    pthread_mutex_lock(&m->lock);
    slot = (int)((g / e->gtes) % GT_CACHE);
    if (e->cache[slot].index != (int64_t)(g / e->gtes)) {
        if (!e->cache[slot].gt && !(e->cache[slot].gt = malloc((size_t)e->gtes * 4))) {
            pthread_mutex_unlock(&m->lock);
            return pt_err_set(err, PT_ENOMEM, "out of memory"), -1;
        }
        e->cache[slot].index = -1;
        if (read_entries(e, gt_sector, e->cache[slot].gt, e->gtes, "grain table", err) != PT_OK) {
            pthread_mutex_unlock(&m->lock);
            return -1;
        }
        e->cache[slot].index = (int64_t)(g / e->gtes);
    }
    entry = e->cache[slot].gt[g % e->gtes];
    pthread_mutex_unlock(&m->lock);
    if (entry == 0)
        return PT_MAP_PARENT;
    if (entry == 1 && e->zeroed)
        return PT_MAP_ZERO;
    /* a grain cut by the end of the file is refused here, not read past a
     * buffer by libvmdk (compressed grains are as long as their marker says) */
    if ((uint64_t)entry * 512 >= e->fsize || (!e->compressed && e->grain > e->fsize - (uint64_t)entry * 512))
        return pt_err_set(err, PT_EIO, "VMDK grain for disk offset %llu at sector %u runs past the end of the "
                          "%llu-byte extent file (truncated?)", (unsigned long long)off, entry,
                          (unsigned long long)e->fsize), -1;
    return PT_MAP_DATA;
}
