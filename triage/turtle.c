/* turtle.c - a recursive-descent reader of the Turtle subset in turtle.h.
 * Owns the triples and the prefix table; the input is only read. */
#include "turtle.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct triple {
    char *s, *p, *o;
} triple_t;

typedef struct prefix {
    char *name, *iri;
} prefix_t;

struct pt_turtle {
    triple_t *t;
    size_t n, cap;
    prefix_t *pre;
    size_t npre;
};

typedef struct cursor {
    const char *p, *end;
    pt_turtle_t *tt;
    unsigned blank;      /* blank nodes made so far */
    int failed;
    char why[120];
    int depth;
} cursor_t;

static void fail(cursor_t *c, const char *why)
{
    if (!c->failed)
        snprintf(c->why, sizeof c->why, "%s", why);
    c->failed = 1;
}

static void skip_ws(cursor_t *c)
{
    while (c->p < c->end) {
        if (isspace((unsigned char)*c->p))
            c->p++;
        else if (*c->p == '#')
            while (c->p < c->end && *c->p != '\n')
                c->p++;
        else
            break;
    }
}

static char *dupn(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

static char *concat(const char *a, const char *b, size_t bn)
{
    size_t an = strlen(a);
    char *d = malloc(an + bn + 1);
    if (d) {
        memcpy(d, a, an);
        memcpy(d + an, b, bn);
        d[an + bn] = '\0';
    }
    return d;
}

static int name_char(char ch)
{
    return isalnum((unsigned char)ch) || ch == '_' || ch == '-' || ch == '.' || ch == ':' || ch == '%' ||
           (unsigned char)ch >= 0x80;
}

/* <iri> */
static char *iri(cursor_t *c)
{
    const char *q = c->p + 1;
    while (q < c->end && *q != '>' && *q != '\n')
        q++;
    if (q >= c->end || *q != '>') {
        fail(c, "an IRI without its closing '>'");
        return NULL;
    }
    {
        char *r = dupn(c->p + 1, (size_t)(q - c->p - 1));
        c->p = q + 1;
        return r;
    }
}

/* prefix:local, "a", _:blank, true/false, or a number */
static char *name(cursor_t *c)
{
    const char *s = c->p, *colon;
    size_t n, i;

    while (c->p < c->end && name_char(*c->p))
        c->p++;
    while (c->p > s && c->p[-1] == '.') /* a local name never ends with '.': the statement does */
        c->p--;
    n = (size_t)(c->p - s);
    if (n == 0) {
        fail(c, "unexpected character");
        return NULL;
    }
    if (n == 1 && *s == 'a')
        return strdup(PT_RDF_TYPE);
    if (n >= 2 && s[0] == '_' && s[1] == ':')
        return dupn(s, n);
    colon = memchr(s, ':', n);
    if (!colon) /* a number or boolean */
        return dupn(s, n);
    for (i = 0; i < c->tt->npre; i++)
        if (strlen(c->tt->pre[i].name) == (size_t)(colon - s) && memcmp(c->tt->pre[i].name, s, (size_t)(colon - s)) == 0)
            return concat(c->tt->pre[i].iri, colon + 1, n - (size_t)(colon - s) - 1);
    fail(c, "a prefixed name whose prefix is not declared");
    return NULL;
}

/* "literal", """long literal""", with ^^type or @lang after it */
static char *literal(cursor_t *c)
{
    int lng = c->end - c->p >= 3 && memcmp(c->p, "\"\"\"", 3) == 0;
    const char *q = c->p + (lng ? 3 : 1);
    char *out = malloc((size_t)(c->end - q) + 1);
    size_t n = 0;

    if (!out) {
        fail(c, "out of memory");
        return NULL;
    }
    while (q < c->end) {
        if (lng ? (c->end - q >= 3 && memcmp(q, "\"\"\"", 3) == 0) : *q == '"')
            break;
        if (!lng && *q == '\n')
            break;
        if (*q == '\\' && q + 1 < c->end) {
            q++;
            out[n++] = *q == 'n' ? '\n' : *q == 't' ? '\t' : *q == 'r' ? '\r' : *q;
            q++;
            continue;
        }
        out[n++] = *q++;
    }
    if (q >= c->end || (!lng && *q != '"')) {
        free(out);
        fail(c, "a literal without its closing quote");
        return NULL;
    }
    out[n] = '\0';
    c->p = q + (lng ? 3 : 1);
    if (c->end - c->p >= 2 && c->p[0] == '^' && c->p[1] == '^') {
        char *ty;
        c->p += 2;
        ty = c->p < c->end && *c->p == '<' ? iri(c) : name(c);
        free(ty);
    } else if (c->p < c->end && *c->p == '@') {
        c->p++;
        while (c->p < c->end && (isalnum((unsigned char)*c->p) || *c->p == '-'))
            c->p++;
    }
    return out;
}

static int add(cursor_t *c, const char *s, const char *p, const char *o)
{
    pt_turtle_t *t = c->tt;
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 64;
        triple_t *nt = realloc(t->t, cap * sizeof *nt);
        if (!nt) {
            fail(c, "out of memory");
            return -1;
        }
        t->t = nt;
        t->cap = cap;
    }
    t->t[t->n].s = strdup(s);
    t->t[t->n].p = strdup(p);
    t->t[t->n].o = strdup(o);
    if (!t->t[t->n].s || !t->t[t->n].p || !t->t[t->n].o) {
        free(t->t[t->n].s);
        free(t->t[t->n].p);
        free(t->t[t->n].o);
        fail(c, "out of memory");
        return -1;
    }
    t->n++;
    return 0;
}

