/* lvmthin.h - LVM2 thin volumes (lvcreate -T, -V; Proxmox's "local-lvm").
 * A thin pool keeps its volumes' chunks in one data LV (POOL_tdata) and
 * their maps in dm-thin's metadata LV (POOL_tmeta): B-trees from device id
 * to a map of virtual chunk to data chunk, shared between a volume and its
 * thin snapshots.  libvslvm opens neither; this reads a thin volume through
 * its map, unprovisioned chunks as zeros, after the kernel's
 * dm-thin-metadata.c and persistent-data layouts.  Read-only; every block
 * of metadata is checked (checksum, its own block number) before use. */
#ifndef PT_LVMTHIN_H
#define PT_LVMTHIN_H

#include <stdint.h>
#include <sys/types.h>

#include "err.h"
#include "reader.h"

typedef struct pt_lvmthin_pool_info {
    uint64_t chunk;           /* data block size in bytes */
    uint64_t data_blocks;     /* of the data LV, as the metadata counts them */
    uint64_t data_allocated;  /* in use by any thin volume */
    uint64_t transaction;
} pt_lvmthin_pool_info_t;

/* The pool's superblock, read from its metadata LV. */
int pt_lvmthin_pool(pt_read_fn meta, void *msrc, uint64_t meta_size, pt_lvmthin_pool_info_t *info, pt_err_t *err);

/* Thin device dev_id of the pool, size bytes long (the LV's size from the
 * volume group's metadata), its chunks read from the data LV.  The
 * metadata's block size must be chunk_sectors (the LVM metadata's).  Both
 * readers must outlive the volume. */
typedef struct pt_lvmthin pt_lvmthin_t;
int pt_lvmthin_open(pt_read_fn meta, void *msrc, uint64_t meta_size, pt_read_fn data, void *dsrc,
                    uint64_t data_size, uint32_t chunk_sectors, uint32_t dev_id, uint64_t size, pt_lvmthin_t **out,
                    pt_err_t *err);
/* Chunks the device maps (its device details' count). */
uint64_t pt_lvmthin_mapped(const pt_lvmthin_t *t);
ssize_t pt_lvmthin_read(void *t, uint64_t off, uint8_t *buf, size_t len, pt_err_t *err);
void pt_lvmthin_close(pt_lvmthin_t *t);

#endif
