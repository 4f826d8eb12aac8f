/* ext4ext.h - reading an ext4 file through its extent tree, for the files
 * libtsk 4.11 cannot read: every file whose extent tree is two or more
 * levels deep (a large, fragmented file: a busy server's logs, database
 * and VM images) fails in libtsk's run list ("fs_attr_add_run: ... No
 * filler entry for 0"), icat included.  The tree is walked from the
 * inode's i_block, which libtsk keeps in the file's metadata, through the
 * index and leaf blocks read from the filesystem; holes and uninitialized
 * extents read as zeros, as the kernel returns them. */
#ifndef PT_EXT4EXT_H
#define PT_EXT4EXT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <tsk/libtsk.h>

#include "err.h"

/* len bytes of file f at off through its extent tree: the bytes read (0 at
 * its end), -1 with err set when the tree is damaged, or -2 when f is not
 * an ext4 file mapped by extents. */
ssize_t pt_ext4ext_read(TSK_FS_FILE *f, uint64_t off, uint8_t *buf, size_t len, pt_err_t *err);

/* Calls fn(ctx, first, count) for each run of filesystem blocks that hold
 * f's content, in file order (holes and uninitialized extents are not
 * blocks of it); fn returns nonzero to stop.  Returns PT_OK (also when fn
 * stopped), an error code with err set when the tree is damaged, or -2
 * when f is not an ext4 file mapped by extents. */
int pt_ext4ext_map(TSK_FS_FILE *f, int (*fn)(void *ctx, uint64_t first, uint64_t count), void *ctx,
                   pt_err_t *err);

#endif
