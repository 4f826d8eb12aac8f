/* entropy.c - byte statistics of a stream.  Owns no memory. */
#include "entropy.h"

#include <math.h>
#include <string.h>

void pt_entropy_init(pt_entropy_t *e)
{
    memset(e, 0, sizeof *e);
}

void pt_entropy_update(pt_entropy_t *e, const uint8_t *p, size_t n)
{
    /* Four tables break the store-to-load dependency when the same byte
     * repeats (zero runs, text), which otherwise halves throughput. */
    uint32_t t[4][256];
    size_t i = 0;

    while (n > 0) {
        /* uint32_t counters cannot overflow within a 4 GiB chunk per table */
        size_t chunk = n > ((size_t)1 << 30) ? ((size_t)1 << 30) : n, end;
        memset(t, 0, sizeof t);
        end = chunk & ~(size_t)3;
        for (i = 0; i < end; i += 4) {
            t[0][p[i]]++;
            t[1][p[i + 1]]++;
            t[2][p[i + 2]]++;
            t[3][p[i + 3]]++;
        }
        for (; i < chunk; i++)
            t[0][p[i]]++;
        for (i = 0; i < 256; i++)
            e->hist[i] += (uint64_t)t[0][i] + t[1][i] + t[2][i] + t[3][i];
        e->total += chunk;
        p += chunk;
        n -= chunk;
    }
}

double pt_entropy_shannon(const pt_entropy_t *e)
{
    double h = 0.0, total = (double)e->total;
    int i;

    if (e->total == 0)
        return 0.0;
    for (i = 0; i < 256; i++) {
        if (e->hist[i]) {
            double p = (double)e->hist[i] / total;
            h -= p * log2(p);
        }
    }
    return h < 0.0 ? 0.0 : h; /* -0.0 for a single repeated byte */
}
