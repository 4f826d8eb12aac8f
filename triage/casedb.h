/* casedb.h - the SQLite case database, OUTDIR/case.db: the source of truth
 * every report is written from.
 *
 * Tables: run (one row: tool, version, command line, times, host, library
 * versions), evidence, volumes, items, errors.  Inserts are batched in
 * transactions; pt_casedb_close commits what is pending. */
#ifndef PT_CASEDB_H
#define PT_CASEDB_H

#include <stdint.h>
#include "err.h"
#include "item.h"
#include "scope.h"

typedef struct pt_casedb pt_casedb_t;

typedef struct pt_run_info {
    const char *version, *build, *command_line, *started, *host, *user, *cwd;
    const char *libraries, *hash_algorithms, *options;
} pt_run_info_t;

typedef struct pt_evidence_info {
    const char *label, *path, *kind, *format;
    uint64_t size;
    unsigned sector_size, segments;
    const char *volume_system;   /* "dos", "gpt", ... or NULL */
} pt_evidence_info_t;

typedef struct pt_volume_info {
    int64_t evidence_id;
    int64_t parent_item_id;      /* the disk-image file it is in (nested evidence), 0 for the evidence's own */
    const char *label;           /* "p1" ... or "" for a whole-image filesystem */
    int ordinal;                 /* 1-based among allocated partitions, 0 for none */
    int64_t tsk_addr;            /* mmls slot number, -1 when none */
    const char *slot;            /* table:slot as mmls prints it */
    uint64_t offset, length;     /* bytes */
    const char *flags;           /* alloc, unalloc, meta, whole */
    const char *description;     /* partition type as the table names it */
    const char *filesystem;      /* "ext4", ... or NULL when none was recognised */
    uint64_t fs_block_size;
    int has_fs_bytes;            /* fs_bytes / fs_unalloc_bytes are known */
    uint64_t fs_bytes;           /* the filesystem's blocks times block size */
    uint64_t fs_unalloc_bytes;   /* of those, in blocks the filesystem marks free */
    uint64_t free_sampled;       /* free blocks profiled (freespace.h), 0: none */
    uint64_t free_zero, free_text, free_random, free_high, free_other, free_unreadable;
    const char *error;
    /* containers (layer.h): a volume reached through one names it here,
     * with the volume it was decoded from; the volume holding it says what
     * it held */
    const char *container;       /* "lvm2", "luks", or a disk image's format ("qcow2") */
    int64_t parent_volume_id;    /* the volume decoded (LVM, LUKS), 0 for none */
    const char *layer_name;      /* "vg0/root" for a logical volume */
    const char *holds;           /* set on the parent: "lvm2", "luks" when opened */
} pt_volume_info_t;

/* One row of the coverage ledger (coverage.h). */
typedef struct pt_coverage_row {
    const char *evidence;   /* label */
    uint64_t evidence_size; /* image size, or a directory's total file size */
    const char *volume;     /* label ("" for none) */
    uint64_t offset;        /* start of the area in the image (0 for directories) */
    uint64_t bytes;
    int examined;           /* 1 examined, 0 not */
    const char *what;
    const char *reason;
} pt_coverage_row_t;

/* Creates a new case database at path (must not exist). */
pt_casedb_t *pt_casedb_create(const char *path, pt_err_t *err);
/* Opens an existing case database read-only (reports, verify). */
pt_casedb_t *pt_casedb_open_ro(const char *path, pt_err_t *err);
/* For writes made directly on the handle (resume.c): counts one row into
 * the current batch (opening a transaction), and commits the batch. */
int pt_casedb_batch(pt_casedb_t *db, pt_err_t *err);
int pt_casedb_flush(pt_casedb_t *db, pt_err_t *err);
/* Commits pending inserts and closes.  Returns PT_OK or PT_EDB. */
int pt_casedb_close(pt_casedb_t *db, pt_err_t *err);

int pt_casedb_run_begin(pt_casedb_t *db, const pt_run_info_t *run, pt_err_t *err);
int pt_casedb_run_end(pt_casedb_t *db, const char *finished, int exit_code,
                      const char *summary, pt_err_t *err);

int pt_casedb_add_evidence(pt_casedb_t *db, const pt_evidence_info_t *ev, int64_t *id, pt_err_t *err);
/* Fields of an evidence row that are learnt after it is added. */
typedef enum { PT_EV_VOLUME_SYSTEM, PT_EV_ERROR, PT_EV_ACQ_MD5, PT_EV_ACQ_SHA1, PT_EV_IMG_MD5,
               PT_EV_IMG_SHA256 } pt_ev_field_t;
int pt_casedb_set_evidence(pt_casedb_t *db, int64_t id, pt_ev_field_t field, const char *value,
                           pt_err_t *err);
int pt_casedb_add_volume(pt_casedb_t *db, const pt_volume_info_t *v, int64_t *id, pt_err_t *err);
/* The operating system found on a volume's filesystem (osinfo.h). */
int pt_casedb_set_volume_os(pt_casedb_t *db, int64_t volume_id, const char *os, pt_err_t *err);
int pt_casedb_add_item(pt_casedb_t *db, const pt_item_t *it, int64_t *id, pt_err_t *err);
/* item_id / volume_id may be 0.  severity: "fatal", "error" or "note". */
int pt_casedb_add_error(pt_casedb_t *db, int64_t evidence_id, int64_t volume_id, int64_t item_id,
                        const char *severity, const char *location, const char *message, pt_err_t *err);

/* One rule match of an item (never the matched bytes). */
int pt_casedb_add_match(pt_casedb_t *db, int64_t item_id, const pt_rule_match_t *m, pt_err_t *err);
/* Stores the compiled rule files ("sha256  path" lines) and the case header. */
int pt_casedb_set_run_text(pt_casedb_t *db, const char *column, const char *value, pt_err_t *err);

/* Stores one row of the coverage ledger (table coverage). */
int pt_casedb_add_coverage(pt_casedb_t *db, const pt_coverage_row_t *r, pt_err_t *err);

/* Underlying handle, for the report writers' SELECTs. */
struct sqlite3 *pt_casedb_handle(pt_casedb_t *db);

#endif
