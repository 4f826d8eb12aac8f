/* Unit tests for text.c: UTF-8 validation, CSV fields, ISO 8601. */
#include <stdlib.h>

#include "testlib.h"
#include "text.h"

static char *capture(int (*fn)(FILE *, const char *), const char *s)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);

    fn(f, s);
    fclose(f);
    return buf;
}

static void utf8(void)
{
    T_CHECK(pt_text_utf8_valid("plain", 5));
    T_CHECK(pt_text_utf8_valid("r\xc3\xa9sum\xc3\xa9 \xe6\x97\xa5", 12));
    T_CHECK(pt_text_utf8_valid("\xf0\x9f\x98\x80", 4));        /* emoji */
    T_CHECK(!pt_text_utf8_valid("\xff", 1));
    T_CHECK(!pt_text_utf8_valid("\xc0\xaf", 2));                /* overlong '/' */
    T_CHECK(!pt_text_utf8_valid("\xed\xa0\x80", 3));            /* surrogate */
    T_CHECK(!pt_text_utf8_valid("\xe6\x97", 2));                /* truncated */
    T_CHECK(!pt_text_utf8_valid("\xf4\x90\x80\x80", 4));        /* > U+10FFFF */
    T_CHECK(pt_text_has_control("a\nb"));
    T_CHECK(pt_text_has_control("a\x7f"));
    T_CHECK(!pt_text_has_control("a b\xc3\xa9"));
}

static void csv_fields(void)
{
    char *s;

    s = capture(pt_text_put_csv_field, "plain");
    T_STREQ(s, "plain");
    free(s);
    s = capture(pt_text_put_csv_field, "a,b");
    T_STREQ(s, "\"a,b\"");
    free(s);
    s = capture(pt_text_put_csv_field, "quo\"te");
    T_STREQ(s, "\"quo\"\"te\"");
    free(s);
    s = capture(pt_text_put_csv_field, "new\nline");
    T_STREQ(s, "\"new\nline\"");
    free(s);
    s = capture(pt_text_put_csv_field, "<script>alert(1)</script>");
    T_STREQ(s, "<script>alert(1)</script>");
    free(s);
    s = capture(pt_text_put_csv_field, "bad-\xff\xfe-\xc3\xa9");
    T_STREQ(s, "bad-\\xFF\\xFE-\xc3\xa9");
    free(s);
    s = capture(pt_text_put_csv_field, "\"\xff\"");
    T_STREQ(s, "\"\"\"\\xFF\"\"\"");
    free(s);
    s = capture(pt_text_put_line_escaped, "a\nb\tc\xff");
    T_STREQ(s, "a\\x0Ab\\x09c\\xFF");
    free(s);
    /* spreadsheet formulas are neutralised, whatever else the field holds */
    s = capture(pt_text_put_csv_field, "=HYPERLINK(\"http://x\")");
    T_STREQ(s, "\"'=HYPERLINK(\"\"http://x\"\")\"");
    free(s);
    s = capture(pt_text_put_csv_field, "@SUM(A1)");
    T_STREQ(s, "\"'@SUM(A1)\"");
    free(s);
    s = capture(pt_text_put_csv_field, "+1");
    T_STREQ(s, "\"'+1\"");
    free(s);
    s = capture(pt_text_put_csv_field, "-x");
    T_STREQ(s, "\"'-x\"");
    free(s);
    s = capture(pt_text_put_csv_field, "\tcmd");
    T_STREQ(s, "\"'\tcmd\"");
    free(s);
    s = capture(pt_text_put_csv_field, "a=b");
    T_STREQ(s, "a=b");
    free(s);
}

static void markup(void)
{
    char *s;

    s = capture(pt_text_put_markup, "<script>alert(1)</script>");
    T_STREQ(s, "&lt;script&gt;alert(1)&lt;/script&gt;");
    free(s);
    s = capture(pt_text_put_markup, "\"><img src=x onerror='a()'>&");
    T_STREQ(s, "&quot;&gt;&lt;img src=x onerror=&#39;a()&#39;&gt;&amp;");
    free(s);
    s = capture(pt_text_put_markup, "nl\n\x01\xff\xc3\xa9");
    T_STREQ(s, "nl\\x0A\\x01\\xFF\xc3\xa9");
    free(s);
}

static void long_field_with_multibyte_at_chunk_edge(void)
{
    /* a quoted field longer than the writer's internal chunk, with a
     * multi-byte character straddling the chunk edge */
    size_t n = 9000, i;
    char *in = malloc(n + 1), *out;

    for (i = 0; i < n; i += 2) {
        in[i] = (char)0xc3;
        in[i + 1] = (char)0xa9;
    }
    in[0] = ',';
    in[1] = 'x';
    in[n] = '\0';
    out = capture(pt_text_put_csv_field, in);
    T_CHECK(out && strlen(out) == n + 2);
    T_CHECK(out && strstr(out, "\\x") == NULL);
    free(in);
    free(out);
}

static void iso8601(void)
{
    char buf[32];

    T_STREQ(pt_text_iso8601(0, buf, sizeof buf), "1970-01-01T00:00:00Z");
    T_STREQ(pt_text_iso8601(1600000000, buf, sizeof buf), "2020-09-13T12:26:40Z");
    T_STREQ(pt_text_iso8601(-1, buf, sizeof buf), "1969-12-31T23:59:59Z");
}

static void utf16(void)
{
    /* "Dé€\x01" little-endian, then the same big-endian; a surrogate half; a full buffer */
    static const unsigned char le[] = { 'D', 0, 0xe9, 0, 0xac, 0x20, 0x01, 0, 0, 0, 'x', 0 };
    static const unsigned char be[] = { 0, 'D', 0, 0xe9, 0x20, 0xac, 0, 0x01 };
    static const unsigned char sur[] = { 0x3d, 0xd8, 'a', 0 };
    char out[16];

    T_CHECK(pt_text_utf16_to_utf8(le, sizeof le, 0, out, sizeof out) == 7);
    T_STREQ(out, "D\xc3\xa9\xe2\x82\xac?");
    T_CHECK(pt_text_utf16_to_utf8(be, sizeof be, 1, out, sizeof out) == 7);
    T_STREQ(out, "D\xc3\xa9\xe2\x82\xac?");
    pt_text_utf16_to_utf8(sur, sizeof sur, 0, out, sizeof out);
    T_STREQ(out, "?a");
    T_CHECK(pt_text_utf16_to_utf8(le, sizeof le, 0, out, 4) == 3); /* the euro sign does not fit: stop */
    T_STREQ(out, "D\xc3\xa9");
    T_CHECK(pt_text_utf16_to_utf8(le, 1, 0, out, sizeof out) == 0 && out[0] == '\0'); /* an odd byte */
}

int main(void)
{
    T_RUN(utf16);
    T_RUN(utf8);
    T_RUN(csv_fields);
    T_RUN(markup);
    T_RUN(long_field_with_multibyte_at_chunk_edge);
    T_RUN(iso8601);
    return t_done();
}
