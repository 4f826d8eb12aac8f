/* vdimap.h - VirtualBox disk images (VDI): the header and the block map
 * that says, for each block of the virtual disk (1 MiB as VirtualBox and
 * qemu write them), where its bytes lie in the file, or that it reads as
 * zeros.  No Debian library reads VDI and libtsk does not; layer.c reads
 * each block from where VirtualBox would.
 *
 * Fixed and dynamic images (VDI 1.1) are read.  A differencing image (a
 * VirtualBox snapshot) names its parent by UUID, not by file: it is
 * recognised and refused with that UUID, as a wrong disk is worse than
 * none. */
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

/* The state of the block holding virtual offset off (PT_MAP_DATA or
 * PT_MAP_ZERO), in *run the bytes to that block's end, and for data in
 * *host the file offset of off's byte; -1 with err set when the block's
 * data would lie past the end of the file (a truncated image). */
int pt_vdimap_state(const pt_vdimap_t *m, uint64_t off, uint64_t *run, uint64_t *host, pt_err_t *err);

#endif
