/* report_html.h - report.html: the one self-contained court report (no
 * network, no external assets; CSS and script embedded from reports/, the
 * script allowed by its hash in a Content-Security-Policy).  Sections: case
 * header, how the run was made, evidence, summary with inline SVG charts,
 * encryption findings, relevant items, needs-review items, private data as
 * aggregates and pseudonyms only, system items as aggregates, errors,
 * method statement, integrity.  Every text from the evidence is escaped;
 * item tables are JSON blocks shown as text by the script. */
#ifndef PT_REPORT_HTML_H
#define PT_REPORT_HTML_H

#include "report.h"

int pt_report_html_write(pt_report_ctx_t *ctx, FILE *f, pt_err_t *err);

/* The same in two parts: everything from the case database (which may be
 * written while the other reports are), then the integrity section with
 * the hashes of the reports written before it, and the end. */
int pt_report_html_body(pt_report_ctx_t *ctx, FILE *f, pt_err_t *err);
int pt_report_html_tail(pt_report_ctx_t *ctx, FILE *f, pt_err_t *err);

#endif
