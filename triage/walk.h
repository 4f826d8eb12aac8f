/* walk.h - walks one libtsk filesystem: every allocated and deleted name
 * (the same set `fls -r -p` lists, one item per NTFS data stream), with its
 * metadata, and streams each file's content through the reader.
 * Follows no symlink; reads nothing outside the filesystem. */
#ifndef PT_WALK_H
#define PT_WALK_H

#include <tsk/libtsk.h>
#include "scan.h"

/* Walks fs into s (items carry s->evidence_id / s->volume_id).  Returns
 * PT_OK, or a fatal error (case database) with err set.  A failed walk of
 * part of the tree is recorded as a volume problem and is not fatal. */
int pt_walk_fs(pt_scan_t *s, TSK_FS_INFO *fs, pt_err_t *err);

#endif
