/* lvmsnap.h - classic LVM2 snapshots (lvcreate -s): the volume group's text
 * metadata names each snapshot's origin and copy-on-write store, and the
 * store (dm-snapshot's persistent exception store) holds the origin's
 * chunks as they were before they changed.  libvslvm opens neither the
 * snapshot nor the view; this rebuilds the view: the origin read through
 * the store's exception table.  Read-only; owns its table. */
#ifndef PT_LVMSNAP_H
#define PT_LVMSNAP_H

#include <stdint.h>
#include <sys/types.h>

#include "err.h"
#include "reader.h"

#define PT_LVMSNAP_MAX 1024 /* logical volumes of a group looked at */

typedef struct pt_lvm_lv {
    char name[128];
    int snapshot;               /* its segment is of type "snapshot" (LVM's internal snapshot object) */
    char origin[128];           /* for a snapshot: the origin LV and the store LV */
    char cow[128];
    uint32_t chunk_sectors;     /* a snapshot's or a thin pool's chunk */
    int thin_pool;              /* segment type "thin-pool" */
    int thin;                   /* segment type "thin": a thin volume (origin: a thin snapshot's) */
    char pool[128];             /* a thin volume's pool; a thin pool's data LV */
    char meta[128];             /* a thin pool's metadata LV */
    char external[128];         /* a thin volume's external origin */
    uint32_t device_id;         /* a thin volume's id in its pool */
    uint64_t bytes;             /* its size: extents over all its segments */
    char seg_type[32];          /* its first segment's type: "striped", "raid1", "thin", ... */
    char image0[128];           /* a RAID or mirror segment's first image LV */
    int images;                 /* and how many it has */
} pt_lvm_lv_t;

/* The logical volumes of the group on the physical volume read through
 * fn/src (what their segments say of snapshots and thin pools), in
 * metadata order, into lv (at most max); returns how many, or
 * -1 when the metadata cannot be read (libvslvm reports that itself). */
int pt_lvmsnap_list(pt_read_fn fn, void *src, uint64_t size, pt_lvm_lv_t *lv, int max);

/* The snapshot of origin through store cow: opens the exception table (the
 * store's header must say valid, version 1, the metadata's chunk size).
 * Both readers must outlive the view. */
typedef struct pt_lvmsnap pt_lvmsnap_t;
int pt_lvmsnap_open(pt_read_fn origin, void *osrc, uint64_t size, pt_read_fn cow, void *csrc, uint64_t cow_size,
                    uint32_t chunk_sectors, pt_lvmsnap_t **out, pt_err_t *err);
/* Chunks the store keeps (those changed in the origin since). */
uint64_t pt_lvmsnap_changed(const pt_lvmsnap_t *s);
ssize_t pt_lvmsnap_read(void *s, uint64_t off, uint8_t *buf, size_t len, pt_err_t *err);
void pt_lvmsnap_close(pt_lvmsnap_t *s);

#endif
