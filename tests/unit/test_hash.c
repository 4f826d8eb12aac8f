/* Unit tests for hash.c: known answers (FIPS 180 / RFC 1321), streaming. */
#include "hash.h"
#include "testlib.h"

static void known_answers(void)
{
    pt_err_t err = { 0, "" };
    pt_hash_t *h = pt_hash_new(PT_HASH_MD5 | PT_HASH_SHA1, &err);
    pt_hash_result_t r;

    T_CHECK(h != NULL);
    if (!h)
        return;
    T_CHECK(pt_hash_begin(h, &err) == PT_OK);
    pt_hash_update(h, "abc", 3);
    T_CHECK(pt_hash_end(h, &r, &err) == PT_OK);
    T_STREQ(r.sha256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    T_STREQ(r.md5, "900150983cd24fb0d6963f7d28e17f72");
    T_STREQ(r.sha1, "a9993e364706816aba3e25717850c26c9cd0d89d");
    /* reuse for the next item: empty input */
    T_CHECK(pt_hash_begin(h, &err) == PT_OK);
    T_CHECK(pt_hash_end(h, &r, &err) == PT_OK);
    T_STREQ(r.sha256, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    T_STREQ(r.md5, "d41d8cd98f00b204e9800998ecf8427e");
    pt_hash_free(h);
}

static void streaming_equals_one_shot(void)
{
    static unsigned char buf[1000003];
    pt_err_t err = { 0, "" };
    pt_hash_t *h = pt_hash_new(0, &err);
    pt_hash_result_t a, b;
    size_t i, off;

    for (i = 0; i < sizeof buf; i++)
        buf[i] = (unsigned char)(i * 2654435761u >> 13);
    pt_hash_begin(h, &err);
    pt_hash_update(h, buf, sizeof buf);
    pt_hash_end(h, &a, &err);
    pt_hash_begin(h, &err);
    for (off = 0; off < sizeof buf; off += 4093) {
        size_t n = sizeof buf - off < 4093 ? sizeof buf - off : 4093;
        pt_hash_update(h, buf + off, n);
    }
    pt_hash_end(h, &b, &err);
    T_STREQ(a.sha256, b.sha256);
    T_STREQ(a.md5, ""); /* not enabled */
    pt_hash_free(h);
}

static void parse_list(void)
{
    pt_err_t err = { 0, "" };
    unsigned m = 0;

    T_CHECK(pt_hash_parse_list("md5", &m, &err) == PT_OK);
    T_CHECK(m == (PT_HASH_MD5 | PT_HASH_SHA256));
    T_CHECK(pt_hash_parse_list("sha256,sha1,md5", &m, &err) == PT_OK);
    T_CHECK(m == (PT_HASH_MD5 | PT_HASH_SHA1 | PT_HASH_SHA256));
    T_CHECK(pt_hash_parse_list("sha256,crc32", &m, &err) == PT_EINVAL);
    T_CHECK(strstr(err.msg, "crc32") != NULL);
    T_CHECK(pt_hash_parse_list("md", &m, &err) == PT_EINVAL);
}

static void unhex(void)
{
    uint8_t out[4] = { 0 };

    T_CHECK(pt_hash_unhex("00fFa5C3", 4, out));
    T_CHECK(out[0] == 0x00 && out[1] == 0xff && out[2] == 0xa5 && out[3] == 0xc3);
    T_CHECK(!pt_hash_unhex("00fg", 2, out));
    T_CHECK(!pt_hash_unhex("0 12", 2, out));
    T_CHECK(pt_hash_unhex("", 0, out));
}

int main(void)
{
    T_RUN(known_answers);
    T_RUN(streaming_equals_one_shot);
    T_RUN(parse_list);
    T_RUN(unhex);
    return t_done();
}
