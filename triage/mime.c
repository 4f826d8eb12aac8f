/* mime.c - the attachments of an e-mail message (mime.h).  Pure functions
 * over the message's bytes; the only memory it allocates is a decoded
 * part, owned by the caller. */
#include "mime.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_DEPTH 16
#define MAX_PARTS 10000
#define VALUE_MAX 2048

typedef struct hdrs {
    char ctype[VALUE_MAX], cte[64], disp[VALUE_MAX];
    size_t body;                /* offset of the body: after the empty line */
    int ended;                  /* the block ended (an empty line, or a line that is no field) */
    unsigned known;             /* fields a message has (From, To, Date, ...) */
} hdrs_t;

/* Appends a field's (unfolded) value to out, bounded. */
static void append(char *out, size_t size, const uint8_t *p, size_t n)
{
    size_t w = strlen(out), i;

    for (i = 0; i < n && w + 1 < size; i++)
        out[w++] = p[i] == '\t' || p[i] == '\r' ? ' ' : (char)p[i];
    out[w] = '\0';
}

/* The header block at p: the values wanted, where the body starts.
 * Returns 0 when the first line is not a header field. */
static int parse_headers(const uint8_t *p, size_t n, hdrs_t *h)
{
    static const char *const known[] = { "from", "to", "cc", "subject", "date", "message-id", "received",
                                         "return-path", "mime-version", "reply-to", "sender", NULL };
    char *cur = NULL;
    size_t cur_size = 0, i = 0;

    h->ctype[0] = h->cte[0] = h->disp[0] = '\0';
    h->known = 0;
    h->body = n;
    h->ended = 0;
    while (i < n) {
        const uint8_t *nl = memchr(p + i, '\n', n - i);
        size_t end = nl ? (size_t)(nl - p) : n, line = end - i, name = 0, k;
        if (line == 0 || (line == 1 && p[i] == '\r')) {
            h->body = nl ? end + 1 : n;
            h->ended = 1;
            return 1;
        }
        if (p[i] == ' ' || p[i] == '\t') { /* a folded continuation */
            if (i == 0)
                return 0;
            if (cur)
                append(cur, cur_size, p + i, line);
        } else {
            while (name < line && name < 77 && p[i + name] > 32 && p[i + name] < 127 && p[i + name] != ':')
                name++;
            if (name == 0 || name >= line || p[i + name] != ':') {
                if (i == 0)
                    return 0;
                h->body = i; /* not a field: the headers ended without their empty line */
                h->ended = 1;
                return 1;
            }
            cur = NULL;
            if (name == 12 && strncasecmp((const char *)p + i, "content-type", 12) == 0)
                cur = h->ctype, cur_size = sizeof h->ctype;
            else if (name == 25 && strncasecmp((const char *)p + i, "content-transfer-encoding", 25) == 0)
                cur = h->cte, cur_size = sizeof h->cte;
            else if (name == 19 && strncasecmp((const char *)p + i, "content-disposition", 19) == 0)
                cur = h->disp, cur_size = sizeof h->disp;
            for (k = 0; known[k]; k++)
                if (strlen(known[k]) == name && strncasecmp((const char *)p + i, known[k], name) == 0)
                    h->known++;
            if (cur) {
                cur[0] = '\0';
                append(cur, cur_size, p + i + name + 1, line - name - 1);
            }
        }
        i = end + 1;
    }
    return 1;
}

/* The value's first token (its type), lower case, spaces trimmed. */
static void first_token(const char *v, char *out, size_t size)
{
    size_t o = 0;

    while (*v == ' ')
        v++;
    for (; *v && *v != ';' && *v != ' ' && o + 1 < size; v++)
        out[o++] = (char)tolower((unsigned char)*v);
    out[o] = '\0';
}

