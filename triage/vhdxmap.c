/* vhdxmap.c - differencing VHDX: headers, region table, metadata, BAT and
 * sector bitmaps.  Owns the table and the last partly present block's
 * bitmap. */
#include "vhdxmap.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "crc32c.h"
#include "text.h"

#define KIB 1024u
#define MIB (1024u * 1024u)
#define BAT_MAX (1u << 24)      /* 16M entries (128 MiB): 16 TiB of 1 MiB blocks */

enum { NOT_PRESENT = 0, UNDEFINED = 1, ZERO = 2, UNMAPPED = 3, FULLY_PRESENT = 6, PARTIALLY_PRESENT = 7 };

/* GUIDs as they lie on disk (the first three fields little-endian) */
static const uint8_t G_BAT[16] = { 0x66, 0x77, 0xC2, 0x2D, 0x23, 0xF6, 0x00, 0x42,
                                   0x9D, 0x64, 0x11, 0x5E, 0x9B, 0xFD, 0x4A, 0x08 };
static const uint8_t G_META[16] = { 0x06, 0xA2, 0x7C, 0x8B, 0x90, 0x47, 0x9A, 0x4B,
                                    0xB8, 0xFE, 0x57, 0x5F, 0x05, 0x0F, 0x88, 0x6E };
static const uint8_t G_PARAMS[16] = { 0x37, 0x67, 0xA1, 0xCA, 0x36, 0xFA, 0x43, 0x4D,
                                      0xB3, 0xB6, 0x33, 0xF0, 0xAA, 0x44, 0xE7, 0x6B };
static const uint8_t G_SIZE[16] = { 0x24, 0x42, 0xA5, 0x2F, 0x1B, 0xCD, 0x76, 0x48,
                                    0xB2, 0x11, 0x5D, 0xBE, 0xD8, 0x3B, 0xF4, 0xB8 };
static const uint8_t G_LSS[16] = { 0x1D, 0xBF, 0x41, 0x81, 0x6F, 0xA9, 0x09, 0x47,
                                   0xBA, 0x47, 0xF2, 0x33, 0xA8, 0xFA, 0xAB, 0x5F };
/* known, not needed: the disk's own id and the physical sector size */
static const uint8_t G_DISKID[16] = { 0xAB, 0x12, 0xCA, 0xBE, 0xE6, 0xB2, 0x23, 0x45,
                                      0x93, 0xEF, 0xC3, 0x09, 0xE0, 0x00, 0xC7, 0x46 };
static const uint8_t G_PSS[16] = { 0xC7, 0x48, 0xA3, 0xCD, 0x5D, 0x44, 0x71, 0x44,
                                   0x9C, 0xC9, 0xE9, 0x88, 0x52, 0x51, 0xC5, 0x56 };
static const uint8_t G_PARENT[16] = { 0x2D, 0x5F, 0xD3, 0xA8, 0x0B, 0xB3, 0x4D, 0x45,
                                      0xAB, 0xF7, 0xD3, 0xD8, 0x48, 0x34, 0xAB, 0x0C };

struct pt_vhdxmap {
    pt_read_fn fn;
    void *src;
    uint64_t fsize, size;
    uint32_t block, lss;            /* payload block and logical sector sizes */
    uint64_t chunk_ratio, nblocks;  /* payload blocks per sector bitmap block; payload blocks */
    uint64_t *bat;
    uint64_t nbat;
    uint8_t *bmp;                   /* the sector bits of block bmp_of */
    uint64_t bmp_of;                /* UINT64_MAX: none */
    uint8_t linkage[16], linkage2[16];
    int has_linkage2;
    char parent[1024];
    char note[256];
};


/* A structure whose checksum (at +4) covers len bytes with itself as zero. */
static int sum_ok(uint8_t *b, size_t len)
{
    uint32_t want = le32(b + 4);
    uint32_t got;

    memset(b + 4, 0, 4);
    got = pt_crc32c(b, len);
    b[4] = (uint8_t)want, b[5] = (uint8_t)(want >> 8), b[6] = (uint8_t)(want >> 16), b[7] = (uint8_t)(want >> 24);
    return got == want;
}

/* The current header (4 KiB): the valid one of the two with the higher
 * sequence number. */
