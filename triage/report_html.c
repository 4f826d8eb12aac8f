/* report_html.c - report.html writer.  Reads case.db and the other outputs
 * (for their hashes); report.c owns the file.  Never writes a private
 * item's name, path, hash, type or match text: those rows go through
 * pt_report_private_refs and show a pseudonym. */
#include "report_html.h"

#include <errno.h>
#include <openssl/evp.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hash.h"
#include "text.h"
#include "version.h"
#include "report_assets.h"

#define esc pt_text_put_markup

static const char *txt(sqlite3_stmt *st, int c)
{
    return (const char *)sqlite3_column_text(st, c);
}

/* "12,345,678" */
static void put_count(FILE *f, unsigned long long n)
{
    char d[32];
    int len = snprintf(d, sizeof d, "%llu", n), i;

    for (i = 0; i < len; i++) {
        if (i && (len - i) % 3 == 0)
            fputc(',', f);
        fputc(d[i], f);
    }
}

/* "12,345,678 B (11.8 MiB)" */
static void put_bytes(FILE *f, unsigned long long n)
{
    static const char *const u[] = { "KiB", "MiB", "GiB", "TiB", "PiB" };
    double v = (double)n;
    int i = -1;

    put_count(f, n);
    fputs(" B", f);
    while (v >= 1024 && i < 4) {
        v /= 1024;
        i++;
    }
    if (i >= 0)
        fprintf(f, " (%.1f %s)", v, u[i]);
}

static void kv(FILE *f, const char *k, const char *v)
{
    fprintf(f, "<tr><th>%s</th><td>", k);
    esc(f, v && *v ? v : "");
    fputs("</td></tr>\n", f);
}

/* ---- aggregates: a table and an inline SVG bar chart ---- */

#define AGG_MAX 40 /* rows shown; the rest are summed into "all others" */

typedef struct agg_row {
    char *label;
    unsigned long long items, bytes;
} agg_row_t;

static void svg_chart(FILE *f, const agg_row_t *r, size_t n)
{
    unsigned long long max = 1;
    size_t i;
    const int lw = 220, bw = 460, rh = 20;

    for (i = 0; i < n; i++)
        if (r[i].items > max)
            max = r[i].items;
    fprintf(f, "<svg class=\"chart\" role=\"img\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\">\n",
            lw + bw + 90, (int)n * rh + 4, lw + bw + 90, (int)n * rh + 4);
    for (i = 0; i < n; i++) {
        int w = (int)((double)r[i].items / (double)max * bw);
        fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">", lw - 6, (int)i * rh + 15);
        esc(f, r[i].label);
        fprintf(f, "</text><rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#0b5394\"/>"
                   "<text x=\"%d\" y=\"%d\">%llu</text>\n",
                lw, (int)i * rh + 3, w > 0 ? w : 1, rh - 6, lw + (w > 0 ? w : 1) + 5, (int)i * rh + 15, r[i].items);
    }
    fputs("</svg>\n", f);
}

static int aggregate(FILE *f, sqlite3 *h, const char *id, const char *what, const char *sql, int chart)
{
    sqlite3_stmt *st;
    agg_row_t rows[AGG_MAX + 1];
    size_t n = 0, i;
    unsigned long long ti = 0, tb = 0;
    int step;

    if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) != SQLITE_OK)
        return -1;
    memset(rows, 0, sizeof rows);
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        unsigned long long it = (unsigned long long)sqlite3_column_int64(st, 1);
        unsigned long long by = (unsigned long long)sqlite3_column_int64(st, 2);
        const char *l = txt(st, 0);
        if (n == AGG_MAX && !rows[n].label)
            rows[n].label = strdup("(all others)");
        if (n < AGG_MAX) {
            rows[n].label = strdup(l ? l : "(none)");
            rows[n].items = it;
            rows[n].bytes = by;
            n++;
        } else {
            rows[n].items += it;
            rows[n].bytes += by;
        }
        ti += it;
        tb += by;
    }
    sqlite3_finalize(st);
    if (rows[AGG_MAX].label)
        n = AGG_MAX + 1;
    fprintf(f, "<table id=\"%s\"><tr><th>%s</th><th class=\"n\">items</th><th class=\"n\">bytes</th></tr>\n", id,
            what);
    for (i = 0; i < n; i++) {
        fputs("<tr><td>", f);
        esc(f, rows[i].label ? rows[i].label : "");
        fprintf(f, "</td><td class=\"n\" data-v=\"%llu\">", rows[i].items);
        put_count(f, rows[i].items);
        fprintf(f, "</td><td class=\"n\" data-v=\"%llu\">", rows[i].bytes);
        put_bytes(f, rows[i].bytes);
        fputs("</td></tr>\n", f);
    }
    fprintf(f, "<tr><th>total</th><th class=\"n\" data-v=\"%llu\">", ti);
    put_count(f, ti);
    fprintf(f, "</th><th class=\"n\" data-v=\"%llu\">", tb);
    put_bytes(f, tb);
    fputs("</th></tr></table>\n", f);
    if (chart && n)
        svg_chart(f, rows, n);
    for (i = 0; i < n; i++)
        free(rows[i].label);
    return step == SQLITE_DONE ? 0 : -1;
}

