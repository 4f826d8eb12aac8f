/* decode.c - decoder elimination.  Owns only short-lived decoder states and
 * one output buffer per call; never more than DECODE_OUT bytes of output.
 * Each library's return convention is converted here. */
#include "decode.h"

#include <brotli/decode.h>
#include <bzlib.h>
#include <endian.h>
#include <lzma.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#include "entropy.h"

#define DECODE_OUT (256 * 1024)    /* output bound per attempt */
#define CARVE_BYTES 16384          /* bytes whose bit offsets are searched for a deflate block */
#define CARVE_TRIES 4096           /* block headers decoded from candidate offsets */
#define BROTLI_OUT_MAX (16u << 20) /* output a brotli head may decode to */
#define DISTINCT_MIN 8             /* byte values an explaining decode shows */

typedef struct attempt {
    size_t consumed, produced;
    int ok;          /* no error before the input (or the output bound) ran out */
} attempt_t;

static double entropy_of(const uint8_t *p, size_t n)
{
    pt_entropy_t e;
    pt_entropy_init(&e);
    pt_entropy_update(&e, p, n);
    return pt_entropy_shannon(&e);
}

/* Distinct byte values in p[0..n). */
static unsigned distinct_bytes(const uint8_t *p, size_t n)
{
    uint8_t seen[256] = { 0 };
    unsigned d = 0;

    for (size_t i = 0; i < n; i++) {
        d += !seen[p[i]];
        seen[p[i]] = 1;
    }
    return d;
}

/* The common test: a clean decode that expands or yields structured data.
 * Entropy is only evidence over enough output: n random bytes never show
 * more than log2(n) bits a byte, under 7 for any n below 128, and about 7.6
 * on average at 512.  Random bits that happen to form degenerate codes
 * (brotli's and zstd's "simple" codes of one to four symbols, RLE blocks)
 * decode, sometimes through the whole head and expanding, to output of a
 * handful of byte values, which no real file with a random-looking
 * compressed form is (a million random heads: docs/encryption.md). */
static int explains(const attempt_t *a, const uint8_t *out, size_t in_len)
{
    size_t need = in_len < 64 ? in_len : 64, shown = a->produced < DECODE_OUT ? a->produced : DECODE_OUT;

    if (!a->ok || a->consumed < need || a->produced < 64 || distinct_bytes(out, shown) < DISTINCT_MIN)
        return 0;
    return a->produced > a->consumed + a->consumed / 8 || (shown >= 512 && entropy_of(out, shown) < 7.0);
}

/* A stream that ends more than a trailer's length before its input does
 * explains only its own bytes, not the item: random bytes form short
 * complete deflate, LZMA2 and brotli streams about once in 5,000 heads. */
#define TRAILER_MAX 16

/* ---- deflate ------------------------------------------------------------------- */

static attempt_t inflate_from(const uint8_t *in, size_t n, unsigned skip_bits, int zero_dict, uint8_t *out)
{
    attempt_t a = { 0, 0, 0 };
    z_stream z;
    int rc;

    memset(&z, 0, sizeof z);
    if (inflateInit2(&z, -15) != Z_OK)
        return a;
    if (zero_dict) {
        /* back-references of a carved fragment reach into missing history */
        static const uint8_t zeros[32768];
        inflateSetDictionary(&z, zeros, sizeof zeros);
    }
    if (skip_bits) {
        /* start mid-byte: feed the rest of the first byte with inflatePrime */
        if (n < 1 || inflatePrime(&z, (int)(8 - skip_bits), in[0] >> skip_bits) != Z_OK) {
            inflateEnd(&z);
            return a;
        }
        in++;
        n--;
    }
    z.next_in = (Bytef *)in;
    z.avail_in = (uInt)n;
    z.next_out = out;
    z.avail_out = DECODE_OUT;
    rc = inflate(&z, Z_SYNC_FLUSH);
    a.ok = rc == Z_OK || rc == Z_STREAM_END || rc == Z_BUF_ERROR;
    a.consumed = n - z.avail_in + (skip_bits ? 1 : 0);
    a.produced = DECODE_OUT - z.avail_out;
    if (rc == Z_STREAM_END && z.avail_in > TRAILER_MAX)
        a.ok = 0;
    if (rc == Z_STREAM_END || z.avail_out == 0)
        a.consumed = n + (skip_bits ? 1 : 0); /* a complete stream or full output counts as all */
    inflateEnd(&z);
    return a;
}

