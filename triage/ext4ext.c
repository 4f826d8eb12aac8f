/* ext4ext.c - an ext4 file's bytes through its extent tree (see ext4ext.h):
 * the kernel's fs/ext4/ext4_extents.h layout, little-endian: a 12-byte
 * header (magic 0xf30a, entries, capacity, depth), then 12-byte index
 * entries (first logical block, child block) or leaf extents (first
 * logical block, length (above 32768: uninitialized), physical start).
 * Owns nothing: each call walks the tree from the root anew. */
#include "ext4ext.h"

#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "source.h"

#define MAGIC 0xf30au
#define MAX_DEPTH 5
#define UNINIT 32768u

/* Where logical block lb lies: *phys (0 for zeros) and *run, the blocks
 * from lb that follow it in the same state. */
static int find(TSK_FS_INFO *fs, const uint8_t *root, uint64_t lb, uint64_t *phys, uint64_t *run, uint8_t *node,
                pt_err_t *err)
{
    const uint8_t *h = root;
    size_t room = 60;
    unsigned depth = MAX_DEPTH + 1, level = 0;

    for (;;) {
        unsigned n = le16(h + 2), d = le16(h + 6), i, pick = 0;
        if (le16(h) != MAGIC || d >= depth || 12 + 12 * (size_t)n > room)
            return pt_err_set(err, PT_EFORMAT, "ext4 extent tree damaged: the extent header at level %u (magic "
                              "0x%04x, %u entries, depth %u)", level, le16(h), n, d);
        depth = d;
        if (d == 0) {
            for (i = 0; i < n; i++) {
                const uint8_t *e = h + 12 + 12 * i;
                uint64_t first = le32(e), len = le16(e + 4), start = (uint64_t)le16(e + 6) << 32 | le32(e + 8);
                int uninit = len > UNINIT;
                if (uninit)
                    len -= UNINIT;
                if (lb < first) {
                    *phys = 0;
                    *run = first - lb; /* a hole before this extent */
                    return PT_OK;
                }
                if (lb < first + len) {
                    *phys = uninit ? 0 : start + (lb - first);
                    *run = first + len - lb;
                    if (!uninit && start + len > (uint64_t)fs->block_count)
                        return pt_err_set(err, PT_EFORMAT, "an extent of blocks %llu-%llu past the filesystem's %llu",
                                          (unsigned long long)start, (unsigned long long)(start + len - 1),
                                          (unsigned long long)fs->block_count);
                    return PT_OK;
                }
            }
            *phys = 0;
            *run = 1; /* past this leaf's last extent: a hole */
            return PT_OK;
        }
        /* the last index whose first block is at or before lb */
        for (i = 0; i < n && le32(h + 12 + 12 * i) <= lb; i++)
            pick = i;
        if (n == 0 || le32(h + 12) > lb) {
            *phys = 0;
            *run = n ? le32(h + 12) - lb : 1;
            return PT_OK;
        }
        {
            const uint8_t *ix = h + 12 + 12 * pick;
            uint64_t child = (uint64_t)le16(ix + 8) << 32 | le32(ix + 4);
            if (child == 0 || child >= (uint64_t)fs->block_count ||
                tsk_fs_read(fs, (TSK_OFF_T)(child * fs->block_size), (char *)node, fs->block_size) !=
                    (ssize_t)fs->block_size) {
                tsk_error_reset();
                return pt_err_set(err, PT_EFORMAT, "ext4 extent tree: index block %llu at level %u not read",
                                  (unsigned long long)child, level);
            }
            /* the index block's own extents: beyond the next index, a hole
             * ends the run there (found again on the next call) */
            h = node;
            room = fs->block_size;
            level++;
        }
    }
}

/* The tree's root, i_block, as on disk: 0, or -2 when f is not an ext4
 * file mapped by extents, or its root is damaged (libtsk's "extent header"
 * error then stands). */
static int root_of(TSK_FS_FILE *f, uint8_t root[60])
{
    TSK_FS_INFO *fs = f ? f->fs_info : NULL;
    const uint32_t *w;
    int i;

    if (!fs || !TSK_FS_TYPE_ISEXT(fs->ftype) || !f->meta ||
        f->meta->content_type != TSK_FS_META_CONTENT_TYPE_EXT4_EXTENTS || !f->meta->content_ptr ||
        f->meta->content_len < 60 || f->meta->size < 0 || fs->block_size < 1024)
        return -2;
    /* libtsk keeps i_block as 15 host-order 32-bit words */
    w = f->meta->content_ptr;
    for (i = 0; i < 15; i++) {
        root[4 * i] = (uint8_t)w[i];
        root[4 * i + 1] = (uint8_t)(w[i] >> 8);
        root[4 * i + 2] = (uint8_t)(w[i] >> 16);
        root[4 * i + 3] = (uint8_t)(w[i] >> 24);
    }
    return le16(root) == MAGIC && le16(root + 6) <= MAX_DEPTH ? 0 : -2;
}

int pt_ext4ext_map(TSK_FS_FILE *f, int (*fn)(void *ctx, uint64_t first, uint64_t count), void *ctx,
                   pt_err_t *err)
{
    uint8_t root[60], *node;
    uint64_t lb = 0, blocks;
    int rc = PT_OK;

    if (root_of(f, root) != 0)
        return -2;
    blocks = ((uint64_t)f->meta->size + f->fs_info->block_size - 1) / f->fs_info->block_size;
    if (!(node = malloc(f->fs_info->block_size)))
        return pt_err_set(err, PT_ENOMEM, "out of memory");
    while (lb < blocks && rc == PT_OK) {
        uint64_t phys = 0, run = 0;
        if ((rc = find(f->fs_info, root, lb, &phys, &run, node, err)) != PT_OK)
            break;
        if (run > blocks - lb)
            run = blocks - lb;
        if (phys && fn(ctx, phys, run))
            break;
        lb += run;
    }
    free(node);
    return rc;
}

ssize_t pt_ext4ext_read(TSK_FS_FILE *f, uint64_t off, uint8_t *buf, size_t len, pt_err_t *err)
{
    TSK_FS_INFO *fs = f ? f->fs_info : NULL;
    uint8_t root[60], *node;
    uint64_t size, bs;
    size_t done = 0;

    if (root_of(f, root) != 0)
        return -2;
    size = (uint64_t)f->meta->size;
    bs = fs->block_size;
    if (off >= size)
        return 0;
    if (len > size - off)
        len = (size_t)(size - off);
    if (!(node = malloc(fs->block_size)))
        return pt_err_set(err, PT_ENOMEM, "out of memory"), -1;
    while (done < len) {
        uint64_t at = off + done, phys = 0, run = 0, n;
        if (find(fs, root, at / bs, &phys, &run, node, err) != PT_OK) {
            free(node);
            return -1;
        }
        n = run * bs - at % bs;
        if (n > len - done)
            n = len - done;
        if (!phys) {
            memset(buf + done, 0, (size_t)n);
        } else if (tsk_fs_read(fs, (TSK_OFF_T)(phys * bs + at % bs), (char *)buf + done, (size_t)n) != (ssize_t)n) {
            free(node);
            /* with the image's own reason (a damaged chunk, a cut file) */
            pt_source_tsk_err(err, PT_EIO, "ext4 block %llu not read", (unsigned long long)phys);
            return -1;
        }
        done += (size_t)n;
    }
    free(node);
    return (ssize_t)done;
}
