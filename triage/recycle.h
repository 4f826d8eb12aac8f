/* recycle.h - where deleted files wait: the Windows recycle bin (Vista and
 * later: each deleted file or folder is renamed $R<id><ext> in
 * $Recycle.Bin\<SID>, and a $I<id><ext> beside it records where it was
 * deleted from, when, and its size) and the freedesktop.org trash of Linux
 * desktops (~/.local/share/Trash/files/NAME, with info/NAME.trashinfo
 * giving its path and deletion date); and Windows XP and Server 2003's
 * RECYCLER\<SID>, where D<drive><n>.<ext> has record n in the INFO2 file
 * beside it.  Parses those records; owns nothing. */
#ifndef PT_RECYCLE_H
#define PT_RECYCLE_H

#include <stddef.h>
#include <stdint.h>

/* The record of a deleted entry, into out: for a $R entry of a recycle bin
 * ("/$Recycle.Bin/S-1-5-21-...-1001/$RAB12CD.docx", any case of the bin's
 * name) its $I; for an entry of a trash's files/ folder its
 * info/NAME.trashinfo; for a D<drive><n> entry of RECYCLER\<SID> (or
 * Windows 9x's RECYCLED) its INFO2.  0 when path is none of these. */
int pt_recycle_partner(const char *path, char *out, size_t size);

/* A $I record (version 1, Vista to 8.1: the path in 520 bytes; version 2,
 * Windows 10 and later: the path's length in characters, then the path):
 * "deleted from C:\Users\alice\x.docx at 2025-12-12 08:00:00 UTC (1234
 * bytes)" into out.  Returns 1, or 0 when b is not a $I record. */
int pt_recycle_describe(const uint8_t *b, size_t n, char *out, size_t size);

/* A .trashinfo ("[Trash Info]", Path= percent-encoded, DeletionDate= local
 * time as written): "deleted from /home/alice/x.odt at 2025-12-12T08:00:00
 * (the machine's local time)" into out.  Returns 1, or 0 when it is not
 * one. */
int pt_recycle_describe_trashinfo(const uint8_t *b, size_t n, char *out, size_t size);

/* The n of a Windows XP recycler entry's name ("Dc12.doc": 12), or -1. */
long pt_recycle_info2_index(const char *name);

/* Record n of an INFO2 file (800-byte records with the path in UTF-16, or
 * Windows 9x's 280-byte ones with the path in the ANSI code page): "deleted
 * from C:\Documents and Settings\alice\x.doc at ... UTC (N bytes)" into
 * out.  Returns 1, or 0 when there is no such record. */
int pt_recycle_describe_info2(const uint8_t *b, size_t n, long index, char *out, size_t size);

#endif
