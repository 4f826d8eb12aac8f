/* source.h - opening evidence read-only: a disk image through libtsk's image
 * layer (raw, split raw, E01, VHD, AFF), a qcow2 or VMDK disk (and its
 * backing files or parent disks) through layer.c, or a directory tree.
 *
 * Also the one place where libtsk's error convention is converted. */
#ifndef PT_SOURCE_H
#define PT_SOURCE_H

#include <stdint.h>
#include <tsk/libtsk.h>
#include "err.h"
#include "hash.h"
#include "reader.h"

typedef struct pt_source {
    char *path;            /* as given (owned) */
    int is_dir;
    TSK_IMG_INFO *img;     /* NULL for a directory */
    const char *format;    /* "raw", "ewf", ..., "directory" */
    uint64_t size;         /* image size in bytes (0 for a directory) */
    unsigned sector_size;
    int segments;          /* files making up the image */
    char problem[512];     /* damage seen at open (a missing split segment), "" when none */
    char note[1536];       /* what the image is made of (a qcow2 or VMDK chain), "" when nothing to say */
    int locked;             /* an encrypted virtual disk no key opened: read as its bytes */
    struct pt_chain *chain; /* a qcow2, VMDK or VHD disk behind img (owned), else NULL */
    struct pt_files *files; /* the files it was opened from (owned), else NULL */
} pt_source_t;

/* Opens path.  Returns PT_OK and *out (free with pt_source_close), or
 * PT_ENOENT / PT_EFORMAT / PT_EIO with err set. */
int pt_source_open(const char *path, pt_source_t **out, pt_err_t *err);
/* The same with case.conf's keys, for a virtual disk whose guest data is
 * encrypted (a qcow2 with LUKS); without a key that opens it, such a disk
 * is read as its bytes, src->note saying why. */
struct pt_key;
int pt_source_open_keys(const char *path, const struct pt_key *keys, size_t nkeys, pt_source_t **out,
                        pt_err_t *err);
void pt_source_close(pt_source_t *src);

/* The hashes the acquisition stored in the image (E01: MD5, SHA-1), read
 * through libtsk's image statistics; "" when the format stores none. */
void pt_source_stored_hashes(const pt_source_t *src, char md5[33], char sha1[41]);

/* MD5 and SHA-256 of the whole image, read sequentially (a second pass over
 * it: the scan reads files, not the image in order).  PT_OK, or PT_EIO
 * with the offset of the first unreadable byte. */
int pt_source_hash(const pt_source_t *src, pt_hash_result_t *out, pt_err_t *err);

/* The one way evidence is opened: openat(dirfd, path) with O_RDONLY |
 * O_CLOEXEC | O_NOATIME | flags, and without O_NOATIME where the kernel
 * refuses it (EPERM: a file the caller does not own, without CAP_FOWNER).
 * Never O_WRONLY, O_CREAT or a lock.  Returns the descriptor or -1 (errno);
 * *noatime (may be NULL) is cleared when O_NOATIME was refused. */
int pt_source_open_ro(int dirfd, const char *path, int flags, int *noatime);

/* A pt_read_fn over a file descriptor (src = an int holding it). */
ssize_t pt_source_read_fd(void *src, uint64_t off, uint8_t *buf, size_t len, pt_err_t *err);

/* Opens path (in-evidence, "/a/b") under the directory root one component
 * at a time, read-only and never following a link, so that a link inside
 * directory evidence cannot lead out of it.  The descriptor, or -1 with err
 * set (PT_ENOENT when a component is missing). */
int pt_source_open_under(const char *root, const char *path, pt_err_t *err);

/* A pt_read_fn over a libtsk image (src = the TSK_IMG_INFO). */
ssize_t pt_source_read_img(void *img, uint64_t off, uint8_t *buf, size_t len, pt_err_t *err);

/* A multi-file image found in a directory given as evidence (set, named by
 * its first file) is opened only when each of its n files is a regular file
 * and not a link, so that a delivery cannot pull a file from outside it into
 * the case: PT_OK, or PT_EFORMAT with err naming the file. */
int pt_source_set_in_tree(const char *set, char *const *names, int n, pt_err_t *err);

/* A raw image named by its (first) file, with the segments libtsk finds
 * after it (x.001, x.002, ...; x.aa, x.ab, ...), read through rawimg.c.
 * in_tree: a set found in a directory given as evidence, whose segments
 * must all be regular files (no link out of the tree).  *segments gets
 * their number.  NULL with err set. */
TSK_IMG_INFO *pt_source_open_raw_set(const char *path, int in_tree, int *segments, pt_err_t *err);


/* A libtsk image whose bytes are read through fn(src) (which must outlive
 * it): a disk image found as a file, a partition inside a container, a
 * decoded virtual disk.  Close with tsk_img_close; NULL when out of memory. */
TSK_IMG_INFO *pt_source_img_over(pt_read_fn fn, void *src, uint64_t size);
/* The same with its sector size, owning src: tsk_img_close calls
 * release(src). */
TSK_IMG_INFO *pt_source_img_owning(pt_read_fn fn, void *src, uint64_t size, unsigned sector,
                                   void (*release)(void *));

/* The filesystem at byte off of img as tsk_fs_open_img(TSK_FS_TYPE_DETECT)
 * finds it (each kind tried; two that open are no answer), but without
 * YAFFS2 when yaffs2 is 0: libtsk's YAFFS2 test reads from off to the end
 * of the image, so each probe of a disk searched for filesystems, or of a
 * virtual disk claiming petabytes, would read it all.  YAFFS2 is a raw
 * NAND dump's, met as a whole image only.  NULL with libtsk's error set. */
TSK_FS_INFO *pt_source_fs_open(TSK_IMG_INFO *img, uint64_t off, int yaffs2);

/* Sets err from libtsk's pending error (and clears it) with a prefix. */
int pt_source_tsk_err(pt_err_t *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
