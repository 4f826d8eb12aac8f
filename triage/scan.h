/* scan.h - the scan context and the `ptriage scan` driver.
 *
 * pt_scan_t carries the options, the case database, the reader and the
 * counters through every stage (no global state).  Walkers hand each item to
 * pt_scan_emit, which records it and keeps the counts the exit code and the
 * progress line are computed from. */
#ifndef PT_SCAN_H
#define PT_SCAN_H

#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include "accounts.h"
#include "casedb.h"
#include "err.h"
#include "item.h"
#include "decide.h"
#include "filetype.h"
#include "reader.h"
#include "scope.h"
#include "typer.h"

typedef struct pt_scan_opts {
    char *const *evidence;     /* paths as given */
    int n_evidence;
    const char *outdir;
    unsigned hash_mask;        /* PT_HASH_* */
    int quiet;                 /* no progress line */
    int jobs;                  /* type-and-classify threads (1: none) */
    pt_rules_t *rules;         /* compiled scope rules, or NULL (borrowed) */
    const pt_policy_t *policy; /* disposition policy, or NULL: no dispositions (borrowed) */
    size_t yara_max;           /* whole-content rule scans up to this size */
    int yara_timeout;          /* seconds per item */
    uint64_t max_item_size;    /* read at most this per item (0: the filesystem's size) */
    const char *timezone;      /* how FAT/exFAT local times were read ("UTC" default) */
    int image_hash;            /* hash each whole image (MD5 + SHA-256), compared with the E01's */
    uint64_t free_sample;      /* free blocks profiled per filesystem (0: none) */
    int no_nested_images;      /* do not walk disk images found as files */
    int hash_only;             /* hashes and byte statistics only: no type, classification, archives or nested images */
    int archive_depth;         /* archive nesting expanded (0: archives are not expanded) */
    int max_depth;             /* directory nesting walked (a loop or damage beyond) */
    uint64_t archive_max_bytes;   /* per top-level archive, all levels (0: no limit) */
    uint64_t archive_max_ratio;   /* expanded bytes per archive byte read (0: no limit) */
    uint64_t archive_max_members; /* per top-level archive, all levels (0: no limit) */
    const char *command_line;  /* recorded in the run table */
    const char *argv_json;     /* the arguments, for --resume */
    const char *resume_from;   /* an interrupted case.db to copy finished items from, or NULL */
    int shadow_copies;         /* NTFS Volume Shadow Copies: PT_SHADOW_CHANGED (default), _ALL or _NONE */
} pt_scan_opts_t;

enum { PT_SHADOW_CHANGED = 0, PT_SHADOW_ALL = 1, PT_SHADOW_NONE = 2 };

typedef struct pt_scan_counts {
    uint64_t items, item_errors, notes, bytes_read, volumes;
    uint64_t evidence_failed;  /* evidence that could not be opened at all */
} pt_scan_counts_t;

typedef struct pt_scan {
    const pt_scan_opts_t *opts;
    pt_casedb_t *db;
    pt_reader_t *reader;
    pt_typer_t *typer;
    FILE *log;                 /* OUTDIR/scan.log */
    int64_t evidence_id;       /* current evidence row */
    const char *evidence_label;
    const char *evidence_path; /* as given (names a compressed evidence file's one member) */
    int64_t volume_id;         /* current volume row, 0 for none */
    const char *volume_label;  /* interned label of the current volume */
    pt_scope_t *scope_main;    /* scanner for items streamed through the rules on this thread */
    pt_filetype_t *ft_main;    /* libmagic for those items' externals */
    pt_scope_result_t pre;     /* their matches, handed to the typer with the item */
    int pre_ready;
    char **interned;           /* strings that live for the whole run */
    size_t n_interned, cap_interned;
    pt_scan_counts_t n;
    uint64_t total_bytes;      /* sum of evidence sizes, for the ETA */
    struct timespec started, last_progress;
    int tty;
    int64_t emitted;           /* items handed on so far: the last one's database id */
    pt_read_fn cur_fn;         /* how the item being read is read, for expanding an archive */
    void *cur_src;
    struct TSK_IMG_INFO *img;  /* the current evidence image (its EWF damage count), or NULL */
    int in_archive;            /* expanding an archive: members are not expanded by emit */
    const char *nest_prefix;   /* walking a disk image found as a file: its path and "!" (else NULL) */
    int64_t nest_item;         /* that file's item id */
    const char *nest_container; /* its virtual-disk format ("qcow2"), NULL for a raw disk */
    uint64_t disk_file_bytes;  /* the disk being walked is a virtual disk (qcow2, sparse image, ...) in
                                * files (with backing files, extents) of this many bytes; 0 otherwise */
    struct pt_resume *resume;  /* resuming an interrupted scan, or NULL */
    struct pt_files *files;    /* the tree being walked, where disks found in it find their backing files */
    int bde_to_go;             /* walking a BitLocker To Go discovery volume (its cover files are ciphertext) */
    struct pt_vss_filter *shadow; /* walking a shadow copy: lists only what it keeps older (NULL: all) */
    pt_sids_t sids;            /* Windows owners' names, from the hives of this evidence item */
    struct pt_layer *tc_layer; /* a VeraCrypt file container already opened, for its nested walk to take */
    int tc_tried;              /* file containers tried so far (each try costs key derivations) */
    char **evidence_labels;    /* every evidence item's label, in the order given (borrowed) */
    struct pt_md_walked {      /* md arrays assembled and walked so far: their other members say where */
        uint8_t uuid[16];
        const char *label;     /* interned */
    } *md_walked;              /* owned; as many as the evidence holds (32 servers: 32 data arrays) */
    int n_md_walked, cap_md_walked;
} pt_scan_t;

