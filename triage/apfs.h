/* apfs.h - APFS containers (Mac disks since 2017) through libtsk's pool API:
 * a container holds several volumes that share its blocks, so a volume is
 * not a byte range and cannot be a layer (layer.h).  Each volume is opened
 * as a libtsk filesystem over the pool image libtsk makes for it;
 * encrypted volumes (FileVault) are opened with a passphrase from case.conf
 * [keys].  Reads through any pt_read_fn; never writes.  Snapshots are not
 * walked (the live file tree is). */
#ifndef PT_APFS_H
#define PT_APFS_H

#include <stdint.h>
#include <tsk/libtsk.h>

#include "err.h"
#include "layer.h"
#include "reader.h"

typedef struct pt_apfs pt_apfs_t;

typedef struct pt_apfs_volume {
    const char *name;       /* the volume's name, as pstat shows it ("" when none) */
    uint64_t block;         /* its superblock's block (fls -B), how it is found again */
    uint64_t bytes;         /* the blocks it uses */
    int encrypted;          /* FileVault */
    int has_hint;           /* a password hint is stored (never reported: it may be personal) */
    int case_sensitive;
} pt_apfs_volume_t;

/* Opens the container of size bytes read through fn/src (which must
 * outlive it).  PT_OK, PT_ENOMEM, or PT_EFORMAT with libtsk's reason. */
int pt_apfs_open(pt_read_fn fn, void *src, uint64_t size, pt_apfs_t **out, pt_err_t *err);
void pt_apfs_close(pt_apfs_t *a);
/* "APFS container, 4096-byte blocks, 153600 blocks, 2 volumes" */
const char *pt_apfs_describe(const pt_apfs_t *a);

int pt_apfs_count(const pt_apfs_t *a);
/* Volume i (0 <= i < count), valid until pt_apfs_close. */
const pt_apfs_volume_t *pt_apfs_volume(const pt_apfs_t *a, int i);
/* The index of the volume whose superblock is at block, or -1. */
int pt_apfs_find(const pt_apfs_t *a, uint64_t block);

/* Opens volume i's filesystem (closed by the caller with tsk_fs_close,
 * before pt_apfs_close).  An encrypted volume is tried as it is first (its
 * blocks may read as plain data), then with each passphrase of keys; *used
 * says how it opened (NULL when it is not encrypted).
 * PT_OK, PT_ENOKEY (encrypted, no key opened it) or PT_EFORMAT. */
int pt_apfs_open_fs(pt_apfs_t *a, int i, const pt_key_t *keys, size_t nkeys, TSK_FS_INFO **fs, const char **used,
                    pt_err_t *err);

#endif
