/* mime.h - the attachments of an e-mail message (MIME, RFC 2045-2049), so
 * that each is an item of its own ("msg.eml!/2-report.pdf"), decoded: its
 * hash is that of the file that was attached, the rules read its text, a
 * hash set can know it, and an encrypted attachment is seen.
 *
 * A message is expanded when its header block (RFC 5322 fields from its
 * first byte) declares a multipart Content-Type with a boundary.  Its
 * parts are walked, nested multiparts too; a leaf part is an attachment
 * when its Content-Disposition is "attachment", when it has a file name,
 * or when it is neither text nor multipart (an inline image, a forwarded
 * message/rfc822).  The message's own text stays in the message.  Pure
 * functions over a buffer; owns no state. */
#ifndef PT_MIME_H
#define PT_MIME_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* 1 when head (a message's first bytes) is a MIME multipart message. */
int pt_mime_looks_like(const uint8_t *head, size_t len);

enum { PT_MIME_IDENTITY, PT_MIME_BASE64, PT_MIME_QP };

typedef struct pt_mime_part {
    unsigned index;          /* 1 for the first attachment */
    char name[256];          /* member name: "2-report.pdf", or "2" without a file name */
    char type[128];          /* its Content-Type, lower case, without parameters */
    const uint8_t *body;     /* its body as sent (encoded), inside the message */
    size_t body_len;
    int encoding;            /* PT_MIME_* */
} pt_mime_part_t;

/* Calls cb for each attachment of the message msg (len bytes), in order;
 * anything but PT_OK from cb stops and is returned.  Bounded: 16 levels of
 * nesting, 10,000 parts. */
typedef int (*pt_mime_fn)(void *arg, const pt_mime_part_t *p, pt_err_t *err);
int pt_mime_parts(const uint8_t *msg, size_t len, pt_mime_fn cb, void *arg, pt_err_t *err);

/* The decoded bytes of a part, in a new buffer (caller frees); *out_len.
 * Base64 ignores what is not of its alphabet, as mail readers do. */
int pt_mime_decode(const pt_mime_part_t *p, uint8_t **out, size_t *out_len, pt_err_t *err);

#endif
