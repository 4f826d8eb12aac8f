/* report_csv.c - manifest.csv (examiner's, complete) and court-manifest.csv
 * (private items redacted).  Reads case.db only; report.c owns the files.
 * The same database always gives the same bytes. */
#include "report_csv.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

static const char header[] =
    "id,evidence,volume,path,kind,allocated,size,mtime,atime,ctime,crtime,uid,gid,"
    "md5,sha256,mime,category,entropy,encryption,encryption_format,rules,disposition,"
    "reason,error\r\n";

static const char query[] =
    "SELECT i.id, e.label, v.label, i.path, i.kind, i.allocated, i.size,"
    " i.mtime, i.atime, i.ctime, i.crtime, i.uid, i.gid, i.md5, i.sha256, i.mime,"
    " i.category, i.entropy, i.encryption, i.encryption_format, i.rules, i.disposition,"
    " i.reason, i.error"
    " FROM items i JOIN evidence e ON e.id = i.evidence_id"
    " LEFT JOIN volumes v ON v.id = i.volume_id ORDER BY i.id";

enum { C_ID, C_EV, C_VOL, C_PATH, C_KIND, C_ALLOC, C_SIZE, C_MTIME, C_ATIME, C_CTIME, C_CRTIME,
       C_UID, C_GID, C_MD5, C_SHA256, C_MIME, C_CAT, C_ENTROPY, C_ENC, C_ENCFMT, C_RULES,
       C_DISP, C_REASON, C_ERROR, C_N };

static int put_col(FILE *f, sqlite3_stmt *st, int c)
{
    char buf[64];

    if (sqlite3_column_type(st, c) == SQLITE_NULL)
        return 0;
    switch (c) {
    case C_MTIME: case C_ATIME: case C_CTIME: case C_CRTIME:
        return fputs(pt_text_iso8601(sqlite3_column_int64(st, c), buf, sizeof buf), f) < 0 ? -1 : 0;
    case C_ENTROPY:
        return fprintf(f, "%.4f", sqlite3_column_double(st, c)) < 0 ? -1 : 0;
    case C_ID: case C_ALLOC: case C_SIZE: case C_UID: case C_GID:
        return fprintf(f, "%lld", (long long)sqlite3_column_int64(st, c)) < 0 ? -1 : 0;
    default:
        return pt_text_put_csv_field(f, (const char *)sqlite3_column_text(st, c)) < 0 ? -1 : 0;
    }
}

int pt_report_csv_write(pt_report_ctx_t *ctx, FILE *f, pt_err_t *err)
{
    sqlite3 *h = pt_casedb_handle(ctx->db);
    sqlite3_stmt *st = NULL;
    uint64_t n = 0;
    int rc = PT_OK, step, c;

    if (sqlite3_prepare_v2(h, query, -1, &st, NULL) != SQLITE_OK)
        return pt_err_set(err, PT_EDB, "manifest: %s", sqlite3_errmsg(h));
    if (fputs(header, f) < 0)
        goto ioerr;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        for (c = 0; c < C_N; c++) {
            if ((c > 0 && fputc(',', f) == EOF) || put_col(f, st, c) < 0)
                goto ioerr;
        }
        if (fputs("\r\n", f) < 0)
            goto ioerr;
        n++;
    }
    if (step != SQLITE_DONE) {
        rc = pt_err_set(err, PT_EDB, "manifest: %s", sqlite3_errmsg(h));
        goto out;
    }
    ctx->rows = n;
    goto out;
ioerr:
    rc = pt_err_set(err, PT_EIO, "manifest.csv: %s", strerror(errno));
out:
    sqlite3_finalize(st);
    return rc;
}

/* court-manifest.csv: private items last, by pseudonym, with only what the
 * design's Privacy section allows (category, size, month, owner). */
static const char court_header[] =
    "pseudonym,id,evidence,volume,path,kind,allocated,size,mtime,crtime,month,owner,category,mime,"
    "encryption,encryption_format,md5,sha256,disposition,reason,error\r\n";

