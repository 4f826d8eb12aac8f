/* dirwalk.h - walks a directory tree given as logical evidence.
 *
 * Entries are visited in byte order of their names (deterministic), with
 * lstat metadata (statx for the birth time).  Symlinks are recorded with their
 * target and never followed; FIFOs, sockets and devices are listed and never
 * opened.  Files are opened O_RDONLY|O_NOFOLLOW (and O_NOATIME where the OS
 * allows) and streamed through the reader. */
#ifndef PT_DIRWALK_H
#define PT_DIRWALK_H

#include "scan.h"

/* Returns PT_OK or a fatal error (case database) with err set. */
int pt_dirwalk(pt_scan_t *s, const char *root, pt_err_t *err);

#endif
