/* hash.h - streaming message digests (OpenSSL EVP) for one item at a time.
 *
 * A pt_hash_t holds one EVP context per enabled algorithm and is reused for
 * every item: begin, update (any number of blocks), end.  Algorithms are
 * chosen by a bit mask parsed from "sha256,md5,sha1".  SHA-256 is always on. */
#ifndef PT_HASH_H
#define PT_HASH_H

#include <stddef.h>
#include <stdint.h>
#include "err.h"

enum { PT_HASH_MD5 = 1u << 0, PT_HASH_SHA1 = 1u << 1, PT_HASH_SHA256 = 1u << 2 };

typedef struct pt_hash_result {
    char md5[33];     /* lower-case hex, "" when not computed */
    char sha1[41];
    char sha256[65];
} pt_hash_result_t;

typedef struct pt_hash pt_hash_t;

/* Parses a comma list of algorithm names into *mask (sha256 always added). */
int pt_hash_parse_list(const char *list, unsigned *mask, pt_err_t *err);

/* Returns a new hasher (caller frees with pt_hash_free) or NULL with err set. */
pt_hash_t *pt_hash_new(unsigned mask, pt_err_t *err);
void pt_hash_free(pt_hash_t *h);

int pt_hash_begin(pt_hash_t *h, pt_err_t *err);
void pt_hash_update(pt_hash_t *h, const void *data, size_t len);
/* The same in two halves, so that the caller can work on the block (the
 * byte statistics) while the helper thread hashes it: data must stay
 * unchanged until pt_hash_update_wait returns. */
void pt_hash_update_start(pt_hash_t *h, const void *data, size_t len);
void pt_hash_update_wait(pt_hash_t *h);
/* Finishes every digest into *out ("" for algorithms not enabled). */
int pt_hash_end(pt_hash_t *h, pt_hash_result_t *out, pt_err_t *err);

/* SHA-256 of a whole file of ours (rule files, outputs; never evidence,
 * which is read only through the reader) as lower-case hex into out.
 * Returns PT_OK or PT_EIO with err set. */
int pt_hash_file_sha256(const char *path, char out[65], pt_err_t *err);

/* SHA-256 of buf[0..len) as lower-case hex into out.  Returns PT_OK, or an
 * error with err set when OpenSSL cannot provide SHA-256. */
int pt_hash_buf_sha256(const void *buf, size_t len, char out[65], pt_err_t *err);

/* Decodes exactly 2*len hex digits (either case) of s into out[0..len).
 * Returns 1, or 0 on any other character. */
int pt_hash_unhex(const char *s, size_t len, uint8_t *out);

#endif
