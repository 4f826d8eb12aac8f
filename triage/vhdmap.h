/* vhdmap.h - differencing VHD disks (Hyper-V and Virtual PC checkpoints,
 * .avhd), read after Microsoft's Virtual Hard Disk Image Format
 * Specification 1.0: the footer, the dynamic header with the parent's
 * UUID and locators, the block allocation table, and each block's sector
 * bitmap, which says sector by sector whether the child or the parent
 * holds it.  Debian's libvhdi (20210425) reads some sectors the bitmap
 * leaves to the parent from the child, so ptriage reads these itself;
 * dynamic and fixed VHDs are still read through libvhdi (layer.c). */
#ifndef PT_VHDMAP_H
#define PT_VHDMAP_H

#include <stdint.h>

#include "err.h"
#include "qcowmap.h"
#include "reader.h"

typedef struct pt_vhdmap pt_vhdmap_t;

/* 1 when footer (the file's last 512 bytes) is a VHD footer of a
 * differencing disk. */
int pt_vhdmap_is_differencing(const uint8_t *footer, size_t len);
/* The UUID in a VHD footer (the last 512 bytes): 1, or 0 when it is none. */
int pt_vhdmap_footer_uuid(const uint8_t *footer, size_t len, uint8_t uuid[16]);

/* Reads the footer, dynamic header and allocation table of the
 * differencing VHD of fsize bytes read through fn/src (which must outlive
 * the map).  PT_OK, or PT_EFORMAT with the reason.  *desc gets one line. */
int pt_vhdmap_open(pt_read_fn fn, void *src, uint64_t fsize, pt_vhdmap_t **out, char *desc, size_t dsize,
                   pt_err_t *err);
void pt_vhdmap_free(pt_vhdmap_t *m);
uint64_t pt_vhdmap_disk_size(const pt_vhdmap_t *m);
/* Where the parent is: the relative locator (W2ru), else the absolute one
 * (W2ku), else the parent's name in the header; with '/' for '\'. */
const char *pt_vhdmap_parent(const pt_vhdmap_t *m);
/* The parent's UUID recorded in the header. */
const uint8_t *pt_vhdmap_parent_uuid(const pt_vhdmap_t *m);

/* The state of virtual offset off (PT_MAP_DATA in this file, at *host;
 * PT_MAP_PARENT), *run the bytes from off in that state (within its
 * block); -1 with err set when a block lies past the end of the file. */
int pt_vhdmap_state(pt_vhdmap_t *m, uint64_t off, uint64_t *run, uint64_t *host, pt_err_t *err);

#endif