static int current_header(pt_read_fn fn, void *src, uint64_t fsize, uint8_t h[4096], pt_err_t *err)
{
    uint8_t id[8], b[2][4096];
    int ok[2], i;

    if (fsize < 320 * KIB || pt_read_exact(fn, src, 0, id, sizeof id, err) != PT_OK || memcmp(id, "vhdxfile", 8))
        return pt_err_set(err, PT_EFORMAT, "VHDX: no file identifier (a truncated or damaged image)");
    for (i = 0; i < 2; i++)
        ok[i] = pt_read_exact(fn, src, (uint64_t)(64 + 64 * i) * KIB, b[i], 4096, err) == PT_OK &&
                memcmp(b[i], "head", 4) == 0 && sum_ok(b[i], 4096) && le16(b[i] + 66) == 1;
    if (!ok[0] && !ok[1])
        return pt_err_set(err, PT_EFORMAT, "VHDX: neither header passes its CRC-32C (damaged)");
    i = ok[0] && ok[1] ? le64(b[1] + 8) > le64(b[0] + 8) : ok[1];
    memcpy(h, b[i], 4096);
    return PT_OK;
}

int pt_vhdxmap_data_guid(pt_read_fn fn, void *src, uint64_t fsize, uint8_t guid[16], pt_err_t *err)
{
    uint8_t h[4096];

    if (current_header(fn, src, fsize, h, err) != PT_OK)
        return 0;
    memcpy(guid, h + 32, 16);
    return 1;
}

/* The region table's BAT and metadata regions. */
static int regions(pt_read_fn fn, void *src, uint64_t fsize, uint64_t *bat, uint32_t *bat_len, uint64_t *meta,
                   uint32_t *meta_len, pt_err_t *err)
{
    uint8_t *t = malloc(64 * KIB);
    int i, rc = PT_EFORMAT;

    if (!t)
        return pt_err_set(err, PT_ENOMEM, "out of memory");
    for (i = 0; i < 2 && rc != PT_OK; i++) {
        uint32_t n, k;
        if (pt_read_exact(fn, src, (uint64_t)(192 + 64 * i) * KIB, t, 64 * KIB, err) != PT_OK ||
            memcmp(t, "regi", 4) != 0 || !sum_ok(t, 64 * KIB) || (n = le32(t + 8)) > 2047)
            continue;
        *bat = *meta = 0;
        for (k = 0; k < n; k++) {
            const uint8_t *e = t + 16 + 32 * k;
            if (!memcmp(e, G_BAT, 16))
                *bat = le64(e + 16), *bat_len = le32(e + 24);
            else if (!memcmp(e, G_META, 16))
                *meta = le64(e + 16), *meta_len = le32(e + 24);
            else if (le32(e + 28) & 1) {
                free(t);
                return pt_err_set(err, PT_EFORMAT, "VHDX: a required region of a kind not known");
            }
        }
        if (*bat && *meta && *bat < fsize && *bat_len <= fsize - *bat && *meta < fsize && *meta_len <= fsize - *meta &&
            *meta_len >= 64 * KIB)
            rc = PT_OK;
    }
    free(t);
    return rc == PT_OK ? PT_OK : pt_err_set(err, PT_EFORMAT, "VHDX: no region table passes its CRC-32C with its "
                                            "BAT and metadata inside the file (damaged or truncated)");
}

void pt_vhdxmap_guid_str(const uint8_t g[16], char out[40])
{
    snprintf(out, 40, "%08" PRIx32 "-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x", le32(g), le16(g + 4), le16(g + 6),
             g[8], g[9], g[10], g[11], g[12], g[13], g[14], g[15]);
}

/* "{6b1e...}" (UTF-8, from the locator) into the GUID's 16 bytes on disk. */
static int guid_parse(const char *s, uint8_t g[16])
{
    static const int order[16] = { 3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15 };
    int k = 0;

    if (*s == '{')
        s++;
    while (*s && *s != '}' && k < 32) {
        int v;
        if (*s == '-') {
            s++;
            continue;
        }
        if (*s >= '0' && *s <= '9') v = *s - '0';
        else if (*s >= 'a' && *s <= 'f') v = *s - 'a' + 10;
        else if (*s >= 'A' && *s <= 'F') v = *s - 'A' + 10;
        else return 0;
        if (k % 2 == 0)
            g[order[k / 2]] = (uint8_t)(v << 4);
        else
            g[order[k / 2]] |= (uint8_t)v;
        k++, s++;
    }
    return k == 32;
}

