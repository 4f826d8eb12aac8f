/* Unit tests for plist.c: binary property lists written by Python's
 * plistlib (an independent writer), XML ones, and every truncation and
 * 50,000 random mutations of the binary one parsed without an overread
 * (run under valgrind by hand; ASan builds of the scan exercise it too). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "plist.h"
#include "testlib.h"

/* plistlib.dumps({"ProductBuildVersion": "23E214", "ProductName": "macOS",
 * "ProductVersion": "14.4", "names": ["\u00c5berg"]}, fmt=FMT_BINARY) */
static const uint8_t bin[] = {
    0x62, 0x70, 0x6c, 0x69, 0x73, 0x74, 0x30, 0x30, 0xd4, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x5f,
    0x10, 0x13, 0x50, 0x72, 0x6f, 0x64, 0x75, 0x63, 0x74, 0x42, 0x75, 0x69, 0x6c, 0x64, 0x56, 0x65, 0x72, 0x73,
    0x69, 0x6f, 0x6e, 0x5b, 0x50, 0x72, 0x6f, 0x64, 0x75, 0x63, 0x74, 0x4e, 0x61, 0x6d, 0x65, 0x5e, 0x50, 0x72,
    0x6f, 0x64, 0x75, 0x63, 0x74, 0x56, 0x65, 0x72, 0x73, 0x69, 0x6f, 0x6e, 0x55, 0x6e, 0x61, 0x6d, 0x65, 0x73,
    0x56, 0x32, 0x33, 0x45, 0x32, 0x31, 0x34, 0x55, 0x6d, 0x61, 0x63, 0x4f, 0x53, 0x54, 0x31, 0x34, 0x2e, 0x34,
    0xa1, 0x09, 0x65, 0x00, 0xc5, 0x00, 0x62, 0x00, 0x65, 0x00, 0x72, 0x00, 0x67, 0x08, 0x11, 0x27, 0x33, 0x42,
    0x48, 0x4f, 0x55, 0x5a, 0x5c, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x0a, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x67,
};

static int get(const void *b, size_t n, const char *key, char *out, size_t size)
{
    return pt_plist_string(b, n, key, out, size);
}

static void binary(void)
{
    char out[64];

    T_CHECK(get(bin, sizeof bin, "ProductName", out, sizeof out));
    T_STREQ(out, "macOS");
    T_CHECK(get(bin, sizeof bin, "ProductBuildVersion", out, sizeof out)); /* a key of 19 bytes: long count */
    T_STREQ(out, "23E214");
    T_CHECK(get(bin, sizeof bin, "names", out, sizeof out));               /* an array's first, UTF-16 */
    T_STREQ(out, "\xc3\x85" "berg");
    T_CHECK(!get(bin, sizeof bin, "Product", out, sizeof out));            /* a prefix is not the key */
    T_STREQ(out, "");
    T_CHECK(get(bin, sizeof bin, "ProductVersion", out, 3));               /* bounded */
    T_STREQ(out, "14");
    /* { "k": 256, "s": "x" }: objects at 8, 13, 15, 18, 20; offsets of one byte */
    static const uint8_t ints[] = {
        'b', 'p', 'l', 'i', 's', 't', '0', '0',
        0xd2, 1, 3, 2, 4,               /* dict of 2: keys 1, 3; values 2, 4 */
        0x51, 'k', 0x11, 0x01, 0x00,    /* "k", 256 (2 bytes) */
        0x51, 's', 0x51, 'x',           /* "s", "x" */
        8, 13, 15, 18, 20,              /* offset table at 22 */
        0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 22 };
    uint64_t v = 0;
    T_CHECK(pt_plist_integer(ints, sizeof ints, "k", &v) && v == 256);
    T_CHECK(!pt_plist_integer(ints, sizeof ints, "s", &v));
    T_CHECK(!get(ints, sizeof ints, "k", out, sizeof out));
    T_CHECK(get(ints, sizeof ints, "s", out, sizeof out));
    T_STREQ(out, "x");
}

