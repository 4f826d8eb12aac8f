/* mdraid.c - md version-1 superblocks (struct mdp_superblock_1 of the
 * kernel's md_p.h), parsed by offset, little-endian.  Owns nothing. */
#include "mdraid.h"

#include <stdio.h>
#include <string.h>

#include "bytes.h"

#define MD_MAGIC 0xa92b4efcu
#define SB_BYTES 4096 /* 256 fixed bytes and the roles of up to 1,920 devices */

/* The kernel's calc_sb_1_csum: 32-bit words summed in 64 bits (sb_csum
 * counted as 0), the carry folded in once. */
static uint32_t csum(const uint8_t *sb, uint32_t max_dev)
{
    size_t size = 256 + (size_t)max_dev * 2, i;
    uint64_t sum = 0;

    for (i = 0; i + 4 <= size; i += 4)
        sum += i == 216 ? 0 : le32(sb + i);
    if (size - i == 2)
        sum += (uint32_t)sb[i] | (uint32_t)sb[i + 1] << 8;
    return (uint32_t)((sum & 0xffffffffu) + (sum >> 32));
}

/* Version 0.90's magic and major version 0, minor 90. */
static int at0(pt_read_fn fn, void *src, uint64_t size, uint64_t off, uint8_t *sb)
{
    pt_err_t e = { 0, "" };

    return off + SB_BYTES <= size && pt_read_exact(fn, src, off, sb, SB_BYTES, &e) == PT_OK &&
           le32(sb) == MD_MAGIC && le32(sb + 4) == 0 && le32(sb + 8) == 90;
}

static int at(pt_read_fn fn, void *src, uint64_t size, uint64_t off, uint8_t *sb)
{
    pt_err_t e = { 0, "" };

    return off + SB_BYTES <= size && pt_read_exact(fn, src, off, sb, SB_BYTES, &e) == PT_OK &&
           le32(sb) == MD_MAGIC && le32(sb + 4) == 1;
}

/* Superblock 0.90 (struct mdp_superblock_s): 1,024 32-bit words in the
 * last 64 KiB-aligned 64 KiB of the member, written in the writer's byte
 * order (little-endian here); the data starts at the member's first byte. */
static int read_090(pt_read_fn fn, void *src, uint64_t size, pt_md_info_t *md, pt_err_t *err)
{
    uint8_t sb[SB_BYTES];
    uint64_t off, sum = 0;
    uint32_t state, i;

    if (size < 131072)
        return PT_EFORMAT;
    off = (size & ~(uint64_t)65535) - 65536;
    if (!at0(fn, src, size, off, sb))
        return PT_EFORMAT;
    for (i = 0; i < SB_BYTES; i += 4)
        sum += i == 38 * 4 ? 0 : le32(sb + i);
    if ((uint32_t)((sum & 0xffffffffu) + (sum >> 32)) != le32(sb + 38 * 4))
        return pt_err_set(err, PT_EFORMAT, "md superblock 0.90: checksum %08x, computed %08x: damaged",
                          le32(sb + 38 * 4), (uint32_t)((sum & 0xffffffffu) + (sum >> 32)));
    md->minor = -1;
    md->level = (int32_t)le32(sb + 7 * 4);
    md->raid_disks = le32(sb + 10 * 4);
    md->data_offset = 0;
    md->data_size = md->component = (uint64_t)le32(sb + 8 * 4) * 1024;
    memcpy(md->uuid, sb + 5 * 4, 4);
    memcpy(md->uuid + 4, sb + 13 * 4, 12);
    md->events = le32(sb + 39 * 4) | (uint64_t)le32(sb + 40 * 4) << 32;
    md->layout = le32(sb + 64 * 4);
    md->chunk = le32(sb + 65 * 4);
    /* this disk's descriptor: number, major, minor, raid_disk, state */
    md->dev_number = le32(sb + 992 * 4);
    state = le32(sb + 996 * 4);
    md->role = (state & 1) ? -2 : (state & 6) == 6 ? (int)le32(sb + 995 * 4) : -1;
    snprintf(md->name, sizeof md->name, "md%u", le32(sb + 11 * 4) % 10000);
    if (md->data_size > off)
        return pt_err_set(err, PT_EFORMAT, "md superblock 0.90 puts %llu bytes of data before its own sector %llu: "
                          "damaged", (unsigned long long)md->data_size, (unsigned long long)(off / 512));
    return PT_OK;
}

