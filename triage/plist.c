/* plist.c - property-list strings.  XML: the <string> after <key>KEY</key>
 * (inside an <array> or not), five entities decoded.  Binary (bplist00):
 * the trailer, the offset table and the top dictionary, each reference
 * bounded.  Owns nothing. */
#include "plist.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEPTH_MAX 2 /* a dictionary value, and the first element of an array */

static void put(char *out, size_t size, size_t *o, unsigned char c)
{
    if (c >= 0x20 && c != 0x7f && *o + 1 < size)
        out[(*o)++] = (char)c;
}

/* ---- XML ---- */

static const char *skip_space(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
        p++;
    return p;
}

/* integer: the value must be an <integer> (its digits), else a <string> */
static int xml_string(const char *text, size_t len, const char *key, int integer, char *out, size_t size)
{
    static const struct { const char *ent; char c; } ents[] = {
        { "&amp;", '&' }, { "&lt;", '<' }, { "&gt;", '>' }, { "&quot;", '"' }, { "&apos;", '\'' } };
    char k[80];
    const char *p, *end = text + len, *s;
    size_t o = 0, e;

    if (snprintf(k, sizeof k, "<key>%s</key>", key) >= (int)sizeof k || !(p = memmem(text, len, k, strlen(k))))
        return 0;
    p = skip_space(p + strlen(k), end);
    if ((size_t)(end - p) >= 7 && memcmp(p, "<array>", 7) == 0)
        p = skip_space(p + 7, end);
    if (integer ? (size_t)(end - p) < 9 || memcmp(p, "<integer>", 9) != 0
                : (size_t)(end - p) < 8 || memcmp(p, "<string>", 8) != 0)
        return 0;
    p += integer; /* "<integer>" is one byte longer than "<string>" */
    for (s = p + 8; s < end && *s != '<'; s++) {
        char c = *s;
        for (e = 0; c == '&' && e < sizeof ents / sizeof ents[0]; e++) {
            size_t el = strlen(ents[e].ent);
            if ((size_t)(end - s) >= el && memcmp(s, ents[e].ent, el) == 0) {
                c = ents[e].c;
                s += el - 1;
                break;
            }
        }
        put(out, size, &o, (unsigned char)c);
    }
    out[o] = '\0';
    if (s >= end) { /* never closed: a truncated file */
        out[0] = '\0';
        return 0;
    }
    return o > 0;
}

/* ---- binary ---- */

typedef struct bp {
    const uint8_t *b;
    size_t len;
    unsigned off_size, ref_size;
    uint64_t n_objects, table;
} bp_t;

static uint64_t be(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;

    while (n--)
        v = v << 8 | *p++;
    return v;
}

/* The offset of object ref, or 0 (offset 0 is the header, never an object). */
static size_t object_at(const bp_t *p, uint64_t ref)
{
    uint64_t at, off;

    if (ref >= p->n_objects)
        return 0;
    at = p->table + ref * p->off_size;
    if (at + p->off_size > p->len - 32)
        return 0;
    off = be(p->b + at, p->off_size);
    return off >= 8 && off < p->table ? (size_t)off : 0;
}

/* The count of the object at off (its marker's low nibble, or the integer
 * after it) and where its content starts. */
static int count_of(const bp_t *p, size_t off, uint64_t *count, size_t *content)
{
    unsigned low = p->b[off] & 0x0f, n;

    if (low != 0x0f) {
        *count = low;
        *content = off + 1;
        return 1;
    }
    if (off + 2 > p->table || (p->b[off + 1] & 0xf0) != 0x10 || (n = 1u << (p->b[off + 1] & 0x0f)) > 8 ||
        off + 2 + n > p->table)
        return 0;
    *count = be(p->b + off + 2, n);
    *content = off + 2 + n;
    return 1;
}

/* Whether the object is the ASCII string key. */
static int is_key(const bp_t *p, size_t off, const char *key)
{
    uint64_t n;
    size_t c;

    return (p->b[off] & 0xf0) == 0x50 && count_of(p, off, &n, &c) && n == strlen(key) && c + n <= p->table &&
           memcmp(p->b + c, key, (size_t)n) == 0;
}

