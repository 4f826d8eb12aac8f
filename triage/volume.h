/* volume.h - the volume stage: finds a partition table (MBR, GPT, BSD, Sun,
 * Mac) through tsk_vs_*, records every partition, walks each filesystem,
 * and turns a partition with no recognisable filesystem into a `volume`
 * item that is hashed and described.  An image without a partition table
 * is tried as a bare filesystem, then as a single raw volume. */
#ifndef PT_VOLUME_H
#define PT_VOLUME_H

#include "scan.h"
#include "source.h"

/* Returns PT_OK or a fatal error (case database) with err set. */
int pt_volume_scan(pt_scan_t *s, pt_source_t *src, pt_err_t *err);

#endif
