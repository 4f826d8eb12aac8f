/* chain.h - a virtual disk and the files it is made of: a qcow2 overlay's
 * backing files, a VMDK snapshot's parent disks and a descriptor's extent
 * files, each found by the name the image stores, where qemu and VMware
 * find it, in a namespace of files ptriage can open read-only:
 *
 *   - the examiner's files (evidence given on the command line): a
 *     relative name beside the image naming it, an absolute one first
 *     beside it too (copies handed over together), then as it is; only
 *     regular files (an image cannot pull in a disk of this machine);
 *   - a filesystem of the evidence (through libtsk), or a directory given
 *     as evidence: the same, inside it; an absolute name that is not there
 *     is tried without its leading directories in turn (a VM store on a
 *     partition of its own: /var/lib/nova/instances/_base/x is
 *     /instances/_base/x there), and the name found is reported. */
#ifndef PT_CHAIN_H
#define PT_CHAIN_H

#include <stdint.h>
#include <tsk/libtsk.h>

#include "err.h"
#include "layer.h"
#include "reader.h"

typedef struct pt_files pt_files_t;

/* A namespace; NULL when out of memory.  The files opened through it stay
 * open until pt_files_free. */
pt_files_t *pt_files_host(void);
pt_files_t *pt_files_tsk(TSK_FS_INFO *fs);     /* fs must outlive it */
pt_files_t *pt_files_dir(const char *root);    /* root is copied */
void pt_files_free(pt_files_t *f);
/* Files opened through it so far, and their bytes. */
int pt_files_count(const pt_files_t *f);
uint64_t pt_files_bytes(const pt_files_t *f);

/* Opens the regular file at path (absolute in the namespace, or relative to
 * the working directory for host files): fn and src read its size bytes.
 * PT_OK, PT_ENOENT when there is no such file, or another error. */
int pt_files_open(pt_files_t *f, const char *path, pt_read_fn *fn, void **src, uint64_t *size, pt_err_t *err);

/* A file opened for a while and closed again (a sparse bundle's bands:
 * thousands, one open at a time), not kept by the namespace.  PT_OK,
 * PT_ENOENT, or another error; close with pt_files_close_one. */
int pt_files_open_one(pt_files_t *f, const char *path, pt_read_fn *fn, void **src, uint64_t *size, pt_err_t *err);
void pt_files_close_one(pt_files_t *f, void *src);

/* The path on this machine of path in a namespace of the examiner's files
 * (a directory given as evidence: its root joined with path): 1 with out
 * set, 0 for a filesystem of the evidence, whose files have none. */
int pt_files_host_path(const pt_files_t *f, const char *path, char *out, size_t size);

/* An E01 set or a split raw image (kind PT_LAYER_EWF or PT_LAYER_SPLIT)
 * whose first file is path: in a namespace of this machine's files (a
 * directory given as evidence) opened by name, every file of the set
 * checked to be a regular file of the tree; in a filesystem of the
 * evidence, an E01 set's segments (x.E02, ... x.EAA, ...) read through
 * libtsk by ewfmap.c.  *segments gets their number, *desc (may be NULL)
 * one line about the set.  NULL with err set: PT_EINVAL for a split raw
 * image in a filesystem of the evidence. */
TSK_IMG_INFO *pt_files_open_image_set(pt_files_t *f, const char *path, pt_layer_kind_t kind, int *segments,
                                      char *desc, size_t dsize, pt_err_t *err);

/* The directory of `from` joined with `name` (malloc'd, NULL when out of
 * memory); inside the evidence also with "." and ".." resolved, never above
 * its root (libtsk looks paths up literally). */
char *pt_files_join(const pt_files_t *f, const char *from, const char *name);

typedef struct pt_chain pt_chain_t;

/* Opens the disk image of kind PT_LAYER_QCOW, _VMDK, _VHD or _VHDX read
 * through fn/src (size bytes), whose name in files is path, and down its
 * chain the files it names, at most 16 deep.  PT_OK, or an error naming
 * the file that failed (PT_ENOENT for a missing one). */
int pt_chain_open(pt_layer_kind_t kind, pt_read_fn fn, void *src, uint64_t size, const char *path, pt_files_t *files,
                  const pt_key_t *keys, size_t nkeys,
                  pt_chain_t **out, pt_err_t *err);
/* The decoded disk: read it with pt_layer_read. */
pt_layer_t *pt_chain_top(const pt_chain_t *c);
/* Images in the chain (1 for a self-contained one). */
int pt_chain_depth(const pt_chain_t *c);
/* "qcow version 3, ...; backing file /x/base.qcow2: qcow version 3, ..." */
const char *pt_chain_describe(const pt_chain_t *c);
void pt_chain_close(pt_chain_t *c);

#endif
