/* u64set.h - a set of 64-bit values (inode numbers, metadata references)
 * in one open-addressing table that grows as needed: what a walker has
 * seen, to stop at loops and to tell old entries from current ones. */
#ifndef PT_U64SET_H
#define PT_U64SET_H

#include <stddef.h>
#include <stdint.h>

typedef struct pt_u64set {
    uint64_t *slot;   /* value + 1; 0 is an empty slot */
    size_t cap, n;
} pt_u64set_t;        /* zero-initialised is empty */

/* 1 when v was added, 0 when it was there already, -1 out of memory. */
int pt_u64set_add(pt_u64set_t *s, uint64_t v);
int pt_u64set_has(const pt_u64set_t *s, uint64_t v);
void pt_u64set_free(pt_u64set_t *s);

#endif
