/* Unit tests for mime.c: what is a multipart message, which parts are
 * attachments and what they are called (RFC 2231 and 2047 names), their
 * decoding (base64 with line breaks and stray bytes, quoted-printable with
 * soft breaks), delimiters (CRLF, preamble, epilogue, a missing closing
 * one, "--boundary" inside a line), bounds (nesting past 16 levels,
 * 10,000 parts) and every truncation of a message read within bounds
 * (under ASan). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mime.h"
#include "testlib.h"

typedef struct seen {
    char names[16][256];
    char data[16][256];
    size_t lens[16];
    int n;
} seen_t;

static int collect(void *arg, const pt_mime_part_t *p, pt_err_t *err)
{
    seen_t *s = arg;
    uint8_t *d;
    size_t len;
    int rc = pt_mime_decode(p, &d, &len, err);

    if (rc != PT_OK)
        return rc;
    if (s->n < 16) {
        snprintf(s->names[s->n], sizeof s->names[0], "%s", p->name);
        memcpy(s->data[s->n], d, len < 255 ? len : 255);
        s->data[s->n][len < 255 ? len : 255] = '\0';
        s->lens[s->n] = len;
    }
    s->n++;
    free(d);
    return PT_OK;
}

static int parts(const char *msg, seen_t *s)
{
    pt_err_t err = { 0, "" };

    memset(s, 0, sizeof *s);
    return pt_mime_parts((const uint8_t *)msg, strlen(msg), collect, s, &err);
}

static const char msg[] =
    "From: alice@acme.example\r\n"
    "To: bob@example.org\r\n"
    "Subject: ledger\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed;\r\n"
    "\tboundary=\"==outer==\"\r\n"
    "\r\n"
    "This is the preamble.  --==outer== inside a line is no delimiter.\r\n"
    "--==outer==\r\n"
    "Content-Type: multipart/alternative; boundary=inner\r\n"
    "\r\n"
    "--inner\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "\r\n"
    "The body.\r\n"
    "--inner\r\n"
    "Content-Type: text/html\r\n"
    "\r\n"
    "<p>The body.</p>\r\n"
    "--inner--\r\n"
    "--==outer==\r\n"
    "Content-Type: application/pdf; name=\"ignored.pdf\"\r\n"
    "Content-Disposition: attachment; filename=\"ledger 2011.pdf\"\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "\r\n"
    "JVBERi0x\r\n"
    "LjQK*JSBs\r\n"
    "ZWRnZXI=\r\n"
    "--==outer==\r\n"
    "Content-Type: text/plain\r\n"
    "Content-Disposition: attachment;\r\n"
    " filename*=UTF-8''r%C3%A9sum%C3%A9.txt\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "caf=C3=A9 au lait, a very long line that is wrapped =\r\n"
    "here=3D there\r\n"
    "--==outer==\r\n"
    "Content-Type: image/png\r\n"
    "Content-Disposition: inline\r\n"
    "\r\n"
    "PNGDATA\r\n"
    "--==outer==\r\n"
    "Content-Type: application/octet-stream;\r\n"
    " name=\"=?UTF-8?B?w6lj?= =?UTF-8?Q?ole=2Fbin?=\"\r\n"
    "\r\n"
    "raw\r\n"
    "--==outer==\r\n"
    "Content-Disposition: attachment; filename*0=\"long\"; filename*1*=%20name.txt\r\n"
    "\r\n"
    "x\r\n"
    "--==outer==--\r\n"
    "The epilogue.\r\n";

static void attachments(void)
{
    seen_t s;

    T_CHECK(pt_mime_looks_like((const uint8_t *)msg, strlen(msg)));
    T_CHECK(parts(msg, &s) == PT_OK);
    T_CHECK(s.n == 5);
    T_STREQ(s.names[0], "1-ledger 2011.pdf"); /* Content-Disposition's filename before Content-Type's name */
    T_CHECK(s.lens[0] == 17 && memcmp(s.data[0], "%PDF-1.4\n% ledger", 17) == 0);
    T_STREQ(s.names[1], "2-r\xc3\xa9sum\xc3\xa9.txt");
    T_STREQ(s.data[1], "caf\xc3\xa9 au lait, a very long line that is wrapped here= there");
    T_STREQ(s.names[2], "3");                     /* inline image, no name */
    T_STREQ(s.data[2], "PNGDATA");
    T_STREQ(s.names[3], "4-\xc3\xa9" "cole_bin"); /* RFC 2047, '/' made harmless */
    T_STREQ(s.names[4], "5-long name.txt");       /* RFC 2231 continuations */
    T_STREQ(s.data[4], "x");
}

