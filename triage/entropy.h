/* entropy.h - byte statistics of a stream, computed in the single read pass:
 * histogram, Shannon entropy, chi-square and its p-value, serial
 * correlation, Monte Carlo estimate of pi (the `ent` battery), and Shannon
 * entropy over fixed windows so that a random region inside a larger file
 * shows.
 *
 * A pt_entropy_t holds no pointers: it can live on the stack or inside
 * another struct.  Feed blocks in order; results are read at the end. */
#ifndef PT_ENTROPY_H
#define PT_ENTROPY_H

#include <stddef.h>
#include <stdint.h>

#define PT_ENTROPY_WINDOW 65536  /* bytes per entropy window */

typedef struct pt_entropy {
    uint64_t hist[256];
    uint64_t total;
    /* serial correlation: sum of products of consecutive bytes */
    uint64_t sum_xy;
    uint8_t first, last;
    /* Monte Carlo: 6-byte groups as two 24-bit coordinates */
    uint64_t mc_tries, mc_hits;
    uint8_t mc_pend[6];
    unsigned mc_npend;
    /* windows */
    uint32_t win_hist[256];
    uint32_t win_fill;
    uint64_t win_count;
    double win_max, win_min;
    uint64_t win_max_off;
    int hist_only;         /* the histogram alone (Shannon entropy): a hash-only scan */
} pt_entropy_t;

typedef struct pt_entropy_stats {
    uint64_t n;
    unsigned distinct;     /* byte values that occur */
    double shannon;        /* bits per byte, 0..8 */
    double chi2;           /* chi-square against uniform, 255 degrees of freedom */
    double chi2_p;         /* upper-tail probability of chi2 */
    double mean;           /* arithmetic mean of the bytes (127.5 for random) */
    double serial;         /* serial correlation coefficient (0 for random) */
    double serial_z;       /* serial * sqrt(n) */
    double pi;             /* Monte Carlo estimate of pi */
    double pi_err;         /* relative error of pi, in percent */
    double pi_z;           /* |hits - expected| / sd over the tries */
    double win_max, win_min; /* window entropies (only when n >= one window) */
    uint64_t win_max_off;
    uint64_t windows;
} pt_entropy_stats_t;

void pt_entropy_init(pt_entropy_t *e);
void pt_entropy_update(pt_entropy_t *e, const uint8_t *p, size_t n);
/* Shannon entropy in bits per byte, 0.0 .. 8.0; 0.0 for an empty stream. */
double pt_entropy_shannon(const pt_entropy_t *e);
/* All statistics at the end of the stream. */
void pt_entropy_stats(const pt_entropy_t *e, pt_entropy_stats_t *s);

/* Shannon entropy of a histogram of n bytes. */
double pt_entropy_of_hist(const uint64_t *hist, uint64_t n);
/* Upper-tail p-value of a chi-square statistic with k degrees of freedom,
 * exact (regularised incomplete gamma), for any k. */
double pt_entropy_chi2_p(double chi2, double k);

/* NIST SP 800-22's serial test on the bits of p[0..n) (least significant
 * bit of each byte first, as deflate packs its codes): are the overlapping
 * m-bit patterns as even as in random bits?  Tests m = 4, 8 and 12 where n
 * is long enough (m <= log2(bits) - 3) and returns the smallest p-value of
 * the first difference statistic (chi-square, 2^(m-1) degrees of freedom)
 * with its m in *m_out; 1.0 and m 0 when n is too short (< 16 bytes).
 * Huffman-coded data (a deflate fragment without its block header) fails
 * it where byte statistics pass. */
double pt_entropy_bit_serial(const uint8_t *p, size_t n, int *m_out);

#endif
