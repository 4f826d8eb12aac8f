/* phdmap.h - Parallels expanding disk images: Parallels Desktop's .hds
 * files (inside a NAME.hdd bundle) and the ploop images of Virtuozzo and
 * OpenVZ hosting servers (root.hds).  A 64-byte header, a block allocation
 * table (BAT) of 32-bit entries, one per cluster of the disk, each giving
 * where the cluster lies in the file or 0 for a cluster never written
 * (zeros).  No Debian library reads the format (qemu does, but as a
 * program) and libtsk does not; layer.c reads each cluster from where this
 * map says it lies.
 *
 * After qemu's docs/interop/parallels.txt: magic "WithoutFreeSpace" (BAT
 * entries in sectors, a 32-bit disk size) or "WithouFreSpacExt" (entries
 * in clusters), version 2, the cluster size in sectors at 28, the BAT's
 * entries at 32, the disk's sectors at 36, the in-use mark at 44 (qemu's
 * "Ynot" while open for writing; Parallels Desktop writes its version
 * there, "pd17", as libphdi's notes say), the data offset at 48, flags at
 * 52 (bit 0: an empty image). */
#ifndef PT_PHDMAP_H
#define PT_PHDMAP_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "reader.h"

typedef struct pt_phdmap pt_phdmap_t;

/* 1 when head (at least 64 bytes) starts a Parallels expanding image. */
int pt_phdmap_is_parallels(const uint8_t *head, size_t len);

/* Reads the header and the BAT of the image of fsize bytes through fn/src.
 * PT_OK; PT_EFORMAT with the reason (a damaged header, a BAT outside the
 * file or shorter than the disk, an entry before the data area); *desc
 * (may be NULL) receives one line, naming an image left open for writing
 * (a running VM's or container's disk copied as it was). */
int pt_phdmap_open(pt_read_fn fn, void *src, uint64_t fsize, pt_phdmap_t **out, char *desc, size_t dsize,
                   pt_err_t *err);
void pt_phdmap_free(pt_phdmap_t *m);
uint64_t pt_phdmap_disk_size(const pt_phdmap_t *m);

/* The state of the cluster holding disk offset off (PT_MAP_DATA or
 * PT_MAP_ZERO), in *run the bytes to that cluster's end, and for data in
 * *host the file offset of off's byte; -1 with err set when the cluster
 * lies past the end of the file (a truncated image). */
int pt_phdmap_state(const pt_phdmap_t *m, uint64_t off, uint64_t *run, uint64_t *host, pt_err_t *err);

#endif
