/* walk.h - walks one libtsk filesystem: every allocated and deleted name
 * (the same set `fls -r -p` lists, one item per NTFS data stream), with its
 * metadata, and streams each file's content through the reader.
 * Follows no symlink; reads nothing outside the filesystem. */
#ifndef PT_WALK_H
#define PT_WALK_H

#include <tsk/libtsk.h>
#include "scan.h"

/* What a walk reads by name before it starts: the accounts (the
 * filesystem's /etc/passwd, and on a Mac volume its local directory's
 * account records, as passwd lines), the operating system, and on
 * Windows the user profiles (whose SIDs own files). */
typedef struct pt_walk_pre {
    char *accounts;         /* malloc'd passwd text, or NULL */
    size_t accounts_len;
    char os[256];           /* "" when none is found */
    char *profiles;         /* a Windows SOFTWARE hive's profiles, "SID\tNAME" lines (malloc'd), or NULL */
    size_t profiles_len;
} pt_walk_pre_t;
void pt_walk_pre_read(TSK_FS_INFO *fs, pt_walk_pre_t *pre);
void pt_walk_pre_free(pt_walk_pre_t *pre);

/* Walks fs into s (items carry s->evidence_id / s->volume_id), with pre
 * read already (by a trial walk, trial.h) or NULL to read it here.
 * Returns PT_OK, or a fatal error (case database) with err set.  A failed
 * walk of part of the tree is recorded as a volume problem and is not
 * fatal. */
int pt_walk_fs(pt_scan_t *s, TSK_FS_INFO *fs, const pt_walk_pre_t *pre, pt_err_t *err);

/* One file's content through libtsk: attr, or the file's default data when
 * NULL.  Past an NTFS attribute's initialized size it reads zeros, as
 * Windows does.  A pt_read_fn (reader.h) for the scan, export and verify. */
typedef struct pt_walk_tsk_src {
    TSK_FS_FILE *file;
    const TSK_FS_ATTR *attr;
} pt_walk_tsk_src_t;
ssize_t pt_walk_read_tsk(void *src, uint64_t off, uint8_t *buf, size_t len, pt_err_t *err);


/* Whether the blocks of src (a pt_walk_tsk_src_t) lie in a damaged EWF
 * chunk of img: 1 (msg says which), 0, or -1 when it cannot be told. */
int pt_walk_tsk_damaged(void *src, TSK_IMG_INFO *img, char *msg, size_t size);

#endif
