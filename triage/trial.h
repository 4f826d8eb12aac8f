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

#include "walk.h"

/* Seconds without a new directory after which the trial child counts as
 * stuck.  libtsk lists a directory of 100,000 names in well under that. */
#define PT_TRIAL_IDLE 120

/* 1 for the filesystems walked on trial first. */
int pt_trial_needed(const TSK_FS_INFO *fs);

/* In a child process: reads what a walk reads by name first (pre, see
 * walk.h: the lookups by path are where damage bites too), then walks fs
 * recursively (allocated and deleted names, no content).  Returns 0 with
 * *pre filled (the caller frees it with pt_walk_pre_free) when the child
 * finished; -1 with why ("libtsk crashed (signal 11, Segmentation fault)
 * walking directory /Users/x") when it crashed, made no progress for
 * idle_seconds and was killed, or could not be started. */
int pt_trial_walk(TSK_FS_INFO *fs, unsigned idle_seconds, pt_walk_pre_t *pre, char *why, size_t n);

#endif