/* ---- item tables: JSON data shown by report.js ---- */

typedef struct tcol {
    const char *title;
    char type; /* n number, b bytes, s text, t time, h hash, d disposition */
} tcol_t;

static void table_open(FILE *f, const char *id, const tcol_t *cols, int ncols)
{
    json_t *c = json_array();
    int i;

    for (i = 0; i < ncols; i++) {
        char t[2] = { cols[i].type, 0 };
        json_array_append_new(c, json_pack("[ss]", cols[i].title, t));
    }
    fprintf(f, "<script type=\"application/json\" id=\"d-%s\">{\"cols\":", id);
    pt_report_put_json_html(f, c);
    json_decref(c);
    fputs(",\"rows\":[", f);
}

static json_t *cell(sqlite3_stmt *st, int c, char type)
{
    char iso[40];

    switch (sqlite3_column_type(st, c)) {
    case SQLITE_NULL:
        return json_null();
    case SQLITE_INTEGER:
        if (type == 't')
            return json_string(pt_text_iso8601(sqlite3_column_int64(st, c), iso, sizeof iso));
        return json_integer(sqlite3_column_int64(st, c));
    case SQLITE_FLOAT:
        return json_real(sqlite3_column_double(st, c));
    default:
        return pt_report_jstr_line(txt(st, c));
    }
}

/* Rows of st (columns in the order of cols) into the open table. */
static int table_rows(FILE *f, sqlite3_stmt *st, const tcol_t *cols, int ncols, unsigned long long *count)
{
    int step, c;

    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        json_t *row = json_array();
        for (c = 0; c < ncols; c++)
            json_array_append_new(row, cell(st, c, cols[c].type));
        if (*count)
            fputc(',', f);
        pt_report_put_json_html(f, row);
        json_decref(row);
        (*count)++;
    }
    return step == SQLITE_DONE ? 0 : -1;
}

static void table_close(FILE *f, const char *id, unsigned long long count)
{
    fputs("]}</script>\n", f);
    fprintf(f, "<p class=\"muted\">%llu rows.</p><div class=\"ptable\" id=\"t-%s\" data-src=\"d-%s\"></div>\n",
            count, id, id);
}

static int sql_table(FILE *f, sqlite3 *h, const char *id, const tcol_t *cols, int ncols, const char *sql)
{
    sqlite3_stmt *st;
    unsigned long long n = 0;
    int rc;

    if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) != SQLITE_OK)
        return -1;
    table_open(f, id, cols, ncols);
    rc = table_rows(f, st, cols, ncols, &n);
    sqlite3_finalize(st);
    table_close(f, id, n);
    return rc;
}

#define ITEM_FROM " FROM items i JOIN evidence e ON e.id = i.evidence_id LEFT JOIN volumes v ON v.id = i.volume_id"
#define NCOLS(a) ((int)(sizeof a / sizeof a[0]))

static const tcol_t item_cols[] = {
    { "id", 'n' }, { "evidence", 's' }, { "volume", 's' }, { "path", 's' }, { "kind", 's' }, { "size", 'b' },
    { "modified", 't' }, { "category", 's' }, { "type", 's' }, { "encryption", 's' }, { "format", 's' },
    { "SHA-256", 'h' }, { "rules", 's' }, { "reason", 's' },
};
#define ITEM_SELECT                                                                                        \
    "SELECT i.id, e.label, v.label, i.path, i.kind, i.size, nullif(i.mtime, 0), i.category, i.mime,"      \
    " i.encryption, i.encryption_format, i.sha256, i.rules, i.reason" ITEM_FROM

static const tcol_t priv_cols[] = {
    { "pseudonym", 'h' }, { "evidence", 's' }, { "volume", 's' }, { "kind", 's' }, { "size", 'b' },
    { "month", 's' }, { "owner", 's' }, { "category", 's' }, { "encryption", 's' }, { "reason", 's' },
};

