/* coverage.h - the coverage ledger: for each evidence item, what was
 * examined and what was not, with the reason and the byte count, so that
 * the rows of an image add up to its size exactly.  Computed from case.db
 * (volumes, items), so every report shows the same ledger.
 *
 * An image is cut into its partitions and partition-table structures in
 * offset order (unpartitioned gaps and the space after the last partition
 * are rows of their own; bytes two entries share are counted once, in the
 * first).  A filesystem's entry is
 * split into allocated space read through the filesystem, file content that
 * could not be read, free space (not carved), and volume slack after the
 * filesystem.  A partition without a filesystem is one item, examined whole
 * when it could be read.  For a directory the ledger covers file content. */
#ifndef PT_COVERAGE_H
#define PT_COVERAGE_H

#include <stdint.h>
#include "casedb.h"
#include "err.h"

typedef int (*pt_coverage_fn)(void *arg, const pt_coverage_row_t *row);

/* Calls fn for every row, evidence by evidence.  fn returning non-zero
 * stops the walk with PT_EIO. */
int pt_coverage_walk(pt_casedb_t *db, pt_coverage_fn fn, void *arg, pt_err_t *err);

#endif
