/* hashset.h - known-file hash sets (known system files, known relevant files)
 * loaded from md5sum/sha1sum/sha256sum lists, hashdeep files, NSRL RDS
 * NSRLFile.txt and NSRL RDSv3 SQLite databases (their sha256 column), kept
 * as sorted arrays of binary digests for binary search.
 * Memory: 16, 20 or 32 bytes per entry (10 million MD5s = 160 MB). */
#ifndef PT_HASHSET_H
#define PT_HASHSET_H

#include <stddef.h>
#include <stdint.h>
#include "err.h"
#include "hash.h"

typedef struct pt_hashset pt_hashset_t;

/* Loads one file; the format is recognised from its first lines.  name is
 * the set's name in reasons (copied).  Returns PT_OK or PT_EFORMAT/PT_EIO
 * with "file:line: message". */
int pt_hashset_load(const char *path, const char *name, pt_hashset_t **out, pt_err_t *err);
void pt_hashset_free(pt_hashset_t *h);

/* PT_HASH_* bits of the digests the set holds (what items must compute). */
unsigned pt_hashset_needs(const pt_hashset_t *h);
/* Number of distinct digests. */
size_t pt_hashset_size(const pt_hashset_t *h);
const char *pt_hashset_name(const pt_hashset_t *h);
/* 1 when any of the item's digests is in the set. */
int pt_hashset_contains(const pt_hashset_t *h, const pt_hash_result_t *r);

#endif
