/* statspeed - throughput of the single-pass statistics (histogram, Shannon,
 * chi-square, serial correlation, Monte Carlo pi, window entropy) on 512 MiB
 * of pseudo-random bytes in 1 MiB blocks, as the reader feeds them. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "entropy.h"

int main(void)
{
    size_t block = 1 << 20, total = (size_t)512 << 20, i;
    uint8_t *b = malloc(block);
    uint64_t x = 88172645463325252ull;
    pt_entropy_t e;
    pt_entropy_stats_t s;
    struct timespec t0, t1;
    double sec;

    for (i = 0; i < block; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        b[i] = (uint8_t)x;
    }
    pt_entropy_init(&e);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (i = 0; i < total; i += block)
        pt_entropy_update(&e, b, block);
    pt_entropy_stats(&e, &s);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    sec = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("statistics: %zu MiB in %.3f s = %.2f GB/s on one core (entropy %.4f)\n", total >> 20, sec,
           (double)total / sec / 1e9, s.shannon);
    free(b);
    return 0;
}
