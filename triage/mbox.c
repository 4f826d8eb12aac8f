/* mbox.c - the messages of a Unix mailbox (mbox.h).  Owns, for one split,
 * one read buffer; reads only through the caller's read function. */
#include "mbox.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define BUF ((size_t)1 << 20)
#define SEP_MAX 1000 /* a separator line is short: an address and a date */

static int is_digit(uint8_t c)
{
    return c >= '0' && c <= '9';
}

/* "From " + an address + a date holding a time (h:mm) and a year, on one
 * line (n bytes, without its newline). */
static int is_separator(const uint8_t *p, size_t n)
{
    size_t i;
    int time = 0, year = 0;

    if (n > 0 && p[n - 1] == '\r')
        n--;
    if (n < 5 + 10 || n > SEP_MAX || memcmp(p, "From ", 5) != 0)
        return 0;
    for (i = 5; i + 3 < n && !time; i++)
        time = is_digit(p[i]) && p[i + 1] == ':' && is_digit(p[i + 2]) && is_digit(p[i + 3]);
    for (i = 5; i + 4 <= n && !year; i++)
        year = (p[i - 1] == ' ') && (p[i] == '1' || p[i] == '2') && is_digit(p[i + 1]) && is_digit(p[i + 2]) &&
               is_digit(p[i + 3]) && (i + 4 == n || !is_digit(p[i + 4]));
    return time && year;
}

int pt_mbox_looks_like(const uint8_t *h, size_t n)
{
    const uint8_t *nl;
    size_t i;

    if (n < 5 || memcmp(h, "From ", 5) != 0) /* most items: one comparison */
        return 0;
    nl = memchr(h, '\n', n < SEP_MAX + 2 ? n : SEP_MAX + 2);
    if (!nl || !is_separator(h, (size_t)(nl - h)))
        return 0;
    /* then a header field: a printable name and a colon */
    for (i = (size_t)(nl - h) + 1; i < n && h[i] > 32 && h[i] < 127 && h[i] != ':'; i++)
        ;
    return i < n && h[i] == ':' && i > (size_t)(nl - h) + 1;
}

/* The line reader of one split. */
typedef struct lines {
    pt_read_fn fn;
    void *src;
    uint64_t size, base;        /* buf[0] is byte base of the mailbox */
    uint8_t *buf;
    size_t have, cur;           /* bytes in buf; start of the next line */
} lines_t;

/* The next line as [*ls, *le) of buf (le at its newline or the end); 0 at
 * the end, -1 on a read error.  *longline: the line was longer than the
 * buffer and is given only by its last part (it is no separator). */
static int next_line(lines_t *l, size_t *ls, size_t *le, int *longline, pt_err_t *err)
{
    *longline = 0;
    for (;;) {
        const uint8_t *nl = l->cur < l->have ? memchr(l->buf + l->cur, '\n', l->have - l->cur) : NULL;
        ssize_t n;
        if (nl) {
            *ls = l->cur;
            *le = (size_t)(nl - l->buf);
            l->cur = *le + 1;
            return 1;
        }
        if (l->base + l->have >= l->size) { /* the last line, without a newline */
            if (l->cur >= l->have)
                return 0;
            *ls = l->cur;
            *le = l->have;
            l->cur = l->have;
            return 1;
        }
        if (l->cur == 0 && l->have == BUF) { /* a line longer than the buffer: drop what is read of it */
            l->base += l->have;
            l->have = 0;
            *longline = 1;
        } else {
            memmove(l->buf, l->buf + l->cur, l->have - l->cur);
            l->base += l->cur;
            l->have -= l->cur;
            l->cur = 0;
        }
        {
            uint64_t left = l->size - l->base - l->have;
            size_t want = BUF - l->have < left ? BUF - l->have : (size_t)left;
            n = l->fn(l->src, l->base + l->have, l->buf + l->have, want, err);
        }
        if (n < 0)
            return -1;
        if (n == 0)
            l->size = l->base + l->have; /* shorter than its recorded size: ends here */
        l->have += (size_t)n;
    }
}

int pt_mbox_split(pt_read_fn fn, void *src, uint64_t size, pt_mbox_fn cb, void *arg, uint64_t *consumed,
                  pt_err_t *err)
{
    lines_t l = { fn, src, size, 0, malloc(BUF), 0, 0 };
    pt_mbox_msg_t m = { 0, 0, 0 };
    size_t ls, le;
    int r, longline, prev_empty = 1, rc = PT_OK;

    if (!l.buf)
        return pt_err_set(err, PT_ENOMEM, "out of memory");
    while ((r = next_line(&l, &ls, &le, &longline, err)) > 0) {
        uint64_t at = l.base + ls;
        int empty = !longline && (le == ls || (le == ls + 1 && l.buf[ls] == '\r'));
        if (prev_empty && !longline && is_separator(l.buf + ls, le - ls)) {
            if (m.index > 0) {
                m.len = at - m.off;
                if ((rc = cb(arg, &m, err)) != PT_OK)
                    break;
            }
            m.index++;
            m.off = l.base + le + 1;
        } else if (m.index == 0) {
            rc = pt_err_set(err, PT_EFORMAT, "not a mailbox: its first line is no \"From \" separator");
            break;
        }
        prev_empty = empty;
        if (consumed)
            *consumed = l.base + l.cur;
    }
    if (r < 0)
        rc = PT_EIO;
    if (rc == PT_OK && m.index > 0) {
        m.len = l.size > m.off ? l.size - m.off : 0;
        rc = cb(arg, &m, err);
    }
    free(l.buf);
    return rc;
}

