/* entropy.h - byte histogram and Shannon entropy over a stream.
 *
 * Fed in blocks during the single read pass; holds no pointers, so a
 * pt_entropy_t can live on the stack or inside another struct. */
#ifndef PT_ENTROPY_H
#define PT_ENTROPY_H

#include <stddef.h>
#include <stdint.h>

typedef struct pt_entropy {
    uint64_t hist[256];
    uint64_t total;
} pt_entropy_t;

void pt_entropy_init(pt_entropy_t *e);
void pt_entropy_update(pt_entropy_t *e, const uint8_t *p, size_t n);
/* Shannon entropy in bits per byte, 0.0 .. 8.0; 0.0 for an empty stream. */
double pt_entropy_shannon(const pt_entropy_t *e);

#endif
