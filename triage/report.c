/* report.c - the table of report writers, and the files they write: each
 * report goes to NAME.tmp, is synced, then renamed over NAME, so a crash
 * never leaves a half-written report under the real name.  Reads only
 * case.db and the case directory. */
#include "report.h"

#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report_csv.h"
#include "report_dfxml.h"
#include "report_html.h"
#include "report_jsonl.h"
#include "sign.h"
#include "sums.h"
#include "text.h"

const pt_report_writer_t pt_report_writers[] = {
    { "manifest.csv", pt_report_csv_write, NULL, NULL },
    { "manifest.jsonl", pt_report_jsonl_write, NULL, NULL },
    { "court-manifest.csv", pt_report_court_write, NULL, NULL },
    { "manifest.dfxml", pt_report_dfxml_write, NULL, NULL },
    { "coverage.csv", pt_report_coverage_write, NULL, NULL },
    /* last: it lists the others' hashes */
    { "report.html", pt_report_html_write, pt_report_html_body, pt_report_html_tail },
    { NULL, NULL, NULL, NULL },
};

static int ctx_init(pt_report_ctx_t *ctx, pt_casedb_t *db, const char *outdir, pt_err_t *err)
{
    pt_err_t kerr = { 0, "" };
    int rc;

    memset(ctx, 0, sizeof *ctx);
    ctx->db = db;
    ctx->outdir = outdir;
    rc = pt_pseudo_key_load(outdir, &ctx->key, &kerr);
    if (rc == PT_OK)
        ctx->have_key = 1;
    else if (rc != PT_ENOENT)
        return pt_err_set(err, rc, "%s", kerr.msg);
    return PT_OK;
}

/* Writes report w to NAME.tmp through emit (the whole report, or a body
 * rendered earlier and its tail), syncs it and renames it over NAME. */
static int write_one(pt_report_ctx_t *ctx, const pt_report_writer_t *w, const char *pre, size_t pre_len,
                     pt_err_t *err)
{
    char path[4096], tmp[4200];
    FILE *f;
    int rc;

    snprintf(path, sizeof path, "%s/%s", ctx->outdir, w->name);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    if ((remove(tmp) != 0 && errno != ENOENT) || !(f = fopen(tmp, "wbx")))
        return pt_err_set(err, PT_EIO, "%s: %s", tmp, strerror(errno));
    if (!pre)
        rc = w->write(ctx, f, err);
    else if (fwrite(pre, 1, pre_len, f) != pre_len)
        rc = pt_err_set(err, PT_EIO, "%s: %s", tmp, strerror(errno));
    else
        rc = w->tail(ctx, f, err);
    if (rc == PT_OK && (fflush(f) != 0 || fsync(fileno(f)) != 0 || ferror(f)))
        rc = pt_err_set(err, PT_EIO, "%s: %s", tmp, strerror(errno));
    if (fclose(f) != 0 && rc == PT_OK)
        rc = pt_err_set(err, PT_EIO, "%s: %s", tmp, strerror(errno));
    if (rc == PT_OK && rename(tmp, path) != 0)
        rc = pt_err_set(err, PT_EIO, "%s: %s", path, strerror(errno));
    if (rc != PT_OK)
        remove(tmp);
    return rc;
}

/* One report written by its own thread over its own read-only connection:
 * the case is finished, the reports read it and never each other (but the
 * last), so they are written side by side. */
typedef struct writer_job {
    const char *dbpath, *outdir;
    const pt_report_writer_t *w;
    uint64_t rows;
    int rc;
    pt_err_t err;
    char *body;                 /* a report with a tail: its body, rendered in memory */
    size_t body_len;
} writer_job_t;

