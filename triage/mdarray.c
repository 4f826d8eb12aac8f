/* mdarray.c - the md address mapping: array byte -> (member, byte of its
 * data area), per level and layout as the kernel computes it. */
#include "mdarray.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct pt_mdarray {
    int level;
    uint32_t layout, n, near;
    uint64_t chunk, component, size;
    pt_mdarray_member_t m[PT_MDARRAY_MAX];
    int missing;              /* the one missing member's role, or -1 */
    uint8_t *tmp;             /* a rebuilt piece's partner */
    char desc[256];
};

static const char *const algo[] = { "left-asymmetric", "right-asymmetric", "left-symmetric", "right-symmetric",
                                    "parity-first", "parity-last" };

int pt_mdarray_open(int level, uint32_t layout, uint64_t chunk, uint32_t raid_disks, uint64_t component,
                    const pt_mdarray_member_t *members, pt_mdarray_t **out, pt_err_t *err)
{
    pt_mdarray_t *a;
    uint32_t i, absent = 0, parity = level == 5 ? 1 : level == 6 ? 2 : 0;
    size_t n;

    *out = NULL;
    if (raid_disks < 1 || raid_disks > PT_MDARRAY_MAX)
        return pt_err_set(err, PT_EFORMAT, "md array of %u members (ptriage assembles at most %d)", raid_disks,
                          PT_MDARRAY_MAX);
    if (level != -1 && level != 0 && level != 5 && level != 6 && level != 10)
        return pt_err_set(err, PT_EFORMAT, "md RAID level %d is not assembled by ptriage", level);
    if (level != -1 && (chunk < 4096 || chunk > (1u << 30) || (chunk & (chunk - 1))))
        return pt_err_set(err, PT_EFORMAT, "md chunk of %llu bytes", (unsigned long long)chunk);
    if ((level == 5 || level == 6) && layout > 5)
        return pt_err_set(err, PT_EFORMAT, "md RAID %d layout %u is not one of the six ptriage reads", level,
                          layout);
    if ((level == 5 && raid_disks < 2) || (level == 6 && raid_disks < 4))
        return pt_err_set(err, PT_EFORMAT, "md RAID %d of %u members", level, raid_disks);
    if (level == 10 && ((layout >> 8 & 0xff) != 1 || (layout & 0x10000) || (layout & 0xff) < 1 ||
                        (layout & 0xff) > raid_disks))
        return pt_err_set(err, PT_EFORMAT, "md RAID 10 layout 0x%x: only the \"near\" layout is read", layout);
    if (!(a = calloc(1, sizeof *a)))
        return pt_err_set(err, PT_ENOMEM, "out of memory");
    a->level = level;
    a->layout = layout;
    a->n = raid_disks;
    a->chunk = level == -1 ? component : chunk;
    a->near = level == 10 ? (layout & 0xff) : 1;
    a->missing = -1;
    /* each member's contribution in whole chunks */
    a->component = level == -1 ? component : component / a->chunk * a->chunk;
    for (i = 0; i < raid_disks; i++) {
        a->m[i] = members[i];
        if (!members[i].fn) {
            absent++;
            a->missing = (int)i;
        }
    }
    if ((level == 5 || level == 6) && absent > 1)
        return free(a), pt_err_set(err, PT_EFORMAT, "%u members of the RAID %d array are missing; ptriage rebuilds "
                                   "one from parity", absent, level);
    if ((level == 0 || level == -1) && absent)
        return free(a), pt_err_set(err, PT_EFORMAT, "%u member%s of the %s array %s missing: its data cannot be "
                                   "read", absent, absent == 1 ? "" : "s", level == 0 ? "RAID 0" : "linear",
                                   absent == 1 ? "is" : "are");
    if (level == 10)
        for (i = 0; i < raid_disks; i++) /* near copies lie on neighbouring members */
            for (uint32_t k = 0, gone = 0; k < a->near; k++)
                if (!members[(i + k) % raid_disks].fn && ++gone == a->near)
                    return free(a), pt_err_set(err, PT_EFORMAT, "every copy of some RAID 10 chunks is on a missing "
                                               "member");
    if (absent && !(a->tmp = malloc((size_t)a->chunk)))
        return free(a), pt_err_set(err, PT_ENOMEM, "out of memory");
    switch (level) {
    case -1: a->size = a->component * raid_disks; break;
    case 10: a->size = a->component / a->chunk * raid_disks / a->near * a->chunk; break;
    default: a->size = a->component * (raid_disks - parity); break;
    }
    n = (size_t)snprintf(a->desc, sizeof a->desc, "%s%s%s%s, %u members", level == -1 ? "linear" : "RAID ",
                         level == -1 ? "" : level == 0 ? "0" : level == 5 ? "5" : level == 6 ? "6" : "10",
                         level == 5 || level == 6 ? ", " : level == 10 ? ", near " : "",
                         level == 5 || level == 6 ? algo[layout] : "", raid_disks);
    if (level == 10 && n < sizeof a->desc)
        n = strlen(a->desc), snprintf(a->desc + n, sizeof a->desc - n, " (%u copies)", a->near);
    n = strlen(a->desc);
    if (level != -1)
        snprintf(a->desc + n, sizeof a->desc - n, ", chunks of %llu KiB", (unsigned long long)(a->chunk >> 10));
    n = strlen(a->desc);
    if (absent)
        snprintf(a->desc + n, sizeof a->desc - n, "; member %d missing: %s", a->missing,
                 level == 10 ? "read from the other copies" : "its data rebuilt from parity");
    *out = a;
    return PT_OK;
}