/* A parameter's raw value (quotes removed); 1 when present. */
static int param(const char *v, const char *name, char *out, size_t size)
{
    size_t nl = strlen(name);
    const char *p = strchr(v, ';');

    while (p) {
        p++;
        while (*p == ' ')
            p++;
        if (strncasecmp(p, name, nl) == 0) {
            const char *q = p + nl;
            while (*q == ' ')
                q++;
            if (*q == '=') {
                size_t o = 0;
                q++;
                while (*q == ' ')
                    q++;
                if (*q == '"') {
                    for (q++; *q && *q != '"' && o + 1 < size; q++) {
                        if (*q == '\\' && q[1])
                            q++;
                        out[o++] = *q;
                    }
                } else {
                    for (; *q && *q != ';' && *q != ' ' && o + 1 < size; q++)
                        out[o++] = *q;
                }
                out[o] = '\0';
                return 1;
            }
        }
        p = strchr(p, ';');
    }
    return 0;
}

static int hexval(int c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* RFC 2231: charset'language'percent-encoded (the charset is not converted). */
static void rfc2231(char *s)
{
    char *q = strchr(s, '\''), *r, *w = s;

    if (q && (r = strchr(q + 1, '\'')) != NULL)
        q = r + 1;
    else
        q = s;
    for (; *q; q++) {
        if (*q == '%' && hexval(q[1]) >= 0 && hexval(q[2]) >= 0) {
            *w++ = (char)(hexval(q[1]) * 16 + hexval(q[2]));
            q += 2;
        } else {
            *w++ = *q;
        }
    }
    *w = '\0';
}

static int b64val(int c)
{
    return c >= 'A' && c <= 'Z' ? c - 'A' : c >= 'a' && c <= 'z' ? c - 'a' + 26 : c >= '0' && c <= '9' ? c - '0' + 52
           : c == '+' ? 62 : c == '/' ? 63 : -1;
}

/* RFC 2047 encoded words (=?charset?B|Q?text?=) decoded in place (the
 * charset is not converted); other text kept. */
static void rfc2047(char *s)
{
    char *r = s, *w = s;

    while (*r) {
        char *q1, *q2, *end;
        if (r[0] == '=' && r[1] == '?' && (q1 = strchr(r + 2, '?')) != NULL && q1[1] && q1[2] == '?' &&
            (end = strstr(q1 + 3, "?=")) != NULL) {
            int enc = toupper((unsigned char)q1[1]);
            q2 = q1 + 3;
            if (enc == 'B') {
                unsigned acc = 0;
                int bits = 0;
                for (; q2 < end; q2++) {
                    int d = b64val((unsigned char)*q2);
                    if (d < 0)
                        continue;
                    acc = acc << 6 | (unsigned)d;
                    if ((bits += 6) >= 8) {
                        bits -= 8;
                        *w++ = (char)(acc >> bits & 0xff);
                    }
                }
            } else if (enc == 'Q') {
                for (; q2 < end; q2++) {
                    if (*q2 == '_') {
                        *w++ = ' ';
                    } else if (*q2 == '=' && q2 + 2 < end && hexval(q2[1]) >= 0 && hexval(q2[2]) >= 0) {
                        *w++ = (char)(hexval(q2[1]) * 16 + hexval(q2[2]));
                        q2 += 2;
                    } else {
                        *w++ = *q2;
                    }
                }
            } else {
                *w++ = *r++;
                continue;
            }
            r = end + 2;
            /* white space between two encoded words is not part of the text */
            {
                char *t = r;
                while (*t == ' ')
                    t++;
                if (t[0] == '=' && t[1] == '?')
                    r = t;
            }
        } else {
            *w++ = *r++;
        }
    }
    *w = '\0';
}

/* The attachment's file name: Content-Disposition filename (RFC 2231 forms
 * first), else Content-Type name; "" when none. */
static void file_name(const hdrs_t *h, char *out, size_t size)
{
    static const char *const where[][2] = { { "filename*", "filename" }, { "name*", "name" } };
    char part[512], key[32];
    int w, k;

    out[0] = '\0';
    for (w = 0; w < 2; w++) {
        const char *v = w == 0 ? h->disp : h->ctype;
        if (param(v, where[w][0], out, size)) { /* filename*=UTF-8''r%C3%A9sum%C3%A9.pdf */
            rfc2231(out);
            return;
        }
        for (k = 0; k < 32; k++) { /* continuations: filename*0*=..., filename*1*=... */
            snprintf(key, sizeof key, "%s%d*", where[w][0], k);
            if (!param(v, key, part, sizeof part)) {
                snprintf(key, sizeof key, "%s%d", where[w][0], k);
                if (!param(v, key, part, sizeof part))
                    break;
            } else {
                rfc2231(part);
            }
            append(out, size, (const uint8_t *)part, strlen(part));
        }
        if (out[0])
            return;
        if (param(v, where[w][1], out, size)) {
            rfc2047(out);
            return;
        }
    }
}

typedef struct walk {
    pt_mime_fn cb;
    void *arg;
    unsigned index, parts;
} walk_t;

/* The next delimiter line "--boundary" (or its closing "--boundary--") at
 * or after off: its start (*at) and the start of the line after it (*next).
 * 1 found, 2 the closing one, 0 none. */
static int delimiter(const uint8_t *p, size_t n, size_t off, const char *b, size_t bl, size_t *at, size_t *next)
{
    while (off + 2 + bl <= n) {
        const uint8_t *d = memmem(p + off, n - off, "--", 2);
        size_t i, e;
        int closing;
        if (!d)
            return 0;
        i = (size_t)(d - p);
        off = i + 2;
        if ((i > 0 && p[i - 1] != '\n') || i + 2 + bl > n || memcmp(p + i + 2, b, bl) != 0)
            continue;
        e = i + 2 + bl;
        closing = e + 2 <= n && p[e] == '-' && p[e + 1] == '-';
        if (closing)
            e += 2;
        while (e < n && (p[e] == ' ' || p[e] == '\t' || p[e] == '\r'))
            e++;
        if (e < n && p[e] != '\n')
            continue; /* "--boundary" followed by more text: not a delimiter */
        *at = i;
        *next = e < n ? e + 1 : n;
        return closing ? 2 : 1;
    }
    return 0;
}

static int entity(walk_t *w, const uint8_t *p, size_t n, int depth, pt_err_t *err);

static int multipart(walk_t *w, const uint8_t *p, size_t n, const char *boundary, int depth, pt_err_t *err)
{
    size_t bl = strlen(boundary), at, next, start;
    int r, rc;

    if (bl == 0 || bl > 200 || depth >= MAX_DEPTH)
        return PT_OK;
    if (!(r = delimiter(p, n, 0, boundary, bl, &at, &next)))
        return PT_OK; /* no part at all: the preamble is all there is */
    while (r == 1) {
        size_t end;
        start = next;
        r = delimiter(p, n, start, boundary, bl, &at, &next);
        end = r ? at : n;
        /* the line break before a delimiter belongs to the delimiter */
        if (r && end > start && p[end - 1] == '\n')
            end -= end - 1 > start && p[end - 2] == '\r' ? 2 : 1;
        if (++w->parts > MAX_PARTS)
            return PT_OK;
        if ((rc = entity(w, p + start, end - start, depth + 1, err)) != PT_OK)
            return rc;
    }
    return PT_OK;
}

static void sanitize(char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f || *s == '/' || *s == '\\')
            *s = '_';
}

