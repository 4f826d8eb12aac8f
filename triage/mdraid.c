/* mdraid.c - md version-1 superblocks (struct mdp_superblock_1 of the
 * kernel's md_p.h), parsed by offset, little-endian.  Owns nothing. */
#include "mdraid.h"

#include <stdio.h>
#include <string.h>

#define MD_MAGIC 0xa92b4efcu
#define SB_BYTES 4096 /* 256 fixed bytes and the roles of up to 1,920 devices */

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p)
{
    return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

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

static int at(pt_read_fn fn, void *src, uint64_t size, uint64_t off, uint8_t *sb)
{
    pt_err_t e = { 0, "" };

    return off + SB_BYTES <= size && pt_read_exact(fn, src, off, sb, SB_BYTES, &e) == PT_OK &&
           le32(sb) == MD_MAGIC && le32(sb + 4) == 1;
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
    if (found < 0)
        return pt_err_set(err, PT_EFORMAT, "no md superblock of version 1.x (0.90 is not read)");
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
    if (md->level == -1)
        snprintf(out, n, "linear array member (md superblock 1.%d, array \"%s\", %s)", md->minor, md->name, slot);
    else
        snprintf(out, n, "RAID %d member (md superblock 1.%d, array \"%s\", %s)", (int)md->level, md->minor,
                 md->name, slot);
}