static int private_table(FILE *f, pt_report_ctx_t *ctx, sqlite3 *h, pt_err_t *err)
{
    pt_private_ref_t *refs = NULL;
    size_t n = 0, i;
    sqlite3_stmt *st = NULL;
    int rc;

    if ((rc = pt_report_private_refs(ctx, &refs, &n, err)) != PT_OK)
        return rc;
    if (sqlite3_prepare_v2(h, "SELECT e.label, v.label, i.kind, i.size, i.mtime, i.owner, i.uid, i.category,"
                              " i.encryption, i.reason" ITEM_FROM " WHERE i.id = ?", -1, &st, NULL) != SQLITE_OK) {
        free(refs);
        return pt_err_set(err, PT_EDB, "report.html: %s", sqlite3_errmsg(h));
    }
    table_open(f, "private", priv_cols, NCOLS(priv_cols));
    for (i = 0; i < n; i++) {
        char month[16] = "", ob[32];
        json_t *row;
        sqlite3_bind_int64(st, 1, refs[i].id);
        if (sqlite3_step(st) != SQLITE_ROW) {
            sqlite3_reset(st);
            continue;
        }
        if (sqlite3_column_type(st, 4) != SQLITE_NULL && sqlite3_column_int64(st, 4) != 0)
            pt_text_utc(sqlite3_column_int64(st, 4), "%Y-%m", month, sizeof month);
        row = json_array();
        json_array_append_new(row, json_string(refs[i].pseudo));
        json_array_append_new(row, cell(st, 0, 's'));
        json_array_append_new(row, cell(st, 1, 's'));
        json_array_append_new(row, cell(st, 2, 's'));
        json_array_append_new(row, cell(st, 3, 'b'));
        json_array_append_new(row, month[0] ? json_string(month) : json_null());
        json_array_append_new(row, pt_report_jstr_line(pt_report_owner(txt(st, 5), sqlite3_column_type(st, 6) != SQLITE_NULL,
                                                                  sqlite3_column_int64(st, 6), ob, sizeof ob)));
        json_array_append_new(row, cell(st, 7, 's'));
        json_array_append_new(row, cell(st, 8, 's'));
        json_array_append_new(row, cell(st, 9, 's'));
        if (i)
            fputc(',', f);
        pt_report_put_json_html(f, row);
        json_decref(row);
        sqlite3_reset(st);
    }
    table_close(f, "private", n);
    sqlite3_finalize(st);
    free(refs);
    return PT_OK;
}

static const tcol_t err_cols[] = {
    { "severity", 's' }, { "evidence", 's' }, { "volume", 's' }, { "where", 's' }, { "message", 's' },
};

/* Errors, with those of private items named by pseudonym only. */
static int errors_table(FILE *f, pt_report_ctx_t *ctx, sqlite3 *h)
{
    sqlite3_stmt *st;
    unsigned long long n = 0;
    int step;

    if (sqlite3_prepare_v2(h, "SELECT r.severity, e.label, v.label, r.location, r.message, i.disposition, i.path"
                              " FROM errors r LEFT JOIN evidence e ON e.id = r.evidence_id"
                              " LEFT JOIN volumes v ON v.id = r.volume_id LEFT JOIN items i ON i.id = r.item_id"
                              " ORDER BY r.id", -1, &st, NULL) != SQLITE_OK)
        return -1;
    table_open(f, "errors", err_cols, NCOLS(err_cols));
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        json_t *row = json_array();
        const char *disp = txt(st, 5);
        int c;
        if (disp && strcmp(disp, "private") == 0) {
            char p[PT_PSEUDO_LEN] = "(no key)";
            if (ctx->have_key)
                pt_pseudo_name(&ctx->key, txt(st, 1) ? txt(st, 1) : "", txt(st, 2) ? txt(st, 2) : "",
                               txt(st, 6) ? txt(st, 6) : "", p);
            for (c = 0; c < 3; c++)
                json_array_append_new(row, cell(st, c, 's'));
            json_array_append_new(row, json_string(p));
            json_array_append_new(row, json_string("withheld: an item whose disposition is private"));
        } else {
            for (c = 0; c < 5; c++)
                json_array_append_new(row, cell(st, c, 's'));
        }
        if (n++)
            fputc(',', f);
        pt_report_put_json_html(f, row);
        json_decref(row);
    }
    sqlite3_finalize(st);
    table_close(f, "errors", n);
    return step == SQLITE_DONE ? 0 : -1;
}

/* ---- sections ---- */

