/* text.c - UTF-8 checks, CSV field escaping, ISO 8601 times. */
#include "text.h"

#include <string.h>
#include <time.h>

/* Length of the well-formed UTF-8 sequence at s (n bytes left), or 0. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    size_t len, i;
    unsigned cp;

    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf) {
        len = 2;
        cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return len;
}

int pt_text_utf8_valid(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;

    while (i < n) {
        size_t l = utf8_seq(p + i, n - i);
        if (!l)
            return 0;
        i += l;
    }
    return 1;
}

int pt_text_has_control(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return 1;
    return 0;
}

enum { ESC_UTF8, ESC_LINE, ESC_MARKUP };

/* The one escaper: bytes that are not well-formed UTF-8 (and, for lines and
 * markup, control characters) become the visible text "\xNN"; for markup the
 * five HTML/XML metacharacters become entities.  XML 1.0 cannot carry most
 * control characters even as references, so they are never passed through. */
static int put_escaped(FILE *f, const char *s, int mode)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s), i = 0;
    int out = 0;

    while (i < n) {
        size_t l = utf8_seq(p + i, n - i);
        const char *ent = NULL;
        if (mode == ESC_MARKUP && l == 1) {
            switch (p[i]) {
            case '&': ent = "&amp;"; break;
            case '<': ent = "&lt;"; break;
            case '>': ent = "&gt;"; break;
            case '"': ent = "&quot;"; break;
            case '\'': ent = "&#39;"; break;
            default: break;
            }
        }
        if (ent) {
            if (fputs(ent, f) == EOF)
                return -1;
            out += (int)strlen(ent);
            i++;
        } else if (l && !(mode != ESC_UTF8 && (p[i] < 0x20 || p[i] == 0x7f))) {
            if (fwrite(p + i, 1, l, f) != l)
                return -1;
            out += (int)l;
            i += l;
        } else {
            if (fprintf(f, "\\x%02X", p[i]) < 0)
                return -1;
            out += 4;
            i++;
        }
    }
    return out;
}

int pt_text_put_utf8_escaped(FILE *f, const char *s)
{
    return put_escaped(f, s, ESC_UTF8);
}

int pt_text_put_line_escaped(FILE *f, const char *s)
{
    return put_escaped(f, s, ESC_LINE);
}

int pt_text_put_markup(FILE *f, const char *s)
{
    return s ? put_escaped(f, s, ESC_MARKUP) : 0;
}

int pt_text_put_csv_field(FILE *f, const char *s)
{
    const char *p;
    int formula;

    if (!s)
        return 0;
    /* A spreadsheet runs a cell that starts with = + - @ (or tab, CR) as a
     * formula; names come from the suspects' disks, so such a field is
     * written with a leading apostrophe, which spreadsheets show as text. */
    formula = s[0] != '\0' && strchr("=+-@\t\r", s[0]) != NULL;
    if (!formula && !strpbrk(s, ",\"\r\n"))
        return pt_text_put_utf8_escaped(f, s);
    if (fputs(formula ? "\"'" : "\"", f) == EOF)
        return -1;
    for (p = s; *p;) {
        const char *q = strchr(p, '"');
        size_t n = q ? (size_t)(q - p) : strlen(p);
        char chunk[4096];
        while (n > 0) {
            size_t c = n < sizeof chunk - 1 ? n : sizeof chunk - 1;
            /* escape at chunk edges would split a sequence: cut before a
             * continuation byte so each chunk holds whole characters */
            while (c > 0 && c < n && ((unsigned char)p[c] & 0xc0) == 0x80)
                c--;
            if (c == 0)
                c = n < sizeof chunk - 1 ? n : sizeof chunk - 1;
            memcpy(chunk, p, c);
            chunk[c] = '\0';
            if (pt_text_put_utf8_escaped(f, chunk) < 0)
                return -1;
            p += c;
            n -= c;
        }
        if (q) {
            if (fputs("\"\"", f) == EOF)
                return -1;
            p = q + 1;
        }
    }
    return fputc('"', f) == EOF ? -1 : 0;
}

/* fmt is checked at each call (the format attribute in text.h), not here */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
char *pt_text_utc(long long sec, const char *fmt, char *buf, size_t size)
{
    time_t t = (time_t)sec;
    struct tm tm;

    if (!gmtime_r(&t, &tm) || strftime(buf, size, fmt, &tm) == 0)
        buf[0] = '\0';
    return buf;
}
#pragma GCC diagnostic pop

char *pt_text_iso8601(long long sec, char *buf, size_t size)
{
    return pt_text_utc(sec, "%Y-%m-%dT%H:%M:%SZ", buf, size);
}

size_t pt_text_utf16_to_utf8(const unsigned char *p, size_t n, int big, char *out, size_t size)
{
    size_t i, k = 0;

    if (size == 0)
        return 0;
    for (i = 0; i + 1 < n; i += 2) {
        unsigned c = big ? (unsigned)(p[i] << 8 | p[i + 1]) : (unsigned)(p[i] | p[i + 1] << 8);
        if (c == 0)
            break;
        if (c < 0x20 || c == 0x7f || (c >= 0xd800 && c < 0xe000))
            c = '?';
        if (c < 0x80 && k + 1 < size) {
            out[k++] = (char)c;
        } else if (c >= 0x80 && c < 0x800 && k + 2 < size) {
            out[k++] = (char)(0xc0 | c >> 6);
            out[k++] = (char)(0x80 | (c & 0x3f));
        } else if (c >= 0x800 && k + 3 < size) {
            out[k++] = (char)(0xe0 | c >> 12);
            out[k++] = (char)(0x80 | ((c >> 6) & 0x3f));
            out[k++] = (char)(0x80 | (c & 0x3f));
        } else {
            break;
        }
    }
    out[k] = '\0';
    return k;
}