void pt_mbox_name(uint64_t index, char *out, size_t size)
{
    snprintf(out, size, "%06" PRIu64 ".eml", index);
}

int pt_mbox_index(const char *name, uint64_t *index)
{
    char back[32];
    uint64_t v = 0;
    const char *p = name;

    for (; is_digit((uint8_t)*p) && p - name < 20; p++)
        v = v * 10 + (uint64_t)(*p - '0');
    if (p == name || strcmp(p, ".eml") != 0 || v == 0)
        return 0;
    pt_mbox_name(v, back, sizeof back);
    if (strcmp(back, name) != 0)
        return 0;
    *index = v;
    return 1;
}

/* ---- Date: ---------------------------------------------------------------------------------- */

/* Days from 1970-01-01 to y-m-d of the proleptic Gregorian calendar. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    int64_t era;
    unsigned yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = (unsigned)(y - era * 400);
    doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static const char *skip_ws(const char *p, const char *e)
{
    while (p < e && (*p == ' ' || *p == '\t'))
        p++;
    return p;
}

static const char *number(const char *p, const char *e, int max_digits, int *v, int *digits)
{
    *v = 0;
    *digits = 0;
    while (p < e && is_digit((uint8_t)*p) && *digits < max_digits) {
        *v = *v * 10 + (*p++ - '0');
        ++*digits;
    }
    return p;
}

/* "Fri, 08 Jul 2011 12:08:34 +0200" (day name, seconds and zone optional;
 * two-digit years and the obsolete zone names of RFC 5322 4.3). */
static int parse_date(const char *p, const char *e, int64_t *sec)
{
    static const char months[] = "janfebmaraprmayjunjulaugsepoctnovdec";
    static const struct { const char *name; int hours; } zones[] = {
        { "UT", 0 }, { "UTC", 0 }, { "GMT", 0 }, { "Z", 0 }, { "EST", -5 }, { "EDT", -4 }, { "CST", -6 },
        { "CDT", -5 }, { "MST", -7 }, { "MDT", -6 }, { "PST", -8 }, { "PDT", -7 },
    };
    int day, year, hh, mm, ss = 0, n, mon = -1, zone = 0, i;
    char m3[4] = "";

    p = skip_ws(p, e);
    if (p < e && isalpha((unsigned char)*p)) { /* the day name */
        while (p < e && isalpha((unsigned char)*p))
            p++;
        p = skip_ws(p, e);
        if (p < e && *p == ',')
            p++;
        p = skip_ws(p, e);
    }
    p = number(p, e, 2, &day, &n);
    if (!n)
        return 0;
    p = skip_ws(p, e);
    for (i = 0; i < 3 && p < e && isalpha((unsigned char)*p); i++)
        m3[i] = (char)tolower((unsigned char)*p++);
    m3[i] = '\0';
    while (p < e && isalpha((unsigned char)*p))
        p++;
    for (i = 0; i < 12 && m3[2]; i++)
        if (memcmp(months + 3 * i, m3, 3) == 0)
            mon = i;
    if (mon < 0)
        return 0;
    p = number(skip_ws(p, e), e, 4, &year, &n);
    if (n < 2)
        return 0;
    if (n == 2)
        year += year < 50 ? 2000 : 1900;
    else if (n == 3)
        year += 1900;
    p = number(skip_ws(p, e), e, 2, &hh, &n);
    if (!n || p >= e || *p != ':')
        return 0;
    p = number(p + 1, e, 2, &mm, &n);
    if (n != 2)
        return 0;
    if (p < e && *p == ':') {
        p = number(p + 1, e, 2, &ss, &n);
        if (n != 2)
            return 0;
    }
    p = skip_ws(p, e);
    if (p < e && (*p == '+' || *p == '-')) {
        int z;
        const char *q = number(p + 1, e, 4, &z, &n);
        if (n != 4 || z % 100 >= 60)
            return 0;
        zone = (z / 100 * 3600 + z % 100 * 60) * (*p == '-' ? -1 : 1);
        p = q;
    } else {
        for (i = 0; i < (int)(sizeof zones / sizeof zones[0]); i++) {
            size_t zl = strlen(zones[i].name);
            if ((size_t)(e - p) >= zl && strncasecmp(p, zones[i].name, zl) == 0 &&
                ((size_t)(e - p) == zl || !isalpha((unsigned char)p[zl]))) {
                zone = zones[i].hours * 3600;
                break;
            }
        }
    }
    if (day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 60 || year < 1970 || year > 2200)
        return 0;
    *sec = days_from_civil(year, (unsigned)mon + 1, (unsigned)day) * 86400 + hh * 3600 + mm * 60 + ss - zone;
    return 1;
}

int pt_mbox_date(const uint8_t *msg, size_t len, int64_t *sec)
{
    const char *p = (const char *)msg, *e = p + len;

    while (p < e) {
        const char *nl = memchr(p, '\n', (size_t)(e - p)), *end = nl ? nl : e;
        if (end == p || (end == p + 1 && *p == '\r'))
            return 0; /* the empty line: the header block ends without a date */
        if (end - p > 5 && strncasecmp(p, "Date:", 5) == 0)
            return parse_date(p + 5, end > p && end[-1] == '\r' ? end - 1 : end, sec);
        if (!nl)
            return 0;
        p = nl + 1;
    }
    return 0;
}
