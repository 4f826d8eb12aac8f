/* aff4map.h - AFF4 images (the Advanced Forensic Format 4, Standard 1.0:
 * Evimetry, pmem, aff4imager, the AFF4 reference images): a ZIP64 volume
 * whose information.turtle describes an aff4:Image, the aff4:Map that lays
 * out its bytes (map and idx members) and the aff4:ImageStreams those point
 * into (chunks compressed with snappy, LZ4, deflate or zlib, or stored, in
 * bevies of chunks with an index each).  No Debian library reads AFF4 and
 * libtsk does not; layer.c reads the disk through this map. */
#ifndef PT_AFF4MAP_H
#define PT_AFF4MAP_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "reader.h"

typedef struct pt_aff4map pt_aff4map_t;

/* 1 when the file looks like an AFF4 volume: a ZIP whose first member is
 * one that AFF4 writers put first, or whose end-of-directory comment is an
 * aff4:// URN (tail: the file's last bytes). */
int pt_aff4map_is_aff4(const uint8_t *head, size_t hlen, const uint8_t *tail, size_t tlen);

/* Reads the volume's directory and description and the image's map
 * through fn/src (which must outlive the map).  PT_OK; PT_EFORMAT with the
 * reason; *desc (may be NULL) receives one line naming the image. */
int pt_aff4map_open(pt_read_fn fn, void *src, uint64_t fsize, pt_aff4map_t **out, char *desc, size_t dsize,
                    pt_err_t *err);
void pt_aff4map_free(pt_aff4map_t *m);
uint64_t pt_aff4map_disk_size(const pt_aff4map_t *m);

/* The MD5 and SHA-1 the imager stored for the image (aff4:hash), "" where
 * none. */
void pt_aff4map_stored_hashes(const pt_aff4map_t *m, char md5[33], char sha1[41]);

/* Reads len bytes of the image at off.  Not thread-safe (one chunk is
 * cached). */
ssize_t pt_aff4map_read(pt_aff4map_t *m, uint64_t off, uint8_t *buf, size_t len, pt_err_t *err);

#endif
