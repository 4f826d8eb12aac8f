/* treewalk.h - the walk shared by ptriage's own readers of filesystems
 * libtsk does not read (squashfs.c, erofs.c, f2fs.c): the path being
 * built, the directories already walked (a loop is walked once and named),
 * the depth limit, the owners named from the volume's own /etc/passwd, and
 * the errors for a damaged listing.  Each reader lists a directory and
 * visits each entry; this module does the rest the same way for all. */
#ifndef PT_TREEWALK_H
#define PT_TREEWALK_H

#include <stddef.h>
#include <stdint.h>

#include "accounts.h"
#include "err.h"
#include "item.h"
#include "scan.h"
#include "u64set.h"

/* A listing's return when it is damaged (err says how). */
#define PT_TW_DAMAGED 2

/* One directory entry: ref finds its inode, number is its inode number
 * (the same for most filesystems), type the entry's file type. */
typedef int (*pt_tw_entry_fn)(void *ctx, uint64_t ref, uint64_t number, unsigned type, const char *name,
                              size_t nlen);
/* Lists directory dir of filesystem fs, calling fn for each entry but "."
 * and ".."; a non-zero return of fn stops it and is returned. */
typedef int (*pt_tw_list_fn)(void *fs, const void *dir, pt_tw_entry_fn fn, void *ctx, pt_err_t *err);

typedef struct pt_tw {
    pt_scan_t *s;
    void *fs;                   /* the reader's filesystem */
    pt_tw_list_fn list;
    pt_tw_entry_fn visit;       /* called with the walk as its ctx */
    pt_accounts_t accounts;
    pt_u64set_t dirs;
    char *path;
    size_t cap, base, at;       /* the path, where the volume's part starts, where the current directory's ends */
    int depth;
    pt_err_t *err;
} pt_tw_t;

/* Starts the walk of the current volume of s: its owners and OS through
 * read_small, the path's start, root (a directory reference) walked.  PT_OK
 * or a fatal error; pt_tw_end in every case. */
int pt_tw_start(pt_tw_t *w, pt_scan_t *s, void *fs, pt_tw_list_fn list, pt_tw_entry_fn visit,
                pt_small_read_fn read_small, uint64_t root, pt_err_t *err);
void pt_tw_end(pt_tw_t *w);

/* The item of entry name in the directory being walked, path set. */
int pt_tw_item(pt_tw_t *w, pt_item_t *it, const char *name, uint64_t number);
/* Its owner: uid and gid, named where the volume's /etc/passwd names them. */
void pt_tw_owner(pt_tw_t *w, pt_item_t *it, uint32_t uid, uint32_t gid);
/* Reads a regular file's content through fn/src (NULL when it could not
 * be opened: why says so, on the item) and emits the item.  PT_OK or a
 * fatal error. */
int pt_tw_content(pt_tw_t *w, pt_item_t *it, pt_read_fn fn, void *src, const pt_err_t *why);
/* Walks the directory dir (reference ref) whose item was just emitted, once:
 * a second time is a loop, named (which: "inode 12"). */
int pt_tw_enter(pt_tw_t *w, const void *dir, uint64_t ref, const char *which);
/* Walks directory dir whose path ends at at (the root: w->base, depth 0). */
int pt_tw_dir(pt_tw_t *w, const void *dir, size_t at, int depth);

/* Looking a name up in a directory (a reader's read_small, one path
 * component at a time): list the directory with pt_tw_find_entry and ctx a
 * pt_tw_find_t whose name and nlen are set; 1 when found, with ref set. */
typedef struct pt_tw_find {
    const char *name;
    size_t nlen;
    uint64_t ref;
} pt_tw_find_t;
int pt_tw_find_entry(void *ctx, uint64_t ref, uint64_t number, unsigned type, const char *name, size_t nlen);

/* The directory-entry type of a mode as EROFS, F2FS and ext4 number them:
 * 1 file, 2 directory, 3 character and 4 block device, 5 FIFO, 6 socket,
 * 7 symbolic link, 0 other. */
unsigned pt_tw_dtype(unsigned mode);

#endif