static void *writer_thread(void *arg)
{
    writer_job_t *j = arg;
    pt_casedb_t *db = pt_casedb_open_ro(j->dbpath, &j->err);
    pt_report_ctx_t ctx;
    FILE *m;

    j->rc = db ? ctx_init(&ctx, db, j->outdir, &j->err) : (j->err.code ? j->err.code : PT_EDB);
    if (j->rc == PT_OK && j->w->body) {
        if (!(m = open_memstream(&j->body, &j->body_len))) {
            j->rc = pt_err_set(&j->err, PT_ENOMEM, "out of memory");
        } else {
            j->rc = j->w->body(&ctx, m, &j->err);
            if (fclose(m) != 0 && j->rc == PT_OK)
                j->rc = pt_err_set(&j->err, PT_ENOMEM, "out of memory");
        }
    } else if (j->rc == PT_OK) {
        j->rc = write_one(&ctx, j->w, NULL, 0, &j->err);
    }
    j->rows = j->rc == PT_OK ? ctx.rows : 0;
    pt_casedb_close(db, NULL);
    return NULL;
}

/* Every report at once, each on a thread; a report with a tail (report.html,
 * which lists the others' hashes) renders its body meanwhile and is
 * written when the others are. */
static int write_all(const char *dbpath, const char *outdir, uint64_t *rows, pt_err_t *err)
{
    writer_job_t jobs[16];
    pthread_t tid[16];
    int started[16] = { 0 };
    size_t n = 0, i;
    int rc = PT_OK;

    while (pt_report_writers[n].name && n < 16)
        n++;
    for (i = 0; i < n; i++) {
        memset(&jobs[i], 0, sizeof jobs[i]);
        jobs[i].dbpath = dbpath;
        jobs[i].outdir = outdir;
        jobs[i].w = &pt_report_writers[i];
        started[i] = pthread_create(&tid[i], NULL, writer_thread, &jobs[i]) == 0;
        if (!started[i])
            writer_thread(&jobs[i]); /* no thread to be had: write it here */
    }
    for (i = 0; i < n; i++) {
        if (started[i])
            pthread_join(tid[i], NULL);
        if (rc == PT_OK && jobs[i].rc != PT_OK) {
            rc = jobs[i].rc;
            if (err)
                *err = jobs[i].err;
        }
        if (rows && jobs[i].rows)
            *rows = jobs[i].rows;
    }
    for (i = 0; i < n; i++) {
        if (rc == PT_OK && jobs[i].w->tail) {
            pt_report_ctx_t ctx;
            if ((rc = ctx_init(&ctx, NULL, outdir, err)) == PT_OK)
                rc = write_one(&ctx, jobs[i].w, jobs[i].body ? jobs[i].body : "", jobs[i].body_len, err);
        }
        free(jobs[i].body);
    }
    return rc;
}

int pt_report_case(const char *outdir, uint64_t *rows, pt_err_t *err)
{
    char path[4096];
    int rc;

    snprintf(path, sizeof path, "%s/case.db", outdir);
    if (rows)
        *rows = 0;
    rc = write_all(path, outdir, rows, err);
    pt_sign_remove(outdir); /* it signed sums that are about to be replaced */
    if (rc == PT_OK)
        rc = pt_sums_write(outdir, err);
    return rc;
}

int pt_report_render(pt_casedb_t *db, const char *outdir, const pt_report_writer_t *w, char **buf,
                     size_t *len, pt_err_t *err)
{
    pt_report_ctx_t ctx;
    FILE *m;
    int rc;

    *buf = NULL;
    *len = 0;
    if ((rc = ctx_init(&ctx, db, outdir, err)) != PT_OK)
        return rc;
    if (!(m = open_memstream(buf, len)))
        return pt_err_set(err, PT_ENOMEM, "out of memory");
    rc = w->write(&ctx, m, err);
    if (fclose(m) != 0 && rc == PT_OK)
        rc = pt_err_set(err, PT_ENOMEM, "out of memory");
    if (rc != PT_OK) {
        free(*buf);
        *buf = NULL;
        *len = 0;
    }
    return rc;
}

