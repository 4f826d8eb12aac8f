/* xfs.h - XFS filesystems, which The Sleuth Kit 4.11 does not read, through
 * Debian's libfsxfs: every allocated name from the root, with its inode,
 * times, owner and mode, and each regular file's content streamed through
 * the reader.  libfsxfs lists no deleted names; the volume says so.  Reads
 * through a libbfio handle over any pt_read_fn (a partition, a logical
 * volume, a decrypted LUKS volume); never writes, follows no link. */
#ifndef PT_XFS_H
#define PT_XFS_H

#include <stdint.h>

#include "err.h"
#include "reader.h"

struct pt_scan;
typedef struct pt_xfs pt_xfs_t;

/* Opens the XFS filesystem of size bytes read through fn/src (which must
 * outlive it).  PT_OK or PT_EFORMAT with the library's reason. */
int pt_xfs_open(pt_read_fn fn, void *src, uint64_t size, pt_xfs_t **out, pt_err_t *err);
void pt_xfs_close(pt_xfs_t *x);
/* "XFS version 5, label ..." */
const char *pt_xfs_describe(const pt_xfs_t *x);

/* Walks every name into s (the current volume).  PT_OK, or a fatal error
 * (case database); damaged directories are volume problems. */
int pt_xfs_walk(struct pt_scan *s, pt_xfs_t *x, pt_err_t *err);

/* Opens an inode's content again (export, verify): fn and src read it until the
 * next call or pt_xfs_close, *size is its size. */
int pt_xfs_open_inode(pt_xfs_t *x, uint64_t inode, pt_read_fn *fn, void **src, uint64_t *size, pt_err_t *err);

#endif
