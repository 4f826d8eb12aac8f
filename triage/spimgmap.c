/* spimgmap.c - the band map of an Apple sparse image (see spimgmap.h).
 * Owns the map: the stored bands sorted by their place on the disk, so its
 * memory follows what the file holds, never what a header claims. */
#include "spimgmap.h"
#include "qcowmap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"

#define NODE 4096u
#define HDR_SLOTS 1008u        /* band numbers in the header node, from byte 64 */
#define IDX_SLOTS 1010u        /* in an index node, from byte 56 */
#define MAX_BAND (1u << 30)    /* hdiutil writes 1 MiB; anything past 1 GiB is damage */

typedef struct band {
    uint64_t no;    /* its place on the disk, from 0 */
    uint64_t host;  /* where its bytes start in the file */
} band_t;

struct pt_spimgmap {
    uint64_t disk, fsize, band, nbands;
    band_t *b;
    size_t n;
};

int pt_spimgmap_is_sparseimage(const uint8_t *h, size_t n)
{
    return n >= 64 && memcmp(h, "sprs", 4) == 0 && be32(h + 4) >= 1 && be32(h + 4) <= 3 && be32(h + 8) != 0 &&
           (be32(h + 16) != 0 || be64(h + 28) != 0);
}

static int by_no(const void *a, const void *b)
{
    const band_t *x = a, *y = b;
    return x->no < y->no ? -1 : x->no > y->no;
}

/* Adds the bands one node lists: slot k's bytes follow the node at
 * node + NODE + k * band. */
static int add_slots(pt_spimgmap_t *m, const uint8_t *slots, unsigned count, uint64_t node, size_t *cap,
                     pt_err_t *err)
{
    unsigned k;

    for (k = 0; k < count; k++) {
        uint64_t no = be32(slots + 4 * k);
        if (no == 0)
            continue;
        if (no > m->nbands)
            return pt_err_set(err, PT_EFORMAT, "Apple sparse image damaged: the node at byte %llu lists band %llu "
                              "of a disk of %llu bands", (unsigned long long)node, (unsigned long long)no,
                              (unsigned long long)m->nbands);
        if (m->n == *cap) {
            size_t nc = *cap ? *cap * 2 : 1024;
            band_t *nb = realloc(m->b, nc * sizeof *nb);
            if (!nb)
                return pt_err_set(err, PT_ENOMEM, "out of memory for a sparse image's band map");
            m->b = nb;
            *cap = nc;
        }
        m->b[m->n].no = no - 1;
        m->b[m->n].host = node + NODE + (uint64_t)k * m->band;
        m->n++;
    }
    return PT_OK;
}

