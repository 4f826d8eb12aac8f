/* report_csv.c - manifest.csv writer.  Reads case.db only; owns the output
 * FILE while writing.  The same database always gives the same bytes. */
#include "report_csv.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

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

int pt_report_csv_write(pt_casedb_t *db, const char *path, uint64_t *rows, pt_err_t *err)
{
    sqlite3 *h = pt_casedb_handle(db);
    sqlite3_stmt *st = NULL;
    char tmp[4096];
    FILE *f = NULL;
    uint64_t n = 0;
    int rc = PT_OK, step, c;

    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    if (sqlite3_prepare_v2(h, query, -1, &st, NULL) != SQLITE_OK)
        return pt_err_set(err, PT_EDB, "manifest: %s", sqlite3_errmsg(h));
    if (!(f = fopen(tmp, "wbx"))) {
        rc = pt_err_set(err, PT_EIO, "%s: %s", tmp, strerror(errno));
        goto out;
    }
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
    if (fflush(f) != 0 || fsync(fileno(f)) != 0 || fclose(f) != 0) {
        f = NULL;
        goto ioerr;
    }
    f = NULL;
    if (rename(tmp, path) != 0)
        goto ioerr;
    if (rows)
        *rows = n;
    goto out;
ioerr:
    rc = pt_err_set(err, PT_EIO, "%s: %s", path, strerror(errno));
out:
    if (f) {
        fclose(f);
        remove(tmp);
    }
    sqlite3_finalize(st);
    return rc;
}
