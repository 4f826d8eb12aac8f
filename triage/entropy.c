/* entropy.c - byte statistics of a stream.  Owns no memory.
 *
 * Speed matters (every byte of the evidence passes here): the histogram uses
 * four tables to break store-to-load dependencies, the pair sums for serial
 * correlation run in a separate vectorisable loop, and windows are closed
 * from their own small histogram. */
#include "entropy.h"

#include <math.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

void pt_entropy_init(pt_entropy_t *e)
{
    memset(e, 0, sizeof *e);
    e->win_min = 9.0;
}

static double entropy32(const uint32_t *h, uint64_t n)
{
    double s = 0.0, t = (double)n;
    int i;

    for (i = 0; i < 256; i++)
        if (h[i]) {
            double p = (double)h[i] / t;
            s -= p * log2(p);
        }
    return s < 0.0 ? 0.0 : s;
}

static void close_window(pt_entropy_t *e, uint64_t end_off)
{
    double h = entropy32(e->win_hist, e->win_fill);

    if (h > e->win_max || e->win_count == 0) {
        e->win_max = h;
        e->win_max_off = end_off - e->win_fill;
    }
    if (h < e->win_min)
        e->win_min = h;
    e->win_count++;
    memset(e->win_hist, 0, sizeof e->win_hist);
    e->win_fill = 0;
}

/* Histogram of p[0..n) added to the current window (n <= window space). */
static void hist_chunk(pt_entropy_t *e, const uint8_t *p, size_t n)
{
    uint32_t t[4][256];
    size_t i, end = n & ~(size_t)3;
    int k;

    memset(t, 0, sizeof t);
    for (i = 0; i < end; i += 4) {
        t[0][p[i]]++;
        t[1][p[i + 1]]++;
        t[2][p[i + 2]]++;
        t[3][p[i + 3]]++;
    }
    for (; i < n; i++)
        t[0][p[i]]++;
    for (k = 0; k < 256; k++) {
        uint32_t c = t[0][k] + t[1][k] + t[2][k] + t[3][k];
        e->win_hist[k] += c;
        e->hist[k] += c;
    }
    e->win_fill += (uint32_t)n;
}

/* Sum of p[i] * p[i + 1] over i < n - 1.  With SSE2 (every x86-64): bytes
 * widened to 16 bits and multiplied in pairs (pmaddwd), 32-bit lanes
 * flushed before they can overflow (each gains at most 4 * 65025 a step).
 * GCC's -O2 does not vectorise the plain loop, which then costs more than
 * the histogram. */
static uint64_t pair_products(const uint8_t *p, size_t n)
{
    uint64_t sum = 0;
    size_t i = 0;
#if defined(__SSE2__)
    const __m128i zero = _mm_setzero_si128();
    while (i + 17 <= n) {
        __m128i acc = zero;
        uint32_t lane[4];
        for (int k = 0; k < 4096 && i + 17 <= n; k++, i += 16) {
            __m128i a = _mm_loadu_si128((const __m128i *)(p + i));
            __m128i b = _mm_loadu_si128((const __m128i *)(p + i + 1));
            acc = _mm_add_epi32(acc, _mm_madd_epi16(_mm_unpacklo_epi8(a, zero), _mm_unpacklo_epi8(b, zero)));
            acc = _mm_add_epi32(acc, _mm_madd_epi16(_mm_unpackhi_epi8(a, zero), _mm_unpackhi_epi8(b, zero)));
        }
        _mm_storeu_si128((__m128i *)lane, acc);
        sum += (uint64_t)lane[0] + lane[1] + lane[2] + lane[3];
    }
#endif
    for (; i + 1 < n; i++)
        sum += (uint32_t)p[i] * p[i + 1];
    return sum;
}

/* The serial correlation's sum of products of consecutive bytes (the sums
 * of x and x^2 come from the histogram), across block edges. */
static void pair_sums(pt_entropy_t *e, const uint8_t *p, size_t n)
{
    if (n == 0)
        return;
    if (e->total > 0)
        e->sum_xy += (uint64_t)e->last * p[0];
    else
        e->first = p[0];
    e->sum_xy += pair_products(p, n);
    e->last = p[n - 1];
}