static int run_section(FILE *f, sqlite3 *h)
{
    static const char *const keys[][2] = {
        { "tool", "version" }, { "build", "build id" }, { "command_line", "command line" },
        { "started", "started (UTC)" }, { "finished", "finished (UTC)" }, { "host", "host" },
        { "user", "user" }, { "cwd", "working directory" }, { "libraries", "libraries" },
        { "hash_algorithms", "hash algorithms" }, { "options", "options" }, { "exit_code", "exit status" },
        { "summary", "summary" },
    };
    sqlite3_stmt *st;
    size_t i;
    const char *rules;

    if (sqlite3_prepare_v2(h, "SELECT tool || ' ' || version, build, command_line, started, finished, host, user,"
                              " cwd, libraries, hash_algorithms, options, exit_code, summary, rule_files FROM run"
                              " ORDER BY id LIMIT 1", -1, &st, NULL) != SQLITE_OK)
        return -1;
    fputs("<h2 id=\"run\">2. How the run was made</h2>\n", f);
    if (sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_finalize(st);
        fputs("<p class=\"warn\">The case database records no run.</p>\n", f);
        return 0;
    }
    fputs("<table class=\"kv\">\n", f);
    for (i = 0; i < sizeof keys / sizeof keys[0]; i++)
        kv(f, keys[i][1], txt(st, (int)i));
    fputs("</table>\n<h3>Scope rule files</h3>\n", f);
    rules = txt(st, 13);
    if (!rules || !*rules) {
        fputs("<p>No scope rules were used: dispositions come from the case policy and hash sets only.</p>\n", f);
    } else {
        fputs("<table id=\"rule-files\"><tr><th>SHA-256</th><th>file</th></tr>\n", f);
        while (*rules) { /* "sha256  path" lines */
            size_t n = strcspn(rules, "\n");
            char *line = strndup(rules, n);
            if (line && n > 66) {
                line[64] = '\0';
                fputs("<tr><td class=\"h\">", f);
                esc(f, line);
                fputs("</td><td>", f);
                esc(f, line + 66);
                fputs("</td></tr>\n", f);
            }
            free(line);
            rules += n;
            if (*rules)
                rules++;
        }
        fputs("</table>\n", f);
    }
    sqlite3_finalize(st);
    return 0;
}

/* The coverage ledger of one evidence item, with its sums. */
static void ledger(FILE *f, sqlite3 *h, const char *label)
{
    sqlite3_stmt *st;
    unsigned long long yes = 0, no = 0, size = 0;
    int n = 0;

    if (sqlite3_prepare_v2(h, "SELECT volume, offset, bytes, examined, what, reason, evidence_size FROM coverage"
                              " WHERE evidence = ? ORDER BY id", -1, &st, NULL) != SQLITE_OK)
        return;
    sqlite3_bind_text(st, 1, label, -1, SQLITE_STATIC);
    while (sqlite3_step(st) == SQLITE_ROW) {
        unsigned long long b = (unsigned long long)sqlite3_column_int64(st, 2);
        int ex = sqlite3_column_int(st, 3);
        if (n++ == 0)
            fputs("<table class=\"ledger\"><tr><th>volume</th><th class=\"n\">offset</th><th class=\"n\">bytes</th>"
                  "<th>status</th><th>what</th><th>why</th></tr>\n", f);
        size = (unsigned long long)sqlite3_column_int64(st, 6);
        if (ex)
            yes += b;
        else
            no += b;
        fputs("<tr><td>", f);
        esc(f, txt(st, 0));
        fputs("</td><td class=\"n\">", f);
        put_count(f, (unsigned long long)sqlite3_column_int64(st, 1));
        fprintf(f, "</td><td class=\"n\" data-v=\"%llu\">", b);
        put_bytes(f, b);
        fprintf(f, "</td><td>%s</td><td>", ex ? "examined" : "<b>not examined</b>");
        esc(f, txt(st, 4));
        fputs("</td><td>", f);
        esc(f, txt(st, 5));
        fputs("</td></tr>\n", f);
    }
    sqlite3_finalize(st);
    if (!n)
        return;
    fprintf(f, "<tr><th colspan=\"2\">examined</th><th class=\"n\" data-v=\"%llu\">", yes);
    put_bytes(f, yes);
    fprintf(f, "</th><th colspan=\"3\"></th></tr>\n<tr><th colspan=\"2\">not examined</th>"
               "<th class=\"n\" data-v=\"%llu\">", no);
    put_bytes(f, no);
    fprintf(f, "</th><th colspan=\"3\"></th></tr>\n</table>\n<p class=\"muted\" id=\"ledger-sum\">%s: ",
            yes + no == size ? "Accounts for the whole evidence" : "DOES NOT account for the whole evidence");
    put_count(f, yes + no);
    fputs(" of ", f);
    put_count(f, size);
    fputs(" bytes.</p>\n", f);
}

