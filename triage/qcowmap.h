/* qcowmap.h - which clusters of a qcow2 image hold data, read as zeros, or
 * are left to its backing file, from the image's L1 and L2 tables; and the
 * decoding of compressed clusters.
 *
 * libqcow (20201213, Debian 12) opens and describes the image, but its
 * reads were wrong: it does not honour the "reads as zeros" flag of qcow2
 * version 3 when a backing file is attached (it returns the backing file's
 * older bytes there), fails on every cluster left to a backing file it does
 * not have (a raw one), and copies a whole cluster out of a short read at
 * the end of a damaged file.  layer.c therefore reads each cluster itself,
 * from where qemu would. */
#ifndef PT_QCOWMAP_H
#define PT_QCOWMAP_H

#include <stdint.h>

#include "err.h"
#include "reader.h"

typedef struct pt_qcowmap pt_qcowmap_t;

/* Where a cluster's (or a VMDK grain's, vmdkmap.h) bytes come from. */
typedef enum {
    PT_MAP_DATA = 1,    /* stored in this image (perhaps compressed) */
    PT_MAP_ZERO,        /* reads as zeros */
    PT_MAP_PARENT       /* not in this image: the backing file's, or zeros without one */
} pt_map_state_t;

/* Reads the header and L1 table of the qcow2 image of size bytes through
 * fn/src (which must outlive the map).  PT_OK; PT_EFORMAT when it is not a
 * qcow2 image ptriage can map (qcow version 1, an external data file,
 * extended L2 entries, tables outside the file), err saying which. */
int pt_qcowmap_open(pt_read_fn fn, void *src, uint64_t size, pt_qcowmap_t **out, pt_err_t *err);
void pt_qcowmap_free(pt_qcowmap_t *m);

/* The state of the cluster holding virtual offset off, and in *run the
 * bytes from off to that cluster's end; for data stored uncompressed, in
 * *host (may be NULL) the offset of off's byte in the image file, else
 * UINT64_MAX (compressed: pt_qcowmap_read_compressed decodes it).  A pt_map_state_t, or -1
 * with err set (an L2 table unreadable, a cluster outside the file).  Safe
 * to call from several threads. */
int pt_qcowmap_state(pt_qcowmap_t *m, uint64_t off, uint64_t *run, uint64_t *host, pt_err_t *err);

/* Decodes the compressed cluster holding virtual offset off (zlib, as qemu
 * writes it) into out, which holds one cluster (pt_qcowmap_cluster bytes).
 * PT_OK, or PT_EIO / PT_EFORMAT with err saying where. */
int pt_qcowmap_read_compressed(pt_qcowmap_t *m, uint64_t off, uint8_t *out, pt_err_t *err);
uint64_t pt_qcowmap_cluster(const pt_qcowmap_t *m);

#endif
