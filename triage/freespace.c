/* freespace.c - free-space profile.  Owns the list of sampled block
 * addresses for one call; reads blocks through libtsk only. */
#include "freespace.h"

#include <stdlib.h>
#include <string.h>

#include "entropy.h"

void pt_freespace_classify(const uint8_t *b, size_t n, pt_free_profile_t *p)
{
    uint64_t hist[256];
    size_t i, printable = 0;
    double h, chi2 = 0, expect = (double)n / 256.0, pv;

    p->sampled++;
    if (n == 0) {
        p->other++;
        return;
    }
    memset(hist, 0, sizeof hist);
    for (i = 0; i < n; i++)
        hist[b[i]]++;
    if (hist[0] == n) {
        p->zero++;
        return;
    }
    for (i = 0x20; i < 0x7f; i++)
        printable += (size_t)hist[i];
    printable += (size_t)(hist['\t'] + hist['\n'] + hist['\r']);
    if (printable * 100 >= n * 95) { /* text, in any ASCII-compatible encoding */
        p->text++;
        return;
    }
    h = pt_entropy_of_hist(hist, n);
    for (i = 0; i < 256; i++)
        chi2 += ((double)hist[i] - expect) * ((double)hist[i] - expect) / expect;
    pv = pt_entropy_chi2_p(chi2, 255);
    /* the verdict thresholds of a whole item (docs/encryption.md), on one
     * block: uniform bytes are ciphertext or well-compressed data */
    if (h >= 7.5 && pv >= 1e-4 && pv <= 1 - 1e-4)
        p->random++;
    else if (h >= 7.0)
        p->high++;
    else
        p->other++;
}

typedef struct pick {
    uint64_t stride, seen;
    TSK_DADDR_T *addr;
    size_t n, cap;
} pick_t;

static TSK_WALK_RET_ENUM pick_block(const TSK_FS_BLOCK *b, void *ptr)
{
    pick_t *k = ptr;

    if (k->seen++ % k->stride != 0)
        return TSK_WALK_CONT;
    if (k->n == k->cap) {
        size_t cap = k->cap ? k->cap * 2 : 1024;
        TSK_DADDR_T *na = realloc(k->addr, cap * sizeof *na);
        if (!na)
            return TSK_WALK_STOP;
        k->addr = na;
        k->cap = cap;
    }
    k->addr[k->n++] = b->addr;
    return TSK_WALK_CONT;
}

void pt_freespace_profile(TSK_FS_INFO *fs, uint64_t free_blocks, uint64_t max_blocks, pt_free_profile_t *p)
{
    pick_t k;
    size_t i;
    char *buf;

    memset(p, 0, sizeof *p);
    if (!max_blocks || !free_blocks)
        return;
    memset(&k, 0, sizeof k);
    k.stride = free_blocks > max_blocks ? (free_blocks + max_blocks - 1) / max_blocks : 1;
    /* addresses first (no block is read), then only the sampled blocks */
    if (tsk_fs_block_walk(fs, fs->first_block, fs->last_block_act,
                          TSK_FS_BLOCK_WALK_FLAG_UNALLOC | TSK_FS_BLOCK_WALK_FLAG_AONLY, pick_block, &k) != 0)
        tsk_error_reset();
    buf = malloc(fs->block_size);
    for (i = 0; buf && i < k.n; i++) {
        /* into our own buffer: libtsk's tsk_fs_block_get leaks its block
         * when the read fails (a damaged image) */
        if (tsk_fs_read_block(fs, k.addr[i], buf, fs->block_size) != (ssize_t)fs->block_size) {
            p->unreadable++;
            tsk_error_reset();
        } else {
            pt_freespace_classify((const uint8_t *)buf, fs->block_size, p);
        }
    }
    free(buf);
    free(k.addr);
}
