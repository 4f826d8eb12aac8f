/* resume.h - finishing an interrupted scan (`ptriage scan --resume OUTDIR`)
 * without reading again what it had finished.
 *
 * The scan is run again from the start with the options it recorded; item
 * ids follow the walk order, so item N of the new run is item N of the
 * interrupted one.  Before an item's content is read, the interrupted
 * case.db (attached read-only) is asked for item N: when it is the same
 * item (evidence, volume, path, kind, inode, size) and was committed, its
 * row, rule matches and item errors are copied instead of reading it.
 * Not copied, so read again: the last item committed (its children may
 * not have been), and any item that holds others (archives, disk images),
 * which must be expanded again.  Volumes, coverage and reports are
 * recomputed, so the case equals an uninterrupted run's. */
#ifndef PT_RESUME_H
#define PT_RESUME_H

#include <stdint.h>

#include "casedb.h"
#include "err.h"
#include "item.h"

typedef struct pt_resume pt_resume_t;

/* For `ptriage scan --resume OUTDIR`: checks that OUTDIR holds a scan that
 * did not finish, moves its case.db (with its WAL) aside as
 * case.db.interrupted and scan.log as scan-interrupted.log, removes partly
 * written reports, and returns the recorded arguments (*argv[0] = "scan";
 * free with pt_resume_args_free), the scan's working directory, and the
 * absolute path of the moved database. */
int pt_resume_prepare(const char *outdir, int *argc, char ***argv, char *cwd, size_t cwd_size, char *old,
                      size_t old_size, pt_err_t *err);
void pt_resume_args_free(int argc, char **argv);
/* Removes the moved database once the resumed scan has finished. */
void pt_resume_done(const char *old);

/* Attaches old_path to db (the new case).  PT_OK, or PT_EDB/PT_EFORMAT
 * (not a case database of this version). */
int pt_resume_open(pt_casedb_t *db, const char *old_path, pt_resume_t **out, pt_err_t *err);
/* Detaches; statistics for the log. */
void pt_resume_close(pt_resume_t *r, uint64_t *copied, uint64_t *copied_bytes);

/* 1 when item id of the interrupted case is it (not yet emitted) and can
 * be copied: fills it->bytes_read and its error from the old row. */
int pt_resume_match(pt_resume_t *r, int64_t id, pt_item_t *it);
/* Copies item id's row, matches and item errors into the new case. */
int pt_resume_copy(pt_resume_t *r, int64_t id, pt_err_t *err);

#endif
