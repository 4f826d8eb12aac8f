/* export.h - `ptriage export OUTDIR --to DIR`: copies out the items whose
 * disposition is relevant (and needs-review items chosen by id), reading
 * each from the evidence again, re-hashing it and refusing any whose hash
 * differs from the scan's.
 *
 * Layout: DIR/files/EVIDENCE/VOLUME/PATH, every component made safe (no
 * "..", no absolute path, no separator or control byte: such bytes are
 * written as %XX, and '%' itself as %25), never following a link, never
 * replacing a file (a clash gets "~ID").  With format "tar" or "zip" the
 * same names go into DIR/export.tar or DIR/export.zip (libarchive).
 * DIR/receipt.jsonl, receipt.csv and receipt.html list each item with its
 * source, hashes, the name it was exported as, and its status. */
#ifndef PT_EXPORT_H
#define PT_EXPORT_H

#include <stddef.h>
#include <stdint.h>
#include "err.h"
#include "layer.h"

typedef struct pt_export_opts {
    const char *outdir;       /* the case */
    const char *to;           /* new or empty directory */
    int64_t *ids;             /* needs-review items to add (sorted here, in place), or NULL */
    size_t n_ids;
    const char *format;       /* "dir" (default), "tar", "zip" */
    const pt_key_t *keys;     /* for items on LUKS volumes (case.conf [keys]), or NULL */
    size_t n_keys;
} pt_export_opts_t;

typedef struct pt_export_counts {
    uint64_t exported, refused, not_copied, bytes;
} pt_export_counts_t;

/* Returns PT_OK when the export ran (refusals are counted, not errors), or
 * a PT_E* code with err set when it could not run at all. */
int pt_export_run(const pt_export_opts_t *o, pt_export_counts_t *n, pt_err_t *err);

/* Checks an export against its receipt and the case: every exported item's
 * hash equals the case database's and the file's (or archive member's), and
 * receipt.csv is what receipt.jsonl says.  fn is called for each problem.
 * Returns the number of problems, or a negative code when the export cannot
 * be read at all. */
int pt_export_verify(const char *outdir, const char *dir, void (*fn)(const char *what, const char *problem, void *arg),
                     void *arg, uint64_t *checked, pt_err_t *err);

#endif
