/* hashset.c - hash-set loading and lookup.  Owns the digest arrays.  Lines
 * are parsed in place; every field is length-checked before decoding. */
#include "hashset.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"

enum { A_MD5, A_SHA1, A_SHA256, A_N };
static const size_t alg_len[A_N] = { 16, 20, 32 };
static const unsigned alg_bit[A_N] = { PT_HASH_MD5, PT_HASH_SHA1, PT_HASH_SHA256 };

typedef struct digests {
    uint8_t *d;
    size_t n, cap;
} digests_t;

struct pt_hashset {
    char *name;
    digests_t a[A_N];
};

static int add(digests_t *d, const char *hex, size_t len)
{
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 4096;
        uint8_t *nd = realloc(d->d, cap * len);
        if (!nd)
            return -1;
        d->d = nd;
        d->cap = cap;
    }
    if (!pt_hash_unhex(hex, len, d->d + d->n * len))
        return 0;
    d->n++;
    return 1;
}

/* qsort comparators cannot take a length: one per digest size */
static int cmp16(const void *a, const void *b) { return memcmp(a, b, 16); }
static int cmp20(const void *a, const void *b) { return memcmp(a, b, 20); }
static int cmp32(const void *a, const void *b) { return memcmp(a, b, 32); }
static int (*const cmps[A_N])(const void *, const void *) = { cmp16, cmp20, cmp32 };

static void sort_unique(digests_t *d, int alg)
{
    size_t len = alg_len[alg], i, o = 0;

    if (d->n == 0)
        return;
    qsort(d->d, d->n, len, cmps[alg]);
    for (i = 0; i < d->n; i++)
        if (o == 0 || memcmp(d->d + (o - 1) * len, d->d + i * len, len) != 0)
            memmove(d->d + o++ * len, d->d + i * len, len);
    d->n = o;
}

static int alg_of_hexlen(size_t n)
{
    return n == 32 ? A_MD5 : n == 40 ? A_SHA1 : n == 64 ? A_SHA256 : -1;
}

/* Splits a CSV line into at most max fields (quotes removed, no escapes
 * inside hashes); returns the count. */
static int csv_split(char *line, char **f, int max)
{
    int n = 0;
    char *p = line;

    while (n < max) {
        if (*p == '"') {
            char *e = strchr(p + 1, '"');
            f[n++] = p + 1;
            if (!e)
                break;
            *e = '\0';
            p = e + 1;
            if (*p == ',')
                p++;
            else
                break;
        } else {
            char *e = strchr(p, ',');
            f[n++] = p;
            if (!e)
                break;
            *e = '\0';
            p = e + 1;
        }
    }
    return n;
}

int pt_hashset_load(const char *path, const char *name, pt_hashset_t **out, pt_err_t *err)
{
    FILE *f = fopen(path, "r");
    pt_hashset_t *h;
    char *line = NULL;
    size_t cap = 0, lineno = 0;
    ssize_t len;
    int col[A_N] = { -1, -1, -1 }, csv = 0, rc = PT_OK, i;

    *out = NULL;
    if (!f)
        return pt_err_set(err, errno == ENOENT ? PT_ENOENT : PT_EIO, "%s: %s", path, strerror(errno));
    if (!(h = calloc(1, sizeof *h)) || !(h->name = strdup(name))) {
        free(h);
        fclose(f);
        return pt_err_set(err, PT_ENOMEM, "out of memory");
    }
    while ((len = getline(&line, &cap, f)) > 0) {
        char *fields[16];
        int nf;
        lineno++;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        if (len == 0 || line[0] == '#')
            continue;
        if (strncmp(line, "%%%% ", 5) == 0 || (lineno == 1 && strstr(line, "\"SHA-1\""))) {
            /* header: hashdeep "%%%% size,md5,sha256,filename" or NSRL RDS */
            char *hdr = line[0] == '%' ? line + 5 : line;
            nf = csv_split(hdr, fields, 16);
            if (strncmp(line, "%%%% HASHDEEP", 13) == 0)
                continue;
            for (i = 0; i < nf; i++) {
                if (strcasecmp(fields[i], "md5") == 0) col[A_MD5] = i;
                else if (strcasecmp(fields[i], "sha1") == 0 || strcasecmp(fields[i], "SHA-1") == 0) col[A_SHA1] = i;
                else if (strcasecmp(fields[i], "sha256") == 0 || strcasecmp(fields[i], "SHA-256") == 0)
                    col[A_SHA256] = i;
            }
            csv = 1;
            continue;
        }
        if (line[0] == '%')
            continue; /* other hashdeep comments */
        if (csv) {
            int any = 0;
            nf = csv_split(line, fields, 16);
            for (i = 0; i < A_N; i++) {
                if (col[i] < 0 || col[i] >= nf)
                    continue;
                if (strlen(fields[col[i]]) != 2 * alg_len[i] || add(&h->a[i], fields[col[i]], alg_len[i]) != 1) {
                    rc = pt_err_set(err, PT_EFORMAT, "%s:%zu: not a %zu-digit hash in column %d", path, lineno,
                                    2 * alg_len[i], col[i] + 1);
                    goto out;
                }
                any = 1;
            }
            if (!any) {
                rc = pt_err_set(err, PT_EFORMAT, "%s:%zu: no hash column", path, lineno);
                goto out;
            }
        } else {
            /* md5sum / sha1sum / sha256sum: "HEX  name" or "HEX *name" or bare hashes */
            size_t hl = strcspn(line, " \t");
            int alg = alg_of_hexlen(hl);
            if (alg < 0 || add(&h->a[alg], line, alg_len[alg]) != 1) {
                rc = pt_err_set(err, PT_EFORMAT, "%s:%zu: expected an MD5, SHA-1 or SHA-256 hex digest", path,
                                lineno);
                goto out;
            }
        }
    }
    for (i = 0; i < A_N; i++)
        sort_unique(&h->a[i], i);
    if (pt_hashset_size(h) == 0)
        rc = pt_err_set(err, PT_EFORMAT, "%s: no hashes found", path);
out:
    free(line);
    fclose(f);
    if (rc != PT_OK)
        pt_hashset_free(h);
    else
        *out = h;
    return rc;
}

void pt_hashset_free(pt_hashset_t *h)
{
    int i;

    if (!h)
        return;
    for (i = 0; i < A_N; i++)
        free(h->a[i].d);
    free(h->name);
    free(h);
}

unsigned pt_hashset_needs(const pt_hashset_t *h)
{
    unsigned m = 0;
    int i;
    for (i = 0; i < A_N; i++)
        if (h->a[i].n)
            m |= alg_bit[i];
    return m;
}

size_t pt_hashset_size(const pt_hashset_t *h)
{
    return h->a[A_MD5].n + h->a[A_SHA1].n + h->a[A_SHA256].n;
}

const char *pt_hashset_name(const pt_hashset_t *h)
{
    return h->name;
}

int pt_hashset_contains(const pt_hashset_t *h, const pt_hash_result_t *r)
{
    const char *hex[A_N] = { r->md5, r->sha1, r->sha256 };
    int i;

    for (i = 0; i < A_N; i++) {
        uint8_t key[32];
        if (!h->a[i].n || strlen(hex[i]) != 2 * alg_len[i] || !pt_hash_unhex(hex[i], alg_len[i], key))
            continue;
        if (bsearch(key, h->a[i].d, h->a[i].n, alg_len[i], cmps[i]))
            return 1;
    }
    return 0;
}
