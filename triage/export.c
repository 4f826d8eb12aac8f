/* export.c - export of the relevant items, and its verification.  Owns the
 * destination directory's descriptors, the archive writer and one block
 * buffer; reads evidence only through reopen.c; writes only under DIR. */
#include "export.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "casedb.h"
#include "hash.h"
#include "item.h"
#include "reopen.h"
#include "report.h"
#include "text.h"
#include "version.h"

#define BLOCK (1024 * 1024)

/* columns: 0 id, 1 evidence, 2 volume, 3 md5, 4 sha256, 5 disposition,
 * 6 mtime, then PT_REOPEN_COLUMNS from 7 */
enum { X_ID, X_EV, X_VOL, X_MD5, X_SHA256, X_DISP, X_MTIME, X_LOC };

typedef struct ex {
    const pt_export_opts_t *o;
    sqlite3 *h;
    int dirfd, filesfd;           /* DIR and DIR/files (dir format) */
    struct archive *ar;           /* tar/zip format */
    pt_reopen_t *reopen;
    pt_hash_t *hash;
    uint8_t *buf;                 /* archive copy block */
    json_t *rows;                 /* receipt rows */
    const char *cwd;
    pt_export_counts_t *n;
} ex_t;

/* One path component made safe and reversible: %XX for '%', '/', '\\',
 * ':', '*', '?', '"', '<', '>', '|', control bytes and bytes that are not
 * UTF-8; "", "." and ".." get a '_' prefix. */
