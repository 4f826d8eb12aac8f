/* item.h - one manifest row: a file, directory, stream or raw volume.
 *
 * Filled by the walkers and the reader, consumed by casedb.  Plain data:
 * `path` and `link_target` are owned by whoever filled the item (the walker
 * keeps them in its own buffers for the duration of one emit call). */
#ifndef PT_ITEM_H
#define PT_ITEM_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "entropy.h"
#include "hash.h"

/* Item kinds (manifest `kind`). */
#define PT_KIND_FILE "file"
#define PT_KIND_DIR "dir"
#define PT_KIND_SYMLINK "symlink"
#define PT_KIND_STREAM "stream"     /* NTFS alternate data stream */
#define PT_KIND_INDEX "index"       /* NTFS index other than a directory's $I30 */
#define PT_KIND_VOLUME "volume"     /* partition or image with no readable filesystem */
#define PT_KIND_VIRTUAL "virtual"   /* file synthesised by libtsk ($MBR, $FAT1, ...) */
#define PT_KIND_VIRTUAL_DIR "virtual-dir" /* $OrphanFiles */
#define PT_KIND_DEVICE "device"
#define PT_KIND_FIFO "fifo"
#define PT_KIND_SOCKET "socket"
#define PT_KIND_OTHER "other"       /* shadow, whiteout, ... */
#define PT_KIND_UNKNOWN "unknown"   /* deleted name whose metadata is gone */

typedef struct pt_time {
    int64_t sec;      /* seconds since the epoch, UTC */
    uint32_t nsec;
    int known;        /* 0: the filesystem does not record it */
} pt_time_t;

typedef struct pt_item {
    int64_t id;             /* its row in case.db, assigned when it is emitted (in order) */
    int64_t evidence_id;
    int64_t volume_id;      /* 0 when the evidence has no volumes (directory) */
    int64_t parent_id;      /* 0 at top level; the archive of an archive member */
    const char *path;       /* "/dir/name" (":stream" for NTFS ADS) */
    const char *kind;       /* PT_KIND_* */
    int allocated;          /* 1 allocated, 0 deleted, -1 not applicable */
    int has_inode;
    uint64_t inode;
    int attr_type, attr_id; /* NTFS attribute, -1 when none */
    uint64_t size;          /* logical size in bytes */
    int size_unknown;       /* not recorded (a compressed stream): read to the end, then size is set */
    uint64_t read_limit;    /* read at most this much (0: all); set for implausible sizes */
    pt_time_t mtime, atime, ctime, crtime;
    int has_owner;          /* uid/gid meaningful on this filesystem */
    uint32_t uid, gid;
    uint32_t mode;          /* permission bits, 0 when unknown */
    const char *link_target;

    const char *evidence_label; /* for logs and rules (static for the whole run) */
    const char *volume_label;   /* "p1"... or "" (static for the whole run) */
    const char *owner;          /* account name of uid from the image's /etc/passwd, or NULL */

    /* filled by the reader */
    int sampled;            /* the reader ran: head/tail buffers describe it */
    int resumed;            /* copied from an interrupted case (resume.h), not read */
    int fs_encrypted;       /* PT_EFS_* bits: the filesystem says the content is ciphertext (NTFS EFS) */
    int content_read;       /* all `size` bytes were read and hashed */
    int hash_deferred;      /* read whole into memory; hashed and measured by a typer
                               worker (pt_reader_digest), not by the reader */
    uint64_t bytes_read;
    pt_hash_result_t hash;
    char mime[128];
    const char *category;   /* static string from filetype */
    int has_entropy;
    double entropy;
    int has_stats;          /* stats cover the whole content */
    pt_entropy_stats_t stats;

    /* filled by classify: "none", "encrypted", "suspected" (NULL: no verdict) */
    const char *encryption;
    const char *encryption_format;  /* "luks2", ..., "random-data" (static) */
    char encryption_reason[512];

    /* filled by decide */
    char rules[512];                /* matched rules, "ns:rule ..." */
    const char *disposition;        /* relevant, private, system, needs-review (NULL: no policy) */
    char reason[512];

    /* why the item is incomplete; severity "error" counts for the exit code,
     * "note" (e.g. deleted and not recoverable) does not */
    char error[768];
    const char *error_severity;
} pt_item_t;

/* Resets an item to "nothing known". */
void pt_item_init(pt_item_t *it);

/* The kind of an item from POSIX mode bits (S_IFREG, S_IFDIR, ...). */
const char *pt_item_kind_of_mode(unsigned mode);

/* Writes "/" and name at (*path)[at], growing the buffer (*cap bytes) as
 * needed: how the walkers build a path down a tree.  PT_OK or PT_ENOMEM. */
int pt_item_path_set(char **path, size_t *cap, size_t at, const char *name, pt_err_t *err);

/* A regular file's read limit: max_item_size (--max-item-size) or, when 0,
 * what its filesystem holds (fs_bytes); a size past it is an error on the
 * item, which is read up to the limit and not hashed. */
void pt_item_limit(pt_item_t *it, uint64_t max_item_size, uint64_t fs_bytes);

/* Appends "; msg" (or msg) to it->error; severity "error" wins over "note". */
void pt_item_add_error(pt_item_t *it, const char *severity, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* fs_encrypted bits */
#define PT_EFS_DATA 1           /* the $DATA attribute carries NTFS's encrypted flag */
#define PT_EFS_RING 2           /* the file has a $EFS ($LOGGED_UTILITY_STREAM) key ring */
#define PT_FSCRYPT 4            /* an ext4 inode with the encrypt flag (fscrypt) */
#define PT_WOF_STREAM 8         /* an NTFS WofCompressedData stream: the WOF-compressed content of its file */
#define PT_BDE_COVER 16         /* a BitLocker To Go cover file: a piece of the encrypted volume */

#endif