static const char court_query[] =
    "SELECT i.id, e.label, v.label, i.path, i.kind, i.allocated, i.size, i.mtime, i.crtime, i.owner,"
    " i.uid, i.category, i.mime, i.encryption, i.encryption_format, i.md5, i.sha256, i.disposition,"
    " i.reason, i.error"
    " FROM items i JOIN evidence e ON e.id = i.evidence_id LEFT JOIN volumes v ON v.id = i.volume_id";

enum { K_ID, K_EV, K_VOL, K_PATH, K_KIND, K_ALLOC, K_SIZE, K_MTIME, K_CRTIME, K_OWNER, K_UID, K_CAT,
       K_MIME, K_ENC, K_ENCFMT, K_MD5, K_SHA256, K_DISP, K_REASON, K_ERROR };

static const char *col(sqlite3_stmt *st, int c)
{
    return (const char *)sqlite3_column_text(st, c);
}

static int court_row(FILE *f, sqlite3_stmt *st, const char *pseudo)
{
    char t1[40], t2[40], month[16], ob[32];
    int priv = pseudo != NULL, have_m = sqlite3_column_type(st, K_MTIME) != SQLITE_NULL;
    const char *owner = pt_report_owner(col(st, K_OWNER), sqlite3_column_type(st, K_UID) != SQLITE_NULL,
                                        sqlite3_column_int64(st, K_UID), ob, sizeof ob);
    const char *error = col(st, K_ERROR);

    t1[0] = t2[0] = month[0] = '\0';
    if (have_m) {
        pt_text_utc(sqlite3_column_int64(st, K_MTIME), "%Y-%m", month, sizeof month);
        if (!priv)
            pt_text_iso8601(sqlite3_column_int64(st, K_MTIME), t1, sizeof t1);
    }
    if (!priv && sqlite3_column_type(st, K_CRTIME) != SQLITE_NULL)
        pt_text_iso8601(sqlite3_column_int64(st, K_CRTIME), t2, sizeof t2);
    if (priv && error && *error)
        error = "not completely read (details in the examiner's manifest)";
    if (pt_text_put_csv_field(f, pseudo ? pseudo : "") < 0 ||
        fprintf(f, priv ? ",," : ",%lld,", (long long)sqlite3_column_int64(st, K_ID)) < 0 ||
        pt_text_put_csv_field(f, col(st, K_EV)) < 0 || fputc(',', f) == EOF ||
        pt_text_put_csv_field(f, col(st, K_VOL)) < 0 || fputc(',', f) == EOF ||
        pt_text_put_csv_field(f, priv ? NULL : col(st, K_PATH)) < 0 || fputc(',', f) == EOF ||
        pt_text_put_csv_field(f, col(st, K_KIND)) < 0 ||
        fprintf(f, ",%d,%lld,%s,%s,%s,", sqlite3_column_int(st, K_ALLOC), (long long)sqlite3_column_int64(st, K_SIZE),
                t1, t2, month) < 0 ||
        pt_text_put_csv_field(f, owner) < 0 || fputc(',', f) == EOF ||
        pt_text_put_csv_field(f, col(st, K_CAT)) < 0 || fputc(',', f) == EOF ||
        pt_text_put_csv_field(f, priv ? NULL : col(st, K_MIME)) < 0 || fputc(',', f) == EOF ||
        pt_text_put_csv_field(f, col(st, K_ENC)) < 0 || fputc(',', f) == EOF ||
        pt_text_put_csv_field(f, col(st, K_ENCFMT)) < 0 || fputc(',', f) == EOF ||
        pt_text_put_csv_field(f, priv ? NULL : col(st, K_MD5)) < 0 || fputc(',', f) == EOF ||
        pt_text_put_csv_field(f, priv ? NULL : col(st, K_SHA256)) < 0 || fputc(',', f) == EOF ||
        pt_text_put_csv_field(f, col(st, K_DISP)) < 0 || fputc(',', f) == EOF ||
        pt_text_put_csv_field(f, col(st, K_REASON)) < 0 || fputc(',', f) == EOF ||
        pt_text_put_csv_field(f, error) < 0 || fputs("\r\n", f) == EOF)
        return -1;
    return 0;
}