static int predicate_objects(cursor_t *c, const char *subject);

/* One term: an IRI, a name, a literal, or [ blank node property list ] */
static char *term(cursor_t *c)
{
    skip_ws(c);
    if (c->p >= c->end) {
        fail(c, "unexpected end");
        return NULL;
    }
    if (*c->p == '<')
        return iri(c);
    if (*c->p == '"')
        return literal(c);
    if (*c->p == '[') {
        char id[32];
        snprintf(id, sizeof id, "_:b%u", ++c->blank);
        c->p++;
        skip_ws(c);
        if (c->p < c->end && *c->p != ']' && predicate_objects(c, id) != 0)
            return NULL;
        skip_ws(c);
        if (c->p >= c->end || *c->p != ']') {
            fail(c, "a blank node without its closing ']'");
            return NULL;
        }
        c->p++;
        return strdup(id);
    }
    if (*c->p == '(') {
        fail(c, "collections are not read");
        return NULL;
    }
    return name(c);
}

static int predicate_objects(cursor_t *c, const char *subject)
{
    int semi;

    if (++c->depth > 32) {
        fail(c, "blank nodes nested too deep");
        return -1;
    }
    for (;;) {
        char *pred = term(c);
        if (!pred)
            return -1;
        for (;;) {
            char *obj = term(c);
            if (!obj || add(c, subject, pred, obj) != 0) {
                free(obj);
                free(pred);
                return -1;
            }
            free(obj);
            skip_ws(c);
            if (c->p < c->end && *c->p == ',') {
                c->p++;
                continue;
            }
            break;
        }
        free(pred);
        skip_ws(c);
        semi = 0;
        while (c->p < c->end && *c->p == ';') { /* ";" may repeat, and may end the list */
            c->p++;
            semi = 1;
            skip_ws(c);
        }
        if (c->p >= c->end || *c->p == '.' || *c->p == ']')
            break;
        if (!semi) {
            fail(c, "expected ';', ',' or '.'");
            return -1;
        }
    }
    c->depth--;
    return 0;
}

