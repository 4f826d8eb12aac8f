/* classify.c - combines format structure, libmagic's type and statistics
 * into the encryption verdict.  Owns nothing. */
#include "classify.h"

#include <math.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <zlib.h>

#include "decode.h"

#define MIN_JUDGE 64       /* below this a verdict would be a guess */
#define SMALL 4096         /* below this, judge by distinct byte values */
#define CHI2_P_MIN 1e-4    /* random data falls below this (or above 1 - it) 1 time in 10,000 each */
#define Z_MAX 5.0          /* serial correlation and Monte Carlo z-scores */
#define BITS_BYTES 16384   /* the bit serial test reads the first 16 KiB */
#define BITS_P_MIN (1e-4 / 3) /* three pattern lengths, 1e-4 in all */

/* libmagic names that random bytes often receive: not proof of a format. */
/* Whether a zlib stream starts buf: its first 4 KiB (or all of a shorter
 * buffer, or the whole stream) inflate without an error.  Random bytes
 * fail within a few hundred. */
static int zlib_inflates(const uint8_t *buf, size_t len)
{
    uint8_t out[16384];
    size_t want = len < 4096 ? len : 4096;
    z_stream z;
    int rc = Z_OK;

    memset(&z, 0, sizeof z);
    if (!buf || len < 2 || inflateInit(&z) != Z_OK)
        return 0;
    z.next_in = (Bytef *)(uintptr_t)buf;
    z.avail_in = (uInt)(len < (1u << 20) ? len : (1u << 20));
    while (rc == Z_OK && (size_t)(z.next_in - buf) < want) {
        z.next_out = out;
        z.avail_out = sizeof out;
        rc = inflate(&z, Z_NO_FLUSH);
        if (rc == Z_BUF_ERROR && z.avail_in == 0)
            break; /* the buffer ends inside the stream */
    }
    inflateEnd(&z);
    return rc == Z_STREAM_END || (size_t)(z.next_in - buf) >= want || (rc != Z_DATA_ERROR && rc != Z_NEED_DICT &&
                                                                       rc != Z_STREAM_ERROR && rc != Z_MEM_ERROR);
}

static int weak_mime(const char *mime, const pt_crypto_view_t *v, double entropy)
{
    static const char *const weak[] = {
        "application/octet-stream", "application/x-empty", "application/pgp-keys",
        "image/x-tga", "application/x-ms-sdb", "application/x-dbt", "audio/x-mp4a-latm",
        "application/x-bytecode.python", "image/x-award-bioslogo", "image/x-icon",
        "application/vnd.ms-opentype", "font/sfnt", "audio/x-hx-aac-adts",
        "application/x-matlab-data", "text/x-bytecode.python", "application/x-dbf",
        "image/x-quicktime", "application/x-lzip", "application/x-arj", "application/x-lha",
        "application/x-lharc", "application/x-gdbm", "application/x-ms-reader", NULL,
    };
    int i;

    if (!mime || !*mime)
        return 1;
    for (i = 0; weak[i]; i++)
        if (strcmp(mime, weak[i]) == 0)
            return 1;
    /* "DOS executable (COM)": any bytes can be a COM program; MZ cannot */
    if (strcmp(mime, "application/x-dosexec") == 0)
        return v->head_len < 2 || memcmp(v->head, "MZ", 2) != 0;
    /* "Non-ISO extended-ASCII text" and friends on high-entropy bytes */
    if (strncmp(mime, "text/", 5) == 0 && entropy > 6.5)
        return 1;
    /* zlib's header is 2 bytes (0x78 and a check value), 1 in 16,000 random
     * files: the name holds only when the stream inflates */
    if (strcmp(mime, "application/zlib") == 0)
        return !zlib_inflates(v->head, v->head_len);
    /* MPEG audio frames sync on 11 bits: weak without an ID3 tag */
    if (strcmp(mime, "audio/mpeg") == 0)
        return v->head_len < 3 || memcmp(v->head, "ID3", 3) != 0;
    return 0;
}

/* Expected number of distinct byte values among n uniform random bytes and
 * its standard deviation (occupancy problem). */
static void distinct_expect(uint64_t n, double *mean, double *sd)
{
    double q1 = pow(255.0 / 256.0, (double)n), q2 = pow(254.0 / 256.0, (double)n);
    double var = 256.0 * 255.0 * q2 + 256.0 * q1 - 256.0 * 256.0 * q1 * q1;

    *mean = 256.0 * (1.0 - q1);
    *sd = sqrt(var > 0 ? var : 0);
}

/* The randomness tests for the item's size; writes the figures into why. */
static int looks_random(const pt_entropy_stats_t *s, char *why, size_t wsize)
{
    double mean_sd = 73.9 / sqrt((double)s->n); /* sd of the mean of uniform bytes */

    if (s->n < SMALL) {
        double mean, sd;
        distinct_expect(s->n, &mean, &sd);
        snprintf(why, wsize, "%u distinct byte values of %.0f expected, chi-square p=%.3g, entropy %.4f",
                 s->distinct, mean, s->chi2_p, s->shannon);
        return s->distinct >= mean - 4.0 * sd && s->chi2_p >= CHI2_P_MIN && s->chi2_p <= 1.0 - CHI2_P_MIN &&
               fabs(s->mean - 127.5) < 5 * mean_sd;
    }
    snprintf(why, wsize, "entropy %.4f, chi-square p=%.3g, serial correlation %.4f (z=%.1f), Monte Carlo pi "
             "error %.3f%% (z=%.1f), mean %.2f",
             s->shannon, s->chi2_p, s->serial, s->serial_z, s->pi_err, s->pi_z, s->mean);
    /* two-sided: a histogram far flatter than chance (a lookup table such as
     * NTFS $UpCase) is as unlike random data as a skewed one */
    return s->chi2_p >= CHI2_P_MIN && s->chi2_p <= 1.0 - CHI2_P_MIN && s->serial_z < Z_MAX && s->pi_z < Z_MAX &&
           fabs(s->mean - 127.5) < 5 * mean_sd;
}