static json_t *jstr(const char *s, int line)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m;
    json_t *j;

    if (!s)
        return json_null();
    if (pt_text_utf8_valid(s, strlen(s)) && !(line && pt_text_has_control(s)))
        return json_string(s);
    if (!(m = open_memstream(&buf, &len)))
        return NULL;
    if (line)
        pt_text_put_line_escaped(m, s);
    else
        pt_text_put_utf8_escaped(m, s);
    fclose(m);
    j = json_string(buf);
    free(buf);
    return j;
}

json_t *pt_report_jstr(const char *s)
{
    return jstr(s, 0);
}

json_t *pt_report_jstr_line(const char *s)
{
    return jstr(s, 1);
}

static int put_html_safe(const char *buf, size_t size, void *data)
{
    FILE *f = data;
    size_t i, start = 0;

    for (i = 0; i < size; i++) {
        const char *rep = buf[i] == '<' ? "\\u003c" : buf[i] == '>' ? "\\u003e" : buf[i] == '&' ? "\\u0026" : NULL;
        if (!rep)
            continue;
        if (fwrite(buf + start, 1, i - start, f) != i - start || fputs(rep, f) == EOF)
            return -1;
        start = i + 1;
    }
    return fwrite(buf + start, 1, size - start, f) == size - start ? 0 : -1;
}

int pt_report_put_json_html(FILE *f, const json_t *j)
{
    /* < > & occur only inside JSON strings, where \u escapes mean the same,
     * so no "</script>" or "<!--" from a file name can end the block */
    return json_dump_callback(j, put_html_safe, f, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10)) == 0
               ? 0 : -1;
}

const char *pt_report_owner(const char *owner, int have_uid, long long uid, char *buf, size_t size)
{
    if (owner && *owner)
        return owner;
    if (!have_uid)
        return "";
    snprintf(buf, size, "uid %lld", uid);
    return buf;
}

static int cmp_ref(const void *a, const void *b)
{
    return strcmp(((const pt_private_ref_t *)a)->pseudo, ((const pt_private_ref_t *)b)->pseudo);
}

int pt_report_private_refs(pt_report_ctx_t *ctx, pt_private_ref_t **out, size_t *n, pt_err_t *err)
{
    sqlite3 *h = pt_casedb_handle(ctx->db);
    sqlite3_stmt *st = NULL;
    pt_private_ref_t *v = NULL;
    size_t cnt = 0, cap = 0;
    int step, rc = PT_OK;

    *out = NULL;
    *n = 0;
    if (!ctx->have_key)
        return pt_err_set(err, PT_EINVAL, "%s/%s: missing: private items cannot be pseudonymised",
                          ctx->outdir, PT_PSEUDO_KEY_FILE);
    if (sqlite3_prepare_v2(h, "SELECT i.id, e.label, coalesce(v.label, ''), i.path FROM items i"
                              " JOIN evidence e ON e.id = i.evidence_id LEFT JOIN volumes v ON v.id = i.volume_id"
                              " WHERE i.disposition = 'private' ORDER BY i.id", -1, &st, NULL) != SQLITE_OK)
        return pt_err_set(err, PT_EDB, "private items: %s", sqlite3_errmsg(h));
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        if (cnt == cap) {
            pt_private_ref_t *nv = realloc(v, (cap = cap ? cap * 2 : 256) * sizeof *v);
            if (!nv) {
                rc = pt_err_set(err, PT_ENOMEM, "out of memory");
                goto out;
            }
            v = nv;
        }
        v[cnt].id = sqlite3_column_int64(st, 0);
        pt_pseudo_name(&ctx->key, (const char *)sqlite3_column_text(st, 1), (const char *)sqlite3_column_text(st, 2),
                       (const char *)sqlite3_column_text(st, 3), v[cnt].pseudo);
        cnt++;
    }
    if (step != SQLITE_DONE)
        rc = pt_err_set(err, PT_EDB, "private items: %s", sqlite3_errmsg(h));
out:
    sqlite3_finalize(st);
    if (rc != PT_OK) {
        free(v);
        return rc;
    }
    if (cnt)
        qsort(v, cnt, sizeof *v, cmp_ref);
    *out = v;
    *n = cnt;
    return PT_OK;
}