static int evidence_section(FILE *f, sqlite3 *h)
{
    sqlite3_stmt *ev, *vol, *cov;
    int rc = 0;

    if (sqlite3_prepare_v2(h, "SELECT id, label, path, kind, format, size, sector_size, segments, volume_system,"
                              " error, acquisition_md5, acquisition_sha1, image_md5, image_sha256"
                              " FROM evidence ORDER BY id", -1, &ev, NULL) != SQLITE_OK)
        return -1;
    if (sqlite3_prepare_v2(h, "SELECT label, slot, offset, length, description, filesystem, error, os, holds FROM volumes"
                              " WHERE evidence_id = ? ORDER BY id", -1, &vol, NULL) != SQLITE_OK) {
        sqlite3_finalize(ev);
        return -1;
    }
    if (sqlite3_prepare_v2(h, "SELECT count(*), CAST(total(bytes_read) AS INTEGER), sum(error_severity = 'error'),"
                              " sum(error_severity = 'error' AND allocated = 1), sum(allocated = 0),"
                              " sum(sha256 IS NOT NULL)"
                              " FROM items WHERE evidence_id = ?", -1, &cov, NULL) != SQLITE_OK) {
        sqlite3_finalize(vol);
        sqlite3_finalize(ev);
        return -1;
    }
    fputs("<h2 id=\"evidence\">3. Evidence</h2>\n", f);
    while (sqlite3_step(ev) == SQLITE_ROW) {
        sqlite3_int64 id = sqlite3_column_int64(ev, 0);
        int nv = 0;
        fputs("<h3>", f);
        esc(f, txt(ev, 1));
        fputs("</h3>\n<table class=\"kv\">\n", f);
        kv(f, "path", txt(ev, 2));
        kv(f, "kind", txt(ev, 3));
        kv(f, "format", txt(ev, 4));
        if (sqlite3_column_type(ev, 5) != SQLITE_NULL && sqlite3_column_int64(ev, 5) > 0) {
            fputs("<tr><th>size</th><td>", f);
            put_bytes(f, (unsigned long long)sqlite3_column_int64(ev, 5));
            fputs("</td></tr>\n", f);
            kv(f, "sector size", txt(ev, 6));
            kv(f, "segment files", txt(ev, 7));
        }
        kv(f, "partition table", txt(ev, 8) ? txt(ev, 8) : "none");
        if (strcmp(txt(ev, 3), "image") == 0) {
            const char *am = txt(ev, 10), *im = txt(ev, 12);
            kv(f, "acquisition MD5 (stored in the image)", am ? am : "none stored");
            if (txt(ev, 11))
                kv(f, "acquisition SHA-1 (stored in the image)", txt(ev, 11));
            kv(f, "image MD5 computed by ptriage", im ? im : "not computed (scan with --image-hash)");
            if (txt(ev, 13))
                kv(f, "image SHA-256 computed by ptriage", txt(ev, 13));
            if (am && im)
                kv(f, "acquisition hash check", strcasecmp(am, im) == 0 ? "the computed MD5 equals the stored one"
                                                                       : "DIFFERS: the image data changed since acquisition");
        }
        if (txt(ev, 9))
            kv(f, "could not be examined", txt(ev, 9));
        fputs("</table>\n", f);
        sqlite3_reset(cov);
        sqlite3_bind_int64(cov, 1, id);
        if (sqlite3_step(cov) == SQLITE_ROW) {
            fputs("<table class=\"kv coverage\">\n<tr><th>items listed</th><td class=\"n\">", f);
            put_count(f, (unsigned long long)sqlite3_column_int64(cov, 0));
            fputs("</td></tr>\n<tr><th>items hashed (read completely)</th><td class=\"n\">", f);
            put_count(f, (unsigned long long)sqlite3_column_int64(cov, 5));
            fputs("</td></tr>\n<tr><th>deleted items</th><td class=\"n\">", f);
            put_count(f, (unsigned long long)sqlite3_column_int64(cov, 4));
            fputs("</td></tr>\n<tr><th>bytes of content read</th><td class=\"n\">", f);
            put_bytes(f, (unsigned long long)sqlite3_column_int64(cov, 1));
            fputs("</td></tr>\n<tr><th>allocated items that could not be read completely</th><td class=\"n\">", f);
            put_count(f, (unsigned long long)sqlite3_column_int64(cov, 3));
            fputs("</td></tr>\n</table>\n", f);
        }
        fputs("<h4>Coverage: what was and was not examined</h4>\n", f);
        ledger(f, h, txt(ev, 1));
        sqlite3_reset(vol);
        sqlite3_bind_int64(vol, 1, id);
        while (sqlite3_step(vol) == SQLITE_ROW) {
            if (nv++ == 0)
                fputs("<table class=\"volumes\"><tr><th>volume</th><th>slot</th><th class=\"n\">offset</th>"
                      "<th class=\"n\">length</th><th>description</th><th>filesystem</th>"
                      "<th>operating system</th><th>not examined</th></tr>\n", f);
            fputs("<tr><td>", f);
            esc(f, txt(vol, 0));
            fputs("</td><td>", f);
            esc(f, txt(vol, 1));
            fputs("</td><td class=\"n\">", f);
            put_count(f, (unsigned long long)sqlite3_column_int64(vol, 2));
            fputs("</td><td class=\"n\">", f);
            put_bytes(f, (unsigned long long)sqlite3_column_int64(vol, 3));
            fputs("</td><td>", f);
            esc(f, txt(vol, 4));
            fputs("</td><td>", f);
            esc(f, txt(vol, 5) ? txt(vol, 5)
                   : !txt(vol, 8) ? "none recognised"
                   : strcmp(txt(vol, 8), "lvm2") == 0 ? "LVM2 physical volume (opened: its logical volumes follow)"
                                                      : "encrypted volume (opened: the decrypted volume follows)");
            fputs("</td><td>", f);
            esc(f, txt(vol, 7) ? txt(vol, 7) : (txt(vol, 5) ? "not recognised" : ""));
            fputs("</td><td>", f);
            esc(f, txt(vol, 6));
            fputs("</td></tr>\n", f);
        }
        if (nv)
            fputs("</table>\n", f);
    }
    sqlite3_finalize(cov);
    sqlite3_finalize(vol);
    sqlite3_finalize(ev);
    return rc;
}

