/* vhdxmap.h - differencing VHDX disks (Hyper-V checkpoints, .avhdx), read
 * after Microsoft's [MS-VHDX] specification: the two headers (CRC-32C, the
 * one with the higher sequence number), the region table, the metadata
 * (block size, disk size, sector size, the parent locator), and the block
 * allocation table whose payload entries say where each block is and whose
 * sector bitmap entries say, sector by sector, whether the child or the
 * parent holds a partly present block.  Dynamic and fixed VHDX are read
 * through libvhdi (layer.c). */
#ifndef PT_VHDXMAP_H
#define PT_VHDXMAP_H

#include <stdint.h>

#include "err.h"
#include "qcowmap.h"
#include "reader.h"

typedef struct pt_vhdxmap pt_vhdxmap_t;

/* Whether the VHDX of fsize bytes read through fn/src has a parent: 1, 0,
 * or -1 when its headers or metadata cannot be read (err set). */
int pt_vhdxmap_is_differencing(pt_read_fn fn, void *src, uint64_t fsize, pt_err_t *err);
/* The DataWriteGuid of the current header of any VHDX (what a child's
 * parent_linkage names): 1, or 0 with err set. */
int pt_vhdxmap_data_guid(pt_read_fn fn, void *src, uint64_t fsize, uint8_t guid[16], pt_err_t *err);

/* A GUID's 16 bytes as they lie on disk, written as Windows shows it. */
void pt_vhdxmap_guid_str(const uint8_t g[16], char out[40]);

/* Reads the headers, metadata and allocation table of a differencing VHDX
 * (fn/src must outlive the map).  PT_OK, or PT_EFORMAT with the reason;
 * *desc gets one line. */
int pt_vhdxmap_open(pt_read_fn fn, void *src, uint64_t fsize, pt_vhdxmap_t **out, char *desc, size_t dsize,
                    pt_err_t *err);
void pt_vhdxmap_free(pt_vhdxmap_t *m);
uint64_t pt_vhdxmap_disk_size(const pt_vhdxmap_t *m);
/* Where the parent is: relative_path, else absolute_win32_path, else
 * volume_path of the parent locator; with '/' for '\'. */
const char *pt_vhdxmap_parent(const pt_vhdxmap_t *m);
/* parent_linkage: the parent's DataWriteGuid as the child recorded it. */
const uint8_t *pt_vhdxmap_parent_linkage(const pt_vhdxmap_t *m);
/* Whether a parent whose DataWriteGuid is guid is the one the checkpoint
 * names: parent_linkage, or the alternative parent_linkage2 when present. */
int pt_vhdxmap_links_to(const pt_vhdxmap_t *m, const uint8_t guid[16]);
/* A note for the evidence ("" when none): the log holds entries. */
const char *pt_vhdxmap_note(const pt_vhdxmap_t *m);

/* The state of virtual offset off: PT_MAP_DATA (in this file, at *host),
 * PT_MAP_ZERO or PT_MAP_PARENT; *run the bytes from off in that state
 * (within its block, and its sector run); -1 with err set when the table
 * points past the end of the file. */
int pt_vhdxmap_state(pt_vhdxmap_t *m, uint64_t off, uint64_t *run, uint64_t *host, pt_err_t *err);

#endif
