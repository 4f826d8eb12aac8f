/* vhdmap.c - differencing VHD: footer, dynamic header, BAT and sector
 * bitmaps.  Owns the table and the last block's bitmap. */
#include "vhdmap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "text.h"

#define BAT_MAX (1u << 24)          /* 16M blocks: 32 TiB of 2 MiB blocks, VHD's 2 TiB limit well inside */
#define UNUSED 0xffffffffu

struct pt_vhdmap {
    pt_read_fn fn;
    void *src;
    uint64_t fsize, size, block;
    uint32_t *bat, n;
    uint32_t bmp_bytes;         /* the bitmap before each block's data, whole sectors */
    uint8_t *bmp;
    uint32_t bmp_of;            /* the block whose bitmap is in bmp, UNUSED: none */
    uint8_t parent_uuid[16];
    char parent[1024];
};


static int footer_ok(const uint8_t *f)
{
    uint32_t sum = 0;
    size_t i;

    if (memcmp(f, "conectix", 8) != 0)
        return 0;
    for (i = 0; i < 512; i++)
        if (i < 64 || i > 67)
            sum += f[i];
    return (~sum) == be32(f + 64);
}

int pt_vhdmap_is_differencing(const uint8_t *footer, size_t len)
{
    return len >= 512 && footer_ok(footer + len - 512) && be32(footer + len - 512 + 60) == 4;
}

int pt_vhdmap_footer_uuid(const uint8_t *footer, size_t len, uint8_t uuid[16])
{
    if (len < 512 || !footer_ok(footer + len - 512))
        return 0;
    memcpy(uuid, footer + len - 512 + 68, 16);
    return 1;
}

void pt_vhdmap_free(pt_vhdmap_t *m)
{
    if (!m)
        return;
    free(m->bat);
    free(m->bmp);
    free(m);
}

uint64_t pt_vhdmap_disk_size(const pt_vhdmap_t *m)
{
    return m->size;
}

const char *pt_vhdmap_parent(const pt_vhdmap_t *m)
{
    return m->parent;
}

const uint8_t *pt_vhdmap_parent_uuid(const pt_vhdmap_t *m)
{
    return m->parent_uuid;
}

/* The parent's place: a relative locator first (the copies of a chain lie
 * together), then the absolute one, then the bare name in the header. */
static void locate_parent(pt_vhdmap_t *m, const uint8_t *h)
{
    static const char *const order[] = { "W2ru", "W2ku" };
    size_t o, i;

    for (o = 0; o < 2 && !m->parent[0]; o++)
        for (i = 0; i < 8 && !m->parent[0]; i++) {
            const uint8_t *e = h + 576 + 24 * i;
            uint32_t len = be32(e + 8);
            uint64_t at = be64(e + 16);
            uint8_t buf[1024];
            pt_err_t err = { 0, "" };
            if (memcmp(e, order[o], 4) != 0 || len == 0 || len > sizeof buf || at > m->fsize ||
                len > m->fsize - at || pt_read_exact(m->fn, m->src, at, buf, len, &err) != PT_OK)
                continue;
            pt_text_utf16_to_utf8(buf, len, 0, m->parent, sizeof m->parent);
        }
    if (!m->parent[0])
        pt_text_utf16_to_utf8(h + 64, 512, 1, m->parent, sizeof m->parent);
    for (char *c = m->parent; *c; c++) /* a Windows path */
        if (*c == '\\')
            *c = '/';
    /* ".\base.vhd": the file beside this one */
    while (m->parent[0] == '.' && m->parent[1] == '/')
        memmove(m->parent, m->parent + 2, strlen(m->parent + 2) + 1);
}