static void what_is_a_message(void)
{
    static const char *const no[] = {
        "From: a@x\nSubject: s\nContent-Type: text/plain\n\nhello\n",
        "From: a@x\nContent-Type: multipart/mixed\n\n--x\n\nhi\n--x--\n", /* no boundary */
        "Content-Type: multipart/mixed; boundary=x\n\n--x\n\nhi\n--x--\n",  /* a part, not a message */
        "From a@x Fri Jul  8 12:08:34 2011\nContent-Type: multipart/mixed; boundary=x\n\n",
        "\x89PNG\r\n\x1a\n\0\0\0\rIHDR.............................",
        "From: a@x\nContent-Type: multipart/mixed; boundary=x\n", /* the header block does not end */
    };
    size_t i;

    for (i = 0; i < sizeof no / sizeof no[0]; i++)
        T_CHECK(!pt_mime_looks_like((const uint8_t *)no[i], strlen(no[i])));
    {
        static const char caps[] = "Received: x\nCONTENT-TYPE: Multipart/Mixed; BOUNDARY=\"b\"\n\n";
        T_CHECK(pt_mime_looks_like((const uint8_t *)caps, strlen(caps)));
    }
}

static void delimiters(void)
{
    seen_t s;

    /* LF only, no closing delimiter: the last part runs to the end */
    T_CHECK(parts("From: a@x\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: application/x-y\n\n"
                  "one\n--b\nContent-Type: application/x-y\n\ntwo", &s) == PT_OK);
    T_CHECK(s.n == 2 && strcmp(s.data[0], "one") == 0 && strcmp(s.data[1], "two") == 0);
    /* "--b" followed by more text is not a delimiter; "--b  " with spaces is */
    T_CHECK(parts("From: a@x\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: application/x-y\n\n"
                  "--bx\n--b  \nContent-Type: application/x-y\n\nlast\n--b--\n", &s) == PT_OK);
    T_CHECK(s.n == 2 && strcmp(s.data[0], "--bx") == 0 && strcmp(s.data[1], "last") == 0);
    /* a part without headers is text, not an attachment; an empty body is one of zero bytes */
    T_CHECK(parts("From: a@x\nContent-Type: multipart/mixed; boundary=b\n\n--b\n\ntext\n--b\n"
                  "Content-Disposition: attachment; filename=e\n\n\n--b--\n", &s) == PT_OK);
    T_CHECK(s.n == 1 && s.lens[0] == 0 && strcmp(s.names[0], "1-e") == 0);
}

static void bounds(void)
{
    size_t cap = 4u << 20, n = 0;
    char *m = malloc(cap);
    seen_t s;
    int i;

    /* nested 40 levels: parts deeper than 16 are not walked */
    n = (size_t)sprintf(m, "From: a@x\nContent-Type: multipart/mixed; boundary=b0\n\n");
    for (i = 0; i < 40; i++)
        n += (size_t)sprintf(m + n, "--b%d\nContent-Type: multipart/mixed; boundary=b%d\n\n", i, i + 1);
    n += (size_t)sprintf(m + n, "--b40\nContent-Type: application/x-deep\n\ndeep\n");
    T_CHECK(parts(m, &s) == PT_OK && s.n == 0);
    /* 20,000 parts: 10,000 walked */
    n = (size_t)sprintf(m, "From: a@x\nContent-Type: multipart/mixed; boundary=b\n\n");
    for (i = 0; i < 20000; i++)
        n += (size_t)sprintf(m + n, "--b\nContent-Type: application/x-y\n\n%d\n", i);
    T_CHECK(parts(m, &s) == PT_OK && s.n == 10000);
    free(m);
}

/* Every prefix of the message, in a buffer of exactly that size (ASan
 * reports a read past it). */
static void truncations(void)
{
    size_t len = strlen(msg), i;
    seen_t s;
    pt_err_t err = { 0, "" };
    int ok = 1;

    for (i = 1; i <= len; i++) {
        uint8_t *q = malloc(i);
        memcpy(q, msg, i);
        memset(&s, 0, sizeof s);
        pt_mime_looks_like(q, i);
        if (pt_mime_parts(q, i, collect, &s, &err) != PT_OK || s.n > 5)
            ok = 0;
        free(q);
    }
    T_CHECK(ok && s.n == 5);
}

int main(void)
{
    T_RUN(attachments);
    T_RUN(what_is_a_message);
    T_RUN(delimiters);
    T_RUN(bounds);
    T_RUN(truncations);
    return t_done();
}