/* The parent locator's keys: parent_linkage and the paths. */
static int locator(pt_vhdxmap_t *m, const uint8_t *p, uint32_t len, pt_err_t *err)
{
    char rel[1024] = "", abs_[1024] = "", vol[1024] = "", link[128] = "", link2[128] = "";
    uint32_t n, k;

    if (len < 20 || (n = le16(p + 18)) > (len - 20) / 12)
        return pt_err_set(err, PT_EFORMAT, "VHDX: parent locator damaged");
    for (k = 0; k < n; k++) {
        const uint8_t *e = p + 20 + 12 * k;
        uint32_t ko = le32(e), vo = le32(e + 4), kl = le16(e + 8), vl = le16(e + 10);
        char key[64];
        char *dst = NULL;
        size_t dsize = 0;
        if (ko > len || kl > len - ko || vo > len || vl > len - vo || kl % 2 || vl % 2)
            return pt_err_set(err, PT_EFORMAT, "VHDX: parent locator entry %" PRIu32 " lies outside it", k);
        pt_text_utf16_to_utf8(p + ko, kl, 0, key, sizeof key);
        if (!strcmp(key, "parent_linkage"))
            dst = link, dsize = sizeof link;
        else if (!strcmp(key, "parent_linkage2"))
            dst = link2, dsize = sizeof link2;
        else if (!strcmp(key, "relative_path"))
            dst = rel, dsize = sizeof rel;
        else if (!strcmp(key, "absolute_win32_path"))
            dst = abs_, dsize = sizeof abs_;
        else if (!strcmp(key, "volume_path"))
            dst = vol, dsize = sizeof vol;
        if (dst)
            pt_text_utf16_to_utf8(p + vo, vl, 0, dst, dsize);
    }
    if (!guid_parse(link, m->linkage))
        return pt_err_set(err, PT_EFORMAT, "VHDX differencing disk without a readable parent_linkage");
    m->has_linkage2 = link2[0] && guid_parse(link2, m->linkage2);
    snprintf(m->parent, sizeof m->parent, "%s", rel[0] ? rel : abs_[0] ? abs_ : vol);
    for (char *c = m->parent; *c; c++)
        if (*c == '\\')
            *c = '/';
    return PT_OK;
}

/* Reads the metadata items; *has_parent from the file parameters. */
static int metadata(pt_vhdxmap_t *m, uint64_t at, uint32_t len, int *has_parent, int want_locator, pt_err_t *err)
{
    uint8_t *t = malloc(64 * KIB), *item = NULL;
    uint32_t n, k;
    int rc = PT_OK, seen = 0;

    if (!t)
        return pt_err_set(err, PT_ENOMEM, "out of memory");
    if (pt_read_exact(m->fn, m->src, at, t, 64 * KIB, err) != PT_OK || memcmp(t, "metadata", 8) != 0 ||
        (n = le16(t + 10)) > 2047) {
        free(t);
        return pt_err_set(err, PT_EFORMAT, "VHDX: metadata region damaged");
    }
    for (k = 0; k < n && rc == PT_OK; k++) {
        const uint8_t *e = t + 32 + 32 * k;
        uint32_t off = le32(e + 16), ilen = le32(e + 20);
        int which = !memcmp(e, G_PARAMS, 16) ? 1 : !memcmp(e, G_SIZE, 16) ? 2 : !memcmp(e, G_LSS, 16) ? 3
                    : !memcmp(e, G_PARENT, 16) ? 4 : 0;
        if (!which) {
            if ((le32(e + 24) & 4) && memcmp(e, G_DISKID, 16) && memcmp(e, G_PSS, 16))
                rc = pt_err_set(err, PT_EFORMAT, "VHDX: a required metadata item of a kind not known");
            continue;
        }
        if (which == 4 && !want_locator)
            continue;
        if (off < 64 * KIB || off > len || ilen > len - off || ilen > MIB || ilen < (which == 2 ? 8u : 4u) ||
            (which == 1 && ilen < 8)) {
            rc = pt_err_set(err, PT_EFORMAT, "VHDX: metadata item %" PRIu32 " lies outside its region", k);
            break;
        }
        free(item);
        if (!(item = malloc(ilen)) || pt_read_exact(m->fn, m->src, at + off, item, ilen, err) != PT_OK) {
            rc = item ? PT_EFORMAT : pt_err_set(err, PT_ENOMEM, "out of memory");
            break;
        }
        seen |= 1 << which;
        if (which == 1)
            m->block = le32(item), *has_parent = (le32(item + 4) & 2) != 0;
        else if (which == 2)
            m->size = le64(item);
        else if (which == 3)
            m->lss = le32(item);
        else
            rc = locator(m, item, ilen, err);
    }
    free(item);
    free(t);
    if (rc == PT_OK && (seen & 0xE) != 0xE)
        rc = pt_err_set(err, PT_EFORMAT, "VHDX: metadata lacks the file parameters, disk size or sector size");
    return rc;
}

