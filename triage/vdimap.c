/* vdimap.c - VDI header and block map (see vdimap.h).  Owns the map; reads
 * nothing after pt_vdimap_open. */
#include "vdimap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"

#define VDI_SIGNATURE 0xbeda107fu
#define VDI_FREE 0xffffffffu     /* never written: zeros (a parent's block in a differencing image) */
#define VDI_ZERO 0xfffffffeu     /* discarded or zeroed: zeros */
#define VDI_MAX_BLOCKS (1u << 26) /* 64 Ti blocks of 1 MiB; the map is 4 bytes a block */

struct pt_vdimap {
    uint64_t disk, fsize, data;  /* virtual size, file size, first data block's offset */
    uint32_t block, extra, n;    /* block size, bytes before each block's data, blocks */
    int diff;                    /* a differencing image: unwritten blocks are the parent's */
    uint32_t *map;
    char uuid[40], modify[40], parent[40], parent_modify[40];
};

int pt_vdimap_is_vdi(const uint8_t *h, size_t len)
{
    return len >= 0x48 && le32(h + 0x40) == VDI_SIGNATURE && h[0] == '<' && h[1] == '<' && h[2] == '<';
}

static void uuid_str(const uint8_t *u, char *out)
{
    /* RTUUID is stored as a little-endian Windows GUID */
    snprintf(out, 40, "{%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x}", u[3], u[2], u[1],
             u[0], u[5], u[4], u[7], u[6], u[8], u[9], u[10], u[11], u[12], u[13], u[14], u[15]);
}

int pt_vdimap_read_uuid(pt_read_fn fn, void *src, uint64_t fsize, char out[40])
{
    uint8_t h[0x198];
    pt_err_t e = { 0, "" };

    if (fsize < sizeof h || pt_read_exact(fn, src, 0, h, sizeof h, &e) != PT_OK || !pt_vdimap_is_vdi(h, sizeof h))
        return 0;
    uuid_str(h + 0x188, out);
    return 1;
}

