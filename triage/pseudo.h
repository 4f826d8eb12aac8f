/* pseudo.h - path pseudonyms for private items (design: Privacy).
 *
 * A private item is named in court outputs only by HMAC-SHA256 of its
 * evidence, volume and path under a per-case key, so a later order can name
 * one item without revealing the others.  The key is 32 random bytes kept as
 * hex in OUTDIR/pseudonym.key (mode 0600); whoever holds it (the examiner)
 * can map a pseudonym back through case.db, nobody else can. */
#ifndef PT_PSEUDO_H
#define PT_PSEUDO_H

#include <stdint.h>
#include "err.h"

#define PT_PSEUDO_KEY_FILE "pseudonym.key"
#define PT_PSEUDO_LEN 23   /* "P-" + 20 hex digits (80 bits) + NUL */

typedef struct pt_pseudo_key {
    uint8_t k[32];
} pt_pseudo_key_t;

/* Creates OUTDIR/pseudonym.key with a fresh random key (fails if present). */
int pt_pseudo_key_create(const char *outdir, pt_err_t *err);
/* Loads the key of OUTDIR.  PT_ENOENT when the case has none. */
int pt_pseudo_key_load(const char *outdir, pt_pseudo_key_t *key, pt_err_t *err);
/* Writes "P-" and 20 hex digits into out (PT_PSEUDO_LEN bytes). */
void pt_pseudo_name(const pt_pseudo_key_t *key, const char *evidence, const char *volume, const char *path,
                    char out[PT_PSEUDO_LEN]);

#endif