#define OWNER_EXPR                                                                                          \
    "coalesce(nullif(i.owner, ''), CASE WHEN i.uid IS NULL THEN '(not recorded)' ELSE 'uid ' || i.uid END)"

static int summary_section(FILE *f, sqlite3 *h)
{
    static const char *const aggs[][3] = {
        { "agg-disposition", "disposition",
          "SELECT coalesce(disposition, '(none)'), count(*), CAST(total(size) AS INTEGER) FROM items i"
          " GROUP BY 1 ORDER BY 2 DESC, 1" },
        { "agg-category", "category",
          "SELECT coalesce(category, '(not typed)'), count(*), CAST(total(size) AS INTEGER) FROM items i"
          " GROUP BY 1 ORDER BY 2 DESC, 1" },
        { "agg-encryption", "encryption verdict",
          "SELECT coalesce(encryption, '(not judged)'), count(*), CAST(total(size) AS INTEGER) FROM items i"
          " GROUP BY 1 ORDER BY 2 DESC, 1" },
        { "agg-owner", "owner",
          "SELECT " OWNER_EXPR ", count(*), CAST(total(size) AS INTEGER) FROM items i GROUP BY 1 ORDER BY 2 DESC, 1" },
    };
    static const char *const heads[] = { "By disposition", "By category", "By encryption verdict", "By owner" };
    sqlite3_stmt *st;
    size_t i;

    fputs("<h2 id=\"summary\">4. Summary</h2>\n<p>Items are every name listed; bytes are their logical sizes."
          " Directories and links count as items.</p>\n", f);
    for (i = 0; i < sizeof aggs / sizeof aggs[0]; i++) {
        fprintf(f, "<h3>%s</h3>\n", heads[i]);
        if (aggregate(f, h, aggs[i][0], aggs[i][1], aggs[i][2], 1) < 0)
            return -1;
    }
    fputs("<h3>Per evidence item</h3>\n<table id=\"agg-evidence\"><tr><th>evidence</th><th class=\"n\">relevant</th>"
          "<th class=\"n\">needs review</th><th class=\"n\">private</th><th class=\"n\">system</th>"
          "<th class=\"n\">no disposition</th><th class=\"n\">items</th><th class=\"n\">bytes</th></tr>\n", f);
    if (sqlite3_prepare_v2(h, "SELECT e.label, sum(i.disposition = 'relevant'), sum(i.disposition = 'needs-review'),"
                              " sum(i.disposition = 'private'), sum(i.disposition = 'system'),"
                              " sum(i.disposition IS NULL), count(i.id), CAST(total(i.size) AS INTEGER)"
                              " FROM evidence e LEFT JOIN items i ON i.evidence_id = e.id GROUP BY e.id ORDER BY e.id",
                           -1, &st, NULL) != SQLITE_OK)
        return -1;
    while (sqlite3_step(st) == SQLITE_ROW) {
        int c;
        fputs("<tr><td>", f);
        esc(f, txt(st, 0));
        fputs("</td>", f);
        for (c = 1; c <= 6; c++) {
            fprintf(f, "<td class=\"n\" data-v=\"%lld\">", (long long)sqlite3_column_int64(st, c));
            put_count(f, (unsigned long long)sqlite3_column_int64(st, c));
            fputs("</td>", f);
        }
        fputs("<td class=\"n\">", f);
        put_bytes(f, (unsigned long long)sqlite3_column_int64(st, 7));
        fputs("</td></tr>\n", f);
    }
    sqlite3_finalize(st);
    fputs("</table>\n", f);
    return 0;
}

