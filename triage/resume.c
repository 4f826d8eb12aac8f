/* resume.c - copy-forward from an interrupted case.db.  Owns its prepared
 * statements; the attached database is the caller's file, opened read-only
 * by SQLite through ATTACH (mode=ro). */
#include "resume.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct pt_resume {
    sqlite3 *h;
    sqlite3_stmt *match, *item, *matches, *errors;
    int64_t last;               /* the last committed item: never copied */
    uint64_t copied, bytes;
};

static int prep(sqlite3 *h, sqlite3_stmt **st, const char *sql, pt_err_t *err)
{
    if (sqlite3_prepare_v2(h, sql, -1, st, NULL) != SQLITE_OK)
        return pt_err_set(err, PT_EDB, "resume: %s", sqlite3_errmsg(h));
    return PT_OK;
}

/* The interrupted case must have the same tables and columns as this
 * version writes: rows are copied column for column. */
static int same_schema(sqlite3 *h, pt_err_t *err)
{
    static const char *const tables[] = { "items", "matches", "errors", "volumes", "evidence", "run" };
    size_t i;
    int rc = PT_OK;

    for (i = 0; i < sizeof tables / sizeof tables[0] && rc == PT_OK; i++) {
        sqlite3_stmt *st = NULL;
        char sql[256];
        snprintf(sql, sizeof sql, "SELECT (SELECT group_concat(name) FROM pragma_table_info('%s', 'main')) IS "
                 "(SELECT group_concat(name) FROM pragma_table_info('%s', 'old'))", tables[i], tables[i]);
        if ((rc = prep(h, &st, sql, err)) == PT_OK && (sqlite3_step(st) != SQLITE_ROW || !sqlite3_column_int(st, 0)))
            rc = pt_err_set(err, PT_EFORMAT, "resume: the interrupted case was written by another version of "
                            "ptriage (table %s differs): scan again into a new directory", tables[i]);
        sqlite3_finalize(st);
    }
    return rc;
}

