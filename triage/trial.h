/* trial.h - a trial walk of a filesystem in a child process.  libtsk's
 * APFS reader (young C++) can crash or loop on damaged metadata: a random
 * change to a few bytes of a container's B-tree nodes crashed it in 1 of
 * 300 trials.  A crash inside the library would end the whole scan, so a
 * filesystem libtsk reads that way is first walked (names and metadata,
 * no content) by a forked child; if the child dies or stops making
 * progress, the scan records why and does not walk that filesystem. */
#ifndef PT_TRIAL_H
#define PT_TRIAL_H

#include <stddef.h>
#include <tsk/libtsk.h>

/* Seconds without a new directory after which the trial child counts as
 * stuck.  libtsk lists a directory of 100,000 names in well under that. */
#define PT_TRIAL_IDLE 120

/* 1 for the filesystems walked on trial first. */
int pt_trial_needed(const TSK_FS_INFO *fs);

/* Walks fs (recursively, allocated and deleted names, and the small files
 * read by name before a walk: paths, NULL-terminated) in a child process.
 * Returns 0 when the child finished; -1 with why ("libtsk crashed (signal
 * 11, Segmentation fault) in directory /Users/x") when it crashed, or made
 * no progress for idle_seconds and was killed, or could not be started. */
int pt_trial_walk(TSK_FS_INFO *fs, const char *const *paths, unsigned idle_seconds, char *why, size_t n);

#endif
