/* merge.h - `ptriage merge OUT1 OUT2 ... -o OUT`: cases scanned separately
 * (one image per machine of a cluster) combined into one case, as if one
 * scan had been given all their evidence in that order.
 *
 * Evidence, volumes, items, rule matches and errors are copied with their
 * ids shifted past the previous cases' (one run numbers items in evidence
 * order, so the ids are the same), evidence labels made unique the way one
 * scan makes them ("disk.img#2"), relative evidence paths made absolute
 * against each run's working directory; the coverage ledger and every
 * report are computed again; a new pseudonym key is made.  The inputs must
 * be finished scans by this version with the same options, rules, hash
 * algorithms and case header; they are only read. */
#ifndef PT_MERGE_H
#define PT_MERGE_H

#include "err.h"

/* Returns the exit code a single scan would have (0, 1), or 2 with err set. */
int pt_merge_run(const char *const *inputs, int n, const char *outdir, const char *command_line, pt_err_t *err);

#endif
