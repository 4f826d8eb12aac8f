/* report_csv.h - the CSV manifests from the case database (RFC 4180, UTF-8,
 * CRLF, times ISO 8601 UTC, formula-like cells neutralised):
 *   manifest.csv        every column of docs/manifest.md, for the examiner;
 *   court-manifest.csv  the same items with private ones redacted to
 *                       pseudonym, category, size, month and owner
 *                       (docs/report.md). */
#ifndef PT_REPORT_CSV_H
#define PT_REPORT_CSV_H

#include "report.h"

/* Sets ctx->rows.  Returns PT_OK, PT_EIO or PT_EDB with err set. */
int pt_report_csv_write(pt_report_ctx_t *ctx, FILE *f, pt_err_t *err);
/* coverage.csv: the coverage ledger (coverage.h). */
int pt_report_coverage_write(pt_report_ctx_t *ctx, FILE *f, pt_err_t *err);
/* PT_EINVAL when the case has no pseudonym key. */
int pt_report_court_write(pt_report_ctx_t *ctx, FILE *f, pt_err_t *err);

#endif
