/* reparse.h - NTFS reparse points: the $REPARSE_POINT attribute's bytes,
 * the name of its tag, and files whose content a filter driver keeps
 * elsewhere (OneDrive and other cloud placeholders, Data Deduplication,
 * Azure File Sync, HSM, Single Instance Storage).  On disk such a file's
 * $DATA is sparse: every reader, icat included, gets zeros, which are not
 * the file's content.  WOF (system compression) is wof.h's. */
#ifndef PT_REPARSE_H
#define PT_REPARSE_H

#include <stddef.h>
#include <stdint.h>
#include <tsk/libtsk.h>

/* The first bytes (at most size) of f's $REPARSE_POINT: their count, 0 when
 * f has none (or it is shorter than a tag and its length). */
size_t pt_reparse_read(TSK_FS_FILE *f, uint8_t *buf, size_t size);

/* "OneDrive / cloud files placeholder", ... or NULL for a tag not known. */
const char *pt_reparse_tag_name(uint32_t tag);

enum {
    PT_REPARSE_HERE = 0,    /* no reparse point, or the content is on the volume */
    PT_REPARSE_ELSEWHERE,   /* none of data's bytes are stored here: error, not read */
    PT_REPARSE_PARTLY       /* a placeholder with sparse ranges, or an unknown tag over all-sparse data: a note */
};

/* Whether the content of f's data attribute (its unnamed $DATA) is kept
 * elsewhere by the reparse point's owner; why says what and where. */
int pt_reparse_elsewhere(TSK_FS_FILE *f, const TSK_FS_ATTR *data, char *why, size_t size);

#endif
