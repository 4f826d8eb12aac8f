/* classify.h - the encryption verdict of one item, with its reason.
 *
 * The filesystem's own word comes first: NTFS EFS content is ciphertext.
 * Then three layers, in order: (1) structure: a known encrypted format recognised
 * by its header fields (crypto.h); (2) type: a format libmagic names with a
 * real signature explains high entropy (gzip, JPEG, ...); weak names that
 * libmagic gives to random bytes do not count; (3) statistics with decoder
 * elimination: `suspected` / `random-data` only when the content passes the
 * randomness tests for its size and no decoder explains it (decode.h).
 * Thresholds are in classify.c and docs/encryption.md. */
#ifndef PT_CLASSIFY_H
#define PT_CLASSIFY_H

#include "crypto.h"
#include "entropy.h"
#include "item.h"

/* Inputs gathered by the reader's single pass. */
typedef struct pt_classify_in {
    pt_crypto_view_t view;          /* head, tail, size */
    const pt_entropy_stats_t *stats; /* NULL when the content was not read completely */
    const char *mime;               /* libmagic's MIME type ("" when unknown) */
    int is_volume;                  /* a partition or whole image */
    int fs_encrypted;               /* PT_EFS_* bits from the filesystem (item.h) */
} pt_classify_in_t;

/* Sets it->encryption, it->encryption_format, it->encryption_reason and, for
 * encrypted or suspected items, it->category = "encrypted". */
void pt_classify(const pt_classify_in_t *in, pt_item_t *it);

#endif