int pt_vhdmap_open(pt_read_fn fn, void *src, uint64_t fsize, pt_vhdmap_t **out, char *desc, size_t dsize,
                   pt_err_t *err)
{
    uint8_t f[512], h[1024];
    uint64_t hoff, table;
    uint32_t i, entries;
    pt_vhdmap_t *m;
    int rc;

    *out = NULL;
    if (fsize < 512 + 1024 + 512 || pt_read_exact(fn, src, fsize - 512, f, sizeof f, err) != PT_OK)
        return pt_err_set(err, PT_EFORMAT, "VHD too short for a footer and a dynamic header");
    if (!footer_ok(f) && (pt_read_exact(fn, src, 0, f, sizeof f, err) != PT_OK || !footer_ok(f)))
        return pt_err_set(err, PT_EFORMAT, "VHD footer (and its copy) fails its checksum");
    if (be32(f + 60) != 4)
        return pt_err_set(err, PT_EFORMAT, "not a differencing VHD (disk type %u)", be32(f + 60));
    hoff = be64(f + 16);
    if (hoff > fsize - sizeof h || pt_read_exact(fn, src, hoff, h, sizeof h, err) != PT_OK ||
        memcmp(h, "cxsparse", 8) != 0)
        return pt_err_set(err, PT_EFORMAT, "VHD dynamic header not found where the footer points");
    table = be64(h + 16);
    entries = be32(h + 28);
    if (!(m = calloc(1, sizeof *m)))
        return pt_err_set(err, PT_ENOMEM, "out of memory");
    m->fn = fn;
    m->src = src;
    m->fsize = fsize;
    m->size = be64(f + 48);
    m->block = be32(h + 32);
    m->n = entries;
    m->bmp_of = UNUSED;
    if (m->block < 512 || m->block > (256u << 20) || (m->block & (m->block - 1)) || entries == 0 ||
        entries > BAT_MAX || m->size > (uint64_t)entries * m->block || table > fsize ||
        (uint64_t)entries * 4 > fsize - table) {
        pt_vhdmap_free(m);
        return pt_err_set(err, PT_EFORMAT, "VHD dynamic header: block size, table or disk size out of range");
    }
    m->bmp_bytes = (uint32_t)((m->block / 512 / 8 + 511) / 512 * 512);
    memcpy(m->parent_uuid, h + 40, 16);
    if (!(m->bat = malloc((size_t)entries * 4)) || !(m->bmp = malloc(m->bmp_bytes))) {
        pt_vhdmap_free(m);
        return pt_err_set(err, PT_ENOMEM, "out of memory");
    }
    if ((rc = pt_read_exact(fn, src, table, (uint8_t *)m->bat, (size_t)entries * 4, err)) != PT_OK) {
        pt_vhdmap_free(m);
        return rc;
    }
    uint32_t stored = 0;
    for (i = 0; i < entries; i++) {
        m->bat[i] = be32((const uint8_t *)&m->bat[i]);
        stored += m->bat[i] != UNUSED;
    }
    locate_parent(m, h);
    if (desc)
        snprintf(desc, dsize, "VHD differencing disk (a checkpoint) of %llu bytes, %u of %u blocks of %llu KiB "
                 "stored, over parent '%.400s'", (unsigned long long)m->size, stored, entries,
                 (unsigned long long)(m->block >> 10), m->parent);
    *out = m;
    return PT_OK;
}

int pt_vhdmap_state(pt_vhdmap_t *m, uint64_t off, uint64_t *run, uint64_t *host, pt_err_t *err)
{
    uint64_t b = off / m->block, in = off % m->block, sec, last, base;
    uint32_t s, t;

    *host = UINT64_MAX;
    if (b >= m->n || m->bat[b] == UNUSED) {
        *run = m->block - in;
        return PT_MAP_PARENT;
    }
    base = (uint64_t)m->bat[b] * 512;
    if (base > m->fsize || (uint64_t)m->bmp_bytes + m->block > m->fsize - base) {
        pt_err_set(err, PT_EIO, "block %llu (virtual bytes %llu..%llu) lies past the end of the VHD (a truncated "
                   "image)", (unsigned long long)b, (unsigned long long)(b * m->block),
                   (unsigned long long)((b + 1) * m->block));
        return -1;
    }
    if (m->bmp_of != (uint32_t)b) {
        if (pt_read_exact(m->fn, m->src, base, m->bmp, m->bmp_bytes, err) != PT_OK)
            return -1;
        m->bmp_of = (uint32_t)b;
    }
    /* sectors of the block in the same state as off's, MSB first */
    sec = in / 512;
    last = m->block / 512;
    t = (m->bmp[sec / 8] >> (7 - sec % 8)) & 1;
    for (s = (uint32_t)sec + 1; s < last && ((m->bmp[s / 8] >> (7 - s % 8)) & 1) == t; s++)
        ;
    *run = (uint64_t)s * 512 - in;
    if (!t)
        return PT_MAP_PARENT;
    *host = base + m->bmp_bytes + in;
    return PT_MAP_DATA;
}
