/* reader.h - the single read pass: streams an item's bytes once through the
 * hashes and the byte statistics, and keeps the head and tail buffers that
 * the type-and-classify stage (typer.h) works on.
 *
 * The reader owns one block buffer and the per-item analysis state, so
 * memory is bounded whatever the file size.  It does not know where bytes
 * come from: callers pass a read callback (libtsk file, partition, fd). */
#ifndef PT_READER_H
#define PT_READER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "err.h"
#include "hash.h"
#include "item.h"

typedef struct pt_reader pt_reader_t;

/* Reads up to len bytes at off into buf.  Returns bytes read (0 only at a
 * real end), or -1 with err set. */
typedef ssize_t (*pt_read_fn)(void *src, uint64_t off, uint8_t *buf, size_t len, pt_err_t *err);

/* Bytes already in memory as a source: pt_read_mem reads a pt_mem_t. */
typedef struct pt_mem {
    const uint8_t *p;
    size_t n;
} pt_mem_t;
ssize_t pt_read_mem(void *src, uint64_t off, uint8_t *buf, size_t len, pt_err_t *err);

/* Bytes [off, off + len) of another source as a source of their own (a
 * partition of a disk, a message of a mailbox): pt_read_range reads a
 * pt_range_t. */
typedef struct pt_range {
    pt_read_fn fn;
    void *src;
    uint64_t off, len;
} pt_range_t;
ssize_t pt_read_range(void *src, uint64_t off, uint8_t *buf, size_t len, pt_err_t *err);

/* Reads exactly len bytes at off through fn (short reads repeated).
 * PT_OK; PT_EIO with "ends at byte N" when the content is shorter; or the
 * read function's error. */
int pt_read_exact(pt_read_fn fn, void *src, uint64_t off, uint8_t *buf, size_t len, pt_err_t *err);
/* The first size bytes of fn/src in a new buffer (a small file the walkers
 * read whole: passwd, os-release), *len how many there were; NULL when
 * nothing could be read or out of memory. */
char *pt_read_alloc(pt_read_fn fn, void *src, size_t size, size_t *len);

#define PT_READER_BLOCK (1024 * 1024)  /* bytes per read call */
#define PT_READER_HEAD (64 * 1024)     /* bytes libmagic and the format detectors see */
#define PT_READER_TAIL (64 * 1024)     /* last bytes kept for trailers (ZIP, 7z, PDF) */

/* hash_mask: PT_HASH_* bits.  Returns NULL with err set on failure. */
pt_reader_t *pt_reader_new(unsigned hash_mask, pt_err_t *err);
void pt_reader_free(pt_reader_t *r);

/* Reads it->size bytes through fn (or, when it->size_unknown, everything
 * until fn returns 0, then sets it->size) and fills the item's content fields
 * (hash, entropy, stats, bytes_read, content_read, sampled).  A read
 * failure is recorded on the item (with its offset), not returned: the
 * return value is PT_OK or a failure of the reader itself (OpenSSL,
 * libmagic).  When the item is `deleted`, read failures are notes. */
int pt_reader_read_item(pt_reader_t *r, pt_item_t *it, pt_read_fn fn, void *src, pt_err_t *err);

/* For consumers that pull the bytes themselves (the scope rules' block
 * iterator): returns 1 with the next bytes (already hashed and measured),
 * 0 at the end, -1 on a read error (recorded on the item). */
typedef int (*pt_pull_fn)(void *ctx, const uint8_t **data, size_t *len);
/* Called once the head is known, to pull the rest through `pull`. */
typedef void (*pt_driver_fn)(void *arg, pt_item_t *it, const uint8_t *head, size_t head_len, pt_pull_fn pull,
                             void *pull_ctx);

/* As pt_reader_read_item, but a driver consumes the bytes as they are read
 * (still one read: every byte is hashed as it passes); whatever the driver
 * leaves unread is read afterwards. */
int pt_reader_read_item_driven(pt_reader_t *r, pt_item_t *it, pt_read_fn fn, void *src, pt_driver_fn drv,
                               void *drv_arg, pt_err_t *err);

/* Analyses bytes already in memory (unit tests, small synthesised items). */
int pt_reader_read_buffer(pt_reader_t *r, pt_item_t *it, const uint8_t *buf, size_t len, pt_err_t *err);

/* Keeps the whole content of items of at most max bytes (0: never), for
 * the scope rules; taken with pt_reader_take_content. */
void pt_reader_collect(pt_reader_t *r, size_t max);

/* Items of known size up to max bytes are read whole into memory and not
 * hashed or measured here: the item gets hash_deferred, and its content
 * (pt_reader_take_content) goes to a worker thread that calls
 * pt_reader_digest.  Spreads hashing over the cores; the byte order and
 * the results are those of a normal read.  0 turns it off. */
void pt_reader_defer(pt_reader_t *r, size_t max);

/* Hashes and measures a deferred item's content with h (the worker's own),
 * as the reader would have; clears hash_deferred. */
int pt_reader_digest(pt_hash_t *h, pt_item_t *it, const uint8_t *data, size_t len, int hist_only, pt_err_t *err);

/* Only the byte histogram (and so Shannon entropy) is kept, not the
 * statistics a verdict needs (has_stats stays 0): a hash-only scan. */
void pt_reader_hist_only(pt_reader_t *r);
/* Hands over the last item's whole content (malloc'd; caller frees), or
 * NULL when it was not collected (too large, unreadable, or not asked). */
uint8_t *pt_reader_take_content(pt_reader_t *r, size_t *len);

/* The head and tail kept for the last item read; valid until the next read.
 * The tail is empty unless the whole content was read. */
void pt_reader_sample(const pt_reader_t *r, const uint8_t **head, size_t *head_len, const uint8_t **tail,
                      size_t *tail_len);

#endif
