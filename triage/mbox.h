/* mbox.h - the messages of a Unix mailbox (mbox, as Postfix, Dovecot,
 * Thunderbird and mutt write it), so that each message is an item of its
 * own ("inbox!/000042.eml") and a warrant for some accounts' e-mail takes
 * their messages, not the whole mailbox.
 *
 * A message starts at a "From " separator line (with a time and a year,
 * as "From alice@example.org Fri Jul  8 12:08:34 2011") at the start of the
 * file or after an empty line; its content is everything after that line
 * up to the next separator, byte for byte (">From " escapes are kept, so
 * that a message's hash is that of its bytes in the evidence).  Pure
 * functions over a pt_read_fn; owns no state beyond one call. */
#ifndef PT_MBOX_H
#define PT_MBOX_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "reader.h"

/* 1 when head starts like a mailbox: a separator line, then a header field. */
int pt_mbox_looks_like(const uint8_t *head, size_t len);

typedef struct pt_mbox_msg {
    uint64_t index;             /* 1 for the first message */
    uint64_t off, len;          /* the message, after its separator line */
} pt_mbox_msg_t;

/* Called for each message in order; anything but PT_OK stops the split and
 * is returned. */
typedef int (*pt_mbox_fn)(void *arg, const pt_mbox_msg_t *m, pt_err_t *err);

/* Splits the size bytes read by fn/src into messages, reading them once in
 * order; *consumed (may be NULL) follows the bytes read.  PT_OK, a read
 * error, or the callback's code. */
int pt_mbox_split(pt_read_fn fn, void *src, uint64_t size, pt_mbox_fn cb, void *arg, uint64_t *consumed,
                  pt_err_t *err);

/* A message's member name ("000001.eml") and back: 1 and *index when name
 * is one that pt_mbox_name writes. */
void pt_mbox_name(uint64_t index, char *out, size_t size);
int pt_mbox_index(const char *name, uint64_t *index);

/* The Date: field of a message's header block (RFC 5322, with the obsolete
 * zone names) as seconds since 1970 UTC: 1 and *sec, 0 when there is none
 * or it does not parse. */
int pt_mbox_date(const uint8_t *msg, size_t len, int64_t *sec);

#endif