int pt_resume_open(pt_casedb_t *db, const char *old_path, pt_resume_t **out, pt_err_t *err)
{
    pt_resume_t *r = calloc(1, sizeof *r);
    sqlite3_stmt *st = NULL;
    char *uri;
    int rc;

    *out = NULL;
    if (!r)
        return pt_err_set(err, PT_ENOMEM, "out of memory");
    r->h = pt_casedb_handle(db);
    /* read-only: the interrupted case is evidence of what was done */
    if (!(uri = sqlite3_mprintf("file:%s?mode=ro", old_path)) ||
        (rc = prep(r->h, &st, "ATTACH DATABASE ? AS old", err)) != PT_OK) {
        sqlite3_free(uri);
        free(r);
        return uri ? rc : pt_err_set(err, PT_ENOMEM, "out of memory");
    }
    sqlite3_bind_text(st, 1, uri, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(st) == SQLITE_DONE ? PT_OK : pt_err_set(err, PT_EDB, "resume: %s: %s", old_path,
                                                               sqlite3_errmsg(r->h));
    sqlite3_finalize(st);
    sqlite3_free(uri);
    if (rc == PT_OK)
        rc = same_schema(r->h, err);
    if (rc == PT_OK && (rc = prep(r->h, &st, "SELECT coalesce(max(id), 0) FROM old.items", err)) == PT_OK) {
        if (sqlite3_step(st) == SQLITE_ROW)
            r->last = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
    }
    if (rc == PT_OK)
        rc = prep(r->h, &r->match,
                  "SELECT evidence_id, coalesce(volume_id, 0), path, kind, inode, size, bytes_read, error,"
                  " error_severity FROM old.items i WHERE id = ?1 AND id < ?2"
                  " AND NOT EXISTS (SELECT 1 FROM old.items c WHERE c.parent_id = i.id)"
                  " AND NOT EXISTS (SELECT 1 FROM old.volumes v WHERE v.parent_item_id = i.id)", err);
    if (rc == PT_OK)
        rc = prep(r->h, &r->item, "INSERT INTO main.items SELECT * FROM old.items WHERE id = ?", err);
    if (rc == PT_OK)
        rc = prep(r->h, &r->matches, "INSERT INTO main.matches(item_id, rule, namespace, tags, disposition, reason,"
                  " hits) SELECT item_id, rule, namespace, tags, disposition, reason, hits FROM old.matches"
                  " WHERE item_id = ? ORDER BY id", err);
    if (rc == PT_OK)
        rc = prep(r->h, &r->errors, "INSERT INTO main.errors(evidence_id, volume_id, item_id, severity, location,"
                  " message) SELECT evidence_id, volume_id, item_id, severity, location, message FROM old.errors"
                  " WHERE item_id = ? ORDER BY id", err);
    if (rc != PT_OK) {
        pt_resume_close(r, NULL, NULL);
        return rc;
    }
    *out = r;
    return PT_OK;
}

void pt_resume_close(pt_resume_t *r, uint64_t *copied, uint64_t *bytes)
{
    if (!r)
        return;
    if (copied)
        *copied = r->copied;
    if (bytes)
        *bytes = r->bytes;
    sqlite3_finalize(r->match);
    sqlite3_finalize(r->item);
    sqlite3_finalize(r->matches);
    sqlite3_finalize(r->errors);
    sqlite3_exec(r->h, "DETACH DATABASE old", NULL, NULL, NULL);
    free(r);
}

static int same_text(sqlite3_stmt *st, int c, const char *s)
{
    const char *v = (const char *)sqlite3_column_text(st, c);

    return v && s && strcmp(v, s) == 0;
}

int pt_resume_match(pt_resume_t *r, int64_t id, pt_item_t *it)
{
    sqlite3_stmt *st = r->match;
    int ok;

    sqlite3_reset(st);
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, r->last);
    if (sqlite3_step(st) != SQLITE_ROW)
        return 0;
    ok = sqlite3_column_int64(st, 0) == it->evidence_id && sqlite3_column_int64(st, 1) == it->volume_id &&
         same_text(st, 2, it->path) && same_text(st, 3, it->kind) &&
         (uint64_t)sqlite3_column_int64(st, 5) == it->size &&
         (it->has_inode ? sqlite3_column_type(st, 4) != SQLITE_NULL && (uint64_t)sqlite3_column_int64(st, 4) == it->inode
                        : sqlite3_column_type(st, 4) == SQLITE_NULL);
    if (!ok)
        return 0;
    it->bytes_read = (uint64_t)sqlite3_column_int64(st, 6);
    if (sqlite3_column_type(st, 7) != SQLITE_NULL) {
        snprintf(it->error, sizeof it->error, "%s", (const char *)sqlite3_column_text(st, 7));
        it->error_severity = same_text(st, 8, "error") ? "error" : "note";
    }
    return 1;
}

int pt_resume_copy(pt_resume_t *r, int64_t id, pt_err_t *err)
{
    sqlite3_stmt *sts[3] = { r->item, r->matches, r->errors };
    int i;

    for (i = 0; i < 3; i++) {
        sqlite3_reset(sts[i]);
        sqlite3_bind_int64(sts[i], 1, id);
        if (sqlite3_step(sts[i]) != SQLITE_DONE)
            return pt_err_set(err, PT_EDB, "resume: copying item %lld: %s", (long long)id, sqlite3_errmsg(r->h));
    }
    r->copied++;
    return PT_OK;
}

/* Reports are written after the database is closed; an interruption there
 * leaves some of them, which the resumed scan writes again. */
static const char *const outputs[] = { "manifest.csv", "manifest.jsonl", "court-manifest.csv", "manifest.dfxml",
                                       "coverage.csv", "report.html", "SHA256SUMS", "SHA256SUMS.sig",
                                       "SHA256SUMS.pub" };

