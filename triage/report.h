/* report.h - every report of a case directory, written from case.db alone.
 *
 * The writers register in one table (name, function), as libarchive's
 * formats do.  Each writes one FILE; this module owns the files, writes
 * through a temporary name renamed into place, and renders any report into
 * memory so `ptriage verify` can compare a file with what the database says.
 * The same database (and pseudonym key) always gives the same bytes. */
#ifndef PT_REPORT_H
#define PT_REPORT_H

#include <stdint.h>
#include <stdio.h>
#include <jansson.h>
#include "casedb.h"
#include "err.h"
#include "pseudo.h"

typedef struct pt_report_ctx {
    pt_casedb_t *db;
    const char *outdir;
    pt_pseudo_key_t key;
    int have_key;        /* 0: the case has no pseudonym key (court outputs refuse) */
    uint64_t rows;       /* set by the manifest writer */
} pt_report_ctx_t;

typedef int (*pt_report_fn)(pt_report_ctx_t *ctx, FILE *f, pt_err_t *err);

typedef struct pt_report_writer {
    const char *name;    /* file name in OUTDIR */
    pt_report_fn write;
    /* a report that lists the others' hashes: body (from the case database,
     * written alongside the others) and tail (after them); write = both */
    pt_report_fn body, tail;
} pt_report_writer_t;

/* The writers, in the order they are written; ends with a NULL name. */
extern const pt_report_writer_t pt_report_writers[];

/* What `ptriage report` does, and a scan's last step: writes every report
 * into OUTDIR (replacing earlier ones), each on a thread of its own over its
 * own read-only connection to OUTDIR/case.db, report.html (which lists the
 * others' hashes) last; then OUTDIR/SHA256SUMS.  *rows (may be NULL) gets
 * the manifest's row count.  PT_OK, PT_EIO or PT_EDB. */
int pt_report_case(const char *outdir, uint64_t *rows, pt_err_t *err);

/* Renders one report into memory: *buf (malloc'd, caller frees), *len. */
int pt_report_render(pt_casedb_t *db, const char *outdir, const pt_report_writer_t *w, char **buf,
                     size_t *len, pt_err_t *err);

/* Shared by the writers. */
/* A JSON string of s; bytes that are not well-formed UTF-8 as "\xNN". */
json_t *pt_report_jstr(const char *s);
/* The same, and control characters (a newline in a name) also as "\xNN",
 * for text shown on one line (report.html). */
json_t *pt_report_jstr_line(const char *s);
/* Writes j compactly with < > & as \u escapes, so it can sit in HTML. */
int pt_report_put_json_html(FILE *f, const json_t *j);
/* Owner as reports show it: the account name, else the uid, else "". */
const char *pt_report_owner(const char *owner, int have_uid, long long uid, char *buf, size_t size);

/* Private items in the order court outputs list them (by pseudonym, so the
 * order reveals nothing of where they lie).  *out is malloc'd. */
typedef struct pt_private_ref {
    char pseudo[PT_PSEUDO_LEN];
    int64_t id;
} pt_private_ref_t;
int pt_report_private_refs(pt_report_ctx_t *ctx, pt_private_ref_t **out, size_t *n, pt_err_t *err);

#endif