static void monte_carlo(pt_entropy_t *e, const uint8_t *p, size_t n)
{
    /* ent's method: bytes in groups of six, (x, y) as 24-bit integers; a
     * point falls inside the quarter circle when x^2 + y^2 <= r^2 (exact in
     * 64-bit integers: each square is below 2^48) */
    const uint64_t r2 = 16777215ull * 16777215ull;
    size_t i = 0;

    while (e->mc_npend > 0 && e->mc_npend < 6 && i < n)
        e->mc_pend[e->mc_npend++] = p[i++];
    if (e->mc_npend == 6) {
        const uint8_t *q = e->mc_pend;
        uint64_t x = (uint64_t)(q[0] << 16 | q[1] << 8 | q[2]);
        uint64_t y = (uint64_t)(q[3] << 16 | q[4] << 8 | q[5]);
        e->mc_tries++;
        e->mc_hits += x * x + y * y <= r2;
        e->mc_npend = 0;
    }
    {
        /* in locals: a store through e could alias p (uint8_t aliases
         * anything), which would force a reload on every group */
        uint64_t tries = 0, hits = 0;
        for (; i + 6 <= n; i += 6) {
            uint64_t x = (uint64_t)(p[i] << 16 | p[i + 1] << 8 | p[i + 2]);
            uint64_t y = (uint64_t)(p[i + 3] << 16 | p[i + 4] << 8 | p[i + 5]);
            tries++;
            hits += x * x + y * y <= r2;
        }
        e->mc_tries += tries;
        e->mc_hits += hits;
    }
    while (i < n)
        e->mc_pend[e->mc_npend++] = p[i++];
}

void pt_entropy_update(pt_entropy_t *e, const uint8_t *p, size_t n)
{
    uint64_t off = e->total;

    if (e->hist_only) {
        while (n > 0) { /* hist_chunk's 32-bit window counters: at most 2^31 at a time */
            size_t c = n < ((size_t)1 << 30) ? n : ((size_t)1 << 30);
            hist_chunk(e, p, c);
            e->win_fill = 0;
            p += c;
            n -= c;
            e->total += c;
        }
        return;
    }
    while (n > 0) { /* a window's worth at a time: all three passes find it in cache */
        size_t room = PT_ENTROPY_WINDOW - e->win_fill, c = n < room ? n : room;
        pair_sums(e, p, c);
        monte_carlo(e, p, c);
        hist_chunk(e, p, c);
        p += c;
        n -= c;
        off += c;
        e->total += c;
        if (e->win_fill == PT_ENTROPY_WINDOW)
            close_window(e, off);
    }
}

double pt_entropy_of_hist(const uint64_t *hist, uint64_t n)
{
    double h = 0.0, total = (double)n;
    int i;

    if (n == 0)
        return 0.0;
    for (i = 0; i < 256; i++) {
        if (hist[i]) {
            double p = (double)hist[i] / total;
            h -= p * log2(p);
        }
    }
    return h < 0.0 ? 0.0 : h; /* -0.0 for a single repeated byte */
}

double pt_entropy_shannon(const pt_entropy_t *e)
{
    return pt_entropy_of_hist(e->hist, e->total);
}


/* Regularised upper incomplete gamma Q(a, x): a series below a + 1, a
 * continued fraction (Lentz) above; as in every numerical library. */
static double gamma_q(double a, double x)
{
    int i, sign;
    double lg = lgamma_r(a, &sign), term, sum, b, c, d, h; /* lgamma sets the global signgam */

    if (x <= 0.0)
        return 1.0;
    if (x < a + 1.0) {
        term = sum = 1.0 / a;
        for (i = 1; i < 1000 && fabs(term) > fabs(sum) * 1e-15; i++) {
            term *= x / (a + i);
            sum += term;
        }
        return 1.0 - sum * exp(-x + a * log(x) - lg);
    }
    b = x + 1.0 - a;
    c = 1.0 / 1e-300;
    d = 1.0 / b;
    h = d;
    for (i = 1; i < 1000; i++) {
        double an = -i * (i - a), del;
        b += 2.0;
        d = an * d + b;
        if (fabs(d) < 1e-300)
            d = 1e-300;
        c = b + an / c;
        if (fabs(c) < 1e-300)
            c = 1e-300;
        d = 1.0 / d;
        del = d * c;
        h *= del;
        if (fabs(del - 1.0) < 1e-15)
            break;
    }
    return exp(-x + a * log(x) - lg) * h;
}

double pt_entropy_chi2_p(double chi2, double k)
{
    return gamma_q(k / 2.0, chi2 / 2.0);
}

