/* u64set.c - open addressing with linear probing, a power-of-two table at
 * most half full.  Owns its table. */
#include "u64set.h"

#include <stdlib.h>

static size_t home(uint64_t key, size_t cap)
{
    return (size_t)(key * 0x9E3779B97F4A7C15ull >> 17) & (cap - 1);
}

int pt_u64set_has(const pt_u64set_t *s, uint64_t v)
{
    size_t i;

    if (!s->cap || v == UINT64_MAX)
        return 0;
    for (i = home(v + 1, s->cap); s->slot[i]; i = (i + 1) & (s->cap - 1))
        if (s->slot[i] == v + 1)
            return 1;
    return 0;
}

int pt_u64set_add(pt_u64set_t *s, uint64_t v)
{
    size_t i;

    if (v == UINT64_MAX)
        return -1; /* not representable (never an inode number or offset) */
    if (pt_u64set_has(s, v))
        return 0;
    if (2 * (s->n + 1) > s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 256, j;
        uint64_t *t = calloc(cap, sizeof *t);
        if (!t)
            return -1;
        for (j = 0; j < s->cap; j++)
            if (s->slot[j]) {
                for (i = home(s->slot[j], cap); t[i]; i = (i + 1) & (cap - 1))
                    ;
                t[i] = s->slot[j];
            }
        free(s->slot);
        s->slot = t;
        s->cap = cap;
    }
    for (i = home(v + 1, s->cap); s->slot[i]; i = (i + 1) & (s->cap - 1))
        ;
    s->slot[i] = v + 1;
    s->n++;
    return 1;
}

void pt_u64set_free(pt_u64set_t *s)
{
    free(s->slot);
    s->slot = NULL;
    s->cap = s->n = 0;
}
