/* ewfmap.h - an E01 set (EWF-E01 and EWF-S01, EnCase 1 to 7, FTK, SMART,
 * linen) read from files of a filesystem of the evidence.  Debian's libewf
 * opens segments only by name on this machine (its libbfio is private),
 * so an E01 found inside a seized disk was named and left unread; this
 * reads the segments through libtsk, after the format as libewf documents
 * it: the section chain of each segment ("volume"/"disk", "sectors",
 * "table"/"table2", "next", "done"), the chunk tables, zlib chunks and the
 * Adler-32 of stored ones.  EWF2 (Ex01) and logical evidence (L01) are
 * refused with that reason.  A damaged chunk is a read error naming its
 * sectors, never zeros. */
#ifndef PT_EWFMAP_H
#define PT_EWFMAP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "err.h"
#include "reader.h"

typedef struct pt_ewfmap_seg {
    pt_read_fn fn;
    void *src;
    uint64_t size;
} pt_ewfmap_seg_t;

typedef struct pt_ewfmap pt_ewfmap_t;

/* Opens the set segs[0..n-1] (x.E01, x.E02, ...; their readers must
 * outlive the map).  PT_OK, or PT_EFORMAT with the reason; *desc gets one
 * line (format, media size, chunks, the stored MD5 when there is one). */
int pt_ewfmap_open(const pt_ewfmap_seg_t *segs, unsigned n, pt_ewfmap_t **out, char *desc, size_t dsize,
                   pt_err_t *err);
void pt_ewfmap_free(pt_ewfmap_t *m);
uint64_t pt_ewfmap_size(const pt_ewfmap_t *m);
unsigned pt_ewfmap_sector_size(const pt_ewfmap_t *m);
/* A pt_read_fn over the media (src: the map); thread-safe. */
ssize_t pt_ewfmap_read(void *m, uint64_t off, uint8_t *buf, size_t len, pt_err_t *err);

#endif