static int directive(cursor_t *c)
{
    int sparql = c->p[0] != '@';
    const char *s, *colon;
    char *target;

    c->p += sparql ? 6 : 7; /* "PREFIX" or "@prefix" */
    skip_ws(c);
    s = c->p;
    while (c->p < c->end && *c->p != ':' && !isspace((unsigned char)*c->p))
        c->p++;
    if (c->p >= c->end || *c->p != ':') {
        fail(c, "a prefix declaration without ':'");
        return -1;
    }
    colon = c->p++;
    skip_ws(c);
    if (c->p >= c->end || *c->p != '<') {
        fail(c, "a prefix declaration without its IRI");
        return -1;
    }
    if (!(target = iri(c)))
        return -1;
    {
        prefix_t *np = realloc(c->tt->pre, (c->tt->npre + 1) * sizeof *np);
        if (!np) {
            free(target);
            fail(c, "out of memory");
            return -1;
        }
        c->tt->pre = np;
        if (!(np[c->tt->npre].name = dupn(s, (size_t)(colon - s)))) {
            free(target);
            fail(c, "out of memory");
            return -1;
        }
        np[c->tt->npre].iri = target;
        c->tt->npre++;
    }
    skip_ws(c);
    if (!sparql) {
        if (c->p >= c->end || *c->p != '.') {
            fail(c, "a prefix declaration without its final '.'");
            return -1;
        }
        c->p++;
    }
    return 0;
}

int pt_turtle_parse(const char *text, size_t len, pt_turtle_t **out, pt_err_t *err)
{
    cursor_t c = { text, text + len, NULL, 0, 0, "", 0 };

    *out = NULL;
    if (!(c.tt = calloc(1, sizeof *c.tt)))
        return pt_err_set(err, PT_ENOMEM, "out of memory");
    for (;;) {
        skip_ws(&c);
        if (c.p >= c.end)
            break;
        if ((c.end - c.p >= 7 && strncmp(c.p, "@prefix", 7) == 0) ||
            (c.end - c.p >= 7 && strncasecmp(c.p, "PREFIX", 6) == 0 && isspace((unsigned char)c.p[6]))) {
            if (directive(&c) != 0)
                break;
            continue;
        }
        if (c.end - c.p >= 5 && (strncmp(c.p, "@base", 5) == 0 || strncasecmp(c.p, "BASE ", 5) == 0)) {
            while (c.p < c.end && *c.p != '\n')
                c.p++;
            continue;
        }
        {
            char *subject = term(&c);
            int rc = subject ? predicate_objects(&c, subject) : -1;
            free(subject);
            if (rc != 0)
                break;
            skip_ws(&c);
            if (c.p >= c.end || *c.p != '.') {
                fail(&c, "a statement without its final '.'");
                break;
            }
            c.p++;
        }
    }
    if (c.failed) {
        unsigned line = 1;
        const char *q;
        for (q = text; q < c.p && q < c.end; q++)
            line += *q == '\n';
        pt_turtle_free(c.tt);
        return pt_err_set(err, PT_EFORMAT, "information.turtle line %u: %s", line, c.why);
    }
    *out = c.tt;
    return PT_OK;
}

void pt_turtle_free(pt_turtle_t *t)
{
    size_t i;

    if (!t)
        return;
    for (i = 0; i < t->n; i++) {
        free(t->t[i].s);
        free(t->t[i].p);
        free(t->t[i].o);
    }
    for (i = 0; i < t->npre; i++) {
        free(t->pre[i].name);
        free(t->pre[i].iri);
    }
    free(t->t);
    free(t->pre);
    free(t);
}

size_t pt_turtle_count(const pt_turtle_t *t)
{
    return t->n;
}

const char *pt_turtle_value_n(const pt_turtle_t *t, const char *s, const char *p, size_t k)
{
    size_t i;

    for (i = 0; i < t->n; i++)
        if (strcmp(t->t[i].s, s) == 0 && strcmp(t->t[i].p, p) == 0 && k-- == 0)
            return t->t[i].o;
    return NULL;
}

const char *pt_turtle_value(const pt_turtle_t *t, const char *s, const char *p)
{
    return pt_turtle_value_n(t, s, p, 0);
}

const char *pt_turtle_subject_of_type(const pt_turtle_t *t, const char *type, size_t k)
{
    size_t i;

    for (i = 0; i < t->n; i++)
        if (strcmp(t->t[i].p, PT_RDF_TYPE) == 0 && strcmp(t->t[i].o, type) == 0 && k-- == 0)
            return t->t[i].s;
    return NULL;
}
