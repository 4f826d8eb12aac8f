/* reopen.h - reads one item of a finished scan from the evidence again, for
 * `ptriage export` and `ptriage verify --evidence`.  Locates it by what
 * case.db recorded (evidence path, volume offset, inode and attribute, or
 * the path under a directory), never by searching, and reads through the
 * same libtsk calls as the scan.  Evidence is opened read-only.
 *
 * A pt_reopen_t caches the last image and filesystem opened, so items in
 * walk order cost one open per volume. */
#ifndef PT_REOPEN_H
#define PT_REOPEN_H

#include <stdint.h>
#include "err.h"
#include "hash.h"
#include "layer.h"
#include "reader.h"

struct sqlite3_stmt;
struct sqlite3;

typedef struct pt_reopen pt_reopen_t;

typedef struct pt_item_loc {
    const char *evidence_path;   /* absolute, or relative to cwd */
    const char *cwd;             /* the scan's working directory (run.cwd), or NULL */
    int is_dir;                  /* directory evidence */
    int has_volume;              /* volume_offset / volume_length valid */
    uint64_t volume_offset, volume_length;
    const char *kind;            /* PT_KIND_* */
    const char *path;            /* within its filesystem or directory */
    int has_inode;
    uint64_t inode;
    int attr_type, attr_id;      /* attr_type < 0: the file's default data */
} pt_item_loc_t;

pt_reopen_t *pt_reopen_new(pt_err_t *err);
void pt_reopen_free(pt_reopen_t *r);
/* Keys to open LUKS volumes with (case.conf [keys]); borrowed. */
void pt_reopen_set_keys(pt_reopen_t *r, const pt_key_t *keys, size_t n);

/* Where an archive member holding a disk image is copied to be read again
 * (libtsk seeks; an archive reads only forward): an output directory,
 * borrowed.  Without it such items are refused. */
void pt_reopen_set_spool(pt_reopen_t *r, const char *dir);

/* Opens the item's content.  On PT_OK, *fn and *src read it (valid until
 * the next open or free).  PT_EFORMAT when the item has no content to read
 * (a directory, a link), PT_ENOENT/PT_EIO when the evidence or item cannot
 * be opened again. */
int pt_reopen_item(pt_reopen_t *r, const pt_item_loc_t *loc, pt_read_fn *fn, void **src, pt_err_t *err);

/* The item columns pt_reopen_loc reads, in this order, from a query over
 * "items i JOIN evidence e ... LEFT JOIN volumes v ...". */
#define PT_REOPEN_COLUMNS "e.path, e.kind, v.offset, v.length, i.kind, i.path, i.inode, i.attr_type, i.attr_id, i.size"
#define PT_REOPEN_NCOLUMNS 10
/* Fills loc (pointing into st's current row) from PT_REOPEN_COLUMNS at
 * column col; *size is the item's recorded size. */
void pt_reopen_loc(struct sqlite3_stmt *st, int col, const char *cwd, pt_item_loc_t *loc, uint64_t *size);

/* Reads size bytes of the item through h (begun and ended here) and, when
 * out_fd >= 0, writes them there too.  PT_OK with *got filled, else err. */
int pt_reopen_copy(pt_reopen_t *r, const pt_item_loc_t *loc, uint64_t size, pt_hash_t *h, int out_fd,
                   pt_hash_result_t *got, pt_err_t *err);

/* Reads item id of the case database h again, whatever it is: a file of the
 * evidence, or an archive member (its top-level archive is read from the
 * evidence and the member found in it again, level by level, by the names
 * the scan recorded), or an item behind containers (a disk image found as
 * a file, an LVM logical volume, a LUKS volume: each level is opened again
 * from the evidence, by what the volumes table recorded; a disk image that
 * is an archive member is extracted again to a nameless file of the spool
 * directory and must have its recorded SHA-256).  Bytes go through hash and, when out_fd >= 0, to
 * out_fd.  PT_OK with *got; otherwise err says why. */
int pt_reopen_copy_id(pt_reopen_t *r, struct sqlite3 *h, int64_t id, const char *cwd, pt_hash_t *hash, int out_fd,
                      pt_hash_result_t *got, pt_err_t *err);

#endif