/* 64 bits little-endian at p (8 bytes must be readable). */
static uint64_t load64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof v);
    return le64toh(v);
}

/* Kraft sums of three 3-bit code lengths (a + 8b + 64c) in the low 16 bits,
 * how many are non-zero in the high 16: the code-length code is checked
 * three lengths a lookup (the sum is symmetric, so the order of a, b, c is
 * not). */
#define K(l) ((l) ? 128u >> (l) : 0u)
#define NZ(l) ((l) ? 1u : 0u)
#define E3(a, b, c) (uint32_t)(K(a) + K(b) + K(c) + ((NZ(a) + NZ(b) + NZ(c)) << 16))
#define E3_8(b, c) E3(0, b, c), E3(1, b, c), E3(2, b, c), E3(3, b, c), E3(4, b, c), E3(5, b, c), E3(6, b, c), \
                   E3(7, b, c)
#define E3_64(c) E3_8(0, c), E3_8(1, c), E3_8(2, c), E3_8(3, c), E3_8(4, c), E3_8(5, c), E3_8(6, c), E3_8(7, c)
static const uint32_t kraft3[512] = { E3_64(0), E3_64(1), E3_64(2), E3_64(3),
                                      E3_64(4), E3_64(5), E3_64(6), E3_64(7) };

/* Of the dynamic-block headers that may start 0..7 bits into the byte at p
 * (BTYPE 2, HLIT and HDIST at most 29: one offset in five of random bits),
 * a bit mask, computed without a branch: this runs at every byte of the
 * head, and branches on random bits are mispredicted. */
static unsigned header_candidates(const uint8_t *p)
{
    uint64_t w = load64(p);
    unsigned mask = 0;

    for (unsigned s = 0; s < 8; s++) {
        uint64_t t = w >> s;
        mask |= (unsigned)(((t & 6) == 4) & (((t >> 3) & 31) < 30) & (((t >> 8) & 31) < 30)) << s;
    }
    return mask;
}

/* Whether the code-length code of the dynamic-block header starting
 * `shift` bits into p is complete: the test that rejects almost every
 * candidate (table-driven and without a branch, like the candidates).
 * 11 bytes must be readable at p. */
static int code_length_code_complete(const uint8_t *p, unsigned shift)
{
    uint64_t w = load64(p) >> shift, c;
    unsigned n = ((unsigned)(w >> 13) & 15) + 4; /* HCLEN + 4 code lengths of 3 bits, */
    uint32_t e;

    /* from bit shift+17 on: byte 2 (or 3); the lengths past n masked off */
    c = (shift < 7 ? load64(p + 2) >> (shift + 1) : load64(p + 3)) & ((1ull << (3 * n)) - 1);
    e = kraft3[c & 511] + kraft3[(c >> 9) & 511] + kraft3[(c >> 18) & 511] + kraft3[(c >> 27) & 511] +
        kraft3[(c >> 36) & 511] + kraft3[(c >> 45) & 511] + kraft3[(c >> 54) & 511];
    return (e & 0xffff) == 128 && (e >> 16) >= 2;
}

/* Decodes only the dynamic block header at a bit offset (zlib's Z_TREES
 * stops after the code tables): the full check that random bits fail. */
static int block_header_decodes(z_stream *z, const uint8_t *p, size_t n, size_t bit)
{
    uint8_t sink[64];
    int rc;

    if (inflateReset(z) != Z_OK)
        return 0;
    if (bit % 8 && inflatePrime(z, (int)(8 - bit % 8), p[bit / 8] >> (bit % 8)) != Z_OK)
        return 0;
    z->next_in = (Bytef *)p + bit / 8 + (bit % 8 ? 1 : 0);
    z->avail_in = (uInt)(n - bit / 8 - (bit % 8 ? 1 : 0));
    z->next_out = sink;
    z->avail_out = sizeof sink;
    rc = inflate(z, Z_TREES);
    /* data_type has 256 set when inflate stopped at the end of a block header */
    return (rc == Z_OK || rc == Z_BUF_ERROR) && (z->data_type & 256);
}

