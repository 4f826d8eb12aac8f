/* vdimap.h - VirtualBox disk images (VDI): the header and the block map
 * that says, for each block of the virtual disk (1 MiB as VirtualBox and
 * qemu write them), where its bytes lie in the file, or that it reads as
 * zeros.  No Debian library reads VDI and libtsk does not; layer.c reads
 * each block from where VirtualBox would.
 *
 * Fixed, dynamic and differencing images (VDI 1.1) are read.  A
 * differencing image (a VirtualBox snapshot) names its parent by UUID, not
 * by file: its blocks never written are the parent's (PT_MAP_PARENT), and
 * chain.c finds the parent among the .vdi files beside it and in the
 * folder above (a VM's folder and its Snapshots folder). */
#ifndef PT_VDIMAP_H
#define PT_VDIMAP_H

#include <stdint.h>

#include "err.h"
#include "qcowmap.h"
#include "reader.h"

typedef struct pt_vdimap pt_vdimap_t;

/* 1 when head (at least 0x48 bytes) starts a VDI file. */
int pt_vdimap_is_vdi(const uint8_t *head, size_t len);

/* Reads the header and block map of the VDI file of fsize bytes through
 * fn/src (which must outlive the map).  PT_OK; PT_EFORMAT (a damaged or
 * unsupported header, a map outside the file, a differencing image) with
 * err saying which.  *desc (may be NULL) receives one line for the
 * report. */
int pt_vdimap_open(pt_read_fn fn, void *src, uint64_t fsize, pt_vdimap_t **out, char *desc, size_t dsize,
                   pt_err_t *err);
void pt_vdimap_free(pt_vdimap_t *m);
uint64_t pt_vdimap_disk_size(const pt_vdimap_t *m);

/* A differencing image's parent, "{uuid}" (its creation UUID), and the
 * parent's modification UUID it recorded; "" for another image. */
const char *pt_vdimap_parent(const pt_vdimap_t *m);
const char *pt_vdimap_parent_modify(const pt_vdimap_t *m);
/* This image's creation and modification UUIDs, "{...}". */
const char *pt_vdimap_uuid(const pt_vdimap_t *m);
const char *pt_vdimap_modify(const pt_vdimap_t *m);

/* The creation UUID of the VDI read through fn/src, "{...}", without
 * reading its map: 1, or 0 when it is not a VDI. */
int pt_vdimap_read_uuid(pt_read_fn fn, void *src, uint64_t fsize, char out[40]);

/* The state of the block holding virtual offset off (PT_MAP_DATA,
 * PT_MAP_ZERO, or PT_MAP_PARENT in a differencing image), in *run the bytes to that block's end, and for data in
 * *host the file offset of off's byte; -1 with err set when the block's
 * data would lie past the end of the file (a truncated image). */
int pt_vdimap_state(const pt_vdimap_t *m, uint64_t off, uint64_t *run, uint64_t *host, pt_err_t *err);

#endif
