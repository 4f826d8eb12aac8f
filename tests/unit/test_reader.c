/* Unit tests for reader.c: one pass, short reads, failures mid-file. */
#include <stdlib.h>

#include "reader.h"
#include "testlib.h"

typedef struct mem_src {
    const uint8_t *data;
    size_t size;
    size_t max_chunk;   /* return at most this much per call (short reads) */
    uint64_t fail_at;   /* fail any read at or past this offset */
    int calls;
} mem_src_t;

static ssize_t read_mem(void *p, uint64_t off, uint8_t *buf, size_t len, pt_err_t *err)
{
    mem_src_t *m = p;

    m->calls++;
    if (off >= m->fail_at)
        return pt_err_set(err, PT_EIO, "simulated bad sector"), -1;
    if (off >= m->size)
        return 0;
    if (len > m->size - off)
        len = m->size - off;
    if (len > m->max_chunk)
        len = m->max_chunk;
    memcpy(buf, m->data + off, len);
    return (ssize_t)len;
}

static uint8_t *make_data(size_t n)
{
    uint8_t *d = malloc(n);
    size_t i;
    for (i = 0; i < n; i++)
        d[i] = (uint8_t)(i * 7 + (i >> 9));
    return d;
}

static void stream_equals_buffer(void)
{
    size_t n = 3 * PT_READER_BLOCK + 12345;
    uint8_t *d = make_data(n);
    pt_err_t err = { 0, "" };
    pt_reader_t *r = pt_reader_new(PT_HASH_MD5, &err);
    mem_src_t m = { d, n, 100000, UINT64_MAX, 0 };
    pt_item_t a, b;

    T_CHECK(r != NULL);
    pt_item_init(&a);
    a.size = n;
    a.allocated = 1;
    T_CHECK(pt_reader_read_item(r, &a, read_mem, &m, &err) == PT_OK);
    pt_item_init(&b);
    T_CHECK(pt_reader_read_buffer(r, &b, d, n, &err) == PT_OK);
    T_CHECK(a.content_read && b.content_read);
    T_CHECK(a.bytes_read == n);
    T_STREQ(a.hash.sha256, b.hash.sha256);
    T_STREQ(a.hash.md5, b.hash.md5);
    T_NEAR(a.entropy, b.entropy, 1e-12);
    T_STREQ(a.error, "");
    pt_reader_free(r);
    free(d);
}

static void failure_mid_file(void)
{
    size_t n = 2 * PT_READER_BLOCK;
    uint8_t *d = make_data(n);
    pt_err_t err = { 0, "" };
    pt_reader_t *r = pt_reader_new(0, &err);
    mem_src_t m = { d, n, n, PT_READER_BLOCK, 0 };
    pt_item_t it;

    pt_item_init(&it);
    it.size = n;
    it.allocated = 1;
    T_CHECK(pt_reader_read_item(r, &it, read_mem, &m, &err) == PT_OK);
    T_CHECK(!it.content_read);
    T_STREQ(it.hash.sha256, ""); /* never the digest of a partial read */
    T_CHECK(it.bytes_read == PT_READER_BLOCK);
    T_CHECK(strstr(it.error, "offset 1048576") != NULL);
    T_CHECK(strstr(it.error, "simulated bad sector") != NULL);
    T_STREQ(it.error_severity, "error");
    pt_reader_free(r);
    free(d);
}

static void deleted_unreadable_is_a_note(void)
{
    pt_err_t err = { 0, "" };
    pt_reader_t *r = pt_reader_new(0, &err);
    mem_src_t m = { NULL, 0, 1, 0, 0 };
    pt_item_t it;

    pt_item_init(&it);
    it.size = 100;
    it.allocated = 0;
    T_CHECK(pt_reader_read_item(r, &it, read_mem, &m, &err) == PT_OK);
    T_STREQ(it.error_severity, "note");
    T_CHECK(strstr(it.error, "deleted") != NULL);
    pt_reader_free(r);
}

static void short_source_is_reported(void)
{
    uint8_t d[10] = "0123456789";
    pt_err_t err = { 0, "" };
    pt_reader_t *r = pt_reader_new(0, &err);
    mem_src_t m = { d, sizeof d, 4, UINT64_MAX, 0 };
    pt_item_t it;

    pt_item_init(&it);
    it.size = 20; /* metadata claims more than there is */
    it.allocated = 1;
    T_CHECK(pt_reader_read_item(r, &it, read_mem, &m, &err) == PT_OK);
    T_CHECK(!it.content_read);
    T_CHECK(it.bytes_read == 10);
    T_CHECK(strstr(it.error, "unexpected end") != NULL);
    T_CHECK(m.calls == 4); /* 4 + 4 + 2, then the 0 that ends it */
    pt_reader_free(r);
}

int main(void)
{
    T_RUN(stream_equals_buffer);
    T_RUN(failure_mid_file);
    T_RUN(deleted_unreadable_is_a_note);
    T_RUN(short_source_is_reported);
    return t_done();
}
