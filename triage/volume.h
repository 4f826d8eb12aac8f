/* volume.h - the volume stage: finds a partition table (MBR, GPT, BSD, Sun,
 * Mac) through tsk_vs_*, records every partition, walks each filesystem,
 * and turns a partition with no recognisable filesystem into a `volume`
 * item that is hashed and described.  An image without a partition table
 * is tried as a bare filesystem, then as a single raw volume. */
#ifndef PT_VOLUME_H
#define PT_VOLUME_H

#include "layer.h"
#include "scan.h"
#include "source.h"

/* Returns PT_OK or a fatal error (case database) with err set. */
int pt_volume_scan(pt_scan_t *s, pt_source_t *src, pt_err_t *err);

/* Disk images found as files of the evidence (a VM's raw disk): */
/* 1 when the first bytes hold a partition table or a filesystem libtsk reads. */
int pt_volume_looks_like_disk(const uint8_t *head, size_t len, uint64_t size);
/* Walks the disk image held by item it (already emitted) as nested
 * evidence: volumes labelled "PATH!p1" (parent_item_id = it->id), items
 * "PATH!p1/etc/passwd".  kind is its virtual-disk format (layer.h), or
 * PT_LAYER_NONE for a raw disk.  Returns PT_OK or a fatal error. */
/* The same for a directory that is a disk: a sparse bundle (kind
 * PT_LAYER_BUNDLE, its bands read through s->files, bundle.h) or a
 * Parallels disk (PT_LAYER_PHDBUNDLE, phdbundle.h; a .hdd directory without
 * a descriptor is left alone).  Refusals are notes or errors on the item. */
int pt_volume_scan_bundle(pt_scan_t *s, const pt_item_t *it, pt_layer_kind_t kind, pt_err_t *err);
int pt_volume_scan_nested(pt_scan_t *s, const pt_item_t *it, pt_read_fn fn, void *src, pt_layer_kind_t kind,
                          pt_err_t *err);

#endif
