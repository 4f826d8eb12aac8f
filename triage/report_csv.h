/* report_csv.h - manifest.csv from the case database: the columns and order
 * of docs/manifest.md, RFC 4180, UTF-8, times ISO 8601 UTC. */
#ifndef PT_REPORT_CSV_H
#define PT_REPORT_CSV_H

#include "casedb.h"
#include "err.h"

/* Writes path (through a temporary file renamed into place).  Returns PT_OK,
 * PT_EIO or PT_EDB with err set.  *rows receives the row count if non-NULL. */
int pt_report_csv_write(pt_casedb_t *db, const char *path, uint64_t *rows, pt_err_t *err);

#endif
