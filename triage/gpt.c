/* gpt.c - the backup GPT header and entry array (UEFI spec 2.10, 5.3).
 * Owns nothing beyond its output struct; reads at most 4 MiB of entries. */
#include "gpt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "bytes.h"
#include "text.h"

#define ENTRIES_MAX (4u << 20)


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

/* The header at LBA 1 (primary) or in the last sector (backup), and its
 * entry array. */
static int read_at(pt_read_fn fn, void *src, unsigned ss, uint64_t size, int primary, pt_gpt_t *g, pt_err_t *err)
{
    uint8_t h[4096];
    uint64_t lbas = size / ss, entries_lba, first_usable, last_usable, at;
    uint32_t count, esize, ecrc;
    uint8_t *e;
    const char *why, *which = primary ? "primary" : "backup";
    pt_err_t rerr = { 0, "" };

    if (lbas < 3)
        return pt_err_set(err, PT_EFORMAT, "disk too small for a GPT");
    at = primary ? 1 : lbas - 1;
    if (pt_read_exact(fn, src, at * ss, h, ss, &rerr) != PT_OK)
        return pt_err_set(err, PT_EFORMAT, "%s GPT header unreadable: %s", which, rerr.msg);
    if ((why = header_problem(h, ss)) != NULL)
        return pt_err_set(err, PT_EFORMAT, "%s GPT header (LBA %llu, %u-byte sectors): %s", which,
                          (unsigned long long)at, ss, why);
    if (le64(h + 24) != at)
        return pt_err_set(err, PT_EFORMAT, "%s GPT header names itself at LBA %llu, not %llu", which,
                          (unsigned long long)le64(h + 24), (unsigned long long)at);
    first_usable = le64(h + 40);
    last_usable = le64(h + 48);
    entries_lba = le64(h + 72);
    count = le32(h + 80);
    esize = le32(h + 84);
    ecrc = le32(h + 88);
    if (esize < 128 || esize % 8 || count == 0 || (uint64_t)count * esize > ENTRIES_MAX ||
        entries_lba >= lbas || (uint64_t)count * esize > (lbas - entries_lba) * ss || first_usable > last_usable ||
        last_usable >= lbas)
        return pt_err_set(err, PT_EFORMAT, "%s GPT header: entry array fields out of range", which);
    if (!(e = malloc((size_t)count * esize)))
        return pt_err_set(err, PT_ENOMEM, "out of memory");
    if (pt_read_exact(fn, src, entries_lba * ss, e, (size_t)count * esize, &rerr) != PT_OK) {
        free(e);
        return pt_err_set(err, PT_EFORMAT, "%s GPT entry array unreadable: %s", which, rerr.msg);
    }
    if ((uint32_t)crc32(0L, e, (uInt)((size_t)count * esize)) != ecrc) {
        free(e);
        return pt_err_set(err, PT_EFORMAT, "%s GPT entry array: CRC-32 fails", which);
    }
    memset(g, 0, sizeof *g);
    g->sector_size = ss;
    g->header_lba = at;
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
            return pt_err_set(err, PT_EFORMAT, "%s GPT: more than %d partitions", which, PT_GPT_MAX_PARTS);
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
    int rc = read_at(fn, src, 512, size, 0, g, &first);

    if (rc == PT_OK || rc == PT_ENOMEM) {
        *err = first;
        return rc;
    }
    if ((rc = read_at(fn, src, 4096, size, 0, g, err)) == PT_OK || rc == PT_ENOMEM)
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

int pt_gpt_read_primary(pt_read_fn fn, void *src, uint64_t size, unsigned ss, pt_gpt_t *g, pt_err_t *err)
{
    return read_at(fn, src, ss, size, 1, g, err);
}

/* Partition type GUIDs as the UEFI specification, Microsoft, freedesktop's
 * Discoverable Partitions Specification, Apple, VMware and the BSDs
 * register them. */
static const struct { const char *guid, *name; } types[] = {
    { "C12A7328-F81F-11D2-BA4B-00A0C93EC93B", "EFI System" },
    { "21686148-6449-6E6F-744E-656564454649", "BIOS boot" },
    { "024DEE41-33E7-11D3-9D69-0008C781F39F", "MBR partition scheme" },
    { "E3C9E316-0B5C-4DB8-817D-F92DF00215AE", "Microsoft reserved" },
    { "EBD0A0A2-B9E5-4433-87C0-68B6B72699C7", "Microsoft basic data" },
    { "DE94BBA4-06D1-4D40-A16A-BFD50179D6AC", "Windows recovery environment" },
    { "5808C8AA-7E8F-42E0-85D2-E1E90434CFB3", "Windows LDM metadata (dynamic disk)" },
    { "AF9B60A0-1431-4F62-BC68-3311714A69AD", "Windows LDM data (dynamic disk)" },
    { "E75CAF8F-F680-4CEE-AFA3-B001E56EFC2D", "Windows Storage Spaces" },
    { "558D43C5-A1AC-43C0-AAC8-D1472B2923D1", "Windows Storage Replica" },
    { "37AFFC90-EF7D-4E96-91C3-2D7AE055B174", "IBM GPFS" },
    { "0FC63DAF-8483-4772-8E79-3D69D8477DE4", "Linux filesystem" },
    { "4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709", "Linux root (x86-64)" },
    { "44479540-F297-41B2-9AF7-D131D5F0458A", "Linux root (x86)" },
    { "B921B045-1DF0-41C3-AF44-4C6F280D3FAE", "Linux root (ARM64)" },
    { "933AC7E1-2EB4-4F13-B844-0E14E2AEF915", "Linux home" },
    { "3B8F8425-20E0-4F3B-907F-1A25A76F98E8", "Linux server data (/srv)" },
    { "4D21B016-B534-45C2-A9FB-5C16E091FD2D", "Linux variable data (/var)" },
    { "BC13C2FF-59E6-4262-A352-B275FD6F7172", "Linux extended boot" },
    { "0657FD6D-A4AB-43C4-84E5-0933C84B4F4F", "Linux swap" },
    { "E6D6D379-F507-44C2-A23C-238F2A3DF928", "Linux LVM" },
    { "A19D880F-05FC-4D3B-A006-743F0F84911E", "Linux RAID" },
    { "CA7D7CCB-63ED-4C53-861C-1742536059CC", "Linux LUKS" },
    { "7FFEC5C9-2D00-49B7-8941-3EA10A5586B7", "Linux dm-crypt" },
    { "8DA63339-0007-60C0-C436-083AC8230908", "Linux reserved" },
    { "4FBD7E29-9D25-41B8-AFD0-062C0CEFF05D", "Ceph OSD" },
    { "45B0969E-9B03-4F30-B4C6-B4B80CEFF106", "Ceph journal" },
    { "6A898CC3-1DD2-11B2-99A6-080020736631", "ZFS (Solaris /usr)" },
    { "6A85CF4D-1DD2-11B2-99A6-080020736631", "Solaris root" },
    { "516E7CB4-6ECF-11D6-8FF8-00022D09712B", "FreeBSD data" },
    { "516E7CB5-6ECF-11D6-8FF8-00022D09712B", "FreeBSD swap" },
    { "516E7CB6-6ECF-11D6-8FF8-00022D09712B", "FreeBSD UFS" },
    { "516E7CBA-6ECF-11D6-8FF8-00022D09712B", "FreeBSD ZFS" },
    { "83BD6B9D-7F41-11DC-BE0B-001560B84F0F", "FreeBSD boot" },
    { "48465300-0000-11AA-AA11-00306543ECAC", "Apple HFS+" },
    { "7C3457EF-0000-11AA-AA11-00306543ECAC", "Apple APFS" },
    { "426F6F74-0000-11AA-AA11-00306543ECAC", "Apple boot (Recovery HD)" },
    { "53746F72-6167-11AA-AA11-00306543ECAC", "Apple Core Storage" },
    { "52414944-0000-11AA-AA11-00306543ECAC", "Apple RAID" },
    { "AA31E02A-400F-11DB-9590-000C2911D1B8", "VMware VMFS" },
    { "9D275380-40AD-11DB-BF97-000C2911D1B8", "VMware vmkcore" },
    { "9198EFFC-31C0-11DB-8F78-000C2911D1B8", "VMware reserved" },
    { "FE3A2A5D-4F32-41A7-B725-ACCC3285A309", "ChromeOS kernel" },
    { "3CB8E202-3B7E-47DD-8A3C-7FF2A13CFCEC", "ChromeOS root" },
    { "2E0A753D-9E48-43B0-8337-B15192CB1B5E", "ChromeOS reserved" },
};

const char *pt_gpt_type_name(const char *guid)
{
    size_t i;

    for (i = 0; i < sizeof types / sizeof types[0]; i++)
        if (strcmp(guid, types[i].guid) == 0)
            return types[i].name;
    return NULL;
}

void pt_gpt_describe(const pt_gpt_part_t *q, char *out, size_t n)
{
    const char *t = pt_gpt_type_name(q->type);

    if (q->name[0])
        snprintf(out, n, "%s (%s)", q->name, t ? t : q->type);
    else
        snprintf(out, n, "%s", t ? t : q->type);
}
