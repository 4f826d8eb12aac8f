/* report_jsonl.h - manifest.jsonl from the case database: one JSON object
 * per item (every manifest column plus inode, owner, times with
 * nanoseconds, link target, the encryption reason and statistics, and the
 * rule matches), written with jansson.  The same database gives the same
 * bytes. */
#ifndef PT_REPORT_JSONL_H
#define PT_REPORT_JSONL_H

#include "report.h"

int pt_report_jsonl_write(pt_report_ctx_t *ctx, FILE *f, pt_err_t *err);

#endif