static int try_deflate(const uint8_t *p, size_t n, uint8_t *out, char *why, size_t wsize)
{
    attempt_t a = inflate_from(p, n, 0, 0, out);
    size_t bit;
    int tries = 0;
    z_stream z;

    if (explains(&a, out, n)) {
        snprintf(why, wsize, "raw deflate stream from byte 0 (%zu bytes decode to %zu)", a.consumed, a.produced);
        return 1;
    }
    memset(&z, 0, sizeof z);
    if (inflateInit2(&z, -15) != Z_OK)
        return 0;
    /* carved fragment: a block may start at any bit of the head */
    for (size_t byte = 0; byte + 11 <= (n < CARVE_BYTES ? n : CARVE_BYTES) && tries < CARVE_TRIES; byte++) {
        unsigned cand = header_candidates(p + byte) & (byte == 0 ? ~1u : ~0u); /* bit 0: tried above */
        while (cand && tries < CARVE_TRIES) {
            unsigned shift = (unsigned)__builtin_ctz(cand);
            cand &= cand - 1;
            bit = byte * 8 + shift;
            if (!code_length_code_complete(p + byte, shift))
                continue;
            tries++;
            if (!block_header_decodes(&z, p, n, bit))
                continue;
            a = inflate_from(p + bit / 8, n - bit / 8, (unsigned)(bit % 8), 1, out);
            /* a short fragment may end inside its first block: a decoded header
             * and clean data to the end of the input are the evidence there */
            if (a.ok && a.consumed + 8 >= n - bit / 8 && a.produced >= a.consumed && n - bit / 8 >= 64) {
                inflateEnd(&z);
                snprintf(why, wsize, "deflate block from bit %zu decodes cleanly to the end (carved fragment: %zu "
                         "bytes to %zu)", bit, a.consumed, a.produced);
                return 1;
            }
            if (explains(&a, out, n - bit / 8)) {
                inflateEnd(&z);
                snprintf(why, wsize, "deflate blocks from bit %zu (carved fragment: %zu bytes decode to %zu)", bit,
                         a.consumed, a.produced);
                return 1;
            }
        }
    }
    inflateEnd(&z);
    return 0;
}

/* ---- LZMA, LZMA2 ------------------------------------------------------------------ */

/* Runs an initialised liblzma decoder over in (bounded output) and ends it. */
static attempt_t lzma_drive(lzma_stream *s, const uint8_t *in, size_t n, uint8_t *out)
{
    attempt_t a = { 0, 0, 0 };
    lzma_ret rc;

    s->next_in = in;
    s->avail_in = n;
    s->next_out = out;
    s->avail_out = DECODE_OUT;
    rc = lzma_code(s, LZMA_RUN);
    a.ok = rc == LZMA_OK || rc == LZMA_BUF_ERROR || (rc == LZMA_STREAM_END && s->avail_in <= TRAILER_MAX);
    a.consumed = rc == LZMA_STREAM_END || s->avail_out == 0 ? n : (size_t)s->total_in;
    a.produced = (size_t)s->total_out;
    lzma_end(s);
    return a;
}

static attempt_t lzma_try(const uint8_t *in, size_t n, lzma_vli id, uint8_t *out)
{
    attempt_t a = { 0, 0, 0 };
    lzma_options_lzma opt;
    lzma_filter f[2];
    lzma_stream s = LZMA_STREAM_INIT;

    if (lzma_lzma_preset(&opt, 6))
        return a;
    /* a trial decodes at most DECODE_OUT bytes, so a larger window changes
     * nothing but the memory liblzma allocates for every attempt */
    opt.dict_size = 1u << 20;
    f[0].id = id;
    f[0].options = &opt;
    f[1].id = LZMA_VLI_UNKNOWN;
    if (lzma_raw_decoder(&s, f) != LZMA_OK)
        return a;
    return lzma_drive(&s, in, n, out);
}

