/* ext4flags.c - i_flags from the ext4 inode table.  Owns the reader; keeps
 * the last group's inode table location. */
#include "ext4flags.h"

#include <stdlib.h>
#include <string.h>

#include "bytes.h"

#define INCOMPAT_META_BG 0x10u
#define INCOMPAT_64BIT 0x80u
#define INCOMPAT_ENCRYPT 0x10000u

struct pt_ext4flags {
    TSK_FS_INFO *fs;
    uint64_t block, ipg, isize, dsize, gdt, groups;
    uint64_t group, table;     /* the last group looked up and its inode table block (group = -1: none) */
};


static int rd(TSK_FS_INFO *fs, uint64_t off, uint8_t *b, size_t n)
{
    if (off + n > (uint64_t)fs->block_count * fs->block_size)
        return 0;
    return tsk_fs_read(fs, (TSK_OFF_T)off, (char *)b, n) == (ssize_t)n;
}

pt_ext4flags_t *pt_ext4flags_open(TSK_FS_INFO *fs)
{
    uint8_t sb[1024];
    pt_ext4flags_t *x;
    uint32_t incompat, log;

    if (!TSK_FS_TYPE_ISEXT(fs->ftype) || !rd(fs, 1024, sb, sizeof sb) || le16(sb + 0x38) != 0xEF53)
        return NULL;
    incompat = le32(sb + 0x60);
    log = le32(sb + 0x18);
    if (!(incompat & INCOMPAT_ENCRYPT) || (incompat & INCOMPAT_META_BG) || log > 6 || le32(sb + 0x28) == 0 ||
        le16(sb + 0x58) < 128 || le32(sb + 0x4C) < 1)
        return NULL;
    if (!(x = calloc(1, sizeof *x)))
        return NULL;
    x->fs = fs;
    x->block = 1024u << log;
    x->ipg = le32(sb + 0x28);
    x->isize = le16(sb + 0x58);
    x->dsize = (incompat & INCOMPAT_64BIT) && le16(sb + 0xFE) >= 64 ? le16(sb + 0xFE) : 32;
    x->gdt = ((uint64_t)le32(sb + 0x14) + 1) * x->block; /* the block after the superblock's */
    x->groups = (le32(sb + 0x0) + x->ipg - 1) / x->ipg;
    x->group = UINT64_MAX;
    tsk_error_reset();
    return x;
}

int pt_ext4flags_get(pt_ext4flags_t *x, uint64_t ino, uint32_t *flags)
{
    uint8_t b[64];
    uint64_t g, idx;

    if (!x || ino == 0 || (g = (ino - 1) / x->ipg) >= x->groups)
        return 0;
    idx = (ino - 1) % x->ipg;
    if (g != x->group) {
        if (!rd(x->fs, x->gdt + g * x->dsize, b, (size_t)x->dsize)) {
            tsk_error_reset();
            return 0;
        }
        x->table = le32(b + 0x8) | (x->dsize >= 64 ? (uint64_t)le32(b + 0x28) << 32 : 0);
        x->group = g;
    }
    if (!rd(x->fs, x->table * x->block + idx * x->isize + 0x20, b, 4)) {
        tsk_error_reset();
        return 0;
    }
    *flags = le32(b);
    return 1;
}

void pt_ext4flags_close(pt_ext4flags_t *x)
{
    free(x);
}
