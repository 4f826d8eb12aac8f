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

/* The serial correlation from the vectorised pair sums equals the textbook
 * formula computed here in doubles, for block splits at every alignment. */
static void serial_correlation_exact(void)
{
    size_t n = 200003, i, split;
    unsigned char *buf = malloc(n);
    uint64_t x = 12345;

    for (i = 0; i < n; i++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        buf[i] = (unsigned char)((x >> 56) & (i % 3 ? 0xff : 0x3f)); /* correlated a little */
    }
    /* ent's circular serial correlation */
    double sx = 0, sx2 = 0, sxy = 0, N = (double)n;
    for (i = 0; i < n; i++) {
        sx += buf[i];
        sx2 += (double)buf[i] * buf[i];
        sxy += (double)buf[i] * buf[(i + 1) % n];
    }
    double want = (N * sxy - sx * sx) / (N * sx2 - sx * sx);
    for (split = 0; split < 40; split += 7) {
        pt_entropy_t e;
        pt_entropy_stats_t st;
        pt_entropy_init(&e);
        pt_entropy_update(&e, buf, split);
        pt_entropy_update(&e, buf + split, 17);
        pt_entropy_update(&e, buf + split + 17, n - split - 17);
        pt_entropy_stats(&e, &st);
        T_NEAR(st.serial, want, 1e-12);
    }
    free(buf);
}

int main(void)
{
    T_RUN(closed_forms);
    T_RUN(blocks_add_up);
    T_RUN(serial_correlation_exact);
    return t_done();
}
