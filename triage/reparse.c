/* reparse.c - NTFS reparse points: tag names and content kept elsewhere.
 * Reads only the file's own attributes through libtsk; owns nothing. */
#include "reparse.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "bytes.h"

size_t pt_reparse_read(TSK_FS_FILE *f, uint8_t *buf, size_t size)
{
    int i, cnt;
    ssize_t got = 0;

    if (!f || !f->fs_info || !TSK_FS_TYPE_ISNTFS(f->fs_info->ftype) || !f->meta)
        return 0;
    cnt = tsk_fs_file_attr_getsize(f);
    for (i = 0; i < cnt; i++) {
        const TSK_FS_ATTR *a = tsk_fs_file_attr_get_idx(f, i);
        if (a && a->type == TSK_FS_ATTR_TYPE_NTFS_REPARSE && a->size >= 8) {
            got = tsk_fs_attr_read(a, 0, (char *)buf, (uint64_t)a->size < size ? (size_t)a->size : size,
                                   TSK_FS_FILE_READ_FLAG_NONE);
            break;
        }
    }
    tsk_error_reset();
    return got >= 8 ? (size_t)got : 0;
}

/* Tags whose owner keeps the data elsewhere (hsm = 1), from Microsoft's
 * ntifs.h; the cloud tags carry a sub-type in bits 12-15. */
static const struct { uint32_t tag, mask; int hsm; const char *name; } tags[] = {
    { 0x9000001Au, 0xFFFF0FFFu, 1, "OneDrive / cloud files placeholder (IO_REPARSE_TAG_CLOUD)" },
    { 0x80000013u, ~0u, 1, "Windows Data Deduplication (IO_REPARSE_TAG_DEDUP): the content is in the volume's "
                           "chunk store, System Volume Information\\Dedup" },
    { 0x8000001Eu, ~0u, 1, "Azure File Sync tiered file (IO_REPARSE_TAG_STORAGE_SYNC)" },
    { 0x80000021u, ~0u, 1, "OneDrive file (IO_REPARSE_TAG_ONEDRIVE)" },
    { 0xC0000004u, ~0u, 1, "hierarchical storage management (IO_REPARSE_TAG_HSM)" },
    { 0x80000006u, ~0u, 1, "hierarchical storage management (IO_REPARSE_TAG_HSM2)" },
    { 0x80000007u, ~0u, 1, "Single Instance Storage (IO_REPARSE_TAG_SIS): the content is in the SIS Common Store" },
    { 0x9000001Cu, ~0u, 1, "projected file system placeholder (IO_REPARSE_TAG_PROJFS, VFS for Git)" },
    { 0x80000018u, ~0u, 1, "Windows container isolation (IO_REPARSE_TAG_WCI)" },
    { 0x90001018u, ~0u, 1, "Windows container isolation (IO_REPARSE_TAG_WCI_1)" },
    { 0x80000017u, ~0u, 0, "Windows Overlay Filter (IO_REPARSE_TAG_WOF)" },
    { 0x80000008u, ~0u, 0, "mounted WIM image (IO_REPARSE_TAG_WIM)" },
    { 0xA0000003u, ~0u, 0, "junction or mount point (IO_REPARSE_TAG_MOUNT_POINT)" },
    { 0xA000000Cu, ~0u, 0, "symbolic link (IO_REPARSE_TAG_SYMLINK)" },
    { 0x8000000Au, ~0u, 0, "DFS (IO_REPARSE_TAG_DFS)" },
    { 0x80000012u, ~0u, 0, "DFS replication (IO_REPARSE_TAG_DFSR)" },
    { 0x80000014u, ~0u, 0, "NFS (IO_REPARSE_TAG_NFS)" },
    { 0x8000001Bu, ~0u, 0, "app execution alias (IO_REPARSE_TAG_APPEXECLINK)" },
    { 0xA000001Du, ~0u, 0, "WSL symbolic link (IO_REPARSE_TAG_LX_SYMLINK)" },
    { 0x80000023u, ~0u, 0, "WSL socket (IO_REPARSE_TAG_AF_UNIX)" },
    { 0x80000024u, ~0u, 0, "WSL FIFO (IO_REPARSE_TAG_LX_FIFO)" },
    { 0x80000025u, ~0u, 0, "WSL character device (IO_REPARSE_TAG_LX_CHR)" },
    { 0x80000026u, ~0u, 0, "WSL block device (IO_REPARSE_TAG_LX_BLK)" },
};

static int find(uint32_t tag)
{
    size_t i;

    for (i = 0; i < sizeof tags / sizeof tags[0]; i++)
        if ((tag & tags[i].mask) == tags[i].tag)
            return (int)i;
    return -1;
}

const char *pt_reparse_tag_name(uint32_t tag)
{
    int i = find(tag);

    return i < 0 ? NULL : tags[i].name;
}

/* Bytes of data stored on the volume: -1 when the attribute is resident
 * (all of it is in the MFT record). */
static int64_t stored_bytes(const TSK_FS_ATTR *a)
{
    const TSK_FS_ATTR_RUN *r;
    int64_t n = 0;

    if (!(a->flags & TSK_FS_ATTR_NONRES))
        return -1;
    for (r = a->nrd.run; r; r = r->next)
        if (!(r->flags & (TSK_FS_ATTR_RUN_FLAG_SPARSE | TSK_FS_ATTR_RUN_FLAG_FILLER)))
            n += (int64_t)r->len * a->fs_file->fs_info->block_size;
    return n;
}

int pt_reparse_elsewhere(TSK_FS_FILE *f, const TSK_FS_ATTR *data, char *why, size_t size)
{
    uint8_t rp[8];
    uint32_t tag;
    int64_t stored;
    int i;

    why[0] = '\0';
    if (!data || data->size <= 0 || !data->fs_file || !pt_reparse_read(f, rp, sizeof rp))
        return PT_REPARSE_HERE;
    tag = le32(rp);
    i = find(tag);
    if ((i >= 0 && !tags[i].hsm) || (stored = stored_bytes(data)) < 0)
        return PT_REPARSE_HERE;
    if (stored == 0 && i >= 0) {
        snprintf(why, size, "%s: none of its %" PRId64 " bytes are stored on this volume (the $DATA is sparse, "
                 "zeros to any reader): the content is elsewhere, not read", tags[i].name, (int64_t)data->size);
        return PT_REPARSE_ELSEWHERE;
    }
    if (stored == 0) {
        snprintf(why, size, "reparse point with tag 0x%08" PRIX32 " (not known) on a file whose $DATA is all sparse: "
                 "the content may be kept elsewhere by the tag's owner; read here as zeros", tag);
        return PT_REPARSE_PARTLY;
    }
    if (i >= 0 && stored < data->size) {
        snprintf(why, size, "%s, partly stored here (%" PRId64 " of %" PRId64 " bytes in clusters): the sparse "
                 "ranges read as zeros and may be kept elsewhere", tags[i].name, stored, (int64_t)data->size);
        return PT_REPARSE_PARTLY;
    }
    return PT_REPARSE_HERE;
}
