/* decode.h - rules compressed data out before random-looking content is
 * called ciphertext.  Real decoders (zlib, liblzma, libbz2, libzstd,
 * libbrotli) attempt a short decode of the head: ciphertext fails within a
 * few bytes, compressed data decodes.  A decode only *explains* the data
 * when its output is larger than the input it consumed or has low entropy:
 * stored deflate blocks, LZMA2 uncompressed chunks, zstd raw blocks and
 * brotli uncompressed meta-blocks "decode" random bytes too. */
#ifndef PT_DECODE_H
#define PT_DECODE_H

#include <stddef.h>
#include <stdint.h>

typedef struct pt_decode_result {
    const char *decoder;   /* name of the decoder that explained the data, or NULL */
    char reason[200];      /* what it decoded, or how each decoder failed */
} pt_decode_result_t;

/* Returns 1 when a decoder explains buf[0..n) (r->decoder set), else 0 with
 * r->reason listing the failures. */
int pt_decode_explains(const uint8_t *buf, size_t n, pt_decode_result_t *r);

/* Inflates the zlib stream in[0..in_len) into out (cap bytes) in one call
 * (filesystem blocks: Btrfs extents, SquashFS blocks); *got is how many
 * bytes came out.  Returns zlib's code (Z_STREAM_END when the stream
 * ended, Z_MEM_ERROR when zlib could not start). */
int pt_decode_inflate(const uint8_t *in, size_t in_len, uint8_t *out, size_t cap, size_t *got);

#endif
