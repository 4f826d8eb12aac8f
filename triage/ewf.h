/* ewf.h - E01/Ex01 evidence through libewf, checked chunk by chunk.
 *
 * libtsk's own EWF layer hands libewf's output on without asking whether
 * a chunk failed its checksum, so a damaged chunk reads as zeros and
 * every hash over it is silently wrong.  This layer opens the segments
 * itself and fails each read that touches a damaged chunk, naming its
 * sectors; the damage then lands on the items it belongs to. */
#ifndef PT_EWF_H
#define PT_EWF_H

#include <stddef.h>
#include <stdint.h>
#include <tsk/libtsk.h>
#include "err.h"

/* 1 when head (the first len bytes of a file) starts like an EWF segment
 * (EVF, LVF, EVF2, LEF2).  The caller reads it: libewf's own check would
 * open the evidence without O_NOATIME. */
int pt_ewf_signature(const uint8_t *head, size_t len);

/* Opens path and its sibling segments (x.E02, ...) read-only as a libtsk
 * image (close with tsk_img_close).  *segments receives the number of
 * segment files found.  NULL with err set when libewf refuses them. */
TSK_IMG_INFO *pt_ewf_open(const char *path, int *segments, pt_err_t *err);

/* The same for an E01 found in a directory given as evidence: every
 * segment must be a regular file (not a symbolic link), so that the set
 * cannot reach outside the tree. */
TSK_IMG_INFO *pt_ewf_open_in_tree(const char *path, int *segments, pt_err_t *err);

/* 1 and *number for the first bytes of an EWF segment file: its segment
 * number (1 for x.E01, the one that opens the set). */
int pt_ewf_segment_number(const uint8_t *head, size_t len, unsigned *number);

/* How many reads of img were refused for a damaged chunk so far, and the
 * last chunk's description; 0 for an image not opened here. */
uint64_t pt_ewf_damaged_reads(TSK_IMG_INFO *img, char *last, size_t size);

/* 1 (and msg) when [off, off + len) of img overlaps a chunk known to be
 * damaged; 0 otherwise or for an image not opened here. */
int pt_ewf_range_damaged(TSK_IMG_INFO *img, uint64_t off, uint64_t len, char *msg, size_t size);

/* The damaged chunks libewf has seen so far, as one line; returns their
 * number (0: none, or not an EWF image). */
int pt_ewf_damage_summary(TSK_IMG_INFO *img, char *msg, size_t size);

#endif