static int try_lzma(const uint8_t *p, size_t n, uint8_t *out, char *why, size_t wsize)
{
    attempt_t a;

    /* an LZMA1 range-coded stream always starts with a zero byte */
    if (n > 5 && p[0] == 0) {
        a = lzma_try(p, n, LZMA_FILTER_LZMA1, out);
        if (explains(&a, out, n)) {
            snprintf(why, wsize, "raw LZMA stream (%zu bytes decode to %zu)", a.consumed, a.produced);
            return 1;
        }
    }
    /* LZMA2 chunks begin with a dictionary reset: control 0x01 or >= 0xE0 */
    if (n > 6 && (p[0] == 0x01 || p[0] >= 0xe0)) {
        a = lzma_try(p, n, LZMA_FILTER_LZMA2, out);
        if (explains(&a, out, n)) {
            snprintf(why, wsize, "raw LZMA2 stream (%zu bytes decode to %zu)", a.consumed, a.produced);
            return 1;
        }
    }
    /* .lzma ("LZMA alone"): properties byte, dictionary size, length */
    if (n > 13 && p[0] < 225) {
        lzma_stream s = LZMA_STREAM_INIT;
        /* the dictionary size is the suspect's header field: bounded, or
         * liblzma allocates what it says (4 GiB found by fuzzing) */
        if (lzma_alone_decoder(&s, (uint64_t)80 << 20) == LZMA_OK) {
            a = lzma_drive(&s, p, n, out);
            if (explains(&a, out, n)) {
                snprintf(why, wsize, "LZMA-alone stream (%zu bytes decode to %zu)", a.consumed, a.produced);
                return 1;
            }
        }
    }
    return 0;
}

/* ---- bzip2 and zstd whose magic was lost ----------------------------------------- */

static int try_bzip2(const uint8_t *p, size_t n, uint8_t *out, char *why, size_t wsize)
{
    static const uint8_t block_magic[6] = { 0x31, 0x41, 0x59, 0x26, 0x53, 0x59 };
    bz_stream b;
    uint8_t *in;
    int rc;
    size_t produced;

    if (n < 10 || memcmp(p, block_magic, 6) != 0)
        return 0;
    if (!(in = malloc(n + 4)))
        return 0;
    memcpy(in, "BZh9", 4);
    memcpy(in + 4, p, n);
    memset(&b, 0, sizeof b);
    if (BZ2_bzDecompressInit(&b, 0, 0) != BZ_OK) {
        free(in);
        return 0;
    }
    b.next_in = (char *)in;
    b.avail_in = (unsigned)(n + 4);
    b.next_out = (char *)out;
    b.avail_out = DECODE_OUT;
    rc = BZ2_bzDecompress(&b);
    produced = DECODE_OUT - b.avail_out;
    BZ2_bzDecompressEnd(&b);
    free(in);
    /* a truncated block yields no output yet: the 48-bit block magic and a
     * clean decode of what there is are the evidence */
    if (rc == BZ_OK || rc == BZ_STREAM_END) {
        snprintf(why, wsize, "bzip2 block (magic 0x314159265359) without its stream header, decodes cleanly "
                 "(%zu bytes out)", produced);
        return 1;
    }
    return 0;
}

/* The literals section of a frame's first compressed block, where that
 * block does not end inside the head (libzstd decodes nothing of a block
 * until it is whole).  Refused: "treeless" literals (they reuse the previous
 * block's Huffman table, which the first block does not have), raw or RLE
 * literals (incompressible: no evidence of compression), sizes past the
 * block or past 128 KiB.  Compressed literals that lie inside the head are
 * decoded by libzstd from a block rebuilt around them (the literals and no
 * sequences): 2 when they decode to their size, 1 when they run past the
 * head (the header is all there is to check), 0 when refused. */
static int zstd_first_literals(const uint8_t *c, size_t n, uint32_t block)
{
    unsigned sf;
    uint32_t regen, csize;
    size_t hlen, total;
    uint8_t *frame, *lit;
    size_t got;

    if (n < 5)
        return 1; /* nothing to check yet */
    if ((c[0] & 3) != 2)
        return 0;
    sf = (c[0] >> 2) & 3;
    hlen = sf < 2 ? 3 : sf == 2 ? 4 : 5;
    if (sf < 2) {
        regen = (uint32_t)(c[0] >> 4) | (uint32_t)(c[1] & 0x3f) << 4;
        csize = (uint32_t)(c[1] >> 6) | (uint32_t)c[2] << 2;
    } else if (sf == 2) {
        regen = (uint32_t)(c[0] >> 4) | (uint32_t)c[1] << 4 | (uint32_t)(c[2] & 3) << 12;
        csize = (uint32_t)(c[2] >> 2) | (uint32_t)c[3] << 6;
    } else {
        regen = (uint32_t)(c[0] >> 4) | (uint32_t)c[1] << 4 | (uint32_t)(c[2] & 0x3f) << 12;
        csize = (uint32_t)(c[2] >> 6) | (uint32_t)c[3] << 2 | (uint32_t)c[4] << 10;
    }
    total = hlen + csize;
    if (regen > (128u << 10) || csize == 0 || total >= block)
        return 0;
    if (total > n)
        return 1;
    /* magic, descriptor (a window byte follows), 128 KiB window, a last
     * compressed block of the literals and a zero sequence count */
    if (!(frame = malloc(4 + 2 + 3 + total + 1)) || !(lit = malloc((size_t)regen + 1))) {
        free(frame);
        return 1;
    }
    memcpy(frame, "\x28\xb5\x2f\xfd\x00\x38", 6);
    frame[6] = (uint8_t)(((total + 1) << 3) | (2u << 1) | 1u);
    frame[7] = (uint8_t)((total + 1) >> 5);
    frame[8] = (uint8_t)((total + 1) >> 13);
    memcpy(frame + 9, c, total);
    frame[9 + total] = 0;
    got = ZSTD_decompress(lit, (size_t)regen + 1, frame, 10 + total);
    free(frame);
    free(lit);
    return !ZSTD_isError(got) && got == regen ? 2 : 0;
}

