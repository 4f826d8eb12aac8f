/* sums.h - OUTDIR/SHA256SUMS: the SHA-256 of every output file, in the
 * format `sha256sum -c` reads, so anyone can re-verify a case directory;
 * and the verification of it. */
#ifndef PT_SUMS_H
#define PT_SUMS_H

#include "err.h"

/* Hashes every regular file of outdir except SHA256SUMS itself (sorted by
 * name) into outdir/SHA256SUMS.  Returns PT_OK or PT_EIO. */
int pt_sums_write(const char *outdir, pt_err_t *err);

/* Re-hashes the files SHA256SUMS lists and reports each mismatch or missing
 * file through fn.  Returns the number of problems (0: all verified), or a
 * negative PT_E* code when SHA256SUMS cannot be read. */
int pt_sums_verify(const char *outdir, void (*fn)(const char *name, const char *problem, void *arg), void *arg,
                   pt_err_t *err);

#endif
