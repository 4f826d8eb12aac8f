/* phdmap.c - the BAT of a Parallels expanding image (see phdmap.h).  Owns
 * the table; reads nothing after pt_phdmap_open. */
#include "phdmap.h"
#include "qcowmap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"

#define MAGIC_OLD "WithoutFreeSpace"   /* BAT entries in sectors */
#define MAGIC_EXT "WithouFreSpacExt"   /* BAT entries in clusters */
#define IN_USE 0x746f6e59u             /* "Ynot": opened for writing, not closed */
#define MAX_CLUSTER (1u << 30)
#define MAX_ENTRIES (1u << 28)         /* 1 GiB of BAT: past any disk a 1 MiB cluster makes */

struct pt_phdmap {
    uint64_t disk, fsize, cluster, mult, data;   /* mult: bytes per BAT unit */
    uint32_t n;
    uint32_t *bat;
};

int pt_phdmap_is_parallels(const uint8_t *h, size_t n)
{
    return n >= 64 && (memcmp(h, MAGIC_OLD, 16) == 0 || memcmp(h, MAGIC_EXT, 16) == 0) && le32(h + 16) == 2;
}

int pt_phdmap_open(pt_read_fn fn, void *src, uint64_t fsize, pt_phdmap_t **out, char *desc, size_t dsize,
                   pt_err_t *err)
{
    uint8_t h[64];
    uint32_t tracks, in_use, flags, i, used = 0;
    uint64_t sectors, bat_end;
    pt_phdmap_t *m;
    int ext, rc;

    *out = NULL;
    if (fsize < sizeof h)
        return pt_err_set(err, PT_EFORMAT, "Parallels image: the file (%llu bytes) is shorter than its header",
                          (unsigned long long)fsize);
    if ((rc = pt_read_exact(fn, src, 0, h, sizeof h, err)) != PT_OK)
        return rc;
    if (!pt_phdmap_is_parallels(h, sizeof h))
        return pt_err_set(err, PT_EFORMAT, "not a Parallels expanding image (magic, version 2)");
    ext = memcmp(h, MAGIC_EXT, 16) == 0;
    tracks = le32(h + 28);
    sectors = ext ? le64(h + 36) : le32(h + 36);
    in_use = le32(h + 44);
    flags = le32(h + 52);
    if (!(m = calloc(1, sizeof *m)))
        return pt_err_set(err, PT_ENOMEM, "out of memory");
    m->n = le32(h + 32);
    m->fsize = fsize;
    m->cluster = (uint64_t)tracks * 512;
    m->mult = ext ? m->cluster : 512;
    m->disk = sectors * 512;
    bat_end = 64 + 4ull * m->n;
    /* the data area: where the header says, or after the BAT, sector-aligned */
    m->data = le32(h + 48) ? (uint64_t)le32(h + 48) * 512 : (bat_end + 511) / 512 * 512;
    if (tracks == 0 || m->cluster > MAX_CLUSTER || m->n > MAX_ENTRIES || sectors > (UINT64_MAX >> 10) ||
        (uint64_t)m->n * m->cluster < m->disk || bat_end > fsize || m->data < bat_end) {
        rc = pt_err_set(err, PT_EFORMAT, "Parallels image header damaged: %u clusters of %u sectors for a disk of "
                        "%llu sectors, data from sector %u, in a %llu-byte file", m->n, tracks,
                        (unsigned long long)sectors, le32(h + 48), (unsigned long long)fsize);
        pt_phdmap_free(m);
        return rc;
    }
    if (m->n && !(m->bat = malloc(4ull * m->n))) {
        pt_phdmap_free(m);
        return pt_err_set(err, PT_ENOMEM, "out of memory for a Parallels BAT of %u entries", le32(h + 32));
    }
    if (m->n && (rc = pt_read_exact(fn, src, 64, (uint8_t *)m->bat, 4ull * m->n, err)) != PT_OK) {
        pt_phdmap_free(m);
        return rc;
    }
    for (i = 0; i < m->n; i++) {
        uint32_t e = le32((const uint8_t *)&m->bat[i]);
        m->bat[i] = e;
        if (e == 0)
            continue;
        if ((uint64_t)e * m->mult < m->data) {
            rc = pt_err_set(err, PT_EFORMAT, "Parallels BAT damaged: cluster %u lies at byte %llu, before the data "
                            "area (byte %llu)", i, (unsigned long long)((uint64_t)e * m->mult),
                            (unsigned long long)m->data);
            pt_phdmap_free(m);
            return rc;
        }
        used++;
    }
    if ((flags & 1) && m->n) /* an empty image: every cluster reads as zeros */
        memset(m->bat, 0, 4ull * m->n);
    if (desc)
        snprintf(desc, dsize, "Parallels expanding image (%s, version 2), %llu bytes disk in clusters of %llu "
                 "bytes, %u of %u clusters stored%s%s", ext ? MAGIC_EXT : MAGIC_OLD, (unsigned long long)m->disk,
                 (unsigned long long)m->cluster, used, m->n,
                 flags & 1 ? "; marked empty (every cluster reads as zeros)" : "",
                 in_use == IN_USE ? "; marked in use: it was open for writing when copied (a running VM's or "
                                    "container's disk), so writes still in memory are missing"
                                    : "");
    *out = m;
    return PT_OK;
}

void pt_phdmap_free(pt_phdmap_t *m)
{
    if (m) {
        free(m->bat);
        free(m);
    }
}

uint64_t pt_phdmap_disk_size(const pt_phdmap_t *m)
{
    return m->disk;
}

int pt_phdmap_state(const pt_phdmap_t *m, uint64_t off, uint64_t *run, uint64_t *host, pt_err_t *err)
{
    uint64_t c = off / m->cluster, in = off % m->cluster, at, want;

    *host = UINT64_MAX;
    *run = m->cluster - in;
    if (c >= m->n || m->bat[c] == 0)
        return PT_MAP_ZERO;
    at = (uint64_t)m->bat[c] * m->mult;
    /* the cluster's bytes the disk uses (the last may be cut by the disk's end) */
    want = m->disk - c * m->cluster < m->cluster ? m->disk - c * m->cluster : m->cluster;
    if (at > m->fsize || m->fsize - at < want) {
        pt_err_set(err, PT_EIO, "Parallels image cluster %llu (disk bytes %llu-%llu) lies past the end of the "
                   "%llu-byte file (a truncated image?)", (unsigned long long)c, (unsigned long long)(c * m->cluster),
                   (unsigned long long)(c * m->cluster + want - 1), (unsigned long long)m->fsize);
        return -1;
    }
    *host = at + in;
    return PT_MAP_DATA;
}
