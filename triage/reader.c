/* reader.c - one pass over an item's bytes.  Owns the block buffer, the
 * hasher and the head/tail buffers; holds no evidence handle itself. */
#include "reader.h"

#include <inttypes.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "entropy.h"
#include "hash.h"

struct pt_reader {
    uint8_t *block;
    pt_hash_t *hash;
    pt_entropy_t ent;
    size_t head_len, tail_len;    /* of the last item */
    size_t collect_max;           /* keep whole contents up to this size */
    size_t defer_max;             /* ... and leave their hashing to a worker */
    int hist_only;                /* byte histogram only: no statistics for a verdict */
    int deferring;                /* the item being read is deferred */
    uint8_t *content;             /* the last item's content, when kept */
    size_t content_len;
    uint8_t head[PT_READER_HEAD]; /* first bytes of the item, for libmagic */
    uint8_t tail[PT_READER_TAIL]; /* last bytes (trailers: ZIP, 7z, PDF, DMG) */
};

pt_reader_t *pt_reader_new(unsigned hash_mask, pt_err_t *err)
{
    pt_reader_t *r = calloc(1, sizeof *r);

    if (!r || !(r->block = malloc(PT_READER_BLOCK))) {
        pt_err_set(err, PT_ENOMEM, "out of memory");
        free(r);
        return NULL;
    }
    if (!(r->hash = pt_hash_new(hash_mask, err))) {
        pt_reader_free(r);
        return NULL;
    }
    return r;
}

void pt_reader_free(pt_reader_t *r)
{
    if (!r)
        return;
    pt_hash_free(r->hash);
    free(r->content);
    free(r->block);
    free(r);
}

static int begin(pt_reader_t *r, pt_err_t *err)
{
    pt_entropy_init(&r->ent);
    r->ent.hist_only = r->hist_only;
    return pt_hash_begin(r->hash, err);
}

static void consume(pt_reader_t *r, const uint8_t *p, size_t n)
{
    if (r->deferring)
        return; /* whole in r->content: a worker hashes it */
    pt_hash_update_start(r->hash, p, n);
    pt_entropy_update(&r->ent, p, n);
    pt_hash_update_wait(r->hash);
}

/* Keeps the part of block [off, off+n) that falls in the item's last
 * PT_READER_TAIL bytes. */
/* The last PT_READER_TAIL bytes of a stream whose size is not known yet. */
static void roll_tail(pt_reader_t *r, uint64_t off, const uint8_t *p, size_t n)
{
    size_t have = off < PT_READER_TAIL ? (size_t)off : PT_READER_TAIL;

    if (n >= PT_READER_TAIL) {
        memcpy(r->tail, p + n - PT_READER_TAIL, PT_READER_TAIL);
    } else if (have + n <= PT_READER_TAIL) {
        memcpy(r->tail + have, p, n);
    } else {
        size_t shift = have + n - PT_READER_TAIL;
        memmove(r->tail, r->tail + shift, have - shift);
        memcpy(r->tail + have - shift, p, n);
    }
}

static void keep_tail(pt_reader_t *r, uint64_t size, uint64_t off, const uint8_t *p, size_t n)
{
    uint64_t start = size > PT_READER_TAIL ? size - PT_READER_TAIL : 0;

    if (off + n <= start)
        return;
    if (off < start) {
        p += start - off;
        n -= (size_t)(start - off);
        off = start;
    }
    if (off - start + n <= PT_READER_TAIL)
        memcpy(r->tail + (off - start), p, n);
}

/* The digests and statistics of a finished read into it.  Hashes only when
 * every byte was read, because a digest of a partial read would look like
 * the file's and is not. */
static void results(pt_item_t *it, const pt_hash_result_t *res, const pt_entropy_t *ent, int complete)
{
    if (complete) {
        it->hash = *res;
        it->content_read = 1;
        if (!ent->hist_only) {
            pt_entropy_stats(ent, &it->stats);
            it->has_stats = 1;
        }
    }
    it->has_entropy = it->bytes_read > 0 || complete;
    it->entropy = pt_entropy_shannon(ent);
}

static int finish(pt_reader_t *r, pt_item_t *it, size_t head_len, int complete, pt_err_t *err)
{
    pt_hash_result_t res;
    int rc = pt_hash_end(r->hash, &res, err);

    if (rc != PT_OK)
        return rc;
    if (r->deferring && complete) {
        it->content_read = 1;
        it->hash_deferred = 1;
    } else {
        results(it, &res, &r->ent, complete);
    }
    it->sampled = 1;
    r->head_len = head_len;
    r->tail_len = complete ? (size_t)(it->bytes_read < PT_READER_TAIL ? it->bytes_read : PT_READER_TAIL) : 0;
    return PT_OK;
}

