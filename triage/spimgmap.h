/* spimgmap.h - Apple sparse disk images (.sparseimage, hdiutil's SPARSE
 * format, UDSP): the disk in bands (1 MiB as hdiutil writes them), stored
 * in the file in the order they were first written, each band's place on
 * the disk given by a table of band numbers.  The table starts in the
 * 4 KiB header node and continues in 4 KiB index nodes linked from it,
 * each followed by the bands it lists.  A band no node lists reads as
 * zeros.  No Debian library reads the format and libtsk does not;
 * layer.c reads each band from where this map says it lies.
 *
 * After libmodi's format notes and fsdump's AppleSparseimage (the index
 * nodes): header node "sprs", version, sectors per band, flags, the disk's
 * sectors (32 bits at 16, 64 bits at 28), the next index node (64 bits at
 * 20), then 1,008 band numbers from byte 64; an index node: "sprs", its
 * number, flags, the next node (64 bits at 12), then 1,010 band numbers
 * from byte 56.  Band number b (from 1) is disk bytes
 * [(b - 1) * band, b * band); 0 is an unused slot. */
#ifndef PT_SPIMGMAP_H
#define PT_SPIMGMAP_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "reader.h"

typedef struct pt_spimgmap pt_spimgmap_t;

/* 1 when head (at least 64 bytes) starts an Apple sparse image. */
int pt_spimgmap_is_sparseimage(const uint8_t *head, size_t len);

/* Reads the header node and every index node of the sparse image of fsize
 * bytes through fn/src.  PT_OK; PT_EFORMAT with the reason (a damaged
 * header, a node outside the file or met twice, a band number past the
 * disk or given twice); *desc (may be NULL) receives one line. */
int pt_spimgmap_open(pt_read_fn fn, void *src, uint64_t fsize, pt_spimgmap_t **out, char *desc, size_t dsize,
                     pt_err_t *err);
void pt_spimgmap_free(pt_spimgmap_t *m);
uint64_t pt_spimgmap_disk_size(const pt_spimgmap_t *m);

/* The state of the band holding disk offset off (PT_MAP_DATA or
 * PT_MAP_ZERO), in *run the bytes to that band's end (or the disk's), and
 * for data in *host the file offset of off's byte; -1 with err set when
 * the band lies past the end of the file (a truncated image). */
int pt_spimgmap_state(const pt_spimgmap_t *m, uint64_t off, uint64_t *run, uint64_t *host, pt_err_t *err);

#endif