static void integrity_section(FILE *f, pt_report_ctx_t *ctx)
{
    static const char *const extra[] = { "case.db", "scan.log", NULL };
    const pt_report_writer_t *w;
    char path[4096], h[65];
    int i;

    fputs("<h2 id=\"integrity\">12. Integrity</h2>\n<p>SHA-256 of the outputs written before this report. "
          "<code>SHA256SUMS</code>, written last, lists these and <code>report.html</code> itself; check it with "
          "<code>sha256sum -c SHA256SUMS</code> or <code>ptriage verify</code>. A signed case also has "
          "<code>SHA256SUMS.sig</code>.</p>\n<pre class=\"sums\" id=\"sums\">", f);
    for (i = 0; extra[i]; i++) {
        snprintf(path, sizeof path, "%s/%s", ctx->outdir, extra[i]);
        if (pt_hash_file_sha256(path, h, NULL) == PT_OK)
            fprintf(f, "%s  %s\n", h, extra[i]);
    }
    for (w = pt_report_writers; w->name && strcmp(w->name, "report.html") != 0; w++) {
        snprintf(path, sizeof path, "%s/%s", ctx->outdir, w->name);
        if (pt_hash_file_sha256(path, h, NULL) == PT_OK)
            fprintf(f, "%s  %s\n", h, w->name);
    }
    fputs("</pre>\n", f);
}

/* The CSP admits exactly our script, by its hash: even if a name got past
 * the escaping, no script of its own could run. */
static void csp_hash(char out[64])
{
    unsigned char md[32];
    unsigned len = 0;

    EVP_Digest(asset_report_js, strlen(asset_report_js), md, &len, EVP_sha256(), NULL);
    EVP_EncodeBlock((unsigned char *)out, md, 32);
}

int pt_report_html_write(pt_report_ctx_t *ctx, FILE *f, pt_err_t *err)
{
    int rc = pt_report_html_body(ctx, f, err);

    return rc == PT_OK ? pt_report_html_tail(ctx, f, err) : rc;
}

int pt_report_html_tail(pt_report_ctx_t *ctx, FILE *f, pt_err_t *err)
{
    integrity_section(f, ctx);
    fprintf(f, "<script>%s</script>\n</body>\n</html>\n", asset_report_js);
    if (ferror(f))
        return pt_err_set(err, PT_EIO, "report.html: %s", strerror(errno));
    return PT_OK;
}

