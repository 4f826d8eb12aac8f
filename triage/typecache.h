/* typecache.h - libmagic's answers remembered by content, shared by the
 * worker threads.  libmagic's answer depends only on the bytes it is shown,
 * so an item whose whole content has the SHA-256 of one already typed, with
 * the same head length, gets that item's MIME type without asking again.
 * The servers of one case hold the same system files many times over, and
 * libmagic costs up to 2 ms per text file.
 *
 * A fixed table (direct-mapped on the digest, which is uniform), so memory
 * is bounded whatever the evidence: 40 bytes a slot, touched lazily.  Only a
 * SHA-256 of content read completely may stand for the bytes (never MD5). */
#ifndef PT_TYPECACHE_H
#define PT_TYPECACHE_H

#include <stddef.h>

typedef struct pt_typecache pt_typecache_t;

#define PT_TYPECACHE_SLOTS (1u << 20) /* 40 MiB of address space at most */

/* slots: a power of two.  NULL when out of memory. */
pt_typecache_t *pt_typecache_new(size_t slots);
void pt_typecache_free(pt_typecache_t *c);

/* 1 and the MIME type in mime when content (lower-case SHA-256 hex) with a
 * head of head_len bytes was typed before; 0 otherwise (also for a digest
 * that is not 64 hex digits).  Thread-safe. */
int pt_typecache_get(pt_typecache_t *c, const char *sha256_hex, size_t head_len, char *mime, size_t mime_size);

/* Remembers libmagic's answer (replacing what held the slot).  Thread-safe. */
void pt_typecache_put(pt_typecache_t *c, const char *sha256_hex, size_t head_len, const char *mime);

/* Answers found by pt_typecache_get, and answers remembered. */
void pt_typecache_counts(pt_typecache_t *c, unsigned long long *found, unsigned long long *put);

#endif