/* Hands an item (after the reader has filled its content fields, using the
 * reader's current head/tail sample) to the type-and-classify stage, and
 * records in the case database, in submission order, every item that stage
 * has finished.  Returns PT_OK or a fatal failure (case database, memory). */
int pt_scan_emit(pt_scan_t *s, pt_item_t *it, pt_err_t *err);

/* Reads an item's content through the reader: items larger than
 * --yara-max are streamed through the scope rules as they are read. */
int pt_scan_read(pt_scan_t *s, pt_item_t *it, pt_read_fn fn, void *src, pt_err_t *err);

/* A copy of str that lives until the scan ends (labels, account names);
 * NULL when out of memory. */
const char *pt_scan_intern(pt_scan_t *s, const char *str);

/* For walkers of filesystems libtsk does not read (XFS, Btrfs): the
 * owners of the current volume from its /etc/passwd and its OS from
 * os-release, each file read whole through read_small (NULL when absent,
 * else a malloc'd buffer of *len bytes); and the start of every path, the
 * volume label inside a disk image found as a file ("" otherwise), in a
 * new buffer (*path, *cap) whose length it returns (-1: out of memory). */
typedef char *(*pt_small_read_fn)(void *ctx, const char *path, size_t *len);
int pt_scan_volume_identity(pt_scan_t *s, pt_small_read_fn read_small, void *ctx, pt_accounts_t *accounts,
                            pt_err_t *err);
long pt_scan_path_start(const pt_scan_t *s, char **path, size_t *cap);
/* An allocated item of the current evidence and volume at path, with a
 * note when the path is not valid UTF-8. */
void pt_scan_item_at(const pt_scan_t *s, pt_item_t *it, const char *path);
/* The error for a directory nested deeper than --max-depth under path (a
 * loop or damage): recorded, and not walked.  PT_OK or PT_EDB. */
int pt_scan_too_deep(pt_scan_t *s, const char *path, pt_err_t *err);
/* The errors for a directory whose listing was damaged (dir: its path, ""
 * for the root; why: what was wrong) and for one that names a directory
 * already walked (which: "inode 12", "node 36").  PT_OK or PT_EDB. */
int pt_scan_dir_incomplete(pt_scan_t *s, const char *dir, const char *why, pt_err_t *err);
int pt_scan_dir_again(pt_scan_t *s, const char *path, const char *which, pt_err_t *err);
/* The next component of a path *p ("/etc/passwd": "etc", then "passwd"),
 * slashes skipped: 1 with *name and *len set and *p past it, 0 at its end. */
int pt_path_next(const char **p, const char **name, size_t *len);

/* Records an evidence- or volume-level problem (severity "fatal", "error" or
 * "note") in the errors table and scan.log.  Returns PT_OK or PT_EDB. */
int pt_scan_problem(pt_scan_t *s, const char *severity, const char *location,
                    const char *msg, pt_err_t *err);

/* As pt_scan_problem, for one item (an archive's expansion problems). */
int pt_scan_item_problem(pt_scan_t *s, int64_t item_id, const char *severity, const char *location,
                         const char *msg, pt_err_t *err);

/* Runs a whole scan.  Returns 0, 1 (item-level errors) or 2 (fatal); on 2 err
 * says why.  counts may be NULL. */
/* "libtsk 4.11.1; libmagic 5.44; OpenSSL ...; SQLite ..." into buf. */
void pt_scan_libraries(char *buf, size_t size);

/* Fills o with the documented defaults (those of `ptriage scan`, one job). */
void pt_scan_opts_defaults(pt_scan_opts_t *o);

int pt_scan_run(const pt_scan_opts_t *opts, pt_scan_counts_t *counts, pt_err_t *err);

#endif