uint64_t pt_mdarray_size(const pt_mdarray_t *a)
{
    return a->size;
}

const char *pt_mdarray_describe(const pt_mdarray_t *a)
{
    return a->desc;
}

/* Where chunk c of the array lies: member *dev, chunk *dch of its data
 * area; for RAID 5/6 the stripe's P member *pd (and Q *qd). */
static void map(const pt_mdarray_t *a, uint64_t c, uint32_t *dev, uint64_t *dch, uint32_t *pd, uint32_t *qd)
{
    uint32_t n = a->n, data = a->level == 6 ? n - 2 : n - 1, dd;
    uint64_t stripe;

    *pd = *qd = UINT32_MAX;
    if (a->level == 0) {
        *dev = (uint32_t)(c % n);
        *dch = c / n;
        return;
    }
    stripe = c / data;
    dd = (uint32_t)(c % data);
    *dch = stripe;
    if (a->level == 5) {
        switch (a->layout) {
        case 0: *pd = data - (uint32_t)(stripe % n); if (dd >= *pd) dd++; break;
        case 1: *pd = (uint32_t)(stripe % n); if (dd >= *pd) dd++; break;
        case 2: *pd = data - (uint32_t)(stripe % n); dd = (*pd + 1 + dd) % n; break;
        case 3: *pd = (uint32_t)(stripe % n); dd = (*pd + 1 + dd) % n; break;
        case 4: *pd = 0; dd++; break;
        default: *pd = data; break;
        }
    } else {
        switch (a->layout) {
        case 0:
        case 1:
            *pd = a->layout == 0 ? n - 1 - (uint32_t)(stripe % n) : (uint32_t)(stripe % n);
            *qd = *pd + 1;
            if (*pd == n - 1) {
                dd++;
                *qd = 0;
            } else if (dd >= *pd) {
                dd += 2;
            }
            break;
        case 2:
        case 3:
            *pd = a->layout == 2 ? n - 1 - (uint32_t)(stripe % n) : (uint32_t)(stripe % n);
            *qd = (*pd + 1) % n;
            dd = (*pd + 2 + dd) % n;
            break;
        case 4: *pd = 0; *qd = 1; dd += 2; break;
        default: *pd = data; *qd = data + 1; break;
        }
    }
    *dev = dd;
}

static int member_read(const pt_mdarray_t *a, uint32_t dev, uint64_t off, uint8_t *buf, size_t len, pt_err_t *err)
{
    int rc = pt_read_exact(a->m[dev].fn, a->m[dev].src, a->m[dev].data_offset + off, buf, len, err);

    if (rc != PT_OK)
        pt_err_prefix(err, "md member %u", dev);
    return rc;
}

ssize_t pt_mdarray_read(void *src, uint64_t off, uint8_t *buf, size_t len, pt_err_t *err)
{
    pt_mdarray_t *a = src;
    size_t done = 0;

    if (off >= a->size)
        return 0;
    if (len > a->size - off)
        len = (size_t)(a->size - off);
    while (done < len) {
        uint64_t pos = off + done, c = pos / a->chunk, in = pos % a->chunk, dch = 0;
        size_t n = (size_t)(a->chunk - in < len - done ? a->chunk - in : len - done);
        uint32_t dev = 0, pd = UINT32_MAX, qd = UINT32_MAX, j;
        if (a->level == -1) {
            dev = (uint32_t)c;
            dch = 0;
        } else if (a->level == 10) {
            uint64_t first = c * a->near;
            uint32_t k;
            for (k = 0; k < a->near; k++) {
                dev = (uint32_t)((first + k) % a->n);
                dch = (first + k) / a->n;
                if (a->m[dev].fn)
                    break;
            }
        } else {
            map(a, c, &dev, &dch, &pd, &qd);
        }
        if (a->m[dev].fn) {
            if (member_read(a, dev, dch * a->chunk + in, buf + done, n, err) != PT_OK)
                return -1;
        } else {
            /* RAID 5/6: the XOR of the stripe's other data and its P */
            memset(buf + done, 0, n);
            for (j = 0; j < a->n; j++) {
                if (j == dev || j == qd)
                    continue;
                if (member_read(a, j, dch * a->chunk + in, a->tmp, n, err) != PT_OK)
                    return -1;
                for (size_t b = 0; b < n; b++)
                    buf[done + b] ^= a->tmp[b];
            }
        }
        done += n;
    }
    return (ssize_t)done;
}

void pt_mdarray_close(pt_mdarray_t *a)
{
    if (!a)
        return;
    free(a->tmp);
    free(a);
}
