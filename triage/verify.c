/* verify.c - reports against the case database, and the case database
 * against the evidence.  Opens case.db read-only; reads evidence only
 * through reopen.c; writes nothing. */
#include "verify.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "casedb.h"
#include "file.h"
#include "hash.h"
#include "reopen.h"
#include "source.h"
#include "report.h"

int pt_verify_reports(const char *outdir, pt_verify_fn fn, void *arg, uint64_t *checked, pt_err_t *err)
{
    char path[4096];
    const pt_report_writer_t *w;
    pt_casedb_t *db;
    int problems = 0;

    *checked = 0;
    snprintf(path, sizeof path, "%s/case.db", outdir);
    if (!(db = pt_casedb_open_ro(path, err)))
        return err->code;
    for (w = pt_report_writers; w->name; w++) {
        char *want = NULL, *have;
        size_t wlen = 0, hlen = 0;
        pt_err_t rerr = { 0, "" };
        snprintf(path, sizeof path, "%s/%s", outdir, w->name);
        if (pt_file_read_all(path, &have, &hlen, NULL) != PT_OK) {
            fn(w->name, "missing or unreadable", arg);
            problems++;
            continue;
        }
        if (pt_report_render(db, outdir, w, &want, &wlen, &rerr) != PT_OK) {
            fn(w->name, rerr.msg, arg);
            problems++;
        } else if (wlen != hlen || memcmp(want, have, wlen) != 0) {
            fn(w->name, "differs from what case.db says (edited, or the database was changed)", arg);
            problems++;
        } else {
            (*checked)++;
        }
        free(want);
        free(have);
    }
    pt_casedb_close(db, NULL);
    return problems;
}

/* Images whose hash the scan computed (--image-hash) are hashed again whole. */
static int images_again(sqlite3 *h, const char *cwd, const pt_key_t *keys, size_t nkeys, pt_verify_fn fn, void *arg,
                        uint64_t *checked)
{
    sqlite3_stmt *st;
    int problems = 0;

    if (sqlite3_prepare_v2(h, "SELECT label, path, image_sha256 FROM evidence WHERE image_sha256 IS NOT NULL"
                              " ORDER BY id", -1, &st, NULL) != SQLITE_OK)
        return 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *label = (const char *)sqlite3_column_text(st, 0), *p = (const char *)sqlite3_column_text(st, 1);
        char path[8192], what[512];
        pt_source_t *src = NULL;
        pt_hash_result_t got;
        pt_err_t e = { 0, "" };
        snprintf(path, sizeof path, "%s%s%s", p[0] == '/' || !cwd ? "" : cwd, p[0] == '/' || !cwd ? "" : "/", p);
        snprintf(what, sizeof what, "image %s", label);
        if (pt_source_open_keys(path, keys, nkeys, &src, &e) != PT_OK || pt_source_hash(src, &got, &e) != PT_OK) {
            fn(what, e.msg, arg);
            problems++;
        } else if (src->locked && strcmp(got.sha256, (const char *)sqlite3_column_text(st, 2)) != 0) {
            /* the scan hashed the decrypted disk: without the key the file's
             * bytes are hashed, which says nothing about a change */
            fn(what, "an encrypted virtual disk that no key of --case opens (give the case.conf of the scan)", arg);
            problems++;
        } else if (strcmp(got.sha256, (const char *)sqlite3_column_text(st, 2)) != 0) {
            fn(what, "SHA-256 of the whole image differs from the scan's: the evidence changed", arg);
            problems++;
        } else {
            (*checked)++;
        }
        pt_source_close(src);
    }
    sqlite3_finalize(st);
    return problems;
}

int pt_verify_evidence(const char *outdir, const pt_key_t *keys, size_t n_keys, pt_verify_fn fn, void *arg,
                       uint64_t *checked, pt_err_t *err)
{
    char path[4096], what[512];
    pt_casedb_t *db;
    sqlite3_stmt *st = NULL, *run = NULL;
    pt_reopen_t *r = NULL;
    pt_hash_t *h = NULL;
    const char *cwd = NULL;
    int problems = 0, step;

    *checked = 0;
    snprintf(path, sizeof path, "%s/case.db", outdir);
    if (!(db = pt_casedb_open_ro(path, err)))
        return err->code;
    if (sqlite3_prepare_v2(pt_casedb_handle(db), "SELECT cwd FROM run ORDER BY id LIMIT 1", -1, &run, NULL) ==
            SQLITE_OK && sqlite3_step(run) == SQLITE_ROW)
        cwd = (const char *)sqlite3_column_text(run, 0);
    if (!(r = pt_reopen_new(err)) || !(h = pt_hash_new(PT_HASH_SHA256, err)) ||
        sqlite3_prepare_v2(pt_casedb_handle(db), "SELECT i.id, i.sha256, " PT_REOPEN_COLUMNS
                           " FROM items i JOIN evidence e ON e.id = i.evidence_id"
                           " LEFT JOIN volumes v ON v.id = i.volume_id WHERE i.sha256 IS NOT NULL"
                           /* an archive member is its archive's bytes, decoded, and an item of
                            * a disk image found as a file is that file's bytes: the archive's or
                            * image file's own hash covers it (reading the container once per
                            * item would not scale) */
                           " AND i.parent_id IS NULL AND v.parent_item_id IS NULL ORDER BY i.id",
                           -1, &st, NULL) != SQLITE_OK) {
        problems = err->code ? err->code : pt_err_set(err, PT_EDB, "case database: cannot read items");
        goto out;
    }
    pt_reopen_set_keys(r, keys, n_keys);
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        pt_hash_result_t got;
        pt_err_t ierr = { 0, "" };
        snprintf(what, sizeof what, "item %lld", (long long)sqlite3_column_int64(st, 0));
        if (pt_reopen_copy_id(r, pt_casedb_handle(db), sqlite3_column_int64(st, 0), cwd, h, -1, &got, &ierr) !=
            PT_OK) {
            fn(what, ierr.msg, arg);
            problems++;
        } else if (strcmp(got.sha256, (const char *)sqlite3_column_text(st, 1)) != 0) {
            fn(what, "SHA-256 read from the evidence now differs from the scan's: the evidence changed", arg);
            problems++;
        } else {
            (*checked)++;
        }
    }
    problems += images_again(pt_casedb_handle(db), cwd, keys, n_keys, fn, arg, checked);
out:
    sqlite3_finalize(st);
    sqlite3_finalize(run);
    pt_hash_free(h);
    pt_reopen_free(r);
    pt_casedb_close(db, NULL);
    return problems;
}