void pt_reader_collect(pt_reader_t *r, size_t max)
{
    r->collect_max = max;
}

void pt_reader_defer(pt_reader_t *r, size_t max)
{
    r->defer_max = max;
}

void pt_reader_hist_only(pt_reader_t *r)
{
    r->hist_only = 1;
}

int pt_reader_digest(pt_hash_t *h, pt_item_t *it, const uint8_t *data, size_t len, int hist_only, pt_err_t *err)
{
    pt_entropy_t ent;
    pt_hash_result_t res;
    int rc;

    it->hash_deferred = 0;
    pt_entropy_init(&ent);
    ent.hist_only = hist_only;
    if ((rc = pt_hash_begin(h, err)) != PT_OK)
        return rc;
    pt_hash_update_start(h, data, len);
    pt_entropy_update(&ent, data, len);
    pt_hash_update_wait(h);
    if ((rc = pt_hash_end(h, &res, err)) != PT_OK)
        return rc;
    results(it, &res, &ent, 1);
    return PT_OK;
}

uint8_t *pt_reader_take_content(pt_reader_t *r, size_t *len)
{
    uint8_t *c = r->content;

    *len = r->content_len;
    r->content = NULL;
    r->content_len = 0;
    return c;
}

void pt_reader_sample(const pt_reader_t *r, const uint8_t **head, size_t *head_len, const uint8_t **tail,
                      size_t *tail_len)
{
    *head = r->head;
    *head_len = r->head_len;
    *tail = r->tail;
    *tail_len = r->tail_len;
}

/* The read loop's state, shared by the plain loop and driven reads. */
typedef struct pass {
    pt_reader_t *r;
    pt_item_t *it;
    pt_read_fn fn;
    void *src;
    uint64_t off;
    size_t head_len;
    int complete, failed;
    const uint8_t *pending;   /* first block, read before the driver starts */
    size_t pending_len;
} pass_t;

/* Reads, hashes and measures the next block.  1: data, 0: end, -1: error. */
static int next_block(pass_t *p, const uint8_t **data, size_t *len)
{
    pt_reader_t *r = p->r;
    pt_item_t *it = p->it;
    uint64_t left;
    size_t want;
    pt_err_t rerr = { 0, "" };
    ssize_t got;
    uint8_t *buf;

    if (p->pending) {
        *data = p->pending;
        *len = p->pending_len;
        p->pending = NULL;
        return 1;
    }
    if (it->read_limit && p->off >= it->read_limit && p->off < it->size) {
        p->complete = 0; /* stopped on purpose; the walker said why */
        return 0;
    }
    if (p->failed || p->off >= it->size)
        return p->failed ? -1 : 0;
    left = it->size - p->off;
    want = left < PT_READER_BLOCK ? (size_t)left : PT_READER_BLOCK;
    /* an item kept whole for the rules is read straight into its buffer */
    buf = r->content ? r->content + p->off : r->block;
    got = p->fn(p->src, p->off, buf, want, &rerr);
    if (got == 0 && it->size_unknown) { /* the end of a stream of unrecorded size */
        it->size = p->off;
        it->size_unknown = 0;
        return 0;
    }
    if (got <= 0) {
        char of[48];
        snprintf(of, sizeof of, it->size_unknown ? "an unrecorded size" : "%" PRIu64, it->size);
        pt_item_add_error(it, it->allocated == 0 ? "note" : "error", "%sread failed at offset %" PRIu64 " of %s: %s",
                          it->allocated == 0 ? "deleted, content not recoverable: " : "", p->off, of,
                          got == 0 ? "unexpected end of data" : rerr.msg);
        p->complete = 0;
        p->failed = 1;
        return -1;
    }
    if ((uint64_t)got > want)
        got = (ssize_t)want; /* a source never returns more than asked; be sure */
    if (p->head_len < sizeof r->head) {
        size_t c = sizeof r->head - p->head_len < (size_t)got ? sizeof r->head - p->head_len : (size_t)got;
        memcpy(r->head + p->head_len, buf, c);
        p->head_len += c;
    }
    consume(r, buf, (size_t)got);
    if (it->size_unknown)
        roll_tail(r, p->off, buf, (size_t)got);
    else
        keep_tail(r, it->size, p->off, buf, (size_t)got);
    p->off += (uint64_t)got;
    it->bytes_read = p->off;
    *data = buf;
    *len = (size_t)got;
    return 1;
}

static int pull_cb(void *ctx, const uint8_t **data, size_t *len)
{
    return next_block(ctx, data, len);
}