int pt_vhdxmap_is_differencing(pt_read_fn fn, void *src, uint64_t fsize, pt_err_t *err)
{
    pt_vhdxmap_t m = { .fn = fn, .src = src, .fsize = fsize };
    uint8_t h[4096];
    uint64_t bat, meta;
    uint32_t bat_len, meta_len;
    int has_parent = 0;

    if (current_header(fn, src, fsize, h, err) != PT_OK ||
        regions(fn, src, fsize, &bat, &bat_len, &meta, &meta_len, err) != PT_OK ||
        metadata(&m, meta, meta_len, &has_parent, 0, err) != PT_OK)
        return -1;
    return has_parent;
}

int pt_vhdxmap_open(pt_read_fn fn, void *src, uint64_t fsize, pt_vhdxmap_t **out, char *desc, size_t dsize,
                    pt_err_t *err)
{
    pt_vhdxmap_t *m = calloc(1, sizeof *m);
    uint8_t h[4096];
    uint64_t bat, meta, nsb, k;
    uint32_t bat_len, meta_len;
    int has_parent = 0, rc;

    *out = NULL;
    if (!m)
        return pt_err_set(err, PT_ENOMEM, "out of memory");
    m->fn = fn, m->src = src, m->fsize = fsize, m->bmp_of = UINT64_MAX;
    if ((rc = current_header(fn, src, fsize, h, err)) != PT_OK ||
        (rc = regions(fn, src, fsize, &bat, &bat_len, &meta, &meta_len, err)) != PT_OK ||
        (rc = metadata(m, meta, meta_len, &has_parent, 1, err)) != PT_OK)
        goto fail;
    if (!has_parent) {
        rc = pt_err_set(err, PT_EFORMAT, "VHDX: not a differencing disk");
        goto fail;
    }
    if (m->block < MIB || m->block > 256 * MIB || (m->block & (m->block - 1)) || (m->lss != 512 && m->lss != 4096) ||
        m->size == 0 || m->size % m->lss || m->size > ((uint64_t)64 << 40)) {
        rc = pt_err_set(err, PT_EFORMAT, "VHDX: block size %" PRIu32 ", sector size %" PRIu32 " or disk size %"
                        PRIu64 " out of the specification's range", m->block, m->lss, m->size);
        goto fail;
    }
    m->chunk_ratio = ((uint64_t)1 << 23) * m->lss / m->block;
    m->nblocks = (m->size + m->block - 1) / m->block;
    nsb = (m->nblocks + m->chunk_ratio - 1) / m->chunk_ratio;
    m->nbat = nsb * (m->chunk_ratio + 1);
    if (m->nbat > BAT_MAX || m->nbat * 8 > bat_len) {
        rc = pt_err_set(err, PT_EFORMAT, "VHDX: the BAT region (%" PRIu32 " bytes) cannot hold the %" PRIu64
                        " entries of this disk%s", bat_len, m->nbat, m->nbat > BAT_MAX ? " (or they exceed ptriage's "
                        "limit)" : "");
        goto fail;
    }
    {
        uint8_t *raw = malloc((size_t)m->nbat * 8);
        m->bat = malloc((size_t)m->nbat * sizeof *m->bat);
        m->bmp = malloc(m->block / m->lss / 8);
        if (!raw || !m->bat || !m->bmp) {
            free(raw);
            rc = pt_err_set(err, PT_ENOMEM, "out of memory");
            goto fail;
        }
        if ((rc = pt_read_exact(fn, src, bat, raw, (size_t)m->nbat * 8, err)) != PT_OK) {
            free(raw);
            goto fail;
        }
        for (k = 0; k < m->nbat; k++)
            m->bat[k] = le64(raw + 8 * k);
        free(raw);
    }
    {
        static const uint8_t zero[16];
        if (memcmp(h + 48, zero, 16) != 0)
            snprintf(m->note, sizeof m->note, "the VHDX log holds entries not replayed (the disk was not closed "
                     "cleanly): blocks it would rewrite are read as the file holds them");
    }
    if (desc)
        snprintf(desc, dsize, "VHDX differencing disk (a checkpoint), %" PRIu64 " bytes, %" PRIu32 "-byte blocks, "
                 "over parent '%.400s'", m->size, m->block, m->parent);
    *out = m;
    return PT_OK;
fail:
    pt_vhdxmap_free(m);
    return rc;
}

