/* simgmap.h - Android sparse images (the format of fastboot, factory
 * images and many phone extractions: system.img, userdata.img as img2simg
 * writes them): a header, then chunks that each give a run of the disk's
 * blocks as raw bytes, as one 32-bit value repeated, or as never written
 * (zeros).  No Debian library reads them and libtsk does not; layer.c reads
 * the expanded disk through this map (what simg2img would write). */
#ifndef PT_SIMGMAP_H
#define PT_SIMGMAP_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "reader.h"

typedef struct pt_simgmap pt_simgmap_t;

/* 1 when head (at least 28 bytes) starts an Android sparse image. */
int pt_simgmap_is_simg(const uint8_t *head, size_t len);

/* Reads the header and every chunk header of the sparse image of fsize
 * bytes through fn/src (which must outlive the map).  PT_OK; PT_EFORMAT
 * with the reason (a damaged header, a chunk past the file's end, blocks
 * that do not add up); *desc (may be NULL) receives one line. */
int pt_simgmap_open(pt_read_fn fn, void *src, uint64_t fsize, pt_simgmap_t **out, char *desc, size_t dsize,
                    pt_err_t *err);
void pt_simgmap_free(pt_simgmap_t *m);
uint64_t pt_simgmap_disk_size(const pt_simgmap_t *m);

/* Reads len bytes of the expanded disk at off. */
ssize_t pt_simgmap_read(pt_simgmap_t *m, uint64_t off, uint8_t *buf, size_t len, pt_err_t *err);

#endif
