/* bundle.h - Apple sparse bundles (NAME.sparsebundle: a directory holding
 * Info.plist and bands/0, bands/1, ... named in hexadecimal), as Time
 * Machine keeps a Mac's backups on a NAS and hdiutil writes them: the disk
 * is the bands end to end, a missing band (never written) and the part of
 * a band past its file's end read as zeros.  Found as a directory in a
 * filesystem of the evidence or in a directory given as evidence; its
 * files are read through that namespace (chain.h), one band open at a
 * time.  Encrypted bundles (band 0 begins "encrcdsa") are named, not
 * opened. */
#ifndef PT_BUNDLE_H
#define PT_BUNDLE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <tsk/libtsk.h>

#include "chain.h"
#include "err.h"

typedef struct pt_bundle pt_bundle_t;

/* 1 when path names a sparse bundle directory (by its name). */
int pt_bundle_named(const char *path);

/* 1 when path is a band of a sparse bundle (NAME.sparsebundle/bands/N): a
 * piece of the bundle's disk, never a disk of its own. */
int pt_bundle_is_band(const char *path);

/* Opens the bundle at directory dir of namespace f (which must outlive it):
 * its Info.plist (type, size, band size).  PT_OK, or PT_EFORMAT with the
 * reason (no Info.plist, another kind of bundle, encrypted); *desc gets one
 * line. */
int pt_bundle_open(pt_files_t *f, const char *dir, pt_bundle_t **out, char *desc, size_t dsize, pt_err_t *err);
void pt_bundle_free(void *b);
/* The bundle at dir as a libtsk image (close with tsk_img_close, which
 * frees the bundle); NULL with err set. */
TSK_IMG_INFO *pt_bundle_img(pt_files_t *f, const char *dir, char *desc, size_t dsize, pt_err_t *err);
uint64_t pt_bundle_size(const pt_bundle_t *b);
/* A pt_read_fn over the disk (src: the bundle); thread-safe. */
ssize_t pt_bundle_read(void *b, uint64_t off, uint8_t *buf, size_t len, pt_err_t *err);

#endif