static int entity(walk_t *w, const uint8_t *p, size_t n, int depth, pt_err_t *err)
{
    hdrs_t *h = malloc(sizeof *h);
    char type[128], disp[32], name[200], boundary[256];
    pt_mime_part_t part;
    int rc = PT_OK, attach;

    if (!h)
        return pt_err_set(err, PT_ENOMEM, "out of memory");
    if (!parse_headers(p, n, h)) { /* a part without headers: text/plain by default */
        h->ctype[0] = h->cte[0] = h->disp[0] = '\0';
        h->body = 0;
    }
    first_token(h->ctype, type, sizeof type);
    if (!type[0])
        snprintf(type, sizeof type, "text/plain");
    if (strncmp(type, "multipart/", 10) == 0) {
        if (param(h->ctype, "boundary", boundary, sizeof boundary))
            rc = multipart(w, p + h->body, n - h->body, boundary, depth, err);
        free(h);
        return rc;
    }
    if (depth == 0) { /* a single-part message: its body is its text */
        free(h);
        return PT_OK;
    }
    first_token(h->disp, disp, sizeof disp);
    file_name(h, name, sizeof name);
    sanitize(name);
    attach = strcmp(disp, "attachment") == 0 || name[0] || strncmp(type, "text/", 5) != 0;
    if (attach) {
        char cte[64];
        memset(&part, 0, sizeof part);
        part.index = ++w->index;
        if (name[0])
            snprintf(part.name, sizeof part.name, "%u-%s", part.index, name);
        else
            snprintf(part.name, sizeof part.name, "%u%s", part.index,
                     strcmp(type, "message/rfc822") == 0 ? ".eml" : "");
        snprintf(part.type, sizeof part.type, "%s", type);
        part.body = p + h->body;
        part.body_len = n - h->body;
        first_token(h->cte, cte, sizeof cte);
        part.encoding = strcmp(cte, "base64") == 0             ? PT_MIME_BASE64
                        : strcmp(cte, "quoted-printable") == 0 ? PT_MIME_QP
                                                               : PT_MIME_IDENTITY;
        rc = w->cb(w->arg, &part, err);
    }
    free(h);
    return rc;
}

