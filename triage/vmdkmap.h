/* vmdkmap.h - which grains of a VMDK's hosted sparse extents ("KDMV") hold
 * data, read as zeros, or are left to the parent disk, from each extent's
 * grain directory and tables.
 *
 * libvmdk (20200926, Debian 12) reads a "zeroed grain" entry (value 1,
 * used when the extent's header sets flag bit 2) as sector 1 of the extent
 * file, so those grains came out as the file's own header and descriptor
 * text.  layer.c asks this map first and reads each grain from where
 * VMware (and qemu) read it.  Extents of other kinds (flat, COWD) are left
 * to libvmdk: they have no zeroed grains. */
#ifndef PT_VMDKMAP_H
#define PT_VMDKMAP_H

#include <stdint.h>

#include "err.h"
#include "qcowmap.h"
#include "reader.h"

typedef struct pt_vmdkmap pt_vmdkmap_t;

/* An empty map of a disk of disk_size bytes: everything is PT_MAP_DATA
 * (read by libvmdk) until extents are added. */
pt_vmdkmap_t *pt_vmdkmap_new(uint64_t disk_size);
void pt_vmdkmap_free(pt_vmdkmap_t *m);

/* Maps the extent covering [at, at + len) of the disk, whose file of fsize
 * bytes is read through fn/src (which must outlive the map), when it is a
 * hosted sparse extent.  PT_OK (also when the file is some other kind of
 * extent, left to libvmdk); PT_EFORMAT when its header or grain directory
 * is damaged, err saying where. */
int pt_vmdkmap_add_extent(pt_vmdkmap_t *m, uint64_t at, uint64_t len, pt_read_fn fn, void *src, uint64_t fsize,
                          pt_err_t *err);

/* The state of the grain holding disk offset off (PT_MAP_DATA, PT_MAP_ZERO, or
 * PT_MAP_PARENT for the parent disk's), *run the bytes to that grain's end; -1
 * with err set when a grain table cannot be read.  Thread-safe. */
int pt_vmdkmap_state(pt_vmdkmap_t *m, uint64_t off, uint64_t *run, pt_err_t *err);

#endif