static void safe_component(const char *s, size_t n, char *out, size_t size)
{
    static const char hexd[] = "0123456789ABCDEF";
    size_t o = 0, i = 0;

    if (n == 0 || (n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.'))
        out[o++] = '_';
    while (i < n && o + 4 < size) {
        unsigned char c = (unsigned char)s[i];
        size_t l = 1;
        while (i + l < n && l < 4 && ((unsigned char)s[i + l] & 0xc0) == 0x80)
            l++;
        if (c >= 0x80 && pt_text_utf8_valid(s + i, l) && o + l < size) {
            memcpy(out + o, s + i, l);
            o += l;
            i += l;
            continue;
        }
        if (c < 0x20 || c >= 0x7f || strchr("%/\\:*?\"<>|", c)) {
            out[o++] = '%';
            out[o++] = hexd[c >> 4];
            out[o++] = hexd[c & 15];
        } else {
            out[o++] = (char)c;
        }
        i++;
    }
    out[o] = '\0';
}

/* DIR-relative name: files/EVIDENCE/VOLUME/path..., or
 * files/EVIDENCE/VOLUME/_whole-volume for a volume item (components capped
 * so the whole stays under PATH_MAX). */
static void export_name(const char *ev, const char *vol, const char *path, char *out, size_t size)
{
    char comp[1024];
    size_t o;
    const char *p = path;
    size_t vl = vol ? strlen(vol) : 0;

    /* a volume of a disk image found as a file ("/vm/disk.img!p1") prefixes
     * its items' paths: said once, by the volume's component */
    if (vl && vol[0] == '/' && strncmp(path, vol, vl) == 0 && (path[vl] == '/' || !path[vl]))
        p = path + vl;
    o = (size_t)snprintf(out, size, "files");
    safe_component(ev, strlen(ev), comp, 256);
    o += (size_t)snprintf(out + o, size - o, "/%s", comp);
    safe_component(vol && *vol ? vol : "_", strlen(vol && *vol ? vol : "_"), comp, 256);
    o += (size_t)snprintf(out + o, size - o, "/%s", comp);
    /* a volume's own bytes, beside what may lie under them ("!/NAME": the
     * members of evidence that is an archive) */
    if (!*p)
        o += (size_t)snprintf(out + o, size - o, "/_whole-volume");
    while (*p && o + 2 < size) {
        size_t n;
        while (*p == '/')
            p++;
        n = strcspn(p, "/");
        if (n == 0 && *p == '\0')
            break;
        safe_component(p, n, comp, 200); /* NAME_MAX is 255 bytes */
        o += (size_t)snprintf(out + o, size - o, "/%s", comp);
        p += n;
    }
    if (o >= size)
        out[size - 1] = '\0';
}

/* Creates the directories of rel (relative to base) without following links;
 * returns a descriptor of the last directory, or -1. */
static int make_dirs(int base, const char *rel, const char **leaf)
{
    int fd = dup(base);
    const char *p = rel;
    char comp[NAME_MAX + 1];

    while (fd >= 0) {
        const char *slash = strchr(p, '/');
        size_t n;
        int nfd;
        if (!slash) {
            *leaf = p;
            return fd;
        }
        n = (size_t)(slash - p);
        if (n > NAME_MAX)
            n = NAME_MAX;
        memcpy(comp, p, n);
        comp[n] = '\0';
        if (mkdirat(fd, comp, 0755) != 0 && errno != EEXIST) {
            close(fd);
            return -1;
        }
        nfd = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        close(fd);
        fd = nfd;
        p = slash + 1;
    }
    return -1;
}

static const char *col(sqlite3_stmt *st, int c)
{
    return (const char *)sqlite3_column_text(st, c);
}

static void receipt_add(ex_t *x, sqlite3_stmt *st, const pt_item_loc_t *loc, uint64_t size, const char *as,
                        const char *status, const pt_hash_result_t *got)
{
    json_t *r = json_object();

    json_object_set_new(r, "id", json_integer(sqlite3_column_int64(st, X_ID)));
    json_object_set_new(r, "evidence", pt_report_jstr(col(st, X_EV)));
    json_object_set_new(r, "volume", pt_report_jstr(col(st, X_VOL)));
    json_object_set_new(r, "path", pt_report_jstr(loc->path));
    json_object_set_new(r, "kind", pt_report_jstr(loc->kind));
    json_object_set_new(r, "disposition", pt_report_jstr(col(st, X_DISP)));
    json_object_set_new(r, "size", json_integer((json_int_t)size));
    json_object_set_new(r, "md5", got && got->md5[0] ? json_string(got->md5) : json_null());
    json_object_set_new(r, "sha256", got && got->sha256[0] ? json_string(got->sha256) : json_null());
    json_object_set_new(r, "exported_as", as ? pt_report_jstr(as) : json_null());
    json_object_set_new(r, "status", json_string(status));
    json_array_append_new(x->rows, r);
}

static int archive_add(ex_t *x, const char *name, int fd, uint64_t size, long long mtime, pt_err_t *err)
{
    struct archive_entry *e = archive_entry_new();
    ssize_t n;
    int rc = PT_OK;

    archive_entry_set_pathname_utf8(e, name);
    archive_entry_set_size(e, (la_int64_t)size);
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0444);
    archive_entry_set_mtime(e, (time_t)mtime, 0);
    if (archive_write_header(x->ar, e) != ARCHIVE_OK)
        rc = pt_err_set(err, PT_ELIB, "archive: %s", archive_error_string(x->ar));
    lseek(fd, 0, SEEK_SET);
    while (rc == PT_OK && (n = read(fd, x->buf, BLOCK)) > 0)
        if (archive_write_data(x->ar, x->buf, (size_t)n) != n)
            rc = pt_err_set(err, PT_ELIB, "archive: %s", archive_error_string(x->ar));
    archive_entry_free(e);
    return rc;
}

static int one(ex_t *x, sqlite3_stmt *st, pt_err_t *err)
{
    const char *want256 = col(st, X_SHA256), *want5 = col(st, X_MD5);
    long long id = (long long)sqlite3_column_int64(st, X_ID);
    pt_item_loc_t loc;
    uint64_t size;
    pt_hash_result_t got;
    pt_err_t ierr = { 0, "" };
    char name[PATH_MAX], tmp[64], status[1400];
    const char *leaf = NULL;
    int fd = -1, dfd = -1, rc;

    pt_reopen_loc(st, X_LOC, x->cwd, &loc, &size);
    if (strcmp(loc.kind, PT_KIND_DIR) == 0 || strcmp(loc.kind, PT_KIND_VIRTUAL_DIR) == 0 ||
        strcmp(loc.kind, PT_KIND_SYMLINK) == 0) {
        x->n->not_copied++;
        receipt_add(x, st, &loc, size, NULL, loc.kind[0] == 's' ? "not copied: a symbolic link (its target is in case.db)"
                    : "not copied: a directory (its files are listed on their own)", NULL);
        return PT_OK;
    }
    if (!want256 || !*want256) {
        x->n->refused++;
        receipt_add(x, st, &loc, size, NULL,
                    "refused: the scan could not read it completely, so there is no hash to verify against", NULL);
        return PT_OK;
    }
    snprintf(tmp, sizeof tmp, ".partial-%lld", id);
    if ((fd = openat(x->dirfd, tmp, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600)) < 0)
        return pt_err_set(err, PT_EIO, "%s/%s: %s", x->o->to, tmp, strerror(errno));
    rc = pt_reopen_copy_id(x->reopen, x->h, id, x->cwd, x->hash, fd, &got, &ierr);
    if (rc == PT_OK && (strcmp(got.sha256, want256) != 0 || (want5 && *want5 && strcmp(got.md5, want5) != 0)))
        rc = pt_err_set(&ierr, PT_EFORMAT, "SHA-256 of the evidence now is %s, the scan recorded %s", got.sha256,
                        want256);
    if (rc != PT_OK) {
        close(fd);
        unlinkat(x->dirfd, tmp, 0);
        x->n->refused++;
        snprintf(status, sizeof status, "refused: %s", ierr.msg);
        receipt_add(x, st, &loc, size, NULL, status, rc == PT_EFORMAT ? &got : NULL);
        return PT_OK;
    }
    export_name(col(st, X_EV), col(st, X_VOL), loc.path, name, sizeof name - 32);
    if (x->ar) {
        rc = archive_add(x, name, fd, size, sqlite3_column_int64(st, X_MTIME), err);
        close(fd);
        unlinkat(x->dirfd, tmp, 0);
        if (rc != PT_OK)
            return rc;
    } else {
        if (fchmod(fd, 0444) != 0 || fsync(fd) != 0) {
            close(fd);
            return pt_err_set(err, PT_EIO, "%s/%s: %s", x->o->to, tmp, strerror(errno));
        }
        close(fd);
        if ((dfd = make_dirs(x->dirfd, name, &leaf)) >= 0 && renameat2(x->dirfd, tmp, dfd, leaf, RENAME_NOREPLACE) != 0 &&
            errno == EEXIST) {
            /* never replaces: a clash (a deleted and a live file of one name) gets ~ID */
            snprintf(name + strlen(name), 32, "~%lld", id);
            leaf = strrchr(name, '/') + 1;
            if (renameat2(x->dirfd, tmp, dfd, leaf, RENAME_NOREPLACE) != 0)
                leaf = NULL;
        } else if (dfd >= 0 && faccessat(dfd, leaf, F_OK, AT_SYMLINK_NOFOLLOW) != 0) {
            leaf = NULL;
        }
        if (dfd < 0 || !leaf) {
            rc = pt_err_set(err, PT_EIO, "%s/%s: %s", x->o->to, name, strerror(errno));
            if (dfd >= 0)
                close(dfd);
            unlinkat(x->dirfd, tmp, 0);
            return rc;
        }
        close(dfd);
    }
    x->n->exported++;
    x->n->bytes += size;
    receipt_add(x, st, &loc, size, name, "exported, hash verified", &got);
    return PT_OK;
}

static int cmp_id(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static const char receipt_cols[][12] = { "id", "evidence", "volume", "path", "kind", "disposition", "size",
                                         "md5", "sha256", "exported_as", "status" };
#define NRCOLS (sizeof receipt_cols / sizeof receipt_cols[0])

/* receipt.csv from the receipt rows (also used by verify to re-derive it). */
static void receipt_csv(FILE *f, json_t *rows)
{
    size_t i, c;
    json_t *r;

    for (c = 0; c < NRCOLS; c++)
        fprintf(f, "%s%s", c ? "," : "", receipt_cols[c]);
    fputs("\r\n", f);
    json_array_foreach(rows, i, r) {
        for (c = 0; c < NRCOLS; c++) {
            json_t *v = json_object_get(r, receipt_cols[c]);
            if (c)
                fputc(',', f);
            if (json_is_integer(v))
                fprintf(f, "%lld", (long long)json_integer_value(v));
            else if (json_is_string(v))
                pt_text_put_csv_field(f, json_string_value(v));
        }
        fputs("\r\n", f);
    }
}

static void receipt_html(FILE *f, json_t *rows, const ex_t *x, const char *case_sums)
{
    size_t i, c;
    json_t *r;

    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
          "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n"
          "<title>ptriage export receipt</title>\n<style>body{font:13px system-ui,sans-serif;margin:2em}"
          "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px;vertical-align:top}"
          "td.h{font-family:monospace;font-size:11px;word-break:break-all}</style></head><body>\n"
          "<h1>Export receipt</h1>\n<p>Written by ptriage " PT_VERSION ". Every exported item was read from the "
          "evidence again and its SHA-256 compared with the one recorded in the case database before it was "
          "written; any difference is a refusal. Check with <code>ptriage verify CASE --export DIR</code>.</p>\n"
          "<table>\n<tr><th>case directory</th><td>", f);
    pt_text_put_markup(f, x->o->outdir);
    fputs("</td></tr>\n<tr><th>SHA-256 of the case's SHA256SUMS</th><td class=\"h\">", f);
    pt_text_put_markup(f, case_sums);
    fprintf(f, "</td></tr>\n<tr><th>exported</th><td>%llu items, %llu bytes</td></tr>\n"
               "<tr><th>refused</th><td>%llu</td></tr>\n<tr><th>not copied (directories, links)</th><td>%llu</td></tr>\n"
               "</table>\n<table>\n<tr>",
            (unsigned long long)x->n->exported, (unsigned long long)x->n->bytes, (unsigned long long)x->n->refused,
            (unsigned long long)x->n->not_copied);
    for (c = 0; c < NRCOLS; c++)
        fprintf(f, "<th>%s</th>", receipt_cols[c]);
    fputs("</tr>\n", f);
    json_array_foreach(rows, i, r) {
        fputs("<tr>", f);
        for (c = 0; c < NRCOLS; c++) {
            json_t *v = json_object_get(r, receipt_cols[c]);
            fputs(c == 7 || c == 8 ? "<td class=\"h\">" : "<td>", f);
            if (json_is_integer(v))
                fprintf(f, "%lld", (long long)json_integer_value(v));
            else if (json_is_string(v))
                pt_text_put_markup(f, json_string_value(v));
            fputs("</td>", f);
        }
        fputs("</tr>\n", f);
    }
    fputs("</table>\n</body></html>\n", f);
}

static int write_at(int dirfd, const char *name, char *data, size_t len, pt_err_t *err)
{
    int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    int ok = fd >= 0 && write(fd, data, len) == (ssize_t)len && fsync(fd) == 0;

    if (fd >= 0)
        close(fd);
    return ok ? PT_OK : pt_err_set(err, PT_EIO, "%s: %s", name, strerror(errno));
}

static int write_receipts(ex_t *x, pt_err_t *err)
{
    char *buf = NULL, sums[65] = "", path[PATH_MAX];
    size_t len = 0;
    FILE *m;
    int rc = PT_OK, i;

    snprintf(path, sizeof path, "%s/SHA256SUMS", x->o->outdir);
    pt_hash_file_sha256(path, sums, NULL);
    for (i = 0; i < 3 && rc == PT_OK; i++) {
        static const char *const names[] = { "receipt.jsonl", "receipt.csv", "receipt.html" };
        size_t k;
        json_t *r;
        if (!(m = open_memstream(&buf, &len)))
            return pt_err_set(err, PT_ENOMEM, "out of memory");
        if (i == 0)
            json_array_foreach(x->rows, k, r) {
                char *line = json_dumps(r, JSON_COMPACT | JSON_PRESERVE_ORDER);
                if (line)
                    fprintf(m, "%s\n", line);
                free(line);
            }
        else if (i == 1)
            receipt_csv(m, x->rows);
        else
            receipt_html(m, x->rows, x, sums);
        fclose(m);
        rc = write_at(x->dirfd, names[i], buf, len, err);
        free(buf);
        buf = NULL;
    }
    return rc;
}

static const char item_sql[] =
    "SELECT i.id, e.label, v.label, i.md5, i.sha256, i.disposition, coalesce(i.mtime, 0), " PT_REOPEN_COLUMNS
    " FROM items i JOIN evidence e ON e.id = i.evidence_id LEFT JOIN volumes v ON v.id = i.volume_id"
    " WHERE i.disposition IN ('relevant', 'needs-review') ORDER BY i.id";

static int dir_empty_or_new(const char *to, pt_err_t *err)
{
    struct stat st;

    if (lstat(to, &st) != 0) {
        if (errno != ENOENT)
            return pt_err_set(err, PT_EIO, "%s: %s", to, strerror(errno));
        if (mkdir(to, 0755) != 0)
            return pt_err_set(err, PT_EIO, "cannot create %s: %s", to, strerror(errno));
        return PT_OK;
    }
    if (!S_ISDIR(st.st_mode))
        return pt_err_set(err, PT_EEXIST, "%s exists and is not a directory", to);
    if (rmdir(to) != 0) /* succeeds only when empty */
        return pt_err_set(err, PT_EEXIST, "%s is not empty: an export never overwrites; choose a new directory", to);
    if (mkdir(to, 0755) != 0)
        return pt_err_set(err, PT_EIO, "cannot create %s: %s", to, strerror(errno));
    return PT_OK;
}

/* The destination may not lie inside directory evidence (it would change it). */
static int check_not_in_evidence(sqlite3 *h, const char *to, const char *cwd, pt_err_t *err)
{
    sqlite3_stmt *st;
    char rto[PATH_MAX], rev[PATH_MAX], p[PATH_MAX * 2];
    int rc = PT_OK;

    if (!realpath(to, rto)) {
        /* not created yet: its parent's real path and its own name */
        char parent[PATH_MAX], *slash;
        const char *base;
        snprintf(parent, sizeof parent, "%s", to);
        while ((slash = strrchr(parent, '/')) && slash[1] == '\0' && slash != parent)
            *slash = '\0';
        slash = strrchr(parent, '/');
        base = slash ? to + (slash - parent) + 1 : to;
        if (slash == parent)
            snprintf(parent, sizeof parent, "/");
        else if (slash)
            *slash = '\0';
        else
            snprintf(parent, sizeof parent, ".");
        if (!realpath(parent, rev))
            return pt_err_set(err, PT_EIO, "%s: %s", parent, strerror(errno));
        if (snprintf(rto, sizeof rto, "%s/%s", strcmp(rev, "/") ? rev : "", base) >= (int)sizeof rto)
            return pt_err_set(err, PT_EINVAL, "%s: path too long", to);
    }
    if (sqlite3_prepare_v2(h, "SELECT path FROM evidence WHERE kind = 'directory'", -1, &st, NULL) != SQLITE_OK)
        return pt_err_set(err, PT_EDB, "case database: %s", sqlite3_errmsg(h));
    while (rc == PT_OK && sqlite3_step(st) == SQLITE_ROW) {
        const char *e = (const char *)sqlite3_column_text(st, 0);
        size_t n;
        snprintf(p, sizeof p, "%s%s%s", e[0] == '/' || !cwd ? "" : cwd, e[0] == '/' || !cwd ? "" : "/", e);
        if (!realpath(p, rev))
            continue;
        n = strlen(rev);
        if (strncmp(rto, rev, n) == 0 && (rto[n] == '/' || rto[n] == '\0'))
            rc = pt_err_set(err, PT_EINVAL, "%s lies inside the evidence directory %s: refused", to, rev);
    }
    sqlite3_finalize(st);
    return rc;
}

int pt_export_run(const pt_export_opts_t *o, pt_export_counts_t *n, pt_err_t *err)
{
    ex_t x;
    char path[PATH_MAX];
    pt_casedb_t *db;
    sqlite3_stmt *st = NULL, *run = NULL;
    const char *format = o->format ? o->format : "dir";
    size_t i;
    int rc = PT_OK, step;

    memset(&x, 0, sizeof x);
    memset(n, 0, sizeof *n);
    x.o = o;
    x.n = n;
    x.dirfd = x.filesfd = -1;
    if (strcmp(format, "dir") != 0 && strcmp(format, "tar") != 0 && strcmp(format, "zip") != 0)
        return pt_err_set(err, PT_EINVAL, "--format %s: use dir, tar or zip", format);
    snprintf(path, sizeof path, "%s/case.db", o->outdir);
    if (!(db = pt_casedb_open_ro(path, err)))
        return err->code;
    x.h = pt_casedb_handle(db);
    if (sqlite3_prepare_v2(x.h, "SELECT cwd FROM run ORDER BY id LIMIT 1", -1, &run, NULL) == SQLITE_OK &&
        sqlite3_step(run) == SQLITE_ROW)
        x.cwd = (const char *)sqlite3_column_text(run, 0);
    if (o->n_ids)
        qsort(o->ids, o->n_ids, sizeof *o->ids, cmp_id);
    /* chosen ids: each must be a needs-review (or relevant) item */
    for (i = 0; i < o->n_ids; i++) {
        sqlite3_stmt *q;
        const char *d;
        if (sqlite3_prepare_v2(x.h, "SELECT disposition FROM items WHERE id = ?", -1, &q, NULL) != SQLITE_OK) {
            rc = pt_err_set(err, PT_EDB, "case database: %s", sqlite3_errmsg(x.h));
            goto out;
        }
        sqlite3_bind_int64(q, 1, o->ids[i]);
        d = sqlite3_step(q) == SQLITE_ROW ? (const char *)sqlite3_column_text(q, 0) : NULL;
        if (!d || (strcmp(d, "needs-review") != 0 && strcmp(d, "relevant") != 0))
            rc = pt_err_set(err, PT_EINVAL, "item %lld is %s: only relevant and needs-review items are exported",
                            (long long)o->ids[i], d ? d : "not in the case");
        sqlite3_finalize(q);
        if (rc != PT_OK)
            goto out;
    }
    if ((rc = check_not_in_evidence(x.h, o->to, x.cwd, err)) != PT_OK || (rc = dir_empty_or_new(o->to, err)) != PT_OK)
        goto out;
    if ((x.dirfd = open(o->to, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
        rc = pt_err_set(err, PT_EIO, "%s: %s", o->to, strerror(errno));
        goto out;
    }
    if (!(x.reopen = pt_reopen_new(err)) || !(x.hash = pt_hash_new(PT_HASH_SHA256 | PT_HASH_MD5, err)) ||
        !(x.buf = malloc(BLOCK)) || !(x.rows = json_array())) {
        rc = pt_err_set(err, PT_ENOMEM, "out of memory");
        goto out;
    }
    pt_reopen_set_keys(x.reopen, o->keys, o->n_keys);
    pt_reopen_set_spool(x.reopen, o->to); /* a disk image in an archive is copied there, namelessly, to be read */
    if (strcmp(format, "dir") != 0) {
        snprintf(path, sizeof path, "%s/export.%s", o->to, format);
        x.ar = archive_write_new();
        if (!x.ar ||
            (strcmp(format, "tar") == 0 ? archive_write_set_format_pax_restricted(x.ar)
                                        : archive_write_set_format_zip(x.ar)) != ARCHIVE_OK ||
            archive_write_open_filename(x.ar, path) != ARCHIVE_OK) {
            rc = pt_err_set(err, PT_ELIB, "%s: %s", path, x.ar ? archive_error_string(x.ar) : "libarchive");
            goto out;
        }
    }
    if (sqlite3_prepare_v2(x.h, item_sql, -1, &st, NULL) != SQLITE_OK) {
        rc = pt_err_set(err, PT_EDB, "case database: %s", sqlite3_errmsg(x.h));
        goto out;
    }
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(st, X_ID);
        const char *d = col(st, X_DISP);
        if (strcmp(d, "relevant") != 0 && !(o->n_ids && bsearch(&id, o->ids, o->n_ids, sizeof id, cmp_id)))
            continue;
        if ((rc = one(&x, st, err)) != PT_OK)
            goto out;
    }
    if (step != SQLITE_DONE) {
        rc = pt_err_set(err, PT_EDB, "case database: %s", sqlite3_errmsg(x.h));
        goto out;
    }
    if (x.ar && archive_write_close(x.ar) != ARCHIVE_OK) {
        rc = pt_err_set(err, PT_ELIB, "archive: %s", archive_error_string(x.ar));
        goto out;
    }
    rc = write_receipts(&x, err);
out:
    if (x.ar)
        archive_write_free(x.ar);
    json_decref(x.rows);
    free(x.buf);
    pt_hash_free(x.hash);
    pt_reopen_free(x.reopen);
    if (x.dirfd >= 0)
        close(x.dirfd);
    sqlite3_finalize(st);
    sqlite3_finalize(run);
    pt_casedb_close(db, NULL);
    return rc;
}

/* ---- verification of an export ---- */

static int hash_fd(int fd, pt_hash_t *h, uint8_t *buf, pt_hash_result_t *got, pt_err_t *err)
{
    ssize_t n;

    if (pt_hash_begin(h, err) != PT_OK)
        return -1;
    while ((n = read(fd, buf, BLOCK)) > 0)
        pt_hash_update(h, buf, (size_t)n);
    return n < 0 || pt_hash_end(h, got, err) != PT_OK ? -1 : 0;
}

/* SHA-256 of every member of an export archive, as a JSON object name -> hex. */
static json_t *archive_hashes(const char *path, pt_hash_t *h, uint8_t *buf, pt_err_t *err)
{
    struct archive *a = archive_read_new();
    struct archive_entry *e;
    json_t *map = json_object();
    int r;

    archive_read_support_format_tar(a);
    archive_read_support_format_zip(a);
    if (archive_read_open_filename(a, path, BLOCK) != ARCHIVE_OK) {
        pt_err_set(err, PT_EFORMAT, "%s: %s", path, archive_error_string(a));
        archive_read_free(a);
        json_decref(map);
        return NULL;
    }
    while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
        pt_hash_result_t got;
        la_ssize_t n;
        pt_hash_begin(h, err);
        while ((n = archive_read_data(a, buf, BLOCK)) > 0)
            pt_hash_update(h, buf, (size_t)n);
        if (n < 0 || pt_hash_end(h, &got, err) != PT_OK)
            break;
        json_object_set_new(map, archive_entry_pathname_utf8(e) ? archive_entry_pathname_utf8(e)
                                                                : archive_entry_pathname(e), json_string(got.sha256));
    }
    if (r != ARCHIVE_EOF) {
        pt_err_set(err, PT_EFORMAT, "%s: %s", path, archive_error_string(a));
        json_decref(map);
        map = NULL;
    }
    archive_read_free(a);
    return map;
}

static json_t *read_receipt(int dirfd, pt_err_t *err)
{
    int fd = openat(dirfd, "receipt.jsonl", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    FILE *f = fd >= 0 ? fdopen(fd, "r") : NULL;
    json_t *rows = json_array();
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;

    if (!f) {
        if (fd >= 0)
            close(fd);
        json_decref(rows);
        pt_err_set(err, PT_ENOENT, "receipt.jsonl: %s", strerror(errno));
        return NULL;
    }
    while ((len = getline(&line, &cap, f)) > 0) {
        json_error_t je;
        json_t *r = json_loadb(line, (size_t)len, 0, &je);
        if (!json_is_object(r)) {
            json_decref(r);
            json_decref(rows);
            rows = NULL;
            pt_err_set(err, PT_EFORMAT, "receipt.jsonl: line %d: %s", je.line, je.text);
            break;
        }
        json_array_append_new(rows, r);
    }
    free(line);
    fclose(f);
    return rows;
}

int pt_export_verify(const char *outdir, const char *dir, void (*fn)(const char *, const char *, void *), void *arg,
                     uint64_t *checked, pt_err_t *err)
{
    char path[PATH_MAX], msg[512], *csv = NULL, *disk = NULL;
    size_t csvlen = 0, i;
    json_t *rows = NULL, *members = NULL, *r;
    pt_casedb_t *db = NULL;
    sqlite3_stmt *q = NULL;
    pt_hash_t *h = NULL;
    uint8_t *buf = NULL;
    FILE *m;
    int dirfd, problems = 0, fd;
    struct stat st;

    *checked = 0;
    if ((dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
        return pt_err_set(err, PT_ENOENT, "%s: %s", dir, strerror(errno));
    if (!(rows = read_receipt(dirfd, err))) {
        close(dirfd);
        return err->code;
    }
    snprintf(path, sizeof path, "%s/case.db", outdir);
    if (!(db = pt_casedb_open_ro(path, err)) || !(h = pt_hash_new(PT_HASH_SHA256, err)) || !(buf = malloc(BLOCK))) {
        problems = err->code ? err->code : PT_ENOMEM;
        goto out;
    }
    /* receipt.csv must say what receipt.jsonl says */
    if ((m = open_memstream(&csv, &csvlen)) != NULL) {
        receipt_csv(m, rows);
        fclose(m);
    }
    fd = openat(dirfd, "receipt.csv", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd >= 0 && fstat(fd, &st) == 0 && (size_t)st.st_size == csvlen && (disk = malloc(csvlen + 1)) &&
        read(fd, disk, csvlen) == (ssize_t)csvlen && memcmp(disk, csv, csvlen) == 0) {
        /* consistent */
    } else {
        fn("receipt.csv", "differs from receipt.jsonl (changed after the export)", arg);
        problems++;
    }
    if (fd >= 0)
        close(fd);
    for (i = 0; i < 2 && !members; i++) {
        static const char *const names[] = { "export.tar", "export.zip" };
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        if (access(path, F_OK) == 0 && !(members = archive_hashes(path, h, buf, err))) {
            fn(names[i], err->msg, arg);
            problems++;
            goto out;
        }
    }
    sqlite3_prepare_v2(pt_casedb_handle(db), "SELECT sha256, disposition FROM items WHERE id = ?", -1, &q, NULL);
    json_array_foreach(rows, i, r) {
        const char *as = json_string_value(json_object_get(r, "exported_as"));
        const char *sha = json_string_value(json_object_get(r, "sha256"));
        json_int_t id = json_integer_value(json_object_get(r, "id"));
        const char *dbsha = NULL, *disp = NULL;
        pt_hash_result_t got;
        if (!as)
            continue;
        snprintf(msg, sizeof msg, "item %lld (%s)", (long long)id, as);
        sqlite3_reset(q);
        sqlite3_bind_int64(q, 1, id);
        if (sqlite3_step(q) == SQLITE_ROW) {
            dbsha = (const char *)sqlite3_column_text(q, 0);
            disp = (const char *)sqlite3_column_text(q, 1);
        }
        if (!sha || !dbsha || strcmp(sha, dbsha) != 0) {
            fn(msg, "the receipt's SHA-256 is not the case database's", arg);
            problems++;
            continue;
        }
        if (!disp || (strcmp(disp, "relevant") != 0 && strcmp(disp, "needs-review") != 0)) {
            fn(msg, "the case database does not make this item relevant or needs-review", arg);
            problems++;
            continue;
        }
        if (members) {
            const char *a = json_string_value(json_object_get(members, as));
            if (!a || strcmp(a, sha) != 0) {
                fn(msg, a ? "SHA-256 of the archive member differs: changed after the export"
                          : "missing from the archive", arg);
                problems++;
                continue;
            }
        } else {
            if (strstr(as, "..") || as[0] == '/' ||
                (fd = openat(dirfd, as, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
                fn(msg, "missing (or not a plain file under the export)", arg);
                problems++;
                continue;
            }
            if (hash_fd(fd, h, buf, &got, err) != 0 || strcmp(got.sha256, sha) != 0) {
                fn(msg, "SHA-256 of the exported file differs: changed after the export", arg);
                problems++;
                close(fd);
                continue;
            }
            close(fd);
        }
        (*checked)++;
    }
out:
    sqlite3_finalize(q);
    free(disk);
    free(csv);
    free(buf);
    pt_hash_free(h);
    json_decref(members);
    json_decref(rows);
    if (db)
        pt_casedb_close(db, NULL);
    close(dirfd);
    return problems;
}