static void xml(void)
{
    static const char x[] = "<plist><dict><key>name</key>\n\t<array>\n\t\t<string>alice &amp; bob</string>\n\t"
                            "</array><key>uid</key><integer>5</integer></dict></plist>";
    char out[64];

    T_CHECK(get(x, strlen(x), "name", out, sizeof out));
    T_STREQ(out, "alice & bob");
    T_CHECK(!get(x, strlen(x), "uid", out, sizeof out)); /* not a string */
    uint64_t v = 0;
    T_CHECK(pt_plist_integer((const uint8_t *)x, strlen(x), "uid", &v) && v == 5);
    T_CHECK(!pt_plist_integer((const uint8_t *)x, strlen(x), "name", &v)); /* not an integer */
    T_CHECK(!get(x, 40, "name", out, sizeof out));       /* cut inside the string */
    T_STREQ(out, "");
}

/* plistlib.dumps({"IsEncrypted": True, "No": False, "n": 1}, fmt=FMT_BINARY) */
static void booleans(void)
{
    static const uint8_t b[] = {
        0x62, 0x70, 0x6c, 0x69, 0x73, 0x74, 0x30, 0x30, 0xd3, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x5b, 0x49, 0x73,
        0x45, 0x6e, 0x63, 0x72, 0x79, 0x70, 0x74, 0x65, 0x64, 0x52, 0x4e, 0x6f, 0x51, 0x6e, 0x09, 0x08, 0x10, 0x01,
        0x08, 0x0f, 0x1b, 0x1e, 0x20, 0x21, 0x22, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x01, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x07, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x24 };
    static const char x[] = "<dict><key>IsEncrypted</key>\n\t<true/><key>No</key><false/><key>n</key>"
                            "<integer>1</integer></dict>";
    int v = -1;
    size_t n;

    T_CHECK(pt_plist_bool(b, sizeof b, "IsEncrypted", &v) && v == 1);
    T_CHECK(pt_plist_bool(b, sizeof b, "No", &v) && v == 0);
    T_CHECK(!pt_plist_bool(b, sizeof b, "n", &v));       /* an integer */
    T_CHECK(!pt_plist_bool(b, sizeof b, "Missing", &v));
    T_CHECK(pt_plist_bool((const uint8_t *)x, strlen(x), "IsEncrypted", &v) && v == 1);
    T_CHECK(pt_plist_bool((const uint8_t *)x, strlen(x), "No", &v) && v == 0);
    T_CHECK(!pt_plist_bool((const uint8_t *)x, strlen(x), "n", &v));
    for (n = 0; n < sizeof b; n++) { /* every truncation, in a buffer of exactly that size */
        uint8_t *t = malloc(n ? n : 1);
        memcpy(t, b, n);
        (void)pt_plist_bool(t, n, "IsEncrypted", &v);
        free(t);
    }
}

static void damage(void)
{
    uint8_t *b = malloc(sizeof bin);
    char out[16];
    unsigned seed = 7;
    size_t n;
    int k;

    for (n = 0; n < sizeof bin; n++) { /* every truncation, in a buffer of exactly that size */
        uint8_t *t = malloc(n ? n : 1);
        memcpy(t, bin, n);
        get(t, n, "names", out, sizeof out);
        T_CHECK(strlen(out) < sizeof out);
        free(t);
    }
    for (k = 0; k < 50000; k++) {
        memcpy(b, bin, sizeof bin);
        for (int j = 0; j < 1 + k % 3; j++) {
            seed = seed * 1103515245u + 12345u;
            b[(seed >> 8) % sizeof bin] = (uint8_t)(seed >> 20);
        }
        get(b, sizeof bin, k % 2 ? "names" : "ProductName", out, sizeof out);
        T_CHECK(strlen(out) < sizeof out);
    }
    free(b);
}

int main(void)
{
    T_RUN(binary);
    T_RUN(xml);
    T_RUN(booleans);
    T_RUN(damage);
    return t_done();
}