static int read_run(const char *db, json_t **args, char *cwd, size_t cwd_size, pt_err_t *err)
{
    sqlite3 *h = NULL;
    sqlite3_stmt *st = NULL;
    json_error_t je;
    int rc = PT_OK;

    if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(h, "SELECT argv, finished, cwd FROM run WHERE id = 1", -1, &st, NULL) != SQLITE_OK) {
        rc = pt_err_set(err, PT_EDB, "%s: %s", db, h ? sqlite3_errmsg(h) : "cannot open");
    } else if (sqlite3_step(st) != SQLITE_ROW) {
        rc = pt_err_set(err, PT_EFORMAT, "%s: no scan is recorded in it", db);
    } else if (sqlite3_column_type(st, 1) != SQLITE_NULL) {
        rc = pt_err_set(err, PT_EINVAL, "%s: that scan finished; there is nothing to resume", db);
    } else if (sqlite3_column_type(st, 0) == SQLITE_NULL ||
               !(*args = json_loads((const char *)sqlite3_column_text(st, 0), 0, &je)) || !json_is_array(*args)) {
        rc = pt_err_set(err, PT_EFORMAT, "%s: its arguments are not recorded (an older ptriage): scan again", db);
    } else {
        snprintf(cwd, cwd_size, "%s", sqlite3_column_text(st, 2) ? (const char *)sqlite3_column_text(st, 2) : ".");
    }
    sqlite3_finalize(st);
    sqlite3_close(h);
    return rc;
}

int pt_resume_prepare(const char *outdir, int *argc, char ***argv, char *cwd, size_t cwd_size, char *old,
                      size_t old_size, pt_err_t *err)
{
    char db[PATH_MAX], path[PATH_MAX + 32], to[PATH_MAX + 32];
    json_t *args = NULL;
    size_t i;
    int rc;

    *argc = 0;
    *argv = NULL;
    snprintf(db, sizeof db, "%s/case.db", outdir);
    if (access(db, F_OK) != 0)
        return pt_err_set(err, PT_ENOENT, "%s: no case database to resume", db);
    if ((rc = read_run(db, &args, cwd, cwd_size, err)) != PT_OK)
        return rc;
    if (!(*argv = calloc(json_array_size(args) + 1, sizeof **argv))) {
        json_decref(args);
        return pt_err_set(err, PT_ENOMEM, "out of memory");
    }
    for (i = 0; i < json_array_size(args); i++) {
        const char *a = json_string_value(json_array_get(args, i));
        if (!a || !((*argv)[i] = strdup(a))) {
            pt_resume_args_free((int)i, *argv);
            json_decref(args);
            *argv = NULL;
            return pt_err_set(err, PT_EFORMAT, "%s: recorded arguments are damaged", db);
        }
    }
    *argc = (int)i;
    json_decref(args);
    /* the interrupted database (and its write-ahead log, which holds the
     * last commits) moves aside; the new scan writes case.db */
    snprintf(to, sizeof to, "%s.interrupted", db);
    if (rename(db, to) != 0) {
        rc = pt_err_set(err, PT_EIO, "moving %s aside: %s", db, strerror(errno));
        goto fail;
    }
    snprintf(path, sizeof path, "%s-wal", db);
    snprintf(to, sizeof to, "%s.interrupted-wal", db);
    if (access(path, F_OK) == 0 && rename(path, to) != 0) {
        rc = pt_err_set(err, PT_EIO, "moving %s aside: %s", path, strerror(errno));
        goto fail;
    }
    snprintf(path, sizeof path, "%s-shm", db);
    unlink(path);
    snprintf(path, sizeof path, "%s/scan.log", outdir);
    snprintf(to, sizeof to, "%s/scan-interrupted.log", outdir);
    if (access(path, F_OK) == 0 && rename(path, to) != 0) {
        rc = pt_err_set(err, PT_EIO, "moving %s aside: %s", path, strerror(errno));
        goto fail;
    }
    for (i = 0; i < sizeof outputs / sizeof outputs[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", outdir, outputs[i]);
        unlink(path);
    }
    snprintf(path, sizeof path, "%s.interrupted", db);
    if (!realpath(path, old) || strlen(old) >= old_size) {
        rc = pt_err_set(err, PT_EIO, "%s: %s", path, strerror(errno));
        goto fail;
    }
    return PT_OK;
fail:
    pt_resume_args_free(*argc, *argv);
    *argv = NULL;
    *argc = 0;
    return rc;
}

void pt_resume_args_free(int argc, char **argv)
{
    int i;

    for (i = 0; argv && i < argc; i++)
        free(argv[i]);
    free(argv);
}

void pt_resume_done(const char *old)
{
    char path[PATH_MAX + 8];

    unlink(old);
    snprintf(path, sizeof path, "%s-wal", old);
    unlink(path);
    snprintf(path, sizeof path, "%s-shm", old);
    unlink(path);
}