static int try_zstd(const uint8_t *p, size_t n, uint8_t *out, char *why, size_t wsize)
{
    ZSTD_DStream *z;
    ZSTD_inBuffer in;
    ZSTD_outBuffer o = { out, DECODE_OUT, 0 };
    uint8_t *buf;
    size_t rc;
    attempt_t a = { 0, 0, 0 };

    if (n < 8 || !(buf = malloc(n + 4)))
        return 0;
    memcpy(buf, "\x28\xb5\x2f\xfd", 4);
    memcpy(buf + 4, p, n);
    if (!(z = ZSTD_createDStream())) {
        free(buf);
        return 0;
    }
    ZSTD_initDStream(z);
    in.src = buf;
    in.size = n + 4;
    in.pos = 0;
    rc = ZSTD_decompressStream(z, &o, &in);
    a.ok = !ZSTD_isError(rc);
    if (a.ok && o.pos == 0 && in.pos == in.size) {
        /* input ended inside the first block: accept it only when that block
         * is a compressed one (a raw block would pass random bytes) */
        /* frame header: descriptor, window byte unless single-segment,
         * dictionary id and content size whose lengths the descriptor gives */
        static const size_t did[4] = { 0, 1, 2, 4 }, fcs[4] = { 0, 2, 4, 8 };
        uint8_t fhd = buf[4];
        size_t single = (fhd >> 5) & 1, fh = 4 + 1 + (single ? 0 : 1) + did[fhd & 3] +
                        ((fhd >> 6) == 0 ? single : fcs[fhd >> 6]);
        int lit = fh + 3 <= n + 4 && ((buf[fh] >> 1) & 3) == 2 && n >= 64
                  ? zstd_first_literals(buf + fh + 3, n + 4 - fh - 3,
                                        (uint32_t)(buf[fh] | buf[fh + 1] << 8 | buf[fh + 2] << 16) >> 3)
                  : 0;
        if (lit) {
            ZSTD_freeDStream(z);
            free(buf);
            snprintf(why, wsize, "zstd frame without its magic number: compressed block decodes cleanly to the "
                     "end of the input%s", lit == 2 ? " (its Huffman-coded literals decode)" : "");
            return 1;
        }
    }
    a.consumed = in.pos >= 4 ? in.pos - 4 : 0;
    a.produced = o.pos;
    if (a.ok && (rc == 0 || o.pos == o.size))
        a.consumed = n;
    ZSTD_freeDStream(z);
    free(buf);
    if (explains(&a, out, n)) {
        snprintf(why, wsize, "zstd frame without its magic number (%zu bytes decode to %zu)", a.consumed, a.produced);
        return 1;
    }
    return 0;
}

/* ---- brotli ------------------------------------------------------------------------ */

/* A brotli stream has no magic number: web servers' precompressed .br files
 * and browser caches hold brotli bodies that pass every randomness test at
 * high quality settings.  An uncompressed meta-block copies random bytes
 * through, so only an expanding or low-entropy decode explains the data. */