/* psi^2 of NIST's serial test from the counts of the 2^m patterns */
static double psi2(const uint32_t *count, int m, double nbits)
{
    double sum = 0.0;

    for (size_t i = 0; i < ((size_t)1 << m); i++)
        sum += (double)count[i] * count[i];
    return sum * (double)((size_t)1 << m) / nbits - nbits;
}

double pt_entropy_bit_serial(const uint8_t *p, size_t n, int *m_out)
{
    enum { MTOP = 12 };
    static const int tested[] = {4, 8, MTOP};
    uint32_t count[1 << MTOP], half[1 << (MTOP - 1)];
    uint64_t nbits = (uint64_t)n * 8;
    double best = 1.0, psi_hi;
    int mtop = 0, m;
    uint32_t v = 0, mask;

    *m_out = 0;
    /* the largest tested m with m <= log2(bits) - 3 (NIST: m < log2(n) - 2) */
    for (m = 0; m < (int)(sizeof tested / sizeof tested[0]); m++)
        if (((uint64_t)1 << (tested[m] + 3)) <= nbits)
            mtop = tested[m];
    if (mtop == 0)
        return 1.0;
    mask = (1u << mtop) - 1;
    memset(count, 0, sizeof(uint32_t) << mtop);
    /* overlapping windows over the bits, wrapped around (the first mtop - 1
     * bits again at the end), the earliest bit most significant */
    for (size_t i = 0; i < n; i++)
        for (unsigned k = 0; k < 8; k++) {
            v = ((v << 1) | ((p[i] >> k) & 1u)) & mask;
            if (i * 8 + k >= (size_t)mtop - 1)
                count[v]++;
        }
    for (int i = 0; i < mtop - 1; i++) { /* the wrap: windows ending in the first bits */
        v = ((v << 1) | ((p[i >> 3] >> (i & 7)) & 1u)) & mask;
        count[v]++;
    }
    /* counts for m - 1 are the sums over the last bit; walk down from mtop */
    psi_hi = psi2(count, mtop, (double)nbits);
    for (m = mtop; m >= 4; m--) {
        double psi_lo, q;
        for (size_t i = 0; i < ((size_t)1 << (m - 1)); i++)
            half[i] = count[2 * i] + count[2 * i + 1];
        memcpy(count, half, sizeof(uint32_t) << (m - 1));
        psi_lo = psi2(count, m - 1, (double)nbits);
        if (m == 4 || m == 8 || m == MTOP) {
            q = pt_entropy_chi2_p(psi_hi - psi_lo, (double)((size_t)1 << (m - 1)));
            if (q < best || *m_out == 0) {
                best = q;
                *m_out = m;
            }
        }
        psi_hi = psi_lo;
    }
    return best;
}

void pt_entropy_stats(const pt_entropy_t *e, pt_entropy_stats_t *s)
{
    double n = (double)e->total, expect = n / 256.0;
    int i;

    memset(s, 0, sizeof *s);
    s->n = e->total;
    if (e->total == 0)
        return;
    for (i = 0; i < 256; i++) {
        double d = (double)e->hist[i] - expect;
        s->chi2 += d * d / expect;
        s->distinct += e->hist[i] != 0;
        s->mean += (double)i * (double)e->hist[i];
    }
    s->chi2_p = pt_entropy_chi2_p(s->chi2, 255.0);
    s->shannon = pt_entropy_shannon(e);
    {
        /* circular serial correlation as ent computes it; sums from the histogram */
        double sxy = (double)e->sum_xy + (double)e->last * e->first, sx = s->mean, sx2 = 0.0;
        for (i = 0; i < 256; i++)
            sx2 += (double)i * i * (double)e->hist[i];
        double den = n * sx2 - sx * sx;
        s->serial = den == 0.0 ? 1.0 : (n * sxy - sx * sx) / den;
        s->serial_z = fabs(s->serial) * sqrt(n);
    }
    s->mean /= n;
    if (e->mc_tries > 0) {
        double t = (double)e->mc_tries, p = M_PI / 4.0;
        s->pi = 4.0 * (double)e->mc_hits / t;
        s->pi_err = fabs(s->pi - M_PI) / M_PI * 100.0;
        s->pi_z = fabs((double)e->mc_hits - t * p) / sqrt(t * p * (1.0 - p));
    }
    s->windows = e->win_count;
    if (e->win_count) {
        s->win_max = e->win_max;
        s->win_min = e->win_min;
        s->win_max_off = e->win_max_off;
    }
}
