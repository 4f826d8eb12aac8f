/* hashset.c - hash-set loading and lookup.  Owns the digest arrays.  Lines
 * are parsed in place; every field is length-checked before decoding. */
#include "hashset.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "file.h"
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

/* "file:PATH?immutable=1": the set is read without locks, a journal or a
 * write-ahead-log file appearing beside it (it may sit on read-only media) */
static char *sqlite_uri(const char *path)
{
    size_t n = strlen(path), i, o = 0;
    char *u = malloc(3 * n + 32);

    if (!u)
        return NULL;
    o += (size_t)sprintf(u, "file:");
    for (i = 0; i < n; i++)
        o += (size_t)(strchr("%?#", path[i]) ? sprintf(u + o, "%%%02X", (unsigned char)path[i])
                                             : sprintf(u + o, "%c", path[i]));
    sprintf(u + o, "?immutable=1");
    return u;
}

/* The table (FILE, as NSRL's RDSv3 names it, else the first one) with a
 * sha256, sha1 or md5 column; the strongest such column is read. */
static int sqlite_pick(sqlite3 *db, char *table, size_t tn, char *column, size_t cn, int *alg)
{
    static const char *const cols[] = { "sha256", "sha1", "md5" };
    static const int algs[] = { A_SHA256, A_SHA1, A_MD5 };
    sqlite3_stmt *t = NULL;
    int best = 3;

    if (sqlite3_prepare_v2(db, "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') "
                               "ORDER BY name <> 'FILE', rowid", -1, &t, NULL) != SQLITE_OK)
        return -1;
    while (best == 3 && sqlite3_step(t) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(t, 0);
        char *q = name ? sqlite3_mprintf("PRAGMA table_info(\"%w\")", name) : NULL;
        sqlite3_stmt *c = NULL;
        if (q && sqlite3_prepare_v2(db, q, -1, &c, NULL) == SQLITE_OK) {
            while (sqlite3_step(c) == SQLITE_ROW) {
                const char *col = (const char *)sqlite3_column_text(c, 1);
                for (int i = 0; col && i < best; i++)
                    if (strcasecmp(col, cols[i]) == 0) {
                        best = i;
                        snprintf(table, tn, "%s", name);
                        snprintf(column, cn, "%s", col);
                    }
            }
        }
        sqlite3_finalize(c);
        sqlite3_free(q);
    }
    sqlite3_finalize(t);
    if (best == 3)
        return 0;
    *alg = algs[best];
    return 1;
}

/* A SQLite hash database: NSRL's RDSv3 (table FILE; sha256, sha1 and md5
 * in upper-case hex), or any table with such a column. */
static int load_sqlite(const char *path, pt_hashset_t *h, pt_err_t *err)
{
    char *uri = sqlite_uri(path), table[256], column[64], *q = NULL;
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    uint64_t row = 0;
    int alg = 0, rc = PT_OK, step, found;

    if (!uri)
        return pt_err_set(err, PT_ENOMEM, "out of memory");
    if (sqlite3_open_v2(uri, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL) != SQLITE_OK) {
        rc = pt_err_set(err, PT_EIO, "%s: SQLite: %s", path, db ? sqlite3_errmsg(db) : "cannot open");
        goto out;
    }
    if ((found = sqlite_pick(db, table, sizeof table, column, sizeof column, &alg)) <= 0) {
        rc = found < 0 ? pt_err_set(err, PT_EFORMAT, "%s: SQLite: %s", path, sqlite3_errmsg(db))
                       : pt_err_set(err, PT_EFORMAT, "%s: a SQLite database without a table of sha256, sha1 or "
                                    "md5 values", path);
        goto out;
    }
    if (!(q = sqlite3_mprintf("SELECT \"%w\" FROM \"%w\"", column, table)) ||
        sqlite3_prepare_v2(db, q, -1, &st, NULL) != SQLITE_OK) {
        rc = pt_err_set(err, PT_EFORMAT, "%s: SQLite: %s", path, sqlite3_errmsg(db));
        goto out;
    }
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        const char *hex = (const char *)sqlite3_column_text(st, 0);
        row++;
        if (!hex || strlen(hex) != 2 * alg_len[alg] || add(&h->a[alg], hex, alg_len[alg]) != 1) {
            rc = pt_err_set(err, PT_EFORMAT, "%s: table %s, row %llu: %s is not a %zu-digit hash", path, table,
                            (unsigned long long)row, column, 2 * alg_len[alg]);
            goto out;
        }
    }
    if (step != SQLITE_DONE)
        rc = pt_err_set(err, PT_EIO, "%s: SQLite: %s", path, sqlite3_errmsg(db));
out:
    sqlite3_finalize(st);
    sqlite3_free(q);
    sqlite3_close(db);
    free(uri);
    return rc;
}

int pt_hashset_load(const char *path, const char *name, pt_hashset_t **out, pt_err_t *err)
{
    FILE *f = pt_file_open_regular(path);
    pt_hashset_t *h;
    char *line = NULL;
    size_t cap = 0, lineno = 0;
    ssize_t len;
    int col[A_N] = { -1, -1, -1 }, csv = 0, rc = PT_OK, i;

    *out = NULL;
    if (!f)
        return pt_err_set(err, errno == ENOENT ? PT_ENOENT : PT_EIO, "%s: %s", path,
                          errno == EINVAL ? "not a regular file" : strerror(errno));
    if (!(h = calloc(1, sizeof *h)) || !(h->name = strdup(name))) {
        free(h);
        fclose(f);
        return pt_err_set(err, PT_ENOMEM, "out of memory");
    }
    char magic[16] = "";
    if (fread(magic, 1, sizeof magic, f) == sizeof magic && memcmp(magic, "SQLite format 3", 16) == 0) {
        rc = load_sqlite(path, h, err);
        goto out;
    }
    rewind(f);
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
out:
    for (i = 0; rc == PT_OK && i < A_N; i++)
        sort_unique(&h->a[i], i);
    if (rc == PT_OK && pt_hashset_size(h) == 0)
        rc = pt_err_set(err, PT_EFORMAT, "%s: no hashes found", path);
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