int pt_vdimap_open(pt_read_fn fn, void *src, uint64_t fsize, pt_vdimap_t **out, char *desc, size_t dsize,
                   pt_err_t *err)
{
    uint8_t h[0x1c8];
    uint32_t version, type, blocks_at, i, used = 0;
    pt_vdimap_t *m;
    int rc;

    *out = NULL;
    if ((rc = pt_read_exact(fn, src, 0, h, sizeof h, err)) != PT_OK)
        return rc;
    if (!pt_vdimap_is_vdi(h, sizeof h))
        return pt_err_set(err, PT_EFORMAT, "not a VDI image (no signature at byte 64)");
    version = le32(h + 0x44);
    if (version != 0x00010001u)
        return pt_err_set(err, PT_EFORMAT, "VDI version %u.%u: only version 1.1 (VirtualBox 2 and later, qemu) "
                          "is read", version >> 16, version & 0xffff);
    type = le32(h + 0x4c);
    if (type != 1 && type != 2 && type != 4)
        return pt_err_set(err, PT_EFORMAT, "VDI image of type %u (1 dynamic, 2 fixed and 4 differencing are read)",
                          type);
    if (!(m = calloc(1, sizeof *m)))
        return pt_err_set(err, PT_ENOMEM, "out of memory");
    m->diff = type == 4;
    uuid_str(h + 0x188, m->uuid);
    uuid_str(h + 0x198, m->modify);
    if (m->diff) {
        uuid_str(h + 0x1a8, m->parent);
        uuid_str(h + 0x1b8, m->parent_modify);
    }
    blocks_at = le32(h + 0x154);
    m->data = le32(h + 0x158);
    m->disk = le64(h + 0x170);
    m->block = le32(h + 0x178);
    m->extra = le32(h + 0x17c);
    m->n = le32(h + 0x180);
    m->fsize = fsize;
    if (m->block < 512 || (m->block & (m->block - 1)) || m->block > (1u << 30) || m->extra > (1u << 20) ||
        m->n > VDI_MAX_BLOCKS || m->disk > (uint64_t)m->n * m->block || (uint64_t)blocks_at + 4ull * m->n > fsize) {
        pt_vdimap_free(m);
        return pt_err_set(err, PT_EFORMAT, "VDI header damaged: %u blocks of %u bytes (+%u) for a %llu-byte disk, "
                          "map at byte %u of a %llu-byte file", le32(h + 0x180), le32(h + 0x178), le32(h + 0x17c),
                          (unsigned long long)le64(h + 0x170), blocks_at, (unsigned long long)fsize);
    }
    if (m->n && !(m->map = malloc(4ull * m->n))) {
        i = m->n;
        pt_vdimap_free(m);
        return pt_err_set(err, PT_ENOMEM, "out of memory for a VDI map of %u blocks", i);
    }
    if (m->n && (rc = pt_read_exact(fn, src, blocks_at, (uint8_t *)m->map, 4ull * m->n, err)) != PT_OK) {
        pt_vdimap_free(m);
        return rc;
    }
    for (i = 0; i < m->n; i++) {
        uint32_t e = le32((const uint8_t *)&m->map[i]);
        m->map[i] = e;
        if (e == VDI_FREE || e == VDI_ZERO)
            continue;
        if (e >= m->n) {
            pt_vdimap_free(m);
            return pt_err_set(err, PT_EFORMAT, "VDI block map damaged: block %u points to data block %u of %u", i,
                              e, le32(h + 0x180));
        }
        used++;
    }
    if (desc) {
        /* the creator's banner: "<<< Oracle VM VirtualBox Disk Image >>>\n" */
        char banner[64];
        size_t k;
        for (k = 0; k < 56 && h[4 + k] >= 0x20 && h[4 + k] < 0x7f && memcmp(h + 4 + k, " >>>", 4) != 0; k++)
            banner[k] = (char)h[4 + k];
        banner[k] = '\0';
        snprintf(desc, dsize, "VDI version 1.1 (%s), %s%s%s, %llu bytes virtual disk, %u of %u blocks of %u bytes "
                 "stored", banner, type == 2 ? "fixed" : type == 4 ? "differencing over the disk " : "dynamic",
                 m->parent, type == 4 ? " (a VirtualBox snapshot)" : "", (unsigned long long)m->disk, used, m->n,
                 m->block);
    }
    *out = m;
    return PT_OK;
}

void pt_vdimap_free(pt_vdimap_t *m)
{
    if (m) {
        free(m->map);
        free(m);
    }
}

uint64_t pt_vdimap_disk_size(const pt_vdimap_t *m)
{
    return m->disk;
}

const char *pt_vdimap_parent(const pt_vdimap_t *m)
{
    return m->parent;
}

const char *pt_vdimap_parent_modify(const pt_vdimap_t *m)
{
    return m->parent_modify;
}

const char *pt_vdimap_uuid(const pt_vdimap_t *m)
{
    return m->uuid;
}

const char *pt_vdimap_modify(const pt_vdimap_t *m)
{
    return m->modify;
}

int pt_vdimap_state(const pt_vdimap_t *m, uint64_t off, uint64_t *run, uint64_t *host, pt_err_t *err)
{
    uint64_t b = off / m->block, in = off % m->block, at;
    uint32_t e;

    *host = UINT64_MAX;
    *run = m->block - in;
    if (b >= m->n)
        return m->diff ? PT_MAP_PARENT : PT_MAP_ZERO;
    e = m->map[b];
    if (e == VDI_FREE)
        return m->diff ? PT_MAP_PARENT : PT_MAP_ZERO;
    if (e == VDI_ZERO)
        return PT_MAP_ZERO;
    at = m->data + (uint64_t)e * ((uint64_t)m->block + m->extra) + m->extra;
    if (at + m->block > m->fsize) {
        pt_err_set(err, PT_EIO, "VDI block %llu (virtual bytes %llu-%llu) lies past the end of the %llu-byte file "
                   "(a truncated image?)", (unsigned long long)b, (unsigned long long)(b * m->block),
                   (unsigned long long)((b + 1) * m->block - 1), (unsigned long long)m->fsize);
        return -1;
    }
    *host = at + in;
    return PT_MAP_DATA;
}
