/* wof.h - Windows "system compressed" files (WOF, Compact OS): an NTFS file
 * whose reparse point hands it to the Windows Overlay Filter.  Its unnamed
 * $DATA is sparse, zeros to every other reader; its content is in the
 * WofCompressedData stream, in XPRESS or LZX chunks.  libtsk 4.11 does not
 * know this, so a Windows 10/11 system volume would hash as zeros.  Chunks
 * are decoded by wimlib (the formats are WIM's).  Stateless: every read
 * parses what it needs, so readers on several threads share nothing. */
#ifndef PT_WOF_H
#define PT_WOF_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <tsk/libtsk.h>

#include "err.h"

#define PT_WOF_TAG 0x80000017u

enum {
    PT_WOF_NONE = 0,    /* not a WOF reparse point */
    PT_WOF_FILE,        /* system compressed: readable from WofCompressedData */
    PT_WOF_UNREADABLE   /* a WOF file whose content is not here (WIMBoot) or not understood */
};

typedef struct pt_wof_info {
    unsigned algorithm; /* FILE_PROVIDER_COMPRESSION_*: 0 XPRESS4K, 1 LZX, 2 XPRESS8K, 3 XPRESS16K */
    unsigned order;     /* log2 of the chunk size */
    const char *name;   /* "XPRESS4K", ... (static) */
    char why[200];      /* PT_WOF_UNREADABLE: what it is and why it is not read */
} pt_wof_info_t;

/* Parses a $REPARSE_POINT attribute's bytes: PT_WOF_*. */
int pt_wof_parse_reparse(const uint8_t *rp, size_t len, pt_wof_info_t *info);

/* Reads the stream of compressed chunks (the WofCompressedData content).
 * Returns its bytes through read(ctx, off, buf, len) (the count, -1 with err
 * set).  Decodes [off, off + len) of the usize-byte content into buf:
 * returns the count (0 at the end), or -1 with err naming the chunk. */
typedef ssize_t (*pt_wof_read_fn)(void *ctx, uint64_t off, uint8_t *buf, size_t len, pt_err_t *err);
ssize_t pt_wof_decode(const pt_wof_info_t *info, uint64_t usize, uint64_t csize, pt_wof_read_fn read, void *ctx,
                      uint64_t off, uint8_t *buf, size_t len, pt_err_t *err);

/* libtsk glue. */
typedef struct pt_wof {
    pt_wof_info_t info;
    const TSK_FS_ATTR *data;    /* WofCompressedData (PT_WOF_FILE) */
} pt_wof_t;

/* Whether NTFS file f (its unnamed $DATA) is WOF: PT_WOF_*.  A WOF
 * reparse point without its WofCompressedData stream is PT_WOF_UNREADABLE. */
int pt_wof_probe(TSK_FS_FILE *f, pt_wof_t *w);
/* Reads the decompressed content of a PT_WOF_FILE; usize is the unnamed
 * $DATA's size. */
ssize_t pt_wof_read(const pt_wof_t *w, uint64_t usize, uint64_t off, uint8_t *buf, size_t len, pt_err_t *err);
/* Whether attr is the WofCompressedData stream of a WOF file. */
int pt_wof_is_stream(TSK_FS_FILE *f, const TSK_FS_ATTR *attr);

#endif