int pt_spimgmap_open(pt_read_fn fn, void *src, uint64_t fsize, pt_spimgmap_t **out, char *desc, size_t dsize,
                     pt_err_t *err)
{
    uint8_t *node;
    uint64_t sectors, next, at = 0;
    uint32_t version, spb, nodes = 0;
    size_t cap = 0, i;
    pt_spimgmap_t *m;
    int rc;

    *out = NULL;
    if (fsize < NODE)
        return pt_err_set(err, PT_EFORMAT, "Apple sparse image: the file (%llu bytes) is shorter than its 4096-byte "
                          "header", (unsigned long long)fsize);
    if (!(node = malloc(NODE)))
        return pt_err_set(err, PT_ENOMEM, "out of memory");
    if ((rc = pt_read_exact(fn, src, 0, node, NODE, err)) != PT_OK) {
        free(node);
        return rc;
    }
    if (!pt_spimgmap_is_sparseimage(node, NODE)) {
        free(node);
        return pt_err_set(err, PT_EFORMAT, "not an Apple sparse image (no \"sprs\" header)");
    }
    version = be32(node + 4);
    spb = be32(node + 8);
    /* the 64-bit count where it is set (disks of 2 TiB and more), else the
     * 32-bit one older images carry alone */
    sectors = be64(node + 28) ? be64(node + 28) : be32(node + 16);
    if (spb > MAX_BAND / 512 || sectors > (UINT64_MAX >> 10)) {
        free(node);
        return pt_err_set(err, PT_EFORMAT, "Apple sparse image header damaged: bands of %u sectors, a disk of %llu "
                          "sectors", spb, (unsigned long long)sectors);
    }
    if (!(m = calloc(1, sizeof *m))) {
        free(node);
        return pt_err_set(err, PT_ENOMEM, "out of memory");
    }
    m->fsize = fsize;
    m->band = (uint64_t)spb * 512;
    m->disk = sectors * 512;
    m->nbands = (m->disk + m->band - 1) / m->band;
    rc = add_slots(m, node + 64, HDR_SLOTS, 0, &cap, err);
    next = be64(node + 20);
    while (rc == PT_OK && next) {
        /* nodes are appended as the image grows: each after the last */
        if (next <= at || next > fsize || fsize - next < NODE) {
            rc = pt_err_set(err, PT_EFORMAT, "Apple sparse image damaged: index node %u at byte %llu is %s", nodes + 1,
                            (unsigned long long)next, next <= at ? "not after the node that links it (a loop?)"
                                                                 : "past the end of the file (a truncated image?)");
            break;
        }
        at = next;
        if ((rc = pt_read_exact(fn, src, at, node, NODE, err)) != PT_OK)
            break;
        if (memcmp(node, "sprs", 4) != 0) {
            rc = pt_err_set(err, PT_EFORMAT, "Apple sparse image damaged: no index node at byte %llu",
                            (unsigned long long)at);
            break;
        }
        nodes++;
        rc = add_slots(m, node + 56, IDX_SLOTS, at, &cap, err);
        next = be64(node + 12);
    }
    free(node);
    if (rc == PT_OK && m->n) {
        qsort(m->b, m->n, sizeof *m->b, by_no);
        for (i = 1; i < m->n; i++)
            if (m->b[i].no == m->b[i - 1].no) {
                rc = pt_err_set(err, PT_EFORMAT, "Apple sparse image damaged: band %llu is stored twice (at bytes "
                                "%llu and %llu)", (unsigned long long)m->b[i].no + 1,
                                (unsigned long long)m->b[i - 1].host, (unsigned long long)m->b[i].host);
                break;
            }
    }
    if (rc != PT_OK) {
        pt_spimgmap_free(m);
        return rc;
    }
    if (desc) {
        /* bytes past the last listed band: bands an unreadable or unlinked
         * node listed, which read as zeros here */
        uint64_t end = at + NODE;
        int k = snprintf(desc, dsize, "Apple sparse image (version %u), %llu bytes disk in bands of %llu bytes, %zu "
                         "of %llu bands stored, %u index node%s after the header", version,
                         (unsigned long long)m->disk, (unsigned long long)m->band, m->n,
                         (unsigned long long)m->nbands, nodes, nodes == 1 ? "" : "s");
        for (i = 0; i < m->n; i++)
            if (m->b[i].host + m->band > end)
                end = m->b[i].host + m->band;
        if (k > 0 && (size_t)k < dsize && fsize > end)
            snprintf(desc + k, dsize - (size_t)k, "; the %llu bytes after the last band listed are listed by no "
                     "node (a lost index node?) and not read", (unsigned long long)(fsize - end));
    }
    *out = m;
    return PT_OK;
}

void pt_spimgmap_free(pt_spimgmap_t *m)
{
    if (m) {
        free(m->b);
        free(m);
    }
}

uint64_t pt_spimgmap_disk_size(const pt_spimgmap_t *m)
{
    return m->disk;
}

int pt_spimgmap_state(const pt_spimgmap_t *m, uint64_t off, uint64_t *run, uint64_t *host, pt_err_t *err)
{
    uint64_t no = off / m->band, in = off % m->band, want;
    size_t lo = 0, hi = m->n;

    *host = UINT64_MAX;
    *run = m->band - in;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (m->b[mid].no < no)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == m->n || m->b[lo].no != no)
        return PT_MAP_ZERO;
    /* the band's bytes the disk uses (the last band may be cut by the disk's end) */
    want = m->disk - no * m->band < m->band ? m->disk - no * m->band : m->band;
    if (m->b[lo].host > m->fsize || m->fsize - m->b[lo].host < want) {
        pt_err_set(err, PT_EIO, "Apple sparse image band %llu (disk bytes %llu-%llu) lies past the end of the "
                   "%llu-byte file (a truncated image?)", (unsigned long long)no + 1,
                   (unsigned long long)(no * m->band), (unsigned long long)(no * m->band + want - 1),
                   (unsigned long long)m->fsize);
        return -1;
    }
    *host = m->b[lo].host + in;
    return PT_MAP_DATA;
}
