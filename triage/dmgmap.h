/* dmgmap.h - Apple disk images (UDIF .dmg: UDRO, UDZO, UDBZ, ULMO, UDCO),
 * which neither libtsk nor a Debian library reads.  The "koly" trailer in
 * the last 512 bytes locates the XML property list whose "blkx" entries
 * (base64 "mish" tables) say, for every run of sectors of the disk, where
 * its bytes lie in the file and how they are stored: raw, zeros, or a
 * chunk compressed with zlib, bzip2, LZMA (liblzma) or ADC.  LZFSE chunks
 * (ULFO) are named, not decoded: no Debian library decodes LZFSE.
 *
 * Reads come from one thread (a layer's reader); the last decoded chunk is
 * kept.  Every count, offset and length is checked against the file. */
#ifndef PT_DMGMAP_H
#define PT_DMGMAP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "err.h"
#include "reader.h"

typedef struct pt_dmgmap pt_dmgmap_t;

/* 1 when the last 512 bytes of a file (tail, its final len bytes) are a
 * UDIF trailer. */
int pt_dmgmap_is_dmg(const uint8_t *tail, size_t len);

/* Reads the trailer, property list and chunk tables of the fsize-byte
 * file read through fn/src (which must outlive the map).  PT_OK; PT_EFORMAT
 * with the reason (an encrypted image, a resource-fork image without XML,
 * tables outside the file, overlapping runs).  *desc gets one line for the
 * report. */
int pt_dmgmap_open(pt_read_fn fn, void *src, uint64_t fsize, pt_dmgmap_t **out, char *desc, size_t dsize,
                   pt_err_t *err);
void pt_dmgmap_free(pt_dmgmap_t *m);
uint64_t pt_dmgmap_disk_size(const pt_dmgmap_t *m);

/* Reads len bytes of the disk at off (runs no table covers read as zeros).
 * Returns the bytes read, or -1 with err naming the chunk that could not
 * be read or decoded. */
ssize_t pt_dmgmap_read(pt_dmgmap_t *m, uint64_t off, uint8_t *buf, size_t len, pt_err_t *err);

#endif