int pt_mime_looks_like(const uint8_t *head, size_t len)
{
    hdrs_t *h;
    char type[128], b[256];
    int ok;

    /* most items fail here: a message starts with a field name and a colon */
    if (len < 16 || !isalpha(head[0]))
        return 0;
    {
        size_t i = 1;
        while (i < len && i < 77 && head[i] > 32 && head[i] < 127 && head[i] != ':')
            i++;
        if (i >= len || head[i] != ':')
            return 0;
    }
    if (!(h = malloc(sizeof *h)))
        return 0;
    ok = parse_headers(head, len, h) && h->ended && h->known >= 1;
    if (ok) {
        first_token(h->ctype, type, sizeof type);
        ok = strncmp(type, "multipart/", 10) == 0 && param(h->ctype, "boundary", b, sizeof b) && b[0];
    }
    free(h);
    return ok;
}

int pt_mime_parts(const uint8_t *msg, size_t len, pt_mime_fn cb, void *arg, pt_err_t *err)
{
    walk_t w = { cb, arg, 0, 0 };

    return entity(&w, msg, len, 0, err);
}

int pt_mime_decode(const pt_mime_part_t *p, uint8_t **out, size_t *out_len, pt_err_t *err)
{
    const uint8_t *s = p->body;
    size_t n = p->body_len, i, o = 0;
    uint8_t *d = malloc(n ? n : 1);

    if (!d)
        return pt_err_set(err, PT_ENOMEM, "out of memory");
    if (p->encoding == PT_MIME_BASE64) {
        unsigned acc = 0;
        int bits = 0;
        for (i = 0; i < n; i++) {
            int v = b64val(s[i]);
            if (s[i] == '=')
                break; /* padding: the end */
            if (v < 0)
                continue;
            acc = acc << 6 | (unsigned)v;
            if ((bits += 6) >= 8) {
                bits -= 8;
                d[o++] = (uint8_t)(acc >> bits & 0xff);
            }
        }
    } else if (p->encoding == PT_MIME_QP) {
        for (i = 0; i < n; i++) {
            if (s[i] != '=') {
                d[o++] = s[i];
            } else if (i + 2 < n && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
                d[o++] = (uint8_t)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
                i += 2;
            } else if (i + 1 < n && s[i + 1] == '\n') {
                i += 1; /* a soft line break */
            } else if (i + 2 < n && s[i + 1] == '\r' && s[i + 2] == '\n') {
                i += 2;
            } else {
                d[o++] = s[i];
            }
        }
    } else {
        memcpy(d, s, n);
        o = n;
    }
    *out = d;
    *out_len = o;
    return PT_OK;
}