static void set(pt_item_t *it, const char *enc, const char *fmt, const char *reason)
{
    it->encryption = enc;
    it->encryption_format = fmt;
    snprintf(it->encryption_reason, sizeof it->encryption_reason, "%s", reason);
    if (strcmp(enc, "none") != 0)
        it->category = "encrypted";
}

void pt_classify(const pt_classify_in_t *in, pt_item_t *it)
{
    pt_crypto_match_t m;
    const pt_entropy_stats_t *s = in->stats;
    char why[300], buf[sizeof it->encryption_reason];
    pt_decode_result_t d;

    if (in->fs_encrypted & PT_EFS_DATA) {
        snprintf(buf, sizeof buf, "NTFS EFS: the data attribute is marked encrypted%s; the content is ciphertext "
                 "that only the owner's EFS certificate (or a recovery agent's) decrypts",
                 in->fs_encrypted & PT_EFS_RING ? ", and the file holds a $EFS key ring" : "");
        set(it, "encrypted", "ntfs-efs", buf);
        return;
    }
    if (in->fs_encrypted & PT_FSCRYPT) {
        set(it, "encrypted", "ext4-fscrypt", "ext4 encryption (fscrypt): the inode's encrypt flag is set and the "
            "filesystem has the encrypt feature; the content (and the name on disk) is ciphertext that only the "
            "user's key decrypts");
        return;
    }
    if (in->fs_encrypted & PT_BDE_COVER) {
        set(it, "encrypted", "bitlocker", "BitLocker To Go: a cover file of the volume's unencrypted FAT32 "
            "discovery volume, holding part of the BitLocker-encrypted volume (walked as LABEL!bitlocker when a key "
            "in case.conf [keys] opens it)");
        return;
    }
    if (in->fs_encrypted & PT_WOF_STREAM) {
        set(it, "none", NULL, "Windows system compression (WOF): the XPRESS or LZX chunks of its file's content, "
            "which is read decompressed as the file itself");
        return;
    }
    if (pt_crypto_detect(&in->view, &m)) {
        if (m.encrypted)
            set(it, "encrypted", m.format, m.reason);
        else
            set(it, "none", NULL, m.reason);
        return;
    }
    if (!s) {
        set(it, "", NULL, "content not read completely: no statistical verdict");
        it->encryption = NULL;
        return;
    }
    if (s->n == 0) {
        set(it, "none", NULL, "empty");
        return;
    }
    if (!weak_mime(in->mime, &in->view, s->shannon)) {
        snprintf(buf, sizeof buf, "type %s explains the content (entropy %.4f)", in->mime, s->shannon);
        set(it, "none", NULL, buf);
        return;
    }
    if (s->n < MIN_JUDGE) {
        snprintf(buf, sizeof buf, "too small to judge (%llu bytes)", (unsigned long long)s->n);
        set(it, "none", NULL, buf);
        return;
    }
    if (!looks_random(s, why, sizeof why)) {
        if (s->windows > 1 && s->win_max >= 7.99)
            snprintf(buf, sizeof buf, "not random as a whole (%.200s); high-entropy region at offset %llu "
                     "(64 KiB window entropy %.4f)", why, (unsigned long long)s->win_max_off, s->win_max);
        else
            snprintf(buf, sizeof buf, "not random (%.250s)", why);
        set(it, "none", NULL, buf);
        return;
    }
    if (in->view.head_len >= 16) {
        /* Huffman-coded data (a deflate fragment without its block header,
         * JPEG scan data) is even at the byte level but not at the bit level */
        size_t len = in->view.head_len < BITS_BYTES ? in->view.head_len : BITS_BYTES;
        int bits_m;
        double q = pt_entropy_bit_serial(in->view.head, len, &bits_m);
        size_t w = strlen(why);
        if (q < BITS_P_MIN) {
            snprintf(buf, sizeof buf, "not random: %.200s, but its bits are uneven (NIST serial test on the first %zu "
                     "bytes, %d-bit patterns, p=%.3g): coded or compressed data", why, len, bits_m, q);
            set(it, "none", NULL, buf);
            return;
        }
        snprintf(why + w, sizeof why - w, ", bit serial test p=%.3g", q);
    }
    if (pt_decode_explains(in->view.head, in->view.head_len, &d)) {
        snprintf(buf, sizeof buf, "random-looking but compressed: %s", d.reason);
        set(it, "none", NULL, buf);
        return;
    }
    /* VeraCrypt and TrueCrypt write no header in clear: a volume, or a file
     * container of whole sectors (VeraCrypt's smallest is 292 KiB), is all
     * that can be said */
    snprintf(buf, sizeof buf, "%.230s; %s; no known format or type; %.120s%s", why,
             s->n < SMALL ? "small item, weak evidence" : "passes the randomness tests", d.reason,
             in->is_volume && s->n % 512 == 0 ? "; consistent with an encrypted volume (VeraCrypt/TrueCrypt-like)"
             : in->view.size % 512 == 0 && in->view.size >= 292 * 1024
                 ? "; whole 512-byte sectors: could be a VeraCrypt/TrueCrypt container (no header in clear)"
                 : "; ciphertext and the middle of an LZMA/xz stream cannot be told apart");
    set(it, "suspected", "random-data", buf);
}