static int bp_string(const bp_t *p, size_t off, int depth, int integer, char *out, size_t size)
{
    uint64_t n, i;
    size_t c, o = 0;
    unsigned type = p->b[off] & 0xf0;

    if (!count_of(p, off, &n, &c))
        return 0;
    if (integer != (type == 0x10))
        return 0;
    if (type == 0x10 && (p->b[off] & 0x0f) <= 3 && (1u << (p->b[off] & 0x0f)) <= p->table - off - 1) {
        /* an integer of 1, 2, 4 or 8 bytes, written out in decimal */
        snprintf(out, size, "%llu", (unsigned long long)be(p->b + off + 1, 1u << (p->b[off] & 0x0f)));
        return 1;
    }
    if (type == 0x50 && n <= p->table - c) {          /* ASCII */
        for (i = 0; i < n; i++)
            put(out, size, &o, p->b[c + i]);
    } else if (type == 0x60 && n <= (p->table - c) / 2) { /* UTF-16BE, written out as UTF-8 (BMP) */
        for (i = 0; i < n; i++) {
            unsigned u = (unsigned)p->b[c + 2 * i] << 8 | p->b[c + 2 * i + 1];
            if (u < 0x80) {
                put(out, size, &o, (unsigned char)u);
            } else if (u >= 0xd800 && u < 0xe000) {
                put(out, size, &o, '?');              /* a surrogate half */
            } else if (o + 4 < size) {
                if (u < 0x800) {
                    out[o++] = (char)(0xc0 | u >> 6);
                } else {
                    out[o++] = (char)(0xe0 | u >> 12);
                    out[o++] = (char)(0x80 | (u >> 6 & 0x3f));
                }
                out[o++] = (char)(0x80 | (u & 0x3f));
            }
        }
    } else if (type == 0xa0 && depth < DEPTH_MAX && n > 0 && p->ref_size <= p->table - c) { /* array */
        size_t first = object_at(p, be(p->b + c, p->ref_size));
        return first ? bp_string(p, first, depth + 1, integer, out, size) : 0;
    } else {
        return 0;
    }
    out[o] = '\0';
    return o > 0;
}

/* The offset of key's value in the top-level dictionary of a binary plist
 * (p filled in), or 0. */
static size_t binary_value(const uint8_t *b, size_t len, const char *key, bp_t *p)
{
    const uint8_t *t;
    uint64_t n, i, top;
    size_t dict, c;

    if (len < 8 + 32 || memcmp(b, "bplist0", 7) != 0)
        return 0;
    t = b + len - 32;
    p->b = b;
    p->len = len;
    p->off_size = t[6];
    p->ref_size = t[7];
    p->n_objects = be(t + 8, 8);
    top = be(t + 16, 8);
    p->table = be(t + 24, 8);
    if (p->off_size < 1 || p->off_size > 8 || p->ref_size < 1 || p->ref_size > 8 || p->table < 9 ||
        p->table > len - 32 || p->n_objects > (len - 32 - p->table) / p->off_size)
        return 0;
    if (!(dict = object_at(p, top)) || (b[dict] & 0xf0) != 0xd0 || !count_of(p, dict, &n, &c) ||
        n > (p->table - c) / (2 * p->ref_size))
        return 0;
    for (i = 0; i < n; i++) {
        size_t k = object_at(p, be(b + c + i * p->ref_size, p->ref_size));
        if (k && is_key(p, k, key))
            return object_at(p, be(b + c + (n + i) * p->ref_size, p->ref_size));
    }
    return 0;
}

static int binary_string(const uint8_t *b, size_t len, const char *key, int integer, char *out, size_t size)
{
    bp_t p;
    size_t v = binary_value(b, len, key, &p);

    return v ? bp_string(&p, v, 0, integer, out, size) : 0;
}

int pt_plist_string(const uint8_t *buf, size_t len, const char *key, char *out, size_t size)
{
    if (size == 0)
        return 0;
    out[0] = '\0';
    if (binary_string(buf, len, key, 0, out, size))
        return 1;
    out[0] = '\0';
    return xml_string((const char *)buf, len, key, 0, out, size);
}

int pt_plist_integer(const uint8_t *buf, size_t len, const char *key, uint64_t *value)
{
    char d[24];
    char *end;

    if (!binary_string(buf, len, key, 1, d, sizeof d) && !xml_string((const char *)buf, len, key, 1, d, sizeof d))
        return 0;
    *value = strtoull(d, &end, 10);
    return *end == '\0' && d[0] >= '0' && d[0] <= '9';
}

int pt_plist_bool(const uint8_t *buf, size_t len, const char *key, int *value)
{
    char k[80];
    const char *p, *end = (const char *)buf + len;
    bp_t bp;
    size_t v = binary_value(buf, len, key, &bp);

    if (v) { /* 0x08 false, 0x09 true */
        if (buf[v] != 0x08 && buf[v] != 0x09)
            return 0;
        *value = buf[v] == 0x09;
        return 1;
    }
    if (snprintf(k, sizeof k, "<key>%s</key>", key) >= (int)sizeof k ||
        !(p = memmem(buf, len, k, strlen(k))))
        return 0;
    p = skip_space(p + strlen(k), end);
    if ((size_t)(end - p) >= 7 && memcmp(p, "<true/>", 7) == 0)
        return *value = 1, 1;
    if ((size_t)(end - p) >= 8 && memcmp(p, "<false/>", 8) == 0)
        return *value = 0, 1;
    return 0;
}
