/* merge.c - combining finished cases into one.  Owns the new case database
 * while it is built; each input is attached read-only in turn. */
#include "merge.h"

#include <inttypes.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "casedb.h"
#include "coverage.h"
#include "file.h"
#include "pseudo.h"
#include "report.h"

/* What must agree for the inputs to be parts of one case. */
static const char *const same_run[] = { "version", "options", "hash_algorithms", "rule_files", "case_number",
                                        "court", "examiner", "warrant" };

static int exec(sqlite3 *h, const char *sql, pt_err_t *err)
{
    char *msg = NULL;

    if (sqlite3_exec(h, sql, NULL, NULL, &msg) != SQLITE_OK) {
        pt_err_set(err, PT_EDB, "merge: %s", msg ? msg : sqlite3_errmsg(h));
        sqlite3_free(msg);
        return PT_EDB;
    }
    return PT_OK;
}

static int64_t scalar(sqlite3 *h, const char *sql)
{
    sqlite3_stmt *st = NULL;
    int64_t v = 0;

    if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* Checks input i (attached as "src") against the first one. */
static int check_input(sqlite3 *h, const char *name, int first, pt_err_t *err)
{
    static const char *const tables[] = { "run", "evidence", "volumes", "items", "errors", "matches" };
    char sql[512];
    size_t i;

    for (i = 0; i < sizeof tables / sizeof tables[0]; i++) {
        snprintf(sql, sizeof sql, "SELECT (SELECT group_concat(name) FROM pragma_table_info('%s', 'main')) IS "
                 "(SELECT group_concat(name) FROM pragma_table_info('%s', 'src'))", tables[i], tables[i]);
        if (!scalar(h, sql))
            return pt_err_set(err, PT_EFORMAT, "%s: written by another version of ptriage (table %s differs)",
                              name, tables[i]);
    }
    if (scalar(h, "SELECT count(*) FROM src.run WHERE finished IS NOT NULL") != 1)
        return pt_err_set(err, PT_EFORMAT, "%s: the scan did not finish (resume it first: ptriage scan --resume)",
                          name);
    if (first)
        return PT_OK;
    for (i = 0; i < sizeof same_run / sizeof same_run[0]; i++) {
        snprintf(sql, sizeof sql, "SELECT (SELECT %s FROM main.run) IS (SELECT %s FROM src.run)", same_run[i],
                 same_run[i]);
        if (!scalar(h, sql))
            return pt_err_set(err, PT_EFORMAT, "%s: its %s differs from the first case's: scans with different "
                              "settings are not one case", name, same_run[i]);
    }
    return PT_OK;
}

/* Copies table t of src shifted: `set` is the UPDATE list applied to a
 * temporary copy before it is inserted. */
static int copy_shifted(sqlite3 *h, const char *t, const char *set, pt_err_t *err)
{
    char sql[2048];
    int rc;

    snprintf(sql, sizeof sql, "DROP TABLE IF EXISTS temp.m; CREATE TEMP TABLE m AS SELECT * FROM src.%s;"
             "UPDATE temp.m SET %s; INSERT INTO main.%s SELECT * FROM temp.m ORDER BY id; DROP TABLE temp.m;",
             t, set, t); /* set is ours, under 600 bytes */
    rc = exec(h, sql, err);
    if (rc != PT_OK)
        pt_err_prefix(err, "copying %s", t);
    return rc;
}

/* One scan labels evidence by file name, "#N" from the second of a name. */
static int relabel(sqlite3 *h, pt_err_t *err)
{
    sqlite3_stmt *q = NULL, *u = NULL;
    int rc = PT_OK;

    if (sqlite3_prepare_v2(h, "SELECT e.id, e.label, (SELECT count(*) FROM main.evidence m WHERE m.label = e.label OR"
                              " substr(m.label, 1, length(e.label) + 1) = e.label || '#') FROM temp.m e ORDER BY e.id", -1, &q, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(h, "UPDATE temp.m SET label = ? WHERE id = ?", -1, &u, NULL) != SQLITE_OK)
        rc = pt_err_set(err, PT_EDB, "merge: %s", sqlite3_errmsg(h));
    while (rc == PT_OK && sqlite3_step(q) == SQLITE_ROW) {
        int n = sqlite3_column_int(q, 2);
        char label[4200];
        if (n == 0)
            continue;
        snprintf(label, sizeof label, "%s#%d", (const char *)sqlite3_column_text(q, 1), n + 1);
        sqlite3_reset(u);
        sqlite3_bind_text(u, 1, label, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(u, 2, sqlite3_column_int64(q, 0));
        if (sqlite3_step(u) != SQLITE_DONE)
            rc = pt_err_set(err, PT_EDB, "merge: %s", sqlite3_errmsg(h));
    }
    sqlite3_finalize(q);
    sqlite3_finalize(u);
    return rc;
}

static int add_input(sqlite3 *h, const char *dir, int first, pt_err_t *err)
{
    char path[PATH_MAX + 16], sql[1024], *uri;
    sqlite3_stmt *st = NULL;
    int64_t ev = scalar(h, "SELECT coalesce(max(id), 0) FROM main.evidence");
    int64_t vol = scalar(h, "SELECT coalesce(max(id), 0) FROM main.volumes");
    int64_t item = scalar(h, "SELECT coalesce(max(id), 0) FROM main.items");
    int64_t er = scalar(h, "SELECT coalesce(max(id), 0) FROM main.errors");
    int64_t ma = scalar(h, "SELECT coalesce(max(id), 0) FROM main.matches");
    int rc;

    snprintf(path, sizeof path, "%s/case.db", dir);
    if (!(uri = sqlite3_mprintf("file:%s?mode=ro", path)))
        return pt_err_set(err, PT_ENOMEM, "out of memory");
    if (sqlite3_prepare_v2(h, "ATTACH DATABASE ? AS src", -1, &st, NULL) != SQLITE_OK) {
        sqlite3_free(uri);
        return pt_err_set(err, PT_EDB, "merge: %s", sqlite3_errmsg(h));
    }
    sqlite3_bind_text(st, 1, uri, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(st) == SQLITE_DONE ? PT_OK : pt_err_set(err, PT_EDB, "%s: %s", path, sqlite3_errmsg(h));
    sqlite3_finalize(st);
    sqlite3_free(uri);
    if (rc != PT_OK)
        return rc;
    if (scalar(h, "SELECT count(*) FROM src.sqlite_schema WHERE name = 'run'") != 1) {
        exec(h, "DETACH DATABASE src", NULL);
        return pt_err_set(err, PT_EFORMAT, "%s: not a ptriage case", path);
    }
    if (first)
        rc = exec(h, "INSERT INTO main.run SELECT * FROM src.run", err);
    if (rc == PT_OK)
        rc = check_input(h, path, first, err);
    /* evidence: ids shifted, labels unique, paths absolute */
    if (rc == PT_OK) {
        snprintf(sql, sizeof sql, "DROP TABLE IF EXISTS temp.m; CREATE TEMP TABLE m AS SELECT * FROM src.evidence;"
                 "UPDATE temp.m SET path = (SELECT cwd FROM src.run) || '/' || path WHERE substr(path, 1, 1) != '/';");
        rc = exec(h, sql, err);
    }
    if (rc == PT_OK)
        rc = relabel(h, err);
    if (rc == PT_OK) {
        snprintf(sql, sizeof sql, "UPDATE temp.m SET id = id + %" PRId64 "; INSERT INTO main.evidence SELECT * FROM"
                 " temp.m ORDER BY id; DROP TABLE temp.m;", ev);
        rc = exec(h, sql, err);
    }
    if (rc == PT_OK) {
        snprintf(sql, sizeof sql, "id = id + %" PRId64 ", evidence_id = evidence_id + %" PRId64 ", parent_item_id ="
                 " parent_item_id + %" PRId64 ", parent_volume_id = parent_volume_id + %" PRId64, vol, ev, item, vol);
        rc = copy_shifted(h, "volumes", sql, err);
    }
    if (rc == PT_OK) {
        snprintf(sql, sizeof sql, "id = id + %" PRId64 ", evidence_id = evidence_id + %" PRId64 ", volume_id ="
                 " volume_id + %" PRId64 ", parent_id = parent_id + %" PRId64, item, ev, vol, item);
        rc = copy_shifted(h, "items", sql, err);
    }
    if (rc == PT_OK) {
        snprintf(sql, sizeof sql, "id = id + %" PRId64 ", evidence_id = evidence_id + %" PRId64 ", volume_id ="
                 " volume_id + %" PRId64 ", item_id = item_id + %" PRId64, er, ev, vol, item);
        rc = copy_shifted(h, "errors", sql, err);
    }
    if (rc == PT_OK) {
        snprintf(sql, sizeof sql, "id = id + %" PRId64 ", item_id = item_id + %" PRId64, ma, item);
        rc = copy_shifted(h, "matches", sql, err);
    }
    if (rc == PT_OK && !first) {
        /* the run: the earliest start, the latest end, the worst exit */
        rc = exec(h, "UPDATE main.run SET started = min(started, (SELECT started FROM src.run)),"
                     " finished = max(finished, (SELECT finished FROM src.run)),"
                     " exit_code = max(exit_code, (SELECT exit_code FROM src.run)),"
                     " host = host || ', ' || (SELECT host FROM src.run)", err);
    }
    exec(h, "DETACH DATABASE src", NULL);
    return rc;
}

static int store_coverage(void *arg, const pt_coverage_row_t *r)
{
    pt_err_t e = { 0, "" };

    return pt_casedb_add_coverage(arg, r, &e) == PT_OK ? 0 : -1;
}

int pt_merge_run(const char *const *inputs, int n, const char *outdir, const char *command_line, pt_err_t *err)
{
    char path[PATH_MAX + 16], summary[256];
    pt_casedb_t *db;
    sqlite3 *h;
    sqlite3_stmt *st = NULL;
    int i, rc = PT_OK, code = 2;

    if (n < 1)
        return pt_err_set(err, PT_EINVAL, "merge: no case given"), 2;
    for (i = 0; i < n; i++) {
        struct stat a, b;
        if (stat(inputs[i], &a) == 0 && stat(outdir, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino)
            return pt_err_set(err, PT_EINVAL, "merge: the output directory is one of the inputs"), 2;
    }
    if (!pt_file_dir_is_empty(outdir))
        return pt_err_set(err, PT_EEXIST, "output directory '%s' is not empty: ptriage never overwrites a case",
                          outdir), 2;
    if (pt_file_mkdir_p(outdir) != 0)
        return pt_err_set(err, PT_EIO, "cannot create output directory '%s'", outdir), 2;
    snprintf(path, sizeof path, "%s/case.db", outdir);
    if (!(db = pt_casedb_create(path, err)))
        return 2;
    h = pt_casedb_handle(db);
    for (i = 0; i < n && rc == PT_OK; i++) {
        rc = add_input(h, inputs[i], i == 0, err);
        if (rc != PT_OK)
            pt_err_prefix(err, "%s", inputs[i]);
    }
    if (rc == PT_OK && sqlite3_prepare_v2(h, "UPDATE run SET command_line = ?, argv = NULL, resumed = NULL,"
                                             " summary = ? WHERE id = 1", -1, &st, NULL) == SQLITE_OK) {
        snprintf(summary, sizeof summary, "%" PRId64 " items, merged from %d cases",
                 scalar(h, "SELECT count(*) FROM items"), n);
        sqlite3_bind_text(st, 1, command_line, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 2, summary, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = pt_err_set(err, PT_EDB, "merge: %s", sqlite3_errmsg(h));
        sqlite3_finalize(st);
    }
    if (rc == PT_OK)
        rc = pt_coverage_walk(db, store_coverage, db, err);
    if (rc == PT_OK)
        code = (int)scalar(h, "SELECT exit_code FROM run");
    if (pt_casedb_close(db, rc == PT_OK ? err : NULL) != PT_OK)
        rc = PT_EDB;
    /* a merged case is a new case: its own pseudonym key, every report */
    if (rc == PT_OK && (rc = pt_pseudo_key_create(outdir, err)) == PT_OK)
        rc = pt_report_case(outdir, NULL, err);
    return rc == PT_OK ? code : 2;
}