static int try_brotli(const uint8_t *p, size_t n, uint8_t *out, char *why, size_t wsize)
{
    BrotliDecoderState *s;
    BrotliDecoderResult rc;
    const uint8_t *next_in = p;
    uint8_t *next_out = out, *sink = NULL;
    size_t avail_in = n, avail_out = DECODE_OUT, total = 0;
    attempt_t a = { 0, 0, 0 };

    if (n < 8 || !(s = BrotliDecoderCreateInstance(NULL, NULL, NULL)))
        return 0;
    /* The whole head must decode: random bits that happen to form simple
     * prefix codes and a long meta-block copy their way to any output bound
     * from a few bytes of input.  Output past the first DECODE_OUT bytes is
     * dropped, and a head that decodes to more than BROTLI_OUT_MAX is not
     * what a random-looking stream is (256:1 compresses to visibly
     * repetitive bytes). */
    while ((rc = BrotliDecoderDecompressStream(s, &avail_in, &next_in, &avail_out, &next_out, &total)) ==
           BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT) {
        if (total >= BROTLI_OUT_MAX || (!sink && !(sink = malloc(DECODE_OUT))))
            break;
        next_out = sink;
        avail_out = DECODE_OUT;
    }
    BrotliDecoderDestroyInstance(s);
    free(sink);
    a.ok = rc == BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT ||
           (rc == BROTLI_DECODER_RESULT_SUCCESS && avail_in <= TRAILER_MAX);
    a.consumed = n - avail_in;
    a.produced = total;
    /* random bits decode through simple prefix codes of at most four
     * literals (and static-dictionary words): under 2.5 bits a byte in 8 of
     * the 10 such decodes a million random heads gave, never in a real file
     * whose compressed form looks random */
    if (!explains(&a, out, n) || entropy_of(out, a.produced < DECODE_OUT ? a.produced : DECODE_OUT) < 2.5)
        return 0;
    snprintf(why, wsize, "brotli stream (%zu bytes decode to %zu%s)", a.consumed, a.produced,
             rc == BROTLI_DECODER_RESULT_SUCCESS ? ", complete" : "");
    return 1;
}

/* ---- JPEG entropy-coded data ------------------------------------------------------------ */

static int try_jpeg_scan(const uint8_t *p, size_t n, uint8_t *out, char *why, size_t wsize)
{
    size_t i, ff = 0, stuffed = 0;

    (void)out;
    for (i = 0; i + 1 < n; i++) {
        if (p[i] != 0xff)
            continue;
        ff++;
        if (p[i + 1] == 0x00 || (p[i + 1] >= 0xd0 && p[i + 1] <= 0xd7) || p[i + 1] == 0xd9)
            stuffed++;
    }
    /* in random data a 0xFF is followed by 0x00 or a marker 10 times in 256:
     * two of two by chance is 1 in 650 (and two 0xFF bytes must occur) */
    if ((ff >= 2 && stuffed == ff) || (ff >= 8 && stuffed * 100 >= ff * 95)) {
        snprintf(why, wsize, "JPEG entropy-coded scan data (%zu of %zu 0xFF bytes stuffed)", stuffed, ff);
        return 1;
    }
    return 0;
}

static const struct {
    const char *name;
    int (*fn)(const uint8_t *, size_t, uint8_t *, char *, size_t);
} decoders[] = {
    { "deflate", try_deflate }, { "lzma", try_lzma }, { "bzip2", try_bzip2 },
    { "zstd", try_zstd }, { "brotli", try_brotli }, { "jpeg-scan", try_jpeg_scan },
};

int pt_decode_explains(const uint8_t *buf, size_t n, pt_decode_result_t *r)
{
    uint8_t *out = malloc(DECODE_OUT);
    size_t i;

    memset(r, 0, sizeof *r);
    snprintf(r->reason, sizeof r->reason, "no decoder explains it (raw deflate, carved deflate, LZMA, LZMA2, "
             "bzip2, zstd, brotli, JPEG scan)");
    if (!out)
        return 0;
    for (i = 0; i < sizeof decoders / sizeof decoders[0]; i++) {
        if (decoders[i].fn(buf, n, out, r->reason, sizeof r->reason)) {
            r->decoder = decoders[i].name;
            free(out);
            return 1;
        }
    }
    free(out);
    return 0;
}

int pt_decode_inflate(const uint8_t *in, size_t in_len, uint8_t *out, size_t cap, size_t *got)
{
    z_stream z;
    int zr;

    memset(&z, 0, sizeof z);
    *got = 0;
    if (inflateInit(&z) != Z_OK)
        return Z_MEM_ERROR;
    z.next_in = (Bytef *)(uintptr_t)in;
    z.avail_in = (uInt)in_len;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    zr = inflate(&z, Z_FINISH);
    *got = cap - z.avail_out;
    inflateEnd(&z);
    return zr;
}
