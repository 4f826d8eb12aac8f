/* erofs.h - EROFS filesystems, which The Sleuth Kit does not read: the
 * system, vendor and product partitions of Android 13 and later, container
 * image layers (composefs, Nydus), embedded firmware.  Read by ptriage from
 * the on-disk format (the kernel's fs/erofs and erofs-utils): the
 * superblock, compact and extended inodes addressed by their node number,
 * directories, and file content in every layout erofs-utils writes: flat,
 * flat with an inline tail, chunk-based, and LZ4-compressed (full and
 * compacted indexes, big physical clusters, 0-padding, inline tail
 * clusters).  Read-only (there are no deleted files to find); follows no
 * link.  Files that use what is not read (LZMA and DEFLATE clusters,
 * fragments packed in another inode, extra devices) are item errors naming
 * it. */
#ifndef PT_EROFS_H
#define PT_EROFS_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "reader.h"

struct pt_scan;
typedef struct pt_erofs pt_erofs_t;

/* 1 when h (n bytes from the start of a volume or file) holds an EROFS
 * superblock at 1024 that is plausible on its own. */
int pt_erofs_is(const uint8_t *h, size_t n);

/* Opens the EROFS of size bytes read through fn/src (which must outlive
 * it).  PT_OK, or PT_EFORMAT with the reason (PT_ENOMEM). */
int pt_erofs_open(pt_read_fn fn, void *src, uint64_t size, pt_erofs_t **out, pt_err_t *err);
void pt_erofs_close(pt_erofs_t *e);
/* "EROFS, 4096-byte blocks, 1,234 blocks, LZ4 ..." */
const char *pt_erofs_describe(const pt_erofs_t *e);
/* Bytes the filesystem occupies (its blocks). */
uint64_t pt_erofs_bytes_used(const pt_erofs_t *e);

/* Walks every name into s (the current volume).  PT_OK, or a fatal error
 * (case database, memory); damage is a volume or item problem. */
int pt_erofs_walk(struct pt_scan *s, pt_erofs_t *e, pt_err_t *err);

/* Opens node number nid's content again (export, verify): fn and src read
 * it until the next call or pt_erofs_close; *size is its size. */
int pt_erofs_open_inode(pt_erofs_t *e, uint64_t nid, pt_read_fn *fn, void **src, uint64_t *size, pt_err_t *err);

#endif
