/* tskalloc.h - libtsk's allocator, bounded.  libtsk sizes some buffers from
 * on-disk fields and fills them: an ext4 inode flagged inline-data (whatever
 * the filesystem's features) gets a buffer of its claimed i_size, zeroed,
 * then copied into another.  A damaged 4 MiB image made it touch 3.7 GB; a
 * claim beyond the machine's memory would get the process killed.
 *
 * ptriage defines libtsk's exported tsk_malloc and tsk_realloc (libtsk calls
 * them through its PLT, so the executable's definitions win).  A request
 * above the bound fails as libtsk's out-of-memory error, which libtsk
 * reports on the file or volume.  The bound is PT_TSK_ALLOC_MAX, lowered to
 * the size of the largest evidence or image found in it that was opened
 * (but not under PT_TSK_ALLOC_MIN): no directory, bitmap or table that
 * libtsk reads can be larger than the disk holding it.  It is the
 * process's, as libtsk's allocator is. */
#ifndef PT_TSKALLOC_H
#define PT_TSKALLOC_H

#include <stddef.h>
#include <stdint.h>

/* A 1 GiB ext4 directory holds some 16 million names: nothing real reaches it. */
#define PT_TSK_ALLOC_MAX ((size_t)1 << 30)
#define PT_TSK_ALLOC_MIN ((size_t)64 << 20)

/* Evidence of size bytes is being read: the bound becomes at least
 * min(PT_TSK_ALLOC_MAX, max(PT_TSK_ALLOC_MIN, size)).  Thread-safe; the
 * bound never shrinks.  Until it is first called, the bound is
 * PT_TSK_ALLOC_MAX. */
void pt_tskalloc_evidence(uint64_t size);

/* The bound in force. */
size_t pt_tskalloc_bound(void);

void *tsk_malloc(size_t len);
void *tsk_realloc(void *ptr, size_t len);

#endif
