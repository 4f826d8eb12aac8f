/* mdarray.h - a Linux software RAID (md) array assembled from its members'
 * data areas, read-only, after the kernel's raid0.c, raid5.c
 * (raid5_compute_sector) and raid10.c layouts: linear, RAID 0, RAID 5 and
 * RAID 6 (the six standard layouts; a missing data member rebuilt from the
 * P parity), RAID 10 "near" (a missing member read from another copy).
 * Owns nothing but its table; the member readers must outlive it. */
#ifndef PT_MDARRAY_H
#define PT_MDARRAY_H

#include <stdint.h>
#include <sys/types.h>

#include "err.h"
#include "reader.h"

#define PT_MDARRAY_MAX 32 /* members */

typedef struct pt_mdarray_member {
    pt_read_fn fn;            /* NULL: missing */
    void *src;                /* the member device (partition or disk) */
    uint64_t data_offset;     /* bytes */
} pt_mdarray_member_t;

typedef struct pt_mdarray pt_mdarray_t;

/* level -1 (linear), 0, 5, 6, 10; layout and chunk (bytes) from the
 * superblock; component: the bytes each member contributes (the
 * superblock's size); members by role (raid_disks of them).  Refuses a
 * layout it does not know and more missing members than the level can
 * bear (err says which). */
int pt_mdarray_open(int level, uint32_t layout, uint64_t chunk, uint32_t raid_disks, uint64_t component,
                    const pt_mdarray_member_t *members, pt_mdarray_t **out, pt_err_t *err);
uint64_t pt_mdarray_size(const pt_mdarray_t *a);
/* "RAID 5, left-symmetric, 3 members, chunks of 64 KiB" (+ ", member 2 missing: rebuilt from parity") */
const char *pt_mdarray_describe(const pt_mdarray_t *a);
ssize_t pt_mdarray_read(void *a, uint64_t off, uint8_t *buf, size_t len, pt_err_t *err);
void pt_mdarray_close(pt_mdarray_t *a);

#endif
