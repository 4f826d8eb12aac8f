/* Unit tests for mbox.c: what starts a mailbox, the split into messages
 * against a reference split of the whole buffer at once (a 3 MiB mailbox
 * read in short pieces, with lines longer than the reader's buffer), short
 * and failing reads, member names, and Date: fields against Python's
 * email.utils. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mbox.h"
#include "testlib.h"

#define MAXMSG 65536

typedef struct got {
    pt_mbox_msg_t m[MAXMSG];
    size_t n;
} got_t;

static int collect(void *arg, const pt_mbox_msg_t *m, pt_err_t *err)
{
    got_t *g = arg;

    (void)err;
    if (g->n < MAXMSG)
        g->m[g->n] = *m;
    g->n++;
    return PT_OK;
}

typedef struct src {
    const uint8_t *p;
    size_t n;        /* bytes there really are */
    size_t piece;    /* at most this many per call */
    size_t fail_at;  /* a read reaching this offset fails (SIZE_MAX: never) */
} src_t;

static ssize_t rd(void *s, uint64_t off, uint8_t *buf, size_t len, pt_err_t *err)
{
    src_t *x = s;

    if (off + len > x->fail_at) {
        pt_err_set(err, PT_EIO, "unreadable sector");
        return -1;
    }
    if (off >= x->n)
        return 0;
    if (len > x->n - off)
        len = x->n - (size_t)off;
    if (len > x->piece)
        len = x->piece;
    memcpy(buf, x->p + off, len);
    return (ssize_t)len;
}

static void starts(void)
{
    static const char *const yes[] = {
        "From alice@example.org Fri Jul  8 12:08:34 2011\nReturn-Path: <a@x>\n",
        "From MAILER-DAEMON Mon Jan  2 03:04:05 2023\r\nReceived: from x\r\n",
        "From - Tue Nov 11 11:11:11 1999\nX-Mozilla-Status: 0001\n", /* Thunderbird's */
    };
    static const char *const no[] = {
        "From the desk of the director\nDear: all\n",                 /* no time, no year */
        "From alice@example.org Fri Jul  8 12:08:34 2011\n\nbody\n",  /* no header field */
        "From alice@example.org Fri Jul  8 12:08:34 2011",            /* no line end */
        " From alice@example.org Fri Jul  8 12:08:34 2011\nA: b\n",
        "Received: from x\nFrom: a@x\n",                              /* a single message, not a mailbox */
    };
    size_t i;

    for (i = 0; i < sizeof yes / sizeof yes[0]; i++)
        T_CHECK(pt_mbox_looks_like((const uint8_t *)yes[i], strlen(yes[i])));
    for (i = 0; i < sizeof no / sizeof no[0]; i++)
        T_CHECK(!pt_mbox_looks_like((const uint8_t *)no[i], strlen(no[i])));
}

/* The reference: separators found on the whole buffer, line by line. */
static size_t reference(const uint8_t *p, size_t n, pt_mbox_msg_t *out, size_t max)
{
    size_t at = 0, k = 0;
    int prev_empty = 1;

    while (at < n) {
        const uint8_t *nl = memchr(p + at, '\n', n - at);
        size_t end = nl ? (size_t)(nl - p) : n, len = end - at;
        int sep = prev_empty && len >= 15 && len <= 1001 && memcmp(p + at, "From ", 5) == 0 &&
                  memmem(p + at, len, " 2011", 5) != NULL && memmem(p + at, len, ":", 1) != NULL;
        if (sep) {
            if (k > 0 && k <= max)
                out[k - 1].len = at - out[k - 1].off;
            if (k < max)
                out[k] = (pt_mbox_msg_t){ k + 1, end + 1, 0 };
            k++;
        }
        prev_empty = len == 0 || (len == 1 && p[at] == '\r');
        at = end + 1;
    }
    if (k > 0 && k <= max)
        out[k - 1].len = n > out[k - 1].off ? n - out[k - 1].off : 0;
    return k;
}

