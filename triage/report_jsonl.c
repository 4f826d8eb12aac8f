/* report_jsonl.c - manifest.jsonl writer.  Reads case.db only; owns the
 * output FILE and the jansson objects of one row at a time.  Strings that
 * are not valid UTF-8 (names from the evidence) are written with \xNN
 * escapes, as in manifest.csv, since JSON text must be UTF-8. */
#include "report_jsonl.h"

#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

static const char query[] =
    "SELECT i.id, e.label, v.label, i.path, i.kind, i.allocated, i.size, i.inode, i.attr_type, i.attr_id,"
    " i.mtime, i.mtime_ns, i.atime, i.atime_ns, i.ctime, i.ctime_ns, i.crtime, i.crtime_ns,"
    " i.uid, i.gid, i.owner, i.mode, i.link_target, i.md5, i.sha1, i.sha256, i.mime, i.category, i.entropy,"
    " i.encryption, i.encryption_format, i.encryption_reason, i.chi2_p, i.serial_corr, i.pi_error,"
    " i.window_entropy_max, i.rules, i.disposition, i.reason, i.error, i.error_severity, i.bytes_read"
    " FROM items i JOIN evidence e ON e.id = i.evidence_id LEFT JOIN volumes v ON v.id = i.volume_id"
    " ORDER BY i.id";

/* Field names, in query order; "*" marks times (seconds + nanoseconds). */
static const char *const names[] = {
    "id", "evidence", "volume", "path", "kind", "allocated", "size", "inode", "attr_type", "attr_id",
    "mtime", "*", "atime", "*", "ctime", "*", "crtime", "*",
    "uid", "gid", "owner", "mode", "link_target", "md5", "sha1", "sha256", "mime", "category", "entropy",
    "encryption", "encryption_format", "encryption_reason", "chi2_p", "serial_corr", "pi_error",
    "window_entropy_max", "rules", "disposition", "reason", "error", "error_severity", "bytes_read",
};

static json_t *matches_of(sqlite3_stmt *mq, sqlite3_int64 id)
{
    json_t *arr = json_array();

    sqlite3_bind_int64(mq, 1, id);
    while (sqlite3_step(mq) == SQLITE_ROW) {
        json_t *m = json_object();
        int c;
        for (c = 0; c < 5; c++) {
            static const char *const mn[] = { "rule", "namespace", "tags", "disposition", "hits" };
            if (sqlite3_column_type(mq, c) == SQLITE_NULL)
                continue;
            json_object_set_new(m, mn[c], c == 4 ? json_integer(sqlite3_column_int64(mq, c))
                                                 : pt_report_jstr((const char *)sqlite3_column_text(mq, c)));
        }
        json_array_append_new(arr, m);
    }
    sqlite3_reset(mq);
    return arr;
}

int pt_report_jsonl_write(pt_report_ctx_t *ctx, FILE *f, pt_err_t *err)
{
    sqlite3 *h = pt_casedb_handle(ctx->db);
    sqlite3_stmt *st = NULL, *mq = NULL;
    int rc = PT_OK, step, c, has_matches;

    if (sqlite3_prepare_v2(h, query, -1, &st, NULL) != SQLITE_OK)
        return pt_err_set(err, PT_EDB, "manifest.jsonl: %s", sqlite3_errmsg(h));
    has_matches = sqlite3_prepare_v2(h, "SELECT rule, namespace, tags, disposition, hits FROM matches"
                                        " WHERE item_id = ? ORDER BY id", -1, &mq, NULL) == SQLITE_OK;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        json_t *o = json_object();
        char *line;
        for (c = 0; c < (int)(sizeof names / sizeof names[0]); c++) {
            int t = sqlite3_column_type(st, c);
            json_t *v;
            if (names[c][0] == '*' || t == SQLITE_NULL)
                continue;
            if (c >= 10 && c <= 17) { /* a time: ISO 8601 plus the exact value */
                char iso[40], key[24];
                json_object_set_new(o, names[c], json_string(pt_text_iso8601(sqlite3_column_int64(st, c), iso,
                                                                             sizeof iso)));
                long long ns;
                snprintf(key, sizeof key, "%s_ns", names[c]);
                /* a time a damaged or hostile filesystem gives may be beyond
                 * what nanoseconds in 64 bits hold: null, the ISO form stays */
                if (__builtin_mul_overflow((long long)sqlite3_column_int64(st, c), 1000000000LL, &ns) ||
                    __builtin_add_overflow(ns, (long long)sqlite3_column_int64(st, c + 1), &ns))
                    json_object_set_new(o, key, json_null());
                else
                    json_object_set_new(o, key, json_integer(ns));
                continue;
            }
            if (t == SQLITE_INTEGER)
                v = json_integer(sqlite3_column_int64(st, c));
            else if (t == SQLITE_FLOAT)
                v = json_real(sqlite3_column_double(st, c));
            else
                v = pt_report_jstr((const char *)sqlite3_column_text(st, c));
            json_object_set_new(o, names[c], v);
        }
        if (has_matches)
            json_object_set_new(o, "matches", matches_of(mq, sqlite3_column_int64(st, 0)));
        line = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
        json_decref(o);
        if (!line || fputs(line, f) == EOF || fputc('\n', f) == EOF) {
            free(line);
            rc = pt_err_set(err, PT_EIO, "manifest.jsonl: write failed");
            goto out;
        }
        free(line);
    }
    if (step != SQLITE_DONE)
        rc = pt_err_set(err, PT_EDB, "manifest.jsonl: %s", sqlite3_errmsg(h));
out:
    sqlite3_finalize(mq);
    sqlite3_finalize(st);
    return rc;
}
