/* f2fs.h - F2FS filesystems, which The Sleuth Kit does not read: the
 * userdata partition of many Android phones, some SD cards and embedded
 * Linux systems.  Read by ptriage from the on-disk format (the kernel's
 * fs/f2fs and f2fs-tools' f2fs_fs.h): the superblock, the newer valid
 * checkpoint pack, the node address table (its two copies chosen by the
 * checkpoint's bitmap, its newest entries from the checkpoint's journal),
 * inodes and their direct, indirect and double-indirect node blocks,
 * inline data and inline directories, and directory blocks.  The state of
 * the last checkpoint is read (what a mount would show before roll-forward
 * recovery); deleted files are not looked for; follows no link.  Files
 * the kernel compresses or encrypts (fscrypt) are named on the item:
 * compressed clusters are not decoded; encrypted content and names are
 * listed as the ciphertext they are. */
#ifndef PT_F2FS_H
#define PT_F2FS_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "reader.h"

struct pt_scan;
typedef struct pt_f2fs pt_f2fs_t;

/* 1 when h (n bytes from the start of a volume or file) holds an F2FS
 * superblock at 1024 that is plausible on its own. */
int pt_f2fs_is(const uint8_t *h, size_t n);

/* Opens the F2FS of size bytes read through fn/src (which must outlive
 * it): superblock, checkpoint, NAT journal.  PT_OK, or PT_EFORMAT with the
 * reason (PT_ENOMEM). */
int pt_f2fs_open(pt_read_fn fn, void *src, uint64_t size, pt_f2fs_t **out, pt_err_t *err);
void pt_f2fs_close(pt_f2fs_t *f);
/* "F2FS 1.15, checkpoint 3, ..." */
const char *pt_f2fs_describe(const pt_f2fs_t *f);
/* Bytes the filesystem occupies (its blocks). */
uint64_t pt_f2fs_bytes_used(const pt_f2fs_t *f);

/* Walks every name into s (the current volume).  PT_OK, or a fatal error
 * (case database, memory); damage is a volume or item problem. */
int pt_f2fs_walk(struct pt_scan *s, pt_f2fs_t *f, pt_err_t *err);

/* Opens inode number ino's content again (export, verify): fn and src
 * read it until the next call or pt_f2fs_close; *size is its size. */
int pt_f2fs_open_inode(pt_f2fs_t *f, uint64_t ino, pt_read_fn *fn, void **src, uint64_t *size, pt_err_t *err);

#endif
