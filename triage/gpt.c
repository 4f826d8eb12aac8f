/* gpt.c - the backup GPT header and entry array (UEFI spec 2.10, 5.3).
 * Owns nothing beyond its output struct; reads at most 4 MiB of entries. */
#include "gpt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "text.h"

#define ENTRIES_MAX (4u << 20)

static uint32_t le32(const uint8_t *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }
static uint64_t le64(const uint8_t *p) { return le32(p) | (uint64_t)le32(p + 4) << 32; }

static void guid(char *out, size_t n, const uint8_t *g)
{
    /* the first three fields are little-endian */
    snprintf(out, n, "%02X%02X%02X%02X-%02X%02X-%02X%02X-%02X%02X-%02X%02X%02X%02X%02X%02X", g[3], g[2], g[1], g[0],
             g[5], g[4], g[7], g[6], g[8], g[9], g[10], g[11], g[12], g[13], g[14], g[15]);
}

/* A header in buf (one sector of ss bytes): its signature, size and
 * CRC-32.  NULL when valid, else why not. */
static const char *header_problem(uint8_t *buf, unsigned ss)
{
    uint32_t hsize, crc;

    if (memcmp(buf, "EFI PART", 8) != 0)
        return "no 'EFI PART' signature";
    hsize = le32(buf + 12);
    if (hsize < 92 || hsize > ss)
        return "header size out of range";
    uint8_t saved[4];
    crc = le32(buf + 16);
    memcpy(saved, buf + 16, 4);
    memset(buf + 16, 0, 4); /* the CRC is computed with its own field zeroed */
    uint32_t got = (uint32_t)crc32(0L, buf, hsize);
    memcpy(buf + 16, saved, 4);
    return got == crc ? NULL : "header CRC-32 fails";
}

static int by_start(const void *a, const void *b)
{
    const pt_gpt_part_t *x = a, *y = b;
    return x->first_lba < y->first_lba ? -1 : x->first_lba > y->first_lba;
}

static int read_at(pt_read_fn fn, void *src, unsigned ss, uint64_t size, pt_gpt_t *g, pt_err_t *err)
{
    uint8_t h[4096];
    uint64_t lbas = size / ss, entries_lba, first_usable, last_usable;
    uint32_t count, esize, ecrc;
    uint8_t *e;
    const char *why;
    pt_err_t rerr = { 0, "" };

    if (lbas < 3)
        return pt_err_set(err, PT_EFORMAT, "disk too small for a GPT");
    if (pt_read_exact(fn, src, (lbas - 1) * ss, h, ss, &rerr) != PT_OK)
        return pt_err_set(err, PT_EFORMAT, "last sector unreadable: %s", rerr.msg);
    if ((why = header_problem(h, ss)) != NULL)
        return pt_err_set(err, PT_EFORMAT, "backup GPT header (last %u-byte sector): %s", ss, why);
    if (le64(h + 24) != lbas - 1)
        return pt_err_set(err, PT_EFORMAT, "backup GPT header names itself at LBA %llu, not the last (%llu)",
                          (unsigned long long)le64(h + 24), (unsigned long long)(lbas - 1));
    first_usable = le64(h + 40);
    last_usable = le64(h + 48);
    entries_lba = le64(h + 72);
    count = le32(h + 80);
    esize = le32(h + 84);
    ecrc = le32(h + 88);
    if (esize < 128 || esize % 8 || count == 0 || (uint64_t)count * esize > ENTRIES_MAX ||
        entries_lba >= lbas || (uint64_t)count * esize > (lbas - entries_lba) * ss || first_usable > last_usable ||
        last_usable >= lbas)
        return pt_err_set(err, PT_EFORMAT, "backup GPT header: entry array fields out of range");
    if (!(e = malloc((size_t)count * esize)))
        return pt_err_set(err, PT_ENOMEM, "out of memory");
    if (pt_read_exact(fn, src, entries_lba * ss, e, (size_t)count * esize, &rerr) != PT_OK) {
        free(e);
        return pt_err_set(err, PT_EFORMAT, "backup GPT entry array unreadable: %s", rerr.msg);
    }
    if ((uint32_t)crc32(0L, e, (uInt)((size_t)count * esize)) != ecrc) {
        free(e);
        return pt_err_set(err, PT_EFORMAT, "backup GPT entry array: CRC-32 fails");
    }
    memset(g, 0, sizeof *g);
    g->sector_size = ss;
    g->header_lba = lbas - 1;
    g->entries_lba = entries_lba;
    g->entries_bytes = (uint64_t)count * esize;
    guid(g->disk_guid, sizeof g->disk_guid, h + 56);
    for (uint32_t i = 0; i < count; i++) {
        const uint8_t *p = e + (size_t)i * esize;
        static const uint8_t zero[16];
        if (memcmp(p, zero, 16) == 0)
            continue;
        if (g->n == PT_GPT_MAX_PARTS) {
            free(e);
            return pt_err_set(err, PT_EFORMAT, "backup GPT: more than %d partitions", PT_GPT_MAX_PARTS);
        }
        pt_gpt_part_t *q = &g->part[g->n];
        q->first_lba = le64(p + 32);
        q->last_lba = le64(p + 40);
        if (q->first_lba > q->last_lba || q->last_lba >= lbas)
            continue; /* impossible extent: not a partition to read */
        q->index = i + 1;
        guid(q->type, sizeof q->type, p);
        pt_text_utf16_to_utf8(p + 56, 72, 0, q->name, sizeof q->name);
        g->n++;
    }
    free(e);
    qsort(g->part, (size_t)g->n, sizeof g->part[0], by_start);
    return PT_OK;
}

int pt_gpt_read_backup(pt_read_fn fn, void *src, uint64_t size, pt_gpt_t *g, pt_err_t *err)
{
    pt_err_t first = { 0, "" };
    int rc = read_at(fn, src, 512, size, g, &first);

    if (rc == PT_OK || rc == PT_ENOMEM) {
        *err = first;
        return rc;
    }
    if ((rc = read_at(fn, src, 4096, size, g, err)) == PT_OK || rc == PT_ENOMEM)
        return rc;
    *err = first; /* the 512-byte reason is the likelier one */
    return PT_EFORMAT;
}

void pt_gpt_primary_problem(pt_read_fn fn, void *src, unsigned ss, char *out, size_t n)
{
    uint8_t h[4096];
    pt_err_t err = { 0, "" };
    const char *why;

    if (ss > sizeof h || pt_read_exact(fn, src, ss, h, ss, &err) != PT_OK)
        snprintf(out, n, "LBA 1 unreadable");
    else if ((why = header_problem(h, ss)) != NULL)
        snprintf(out, n, "%s at LBA 1", why);
    else
        snprintf(out, n, "the header at LBA 1 looks valid but The Sleuth Kit did not read it");
}
