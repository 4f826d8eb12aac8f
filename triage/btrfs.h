/* btrfs.h - Btrfs filesystems, which The Sleuth Kit does not read (Synology
 * and other NAS, Fedora and openSUSE servers), read by ptriage from the
 * on-disk format: the superblock, the chunk tree that maps logical to
 * physical addresses, the root tree of subvolumes, and each subvolume's
 * tree of inodes, directory entries and file extents (inline, regular,
 * preallocated; zlib, LZO and zstd compressed).  Every tree block is
 * checked (CRC-32C, its own address, the filesystem's id) before use.
 * Names are walked from each subvolume's root; deleted names are not
 * recovered.  Read-only; follows no link. */
#ifndef PT_BTRFS_H
#define PT_BTRFS_H

#include <stdint.h>

#include "err.h"
#include "reader.h"

struct pt_scan;
typedef struct pt_btrfs pt_btrfs_t;

#define PT_BTRFS_FS_TREE 5 /* the top-level subvolume */

/* Opens the Btrfs filesystem of size bytes read through fn/src (which must
 * outlive it).  PT_OK, or PT_EFORMAT with the reason. */
int pt_btrfs_open(pt_read_fn fn, void *src, uint64_t size, pt_btrfs_t **out, pt_err_t *err);
void pt_btrfs_close(pt_btrfs_t *b);
/* "Btrfs, label 'x', 2 subvolumes, ..." */
const char *pt_btrfs_describe(const pt_btrfs_t *b);
/* Bytes the filesystem says it uses (for the coverage ledger). */
uint64_t pt_btrfs_bytes_used(const pt_btrfs_t *b);

/* The subvolumes other than the top level, in the order the walk of their
 * parents found them (then any no directory names): id and path from the
 * top level ("home", ".snapshots/1/snapshot", or "id 262" when unnamed).
 * Valid after pt_btrfs_walk of the top level, which finds them. */
int pt_btrfs_subvol_count(const pt_btrfs_t *b);
uint64_t pt_btrfs_subvol_id(const pt_btrfs_t *b, int i);
const char *pt_btrfs_subvol_path(const pt_btrfs_t *b, int i);

/* Adds the subvolumes no directory names (deleted ones the cleaner has
 * not reached, detached ones) as "id 262" or "id 262 (deleted)"; how
 * many.  Call once the walks found the named ones. */
int pt_btrfs_add_unnamed(pt_btrfs_t *b);

/* Walks every name of subvolume id into s (the current volume).  PT_OK,
 * or a fatal error (case database); damage is a volume problem. */
int pt_btrfs_walk(struct pt_scan *s, pt_btrfs_t *b, uint64_t subvol, pt_err_t *err);

/* Opens an inode's content again (export, verify): fn and src read it until
 * the next call or pt_btrfs_close; *size is its size. */
int pt_btrfs_open_inode(pt_btrfs_t *b, uint64_t subvol, uint64_t inode, pt_read_fn *fn, void **src, uint64_t *size,
                        pt_err_t *err);

#endif
