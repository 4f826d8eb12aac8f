/* freespace.h - what a filesystem's free space holds, as a profile, without
 * carving anything: blocks sampled evenly over the free blocks (or all of
 * them) and each counted as zero, text, random-looking (ciphertext, or
 * compressed data, which block-sized samples cannot tell apart),
 * high-entropy but not uniform, or other.  For the coverage ledger. */
#ifndef PT_FREESPACE_H
#define PT_FREESPACE_H

#include <stddef.h>
#include <stdint.h>
#include <tsk/libtsk.h>

typedef struct pt_free_profile {
    uint64_t sampled;               /* blocks classified */
    uint64_t zero, text, random, high, other;
    uint64_t unreadable;            /* sampled blocks libtsk could not read */
} pt_free_profile_t;

/* Classifies one block into p. */
void pt_freespace_classify(const uint8_t *b, size_t n, pt_free_profile_t *p);

/* Samples up to max_blocks of fs's free_blocks free blocks, evenly spaced
 * (all of them when max_blocks >= free_blocks), into p (zeroed first).
 * Reads only those blocks, read-only. */
void pt_freespace_profile(TSK_FS_INFO *fs, uint64_t free_blocks, uint64_t max_blocks, pt_free_profile_t *p);

#endif
