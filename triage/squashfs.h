/* squashfs.h - SquashFS 4.0 filesystems, which The Sleuth Kit does not read:
 * Ubuntu's snaps, live and installer media, router and NAS firmware,
 * AppImages' payloads.  Read by ptriage from the on-disk format (the
 * kernel's fs/squashfs and squashfs-tools): the superblock, the id and
 * fragment tables, inodes and directories from their compressed metadata
 * blocks, and file content from its data blocks and fragments (gzip, LZMA,
 * LZO, XZ, LZ4 and zstd).  Read-only (there are no deleted files to find);
 * follows no link. */
#ifndef PT_SQUASHFS_H
#define PT_SQUASHFS_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "reader.h"

struct pt_scan;
typedef struct pt_squashfs pt_squashfs_t;

/* 1 when h (n bytes from the start of a volume or file) holds a SquashFS
 * 4.0 superblock that is plausible on its own. */
int pt_squashfs_is(const uint8_t *h, size_t n);

/* Opens the SquashFS of size bytes read through fn/src (which must outlive
 * it).  PT_OK, or PT_EFORMAT with the reason (PT_ENOMEM). */
int pt_squashfs_open(pt_read_fn fn, void *src, uint64_t size, pt_squashfs_t **out, pt_err_t *err);
void pt_squashfs_close(pt_squashfs_t *q);
/* "SquashFS 4.0, xz-compressed, 128 KiB blocks, ..." */
const char *pt_squashfs_describe(const pt_squashfs_t *q);
/* Bytes the filesystem occupies (the superblock's bytes_used). */
uint64_t pt_squashfs_bytes_used(const pt_squashfs_t *q);

/* Walks every name into s (the current volume).  PT_OK, or a fatal error
 * (case database, memory); damage is a volume or item problem. */
int pt_squashfs_walk(struct pt_scan *s, pt_squashfs_t *q, pt_err_t *err);

/* Opens inode number ino's content again (export, verify): fn and src read
 * it until the next call or pt_squashfs_close; *size is its size. */
int pt_squashfs_open_inode(pt_squashfs_t *q, uint64_t ino, pt_read_fn *fn, void **src, uint64_t *size,
                           pt_err_t *err);

#endif