int pt_report_html_body(pt_report_ctx_t *ctx, FILE *f, pt_err_t *err)
{
    sqlite3 *h = pt_casedb_handle(ctx->db);
    sqlite3_stmt *st;
    char csp[64];
    int rc = PT_OK, have;

    if (!ctx->have_key)
        return pt_err_set(err, PT_EINVAL, "report.html: %s/%s is missing: private items cannot be pseudonymised",
                          ctx->outdir, PT_PSEUDO_KEY_FILE);
    csp_hash(csp);
    fprintf(f, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
               "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline';"
               " img-src data:; script-src 'sha256-%s'\">\n"
               "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
               "<meta name=\"generator\" content=\"ptriage %s\">\n<title>Privacy triage report", csp, PT_VERSION);
    if (sqlite3_prepare_v2(h, "SELECT case_number, court, examiner, warrant FROM run ORDER BY id LIMIT 1", -1, &st,
                           NULL) != SQLITE_OK)
        goto dberr;
    have = sqlite3_step(st) == SQLITE_ROW;
    if (have && txt(st, 0) && *txt(st, 0)) {
        fputs(" \xe2\x80\x93 case ", f);
        esc(f, txt(st, 0));
    }
    fprintf(f, "</title>\n<style>\n%s</style>\n</head>\n<body>\n", asset_report_css);
    fputs("<header>\n<h1>Privacy triage report</h1>\n<p class=\"muted\">Written by ptriage " PT_VERSION
          " from the case database alone; private data appear only as aggregates and pseudonyms.</p>\n", f);
    fputs("<h2 id=\"case\">1. Case</h2>\n<table class=\"kv\" id=\"case-header\">\n", f);
    kv(f, "case number", have ? txt(st, 0) : NULL);
    kv(f, "court", have ? txt(st, 1) : NULL);
    kv(f, "examiner", have ? txt(st, 2) : NULL);
    kv(f, "warrant or order", have ? txt(st, 3) : NULL);
    fputs("</table>\n</header>\n", f);
    sqlite3_finalize(st);
    fputs("<nav><ol><li><a href=\"#case\">Case</a></li><li><a href=\"#run\">How the run was made</a></li>"
          "<li><a href=\"#evidence\">Evidence</a></li><li><a href=\"#summary\">Summary</a></li>"
          "<li><a href=\"#encryption\">Encryption findings</a></li><li><a href=\"#relevant\">Relevant items</a></li>"
          "<li><a href=\"#review\">Needs review</a></li><li><a href=\"#private\">Private data</a></li>"
          "<li><a href=\"#system\">System items</a></li><li><a href=\"#errors\">Errors</a></li>"
          "<li><a href=\"#method\">Method</a></li><li><a href=\"#integrity\">Integrity</a></li></ol></nav>\n"
          "<noscript><p class=\"warn\">The item tables need JavaScript to be shown; the same rows are in "
          "court-manifest.csv.</p></noscript>\n", f);
    if (run_section(f, h) < 0 || evidence_section(f, h) < 0 || summary_section(f, h) < 0)
        goto dberr;

    fputs("<h2 id=\"encryption\">5. Encryption findings</h2>\n<p>Items of a recognised encrypted format "
          "(<code>encrypted</code>) and headerless data that passes the randomness tests and that no decoder "
          "explains (<code>suspected</code>). Private ones are counted here and listed in section 8 by "
          "pseudonym.</p>\n", f);
    if (aggregate(f, h, "agg-encformat", "verdict / format",
                  "SELECT i.encryption || ' / ' || coalesce(i.encryption_format, '?'), count(*),"
                  " CAST(total(i.size) AS INTEGER) FROM items i WHERE i.encryption IN ('encrypted', 'suspected')"
                  " GROUP BY 1 ORDER BY 2 DESC, 1", 0) < 0)
        goto dberr;
    {
        static const tcol_t cols[] = {
            { "id", 'n' }, { "evidence", 's' }, { "volume", 's' }, { "path", 's' }, { "size", 'b' },
            { "encryption", 's' }, { "format", 's' }, { "disposition", 'd' }, { "why", 's' },
        };
        if (sql_table(f, h, "encryption", cols, NCOLS(cols),
                      "SELECT i.id, e.label, v.label, i.path, i.size, i.encryption, i.encryption_format,"
                      " i.disposition, i.encryption_reason" ITEM_FROM
                      " WHERE i.encryption IN ('encrypted', 'suspected') AND i.disposition IS NOT 'private'"
                      " ORDER BY i.id") < 0)
            goto dberr;
    }
    fputs("<h2 id=\"relevant\">6. Relevant items</h2>\n<p>Items the scope rules, hash sets and policy place within "
          "the order. These are what <code>ptriage export</code> copies out.</p>\n", f);
    if (sql_table(f, h, "relevant", item_cols, NCOLS(item_cols),
                  ITEM_SELECT " WHERE i.disposition = 'relevant' ORDER BY i.id") < 0)
        goto dberr;
    fputs("<h2 id=\"review\">7. Items needing review</h2>\n<p>Items the rules could not decide: by default "
          "encrypted and suspected items, and items rules mark for review. The court or the parties decide "
          "them.</p>\n", f);
    if (sql_table(f, h, "review", item_cols, NCOLS(item_cols),
                  ITEM_SELECT " WHERE i.disposition = 'needs-review' ORDER BY i.id") < 0)
        goto dberr;
    fputs("<h2 id=\"private\">8. Private data</h2>\n<p>Shown only as aggregates and pseudonyms (see Method, "
          "Privacy): no name, path, content, hash or matched text.</p>\n<h3>By owner and category</h3>\n", f);
    if (aggregate(f, h, "agg-private", "owner / category",
                  "SELECT " OWNER_EXPR " || ' / ' || coalesce(i.category, '(not typed)'), count(*),"
                  " CAST(total(i.size) AS INTEGER) FROM items i WHERE i.disposition = 'private' GROUP BY 1 ORDER BY 2 DESC, 1",
                  0) < 0 ||
        aggregate(f, h, "agg-private-month", "month modified",
                  "SELECT coalesce(strftime('%Y-%m', nullif(i.mtime, 0), 'unixepoch'), '(unknown)'), count(*),"
                  " CAST(total(i.size) AS INTEGER) FROM items i WHERE i.disposition = 'private' GROUP BY 1 ORDER BY 1",
                  0) < 0)
        goto dberr;
    fputs("<h3>Private items by pseudonym</h3>\n", f);
    if ((rc = private_table(f, ctx, h, err)) != PT_OK)
        return rc;
    fputs("<h2 id=\"system\">9. System items</h2>\n<p>Operating-system and application files (rules and known-file "
          "hash sets), as aggregates; each is listed in court-manifest.csv.</p>\n", f);
    if (aggregate(f, h, "agg-system", "category",
                  "SELECT coalesce(i.category, '(not typed)'), count(*), CAST(total(i.size) AS INTEGER) FROM items i"
                  " WHERE i.disposition = 'system' GROUP BY 1 ORDER BY 2 DESC, 1", 1) < 0)
        goto dberr;
    fputs("<h2 id=\"errors\">10. Errors</h2>\n<p>Everything that could not be read or examined, with its "
          "location and reason; those of private items are named by pseudonym.</p>\n", f);
    if (errors_table(f, ctx, h) < 0)
        goto dberr;
    fprintf(f, "<h2 id=\"method\">11. Method</h2>\n%s", asset_method_html);
    if (ferror(f))
        return pt_err_set(err, PT_EIO, "report.html: %s", strerror(errno));
    return PT_OK;
dberr:
    return pt_err_set(err, PT_EDB, "report.html: %s", sqlite3_errmsg(h));
}
