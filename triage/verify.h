/* verify.h - the checks of `ptriage verify` beyond SHA256SUMS (sums.h),
 * the signature (sign.h) and an export (export.h):
 *   - every report file is what case.db renders now (nothing edited);
 *   - with --evidence, every item hashed by the scan is read from the
 *     evidence again and its SHA-256 compared (an archive member through its
 *     archive, whose bytes it is decoded from), and so is each whole image
 *     hashed at the scan.
 * Each problem goes to fn; the return value is the number of problems, or
 * a negative PT_E* code when the check could not run. */
#ifndef PT_VERIFY_H
#define PT_VERIFY_H

#include <stdint.h>
#include "err.h"
#include "layer.h"

typedef void (*pt_verify_fn)(const char *what, const char *problem, void *arg);

int pt_verify_reports(const char *outdir, pt_verify_fn fn, void *arg, uint64_t *checked, pt_err_t *err);
int pt_verify_evidence(const char *outdir, const pt_key_t *keys, size_t n_keys, pt_verify_fn fn, void *arg,
                       uint64_t *checked, pt_err_t *err);

#endif
