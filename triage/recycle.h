/* recycle.h - the Windows recycle bin (Vista and later): each deleted file
 * or folder is renamed $R<id><ext> in $Recycle.Bin\<SID>, and a $I<id><ext>
 * beside it records where it was deleted from, when, and its size.  Parses
 * those records; owns nothing. */
#ifndef PT_RECYCLE_H
#define PT_RECYCLE_H

#include <stddef.h>
#include <stdint.h>

/* The $I name of a $R entry of a recycle bin: path ("/$Recycle.Bin/S-1-5-
 * 21-...-1001/$RAB12CD.docx", any case of the bin's name) with its last
 * component's "$R" made "$I", into out.  0 when path is not such an entry. */
int pt_recycle_partner(const char *path, char *out, size_t size);

/* A $I record (version 1, Vista to 8.1: the path in 520 bytes; version 2,
 * Windows 10 and later: the path's length in characters, then the path):
 * "deleted from C:\Users\alice\x.docx at 2025-12-12 08:00:00 UTC (1234
 * bytes)" into out.  Returns 1, or 0 when b is not a $I record. */
int pt_recycle_describe(const uint8_t *b, size_t n, char *out, size_t size);

#endif
