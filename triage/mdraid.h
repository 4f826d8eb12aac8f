/* mdraid.h - Linux software RAID (md) member superblocks, version 1.x
 * (1.0 at the end of the device, 1.1 at its start, 1.2 at 4 KiB) and 0.90
 * (in the last 64 KiB-aligned 64 KiB); checksums verified.  A RAID 1 member holds the whole array's data at its data
 * offset, so it is walked without assembling the array; members of
 * striped levels are assembled from the evidence (mdarray.h). */
#ifndef PT_MDRAID_H
#define PT_MDRAID_H

#include <stdint.h>

#include "err.h"
#include "reader.h"

typedef struct pt_md_info {
    int minor;              /* 0, 1, 2: superblock version 1.minor; -1: version 0.90 */
    int32_t level;          /* -1 linear, 0, 1, 4, 5, 6, 10 */
    uint32_t raid_disks;
    uint64_t data_offset;   /* bytes from the member's start */
    uint64_t data_size;     /* bytes */
    uint32_t dev_number;
    int role;               /* its slot in the array, -1 spare, -2 faulty, -3 unknown */
    char name[33];          /* set_name ("host:0"), printable bytes only */
    uint8_t uuid[16];       /* set_uuid: the array's, the same on every member */
    uint32_t layout;
    uint64_t chunk;         /* bytes */
    uint64_t component;     /* bytes of each member the array uses */
    uint64_t events;        /* the newest superblock of a role wins */
} pt_md_info_t;

/* Reads the version-1 superblock of the member of size bytes read through
 * fn/src.  PT_OK; PT_EFORMAT when there is none, its checksum differs, or
 * its data lies outside the member (err says which). */
int pt_md_read(pt_read_fn fn, void *src, uint64_t size, pt_md_info_t *md, pt_err_t *err);

/* "RAID 1 member (md superblock 1.2, array \"srv:0\", slot 0 of 2)" */
void pt_md_describe(const pt_md_info_t *md, char *out, size_t n);

#endif