int pt_report_court_write(pt_report_ctx_t *ctx, FILE *f, pt_err_t *err)
{
    sqlite3 *h = pt_casedb_handle(ctx->db);
    sqlite3_stmt *st = NULL, *one = NULL;
    pt_private_ref_t *refs = NULL;
    size_t n = 0, i;
    int rc, step;
    char q[1024];

    if ((rc = pt_report_private_refs(ctx, &refs, &n, err)) != PT_OK)
        return rc;
    snprintf(q, sizeof q, "%s WHERE i.disposition IS NOT 'private' ORDER BY i.id", court_query);
    if (sqlite3_prepare_v2(h, q, -1, &st, NULL) != SQLITE_OK) {
        rc = pt_err_set(err, PT_EDB, "court-manifest: %s", sqlite3_errmsg(h));
        goto out;
    }
    snprintf(q, sizeof q, "%s WHERE i.id = ?", court_query);
    if (sqlite3_prepare_v2(h, q, -1, &one, NULL) != SQLITE_OK) {
        rc = pt_err_set(err, PT_EDB, "court-manifest: %s", sqlite3_errmsg(h));
        goto out;
    }
    if (fputs(court_header, f) == EOF)
        goto ioerr;
    while ((step = sqlite3_step(st)) == SQLITE_ROW)
        if (court_row(f, st, NULL) < 0)
            goto ioerr;
    if (step != SQLITE_DONE) {
        rc = pt_err_set(err, PT_EDB, "court-manifest: %s", sqlite3_errmsg(h));
        goto out;
    }
    for (i = 0; i < n; i++) {
        sqlite3_bind_int64(one, 1, refs[i].id);
        if (sqlite3_step(one) == SQLITE_ROW && court_row(f, one, refs[i].pseudo) < 0)
            goto ioerr;
        sqlite3_reset(one);
    }
    goto out;
ioerr:
    rc = pt_err_set(err, PT_EIO, "court-manifest.csv: %s", strerror(errno));
out:
    free(refs);
    sqlite3_finalize(one);
    sqlite3_finalize(st);
    return rc;
}

/* coverage.csv: the ledger, row by row as case.db holds it. */
int pt_report_coverage_write(pt_report_ctx_t *ctx, FILE *f, pt_err_t *err)
{
    sqlite3 *h = pt_casedb_handle(ctx->db);
    sqlite3_stmt *st;
    int step;

    if (sqlite3_prepare_v2(h, "SELECT evidence, evidence_size, volume, offset, bytes, examined, what, reason"
                              " FROM coverage ORDER BY id", -1, &st, NULL) != SQLITE_OK)
        return pt_err_set(err, PT_EDB, "coverage.csv: %s", sqlite3_errmsg(h));
    fputs("evidence,evidence_size,volume,offset,bytes,status,what,reason\r\n", f);
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        pt_text_put_csv_field(f, col(st, 0));
        fprintf(f, ",%lld,", (long long)sqlite3_column_int64(st, 1));
        pt_text_put_csv_field(f, col(st, 2));
        fprintf(f, ",%lld,%lld,%s,", (long long)sqlite3_column_int64(st, 3), (long long)sqlite3_column_int64(st, 4),
                sqlite3_column_int(st, 5) ? "examined" : "not examined");
        pt_text_put_csv_field(f, col(st, 6));
        fputc(',', f);
        pt_text_put_csv_field(f, col(st, 7));
        fputs("\r\n", f);
    }
    sqlite3_finalize(st);
    if (step != SQLITE_DONE)
        return pt_err_set(err, PT_EDB, "coverage.csv: %s", sqlite3_errmsg(h));
    return ferror(f) ? pt_err_set(err, PT_EIO, "coverage.csv: write failed") : PT_OK;
}
