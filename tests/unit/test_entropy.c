/* Unit tests for entropy.c: closed-form values. */
#include <stdlib.h>

#include "entropy.h"
#include "testlib.h"

static void closed_forms(void)
{
    pt_entropy_t e;
    unsigned char buf[256 * 64];
    size_t i;

    pt_entropy_init(&e);
    T_NEAR(pt_entropy_shannon(&e), 0.0, 1e-12); /* empty */
    pt_entropy_update(&e, (const uint8_t *)"aaaaaaa", 7);
    T_NEAR(pt_entropy_shannon(&e), 0.0, 1e-12);
    pt_entropy_init(&e);
    pt_entropy_update(&e, (const uint8_t *)"abababab", 8);
    T_NEAR(pt_entropy_shannon(&e), 1.0, 1e-12);
    for (i = 0; i < sizeof buf; i++)
        buf[i] = (unsigned char)i;
    pt_entropy_init(&e);
    pt_entropy_update(&e, buf, sizeof buf);
    T_NEAR(pt_entropy_shannon(&e), 8.0, 1e-12);
    T_CHECK(e.total == sizeof buf);
    T_CHECK(e.hist[7] == 64);
}

static void blocks_add_up(void)
{
    pt_entropy_t a, b;
    size_t n = 100003, i;
    unsigned char *buf = malloc(n);

    for (i = 0; i < n; i++)
        buf[i] = (unsigned char)((i * i) % 251);
    pt_entropy_init(&a);
    pt_entropy_update(&a, buf, n);
    pt_entropy_init(&b);
    pt_entropy_update(&b, buf, 3);   /* odd sizes exercise the tail loop */
    pt_entropy_update(&b, buf + 3, n - 3);
    T_CHECK(memcmp(a.hist, b.hist, sizeof a.hist) == 0);
    T_NEAR(pt_entropy_shannon(&a), pt_entropy_shannon(&b), 1e-12);
    free(buf);
}

int main(void)
{
    T_RUN(closed_forms);
    T_RUN(blocks_add_up);
    return t_done();
}