int pt_md_read(pt_read_fn fn, void *src, uint64_t size, pt_md_info_t *md, pt_err_t *err)
{
    uint8_t sb[SB_BYTES];
    uint64_t offs[3];
    uint32_t max_dev, role;
    int i, found = -1;

    memset(md, 0, sizeof *md);
    offs[0] = size >= 8192 ? ((size - 8192) & ~(uint64_t)4095) : UINT64_MAX; /* 1.0: 8 KiB from the end */
    offs[1] = 0;                                                              /* 1.1 */
    offs[2] = 4096;                                                           /* 1.2 */
    for (i = 2; i >= 0 && found < 0; i--)
        if (offs[i] != UINT64_MAX && at(fn, src, size, offs[i], sb))
            found = i;
    if (found < 0) {
        int rc = read_090(fn, src, size, md, err);
        if (rc == PT_EFORMAT && (!err || !err->msg[0] || !strstr(err->msg, "0.90")))
            return pt_err_set(err, PT_EFORMAT, "no md superblock (versions 1.x and 0.90 looked for)");
        return rc;
    }
    if (le64(sb + 144) * 512 != offs[found])
        return pt_err_set(err, PT_EFORMAT, "md superblock 1.%d says it lies at sector %llu, not where it was "
                          "found: damaged", found, (unsigned long long)le64(sb + 144));
    max_dev = le32(sb + 220);
    if (max_dev > (SB_BYTES - 256) / 2)
        return pt_err_set(err, PT_EFORMAT, "md superblock 1.%d lists %u devices: damaged", found, max_dev);
    if (csum(sb, max_dev) != le32(sb + 216))
        return pt_err_set(err, PT_EFORMAT, "md superblock 1.%d: checksum %08x, computed %08x: damaged", found,
                          le32(sb + 216), csum(sb, max_dev));
    md->minor = found;
    md->level = (int32_t)le32(sb + 72);
    md->raid_disks = le32(sb + 92);
    md->data_offset = le64(sb + 128) * 512;
    md->data_size = le64(sb + 136) * 512;
    md->dev_number = le32(sb + 160);
    memcpy(md->uuid, sb + 16, 16);
    md->layout = le32(sb + 76);
    md->component = le64(sb + 80) * 512;
    md->chunk = (uint64_t)le32(sb + 88) * 512;
    md->events = le64(sb + 200);
    role = md->dev_number < max_dev ? (uint32_t)sb[256 + 2 * md->dev_number] |
                                          (uint32_t)sb[257 + 2 * md->dev_number] << 8
                                    : 0xfffdu;
    md->role = role == 0xffff ? -1 : role == 0xfffe ? -2 : role >= 0xfff0 ? -3 : (int)role;
    for (i = 0; i < 32 && sb[32 + i]; i++)
        md->name[i] = sb[32 + i] >= 0x20 && sb[32 + i] < 0x7f ? (char)sb[32 + i] : '?';
    md->name[i] = '\0';
    if (md->data_offset > size || md->data_size > size - md->data_offset)
        return pt_err_set(err, PT_EFORMAT, "md superblock 1.%d puts %llu bytes of data at byte %llu of a %llu-byte "
                          "member: damaged or truncated", found, (unsigned long long)md->data_size,
                          (unsigned long long)md->data_offset, (unsigned long long)size);
    return PT_OK;
}

void pt_md_describe(const pt_md_info_t *md, char *out, size_t n)
{
    char slot[48];

    if (md->role >= 0)
        snprintf(slot, sizeof slot, "slot %d of %u", md->role, md->raid_disks);
    else
        snprintf(slot, sizeof slot, "%s, %u devices", md->role == -1 ? "spare" : md->role == -2 ? "faulty"
                                                                                              : "no role",
                 md->raid_disks);
    char ver[8];

    snprintf(ver, sizeof ver, md->minor < 0 ? "0.90" : "1.%d", md->minor);
    if (md->level == -1)
        snprintf(out, n, "linear array member (md superblock %s, array \"%s\", %s)", ver, md->name, slot);
    else
        snprintf(out, n, "RAID %d member (md superblock %s, array \"%s\", %s)", (int)md->level, ver, md->name,
                 slot);
}