static int read_pass(pt_reader_t *r, pt_item_t *it, pt_read_fn fn, void *src, pt_driver_fn drv, void *drv_arg,
                     pt_err_t *err)
{
    pass_t p;
    const uint8_t *d;
    size_t n;
    int rc;

    memset(&p, 0, sizeof p);
    p.r = r;
    p.it = it;
    p.fn = fn;
    p.src = src;
    p.complete = 1;
    if ((rc = begin(r, err)) != PT_OK)
        return rc;
    free(r->content);
    r->content = NULL;
    r->content_len = 0;
    r->deferring = !drv && r->defer_max && !it->size_unknown && it->size <= r->defer_max && !it->read_limit;
    if (!drv && (r->collect_max || r->deferring) && !it->size_unknown &&
        (it->size <= r->collect_max || r->deferring) && !(r->content = malloc(it->size ? (size_t)it->size : 1))) {
        r->deferring = 0;
        return pt_err_set(err, PT_ENOMEM, "out of memory keeping an item of %llu bytes in memory",
                          (unsigned long long)it->size);
    }
    if (drv) {
        /* the driver sees the head first (type, format), then pulls */
        if (next_block(&p, &d, &n) == 1) {
            p.pending = d;
            p.pending_len = n;
        }
        drv(drv_arg, it, r->head, p.head_len, pull_cb, &p);
        p.pending = NULL;
    }
    while (next_block(&p, &d, &n) == 1)
        ;
    if (r->deferring && !p.complete) {
        /* a failed read: no hash, but the entropy of what was read, here */
        r->deferring = 0;
        consume(r, r->content, (size_t)p.off);
    }
    if (r->content && p.complete)
        r->content_len = (size_t)it->size;
    else if (r->content) {
        free(r->content);
        r->content = NULL;
    }
    rc = finish(r, it, p.head_len, p.complete, err);
    r->deferring = 0;
    return rc;
}

int pt_reader_read_item(pt_reader_t *r, pt_item_t *it, pt_read_fn fn, void *src, pt_err_t *err)
{
    return read_pass(r, it, fn, src, NULL, NULL, err);
}

int pt_reader_read_item_driven(pt_reader_t *r, pt_item_t *it, pt_read_fn fn, void *src, pt_driver_fn drv,
                               void *drv_arg, pt_err_t *err)
{
    return read_pass(r, it, fn, src, drv, drv_arg, err);
}

int pt_reader_read_buffer(pt_reader_t *r, pt_item_t *it, const uint8_t *buf, size_t len, pt_err_t *err)
{
    int rc = begin(r, err);

    if (rc != PT_OK)
        return rc;
    consume(r, buf, len);
    it->size = len;
    keep_tail(r, len, 0, buf, len);
    it->bytes_read = len;
    memcpy(r->head, buf, len < PT_READER_HEAD ? len : PT_READER_HEAD);
    return finish(r, it, len < PT_READER_HEAD ? len : PT_READER_HEAD, 1, err);
}

ssize_t pt_read_mem(void *src, uint64_t off, uint8_t *buf, size_t len, pt_err_t *err)
{
    const pt_mem_t *m = src;

    (void)err;
    if (off >= m->n)
        return 0;
    if (len > m->n - off)
        len = (size_t)(m->n - off);
    memcpy(buf, m->p + off, len);
    return (ssize_t)len;
}

ssize_t pt_read_range(void *src, uint64_t off, uint8_t *buf, size_t len, pt_err_t *err)
{
    pt_range_t *r = src;

    if (off >= r->len)
        return 0;
    if (len > r->len - off)
        len = (size_t)(r->len - off);
    return r->fn(r->src, r->off + off, buf, len, err);
}

int pt_read_exact(pt_read_fn fn, void *src, uint64_t off, uint8_t *buf, size_t len, pt_err_t *err)
{
    size_t done = 0;

    while (done < len) {
        ssize_t n = fn(src, off + done, buf + done, len - done, err);
        if (n < 0)
            return err && err->code ? err->code : PT_EIO;
        if (n == 0)
            return pt_err_set(err, PT_EIO, "content ends at byte %llu", (unsigned long long)(off + done));
        done += (size_t)n;
    }
    return PT_OK;
}

char *pt_read_alloc(pt_read_fn fn, void *src, size_t size, size_t *len)
{
    char *buf = malloc(size ? size : 1);
    pt_err_t e = { 0, "" };
    size_t done = 0;
    ssize_t n;

    while (buf && done < size && (n = fn(src, done, (uint8_t *)buf + done, size - done, &e)) > 0)
        done += (size_t)n;
    if (!buf || done == 0) {
        free(buf);
        return NULL;
    }
    *len = done;
    return buf;
}
