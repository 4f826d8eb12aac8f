/* fsid.h - names what a volume holds when neither The Sleuth Kit nor
 * ptriage reads it: an ext superblock libtsk could not open (bigalloc, or
 * damage), Linux swap (and a hibernation image in it), ReFS, VMFS
 * datastores, classic HFS, F2FS, SquashFS and EROFS (those f2fs.c,
 * erofs.c and squashfs.c do not open), CramFS, ROMFS, JFS,
 * ReiserFS, NILFS2, bcachefs, GFS2, UDF.  Signatures only: nothing is
 * opened or trusted beyond the fields named. */
#ifndef PT_FSID_H
#define PT_FSID_H

#include <stddef.h>
#include <stdint.h>

#include "reader.h"

/* Writes a sentence naming what the size bytes read through fn/src hold
 * ("Linux swap space, version 1, 4096-byte pages, ...") into out and
 * returns a short name ("linux-swap"), or NULL when no signature is found
 * (out is then ""). */
const char *pt_fsid_name(pt_read_fn fn, void *src, uint64_t size, char *out, size_t n);

/* The same over a buffer holding the volume's first len bytes (the offsets
 * past len are not looked at): for the unit tests and the fuzzer. */
const char *pt_fsid_name_buf(const uint8_t *buf, size_t len, uint64_t size, char *out, size_t n);

#endif