static void split_matches_reference(void)
{
    size_t cap = 3u << 20, n = 0, i, k;
    uint8_t *p = malloc(cap + 4096);
    static pt_mbox_msg_t want[MAXMSG];
    static got_t g;
    uint64_t x = 7, consumed = 0;
    pt_err_t err = { 0, "" };
    src_t s;
    int ok = 1;

    while (n < cap) {
        unsigned kind = (unsigned)((x = x * 6364136223846793005ull + 1442695040888963407ull) >> 59);
        n += (size_t)sprintf((char *)p + n, "From a%u@example.org Fri Jul  8 12:08:%02u 2011%s\nSubject: %u\n\n",
                             kind, kind % 60, kind & 1 ? "\r" : "", kind);
        if (kind == 3 && n + (1536u << 10) < cap) { /* a line longer than the reader's 1 MiB buffer */
            memset(p + n, 'x', 1536u << 10);
            n += 1536u << 10;
            p[n++] = '\n';
        }
        n += (size_t)sprintf((char *)p + n, "body %u\n>From the escaped line 12:00 2011\nFrom inside 12:00 2011\n\n",
                             kind);
    }
    k = reference(p, n, want, MAXMSG);
    T_CHECK(k > 1000 && k < MAXMSG);
    s = (src_t){ p, n, 4093, SIZE_MAX };
    g.n = 0;
    T_CHECK(pt_mbox_split(rd, &s, n, collect, &g, &consumed, &err) == PT_OK);
    T_CHECK(g.n == k);
    for (i = 0; i < k && i < g.n; i++)
        if (g.m[i].index != want[i].index || g.m[i].off != want[i].off || g.m[i].len != want[i].len)
            ok = 0;
    T_CHECK(ok);
    T_CHECK(consumed == n);

    /* the content ends before its recorded size: the last message ends there */
    g.n = 0;
    s.piece = 1u << 20;
    T_CHECK(pt_mbox_split(rd, &s, n + 5000, collect, &g, NULL, &err) == PT_OK);
    T_CHECK(g.n == k && g.m[k - 1].off + g.m[k - 1].len == n);
    /* an unreadable sector: the messages before it, then the error */
    g.n = 0;
    s.fail_at = n / 2;
    T_CHECK(pt_mbox_split(rd, &s, n, collect, &g, NULL, &err) == PT_EIO);
    T_CHECK(g.n > 0 && g.n < k && strstr(err.msg, "unreadable"));
    /* not a mailbox */
    g.n = 0;
    s = (src_t){ (const uint8_t *)"hello\nFrom a@x Fri Jul  8 12:08:34 2011\n", 40, 100, SIZE_MAX };
    T_CHECK(pt_mbox_split(rd, &s, 40, collect, &g, NULL, &err) == PT_EFORMAT && g.n == 0);
    free(p);
}

static void names(void)
{
    char b[32];
    uint64_t v = 0;

    pt_mbox_name(42, b, sizeof b);
    T_STREQ(b, "000042.eml");
    T_CHECK(pt_mbox_index(b, &v) && v == 42);
    T_CHECK(pt_mbox_index("1234567.eml", &v) && v == 1234567);
    T_CHECK(!pt_mbox_index("42.eml", &v));
    T_CHECK(!pt_mbox_index("0000042.eml", &v));
    T_CHECK(!pt_mbox_index("000000.eml", &v));
    T_CHECK(!pt_mbox_index("000042.eml/x", &v));
    T_CHECK(!pt_mbox_index("", &v));
}

static int date(const char *msg, int64_t *sec)
{
    return pt_mbox_date((const uint8_t *)msg, strlen(msg), sec);
}

static void dates(void)
{
    int64_t t = -1;

    /* expected values: email.utils.mktime_tz(parsedate_tz(...)) */
    T_CHECK(date("From: a\nDate: Fri, 08 Jul 2011 12:08:34 +0200\n\nx", &t) && t == 1310119714);
    T_CHECK(date("date: Sat, 9 Jul 11 10:00 EST\r\n\r\n", &t) && t == 1310223600);
    T_CHECK(date("Date:10 Jul 2011 09:00:00 -0000", &t) && t == 1310288400);
    T_CHECK(date("Date: Mon, 29 Feb 2016 23:59:60 -0930\n", &t) && t == 1456824600);
    T_CHECK(date("Date: Thu, 1 Jan 1970 00:00:00 GMT\n", &t) && t == 0);
    T_CHECK(!date("Subject: x\n\nDate: Fri, 08 Jul 2011 12:08:34 +0200\n", &t)); /* in the body */
    T_CHECK(!date("Date: yesterday\n", &t));
    T_CHECK(!date("Date: 08 Jly 2011 12:08:34 +0200\n", &t));
    T_CHECK(!date("Date: 08 Jul 2011 12:08:34 +0260\n", &t));
    T_CHECK(!date("Date: 32 Jul 2011 12:08:34 +0200\n", &t));
    T_CHECK(!date("Date: 08 Jul 2011 25:08:34 +0200\n", &t));
    T_CHECK(!date("Date: 08 Jul", &t));
    T_CHECK(!date("", &t));
}

int main(void)
{
    T_RUN(starts);
    T_RUN(split_matches_reference);
    T_RUN(names);
    T_RUN(dates);
    return t_done();
}
