/* Unit tests for freespace.c: block classification. */
#include <string.h>

#include "freespace.h"
#include "testlib.h"

static void classify(void)
{
    pt_free_profile_t p;
    uint8_t b[4096];
    uint64_t x = 88172645463325252ULL;
    size_t i;

    memset(&p, 0, sizeof p);
    memset(b, 0, sizeof b);
    pt_freespace_classify(b, sizeof b, &p);
    T_CHECK(p.zero == 1);
    for (i = 0; i < sizeof b; i++)
        b[i] = (uint8_t)"The quick brown fox jumps over the lazy dog.\n"[i % 45];
    pt_freespace_classify(b, sizeof b, &p);
    T_CHECK(p.text == 1);
    for (i = 0; i < sizeof b; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        b[i] = (uint8_t)(x >> 32);
    }
    pt_freespace_classify(b, sizeof b, &p);
    T_CHECK(p.random == 1);
    for (i = 0; i < sizeof b; i++) /* high entropy, far from uniform: 200 of 256 values */
        b[i] = (uint8_t)(b[i] % 200);
    pt_freespace_classify(b, sizeof b, &p);
    T_CHECK(p.high == 1);
    for (i = 0; i < sizeof b; i++) /* binary structure: few values */
        b[i] = (uint8_t)(i % 7 == 0 ? 0xff : i % 3);
    pt_freespace_classify(b, sizeof b, &p);
    T_CHECK(p.other == 1);
    T_CHECK(p.sampled == 5);
}

int main(void)
{
    T_RUN(classify);
    return t_done();
}
