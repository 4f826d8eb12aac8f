/* vss.h - Volume Shadow Copies of an NTFS volume, read through Debian's
 * libvshadow: each snapshot is a volume of its own (the volume as it was
 * when the snapshot was taken), and which 16 KiB blocks of it can read
 * differently from a newer snapshot or the volume now is known from the
 * stores' block lists, so that a walk of a snapshot can list only the
 * files in a state no newer snapshot holds.  Read-only. */
#ifndef PT_VSS_H
#define PT_VSS_H

#include <stdint.h>
#include <sys/types.h>
#include <tsk/libtsk.h>

#include "err.h"
#include "reader.h"

typedef struct pt_vss pt_vss_t;

/* What the VSS volume header at 0x1e00 of a volume says: 0 no header, 1 a
 * header without a catalog (no snapshots), 2 a header with a catalog. */
int pt_vss_probe(pt_read_fn fn, void *src, uint64_t size);

/* Opens the snapshots of the volume read through fn/src (which must
 * outlive the result).  PT_OK, or PT_EFORMAT with err saying why. */
int pt_vss_open(pt_read_fn fn, void *src, uint64_t size, pt_vss_t **out, pt_err_t *err);
void pt_vss_close(pt_vss_t *v);

/* Snapshots, oldest first as the catalog lists them (1-based in labels). */
int pt_vss_count(const pt_vss_t *v);
/* Snapshot i (0-based): its volume size, and one line for the report
 * ("Volume Shadow Copy 1 of 2, created 2025-12-12 08:00:00 UTC, store
 * {GUID}, 5 blocks of 16 KiB kept"). */
uint64_t pt_vss_size(const pt_vss_t *v, int i);
const char *pt_vss_describe(const pt_vss_t *v, int i);
/* Creation time as seconds since 1970 (0 when unknown). */
int64_t pt_vss_created(const pt_vss_t *v, int i);
/* Reads snapshot i's view of the volume. */
ssize_t pt_vss_read(pt_vss_t *v, int i, uint64_t off, uint8_t *buf, size_t len, pt_err_t *err);

/* Which files of snapshot i's filesystem (fs, opened over pt_vss_read)
 * hold a state no newer snapshot holds: those whose MFT record or data
 * read differently than in snapshot i + 1 (for the newest, than on the
 * volume now), compared byte for byte in the 16 KiB blocks the stores from
 * i on keep (elsewhere every snapshot reads the volume's own blocks).  So
 * each older version of a file is listed once, in the newest snapshot
 * that holds it. */
typedef struct pt_vss_filter pt_vss_filter_t;
/* NULL when the filter cannot be built (the $MFT of the snapshot cannot be
 * mapped): then every file is to be listed. */
pt_vss_filter_t *pt_vss_filter_open(pt_vss_t *v, int i, TSK_FS_INFO *fs);
/* 1 when f is to be listed (changed or deleted after the snapshot, or undecidable). */
int pt_vss_filter_keep(const pt_vss_filter_t *fl, TSK_FS_FILE *f);
void pt_vss_filter_close(pt_vss_filter_t *fl);

#endif