void pt_vhdxmap_free(pt_vhdxmap_t *m)
{
    if (!m)
        return;
    free(m->bat);
    free(m->bmp);
    free(m);
}

uint64_t pt_vhdxmap_disk_size(const pt_vhdxmap_t *m) { return m->size; }
const char *pt_vhdxmap_parent(const pt_vhdxmap_t *m) { return m->parent; }
const uint8_t *pt_vhdxmap_parent_linkage(const pt_vhdxmap_t *m) { return m->linkage; }

int pt_vhdxmap_links_to(const pt_vhdxmap_t *m, const uint8_t guid[16])
{
    return memcmp(guid, m->linkage, 16) == 0 || (m->has_linkage2 && memcmp(guid, m->linkage2, 16) == 0);
}
const char *pt_vhdxmap_note(const pt_vhdxmap_t *m) { return m->note; }

static int past_end(const pt_vhdxmap_t *m, uint64_t b, uint64_t at, uint64_t len, const char *what, pt_err_t *err)
{
    if (at <= m->fsize && len <= m->fsize - at)
        return 0;
    pt_err_set(err, PT_EIO, "block %" PRIu64 " (virtual bytes %" PRIu64 "..%" PRIu64 "): its %s lies past the end "
               "of the VHDX (a truncated image)", b, b * m->block, (b + 1) * m->block, what);
    return 1;
}

int pt_vhdxmap_state(pt_vhdxmap_t *m, uint64_t off, uint64_t *run, uint64_t *host, pt_err_t *err)
{
    uint64_t b = off / m->block, in = off % m->block, e, s, last, sec;
    unsigned t;

    *host = UINT64_MAX;
    *run = m->block - in;
    if (b >= m->nblocks)
        return PT_MAP_ZERO;
    e = m->bat[b + b / m->chunk_ratio];
    switch (e & 7) {
    case NOT_PRESENT:
    case UNDEFINED:
        return PT_MAP_PARENT;
    case ZERO:
    case UNMAPPED:
        return PT_MAP_ZERO;
    case FULLY_PRESENT:
        if (past_end(m, b, (e >> 20) * MIB, m->block, "data", err))
            return -1;
        *host = (e >> 20) * MIB + in;
        return PT_MAP_DATA;
    case PARTIALLY_PRESENT:
        break;
    default:
        pt_err_set(err, PT_EFORMAT, "block %" PRIu64 ": BAT state %u is not one the specification defines", b,
                   (unsigned)(e & 7));
        return -1;
    }
    if (m->bmp_of != b) {
        /* the sector bitmap block of b's chunk: one bit a sector, LSB first */
        uint64_t sb = m->bat[(b / m->chunk_ratio) * (m->chunk_ratio + 1) + m->chunk_ratio];
        uint64_t nbytes = m->block / m->lss / 8, at = (sb >> 20) * MIB + (b % m->chunk_ratio) * nbytes;
        if ((sb & 7) != FULLY_PRESENT) {
            pt_err_set(err, PT_EFORMAT, "block %" PRIu64 " is partly present but its chunk's sector bitmap is "
                       "not (BAT state %u): damaged", b, (unsigned)(sb & 7));
            return -1;
        }
        if (past_end(m, b, at, nbytes, "sector bitmap", err) || past_end(m, b, (e >> 20) * MIB, m->block, "data", err) ||
            pt_read_exact(m->fn, m->src, at, m->bmp, (size_t)nbytes, err) != PT_OK)
            return -1;
        m->bmp_of = b;
    }
    sec = in / m->lss;
    last = m->block / m->lss;
    t = (m->bmp[sec / 8] >> (sec % 8)) & 1;
    for (s = sec + 1; s < last && ((m->bmp[s / 8] >> (s % 8)) & 1) == t; s++)
        ;
    *run = s * m->lss - in;
    if (!t)
        return PT_MAP_PARENT;
    *host = (e >> 20) * MIB + in;
    return PT_MAP_DATA;
}
