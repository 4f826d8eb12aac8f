/* typer.h - the type-and-classify stage: libmagic on the head buffer, then
 * the encryption verdict, run in a pool of worker threads while the main
 * thread goes on reading and hashing.  Results come back strictly in
 * submission order, so item ids and every report are the same whatever the
 * number of threads.
 *
 * libmagic 5.44 costs about 1 ms per text file; on a text-heavy disk it is
 * most of the scan's time, which is why this stage runs beside the reader. */
#ifndef PT_TYPER_H
#define PT_TYPER_H

#include <stddef.h>
#include <stdint.h>
#include "err.h"
#include "decide.h"
#include "item.h"
#include "scope.h"

typedef struct pt_typer pt_typer_t;

#define PT_TYPER_QUEUE 512  /* items in flight (heads and tails: 64 MiB at most; contents
                                 for the rules are bounded apart) */

/* threads <= 1: no threads, every item is typed inside submit.  With rules,
 * each worker runs the scope rules; with a policy, each item gets its
 * disposition (both may be NULL; both are borrowed). */
pt_typer_t *pt_typer_new(int threads, pt_rules_t *rules, const pt_policy_t *policy, int timeout_s,
                         pt_err_t *err);
void pt_typer_free(pt_typer_t *t);

/* Items are no longer typed or classified (libmagic, format detectors,
 * decoders): a hash-only scan.  Dispositions are still decided. */
void pt_typer_hash_only(pt_typer_t *t);

/* Gives each worker a hasher for mask: items the reader deferred
 * (hash_deferred) are hashed and measured there.  PT_OK or PT_ENOMEM/ELIB. */
int pt_typer_hash_in_workers(pt_typer_t *t, unsigned mask, pt_err_t *err);

/* Queues a copy of it (path and link target copied; head and tail copied when
 * it->sampled; the matches in pre are copied, and the item is then not
 * scanned again).  The caller collects with pt_typer_next before the queue
 * holds PT_TYPER_QUEUE items.  Returns PT_OK, PT_ENOMEM, or PT_EINVAL when
 * the queue is full. */
int pt_typer_submit(pt_typer_t *t, const pt_item_t *it, const uint8_t *head, size_t head_len,
                    const uint8_t *tail, size_t tail_len, uint8_t *content, size_t content_len,
                    const pt_scope_result_t *pre, pt_err_t *err);

/* Bytes of whole contents held by queued items (bounded by the caller). */
size_t pt_typer_inflight(pt_typer_t *t);

/* The oldest submitted item once it is typed (blocking when wait is set and
 * it is not ready yet), or NULL when nothing is ready (or nothing is queued).
 * The item, and *matches when not NULL, stay valid until the next call. */
const pt_item_t *pt_typer_next(pt_typer_t *t, int wait, const pt_scope_result_t **matches);

/* Over every worker: MIME types reused for identical content, and answers
 * asked of libmagic (see typecache.h).  Call when no item is in flight. */
void pt_typer_type_counts(pt_typer_t *t, unsigned long long *reused, unsigned long long *asked);

/* Items submitted and not yet returned by pt_typer_next. */
size_t pt_typer_pending(pt_typer_t *t);

#endif
