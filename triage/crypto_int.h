/* crypto_int.h - helpers shared by the format detectors (crypto.c,
 * crypto_archive.c, ...): bounded access to the head/tail view, byte order,
 * searching.  Internal to the crypto*.c files. */
#ifndef PT_CRYPTO_INT_H
#define PT_CRYPTO_INT_H

#include <stdio.h>
#include <string.h>

#include "bytes.h"
#include "crypto.h"

/* ---- bounded access -------------------------------------------------------- */

/* Pointer to n bytes at absolute offset off, from the head or the tail, or
 * NULL when those bytes were not kept. */
static inline const uint8_t *at(const pt_crypto_view_t *v, uint64_t off, size_t n)
{
    if (off + n < off)
        return NULL;
    if (off + n <= v->head_len)
        return v->head + off;
    if (v->tail && v->size >= v->tail_len && off >= v->size - v->tail_len && off + n <= v->size)
        return v->tail + (off - (v->size - v->tail_len));
    return NULL;
}

/* Copies a NUL-padded fixed field if it is printable ASCII; 0 otherwise. */
static inline int cstr(const uint8_t *p, size_t n, char *out, size_t out_size)
{
    size_t i;

    for (i = 0; i < n && p[i]; i++)
        if (p[i] < 0x20 || p[i] > 0x7e || i + 1 >= out_size)
            return 0;
    memcpy(out, p, i);
    out[i] = '\0';
    return i > 0;
}

static inline const uint8_t *find(const uint8_t *hay, size_t n, const void *needle, size_t m)
{
    return m <= n ? memmem(hay, n, needle, m) : NULL;
}

/* Occurrences of needle in a buffer. */
static inline unsigned count_mem(const uint8_t *p, size_t n, const void *needle, size_t m)
{
    unsigned c = 0;
    const uint8_t *q;

    while ((q = find(p, n, needle, m)) != NULL) {
        c++;
        n -= (size_t)(q - p) + m;
        p = q + m;
    }
    return c;
}

static inline unsigned count_text(const uint8_t *p, size_t n, const char *needle)
{
    return count_mem(p, n, needle, strlen(needle));
}

/* Searches the head and then the tail. */
static inline const uint8_t *find_any(const pt_crypto_view_t *v, const void *needle, size_t m, size_t *left)
{
    const uint8_t *p = find(v->head, v->head_len, needle, m);

    if (p) {
        *left = v->head_len - (size_t)(p - v->head);
        return p;
    }
    if (v->tail && (p = find(v->tail, v->tail_len, needle, m)) != NULL) {
        *left = v->tail_len - (size_t)(p - v->tail);
        return p;
    }
    return NULL;
}

/* Skips leading whitespace and a UTF-8 byte-order mark of a text head. */
static inline size_t text_start(const pt_crypto_view_t *v)
{
    size_t i = 0;

    if (v->head_len >= 3 && memcmp(v->head, "\xef\xbb\xbf", 3) == 0)
        i = 3;
    while (i < v->head_len && i < 256 && (v->head[i] == ' ' || v->head[i] == '\t' || v->head[i] == '\r' ||
                                          v->head[i] == '\n'))
        i++;
    return i;
}

static inline int starts_text(const pt_crypto_view_t *v, const char *s, size_t *after)
{
    size_t i = text_start(v), n = strlen(s);

    if (i + n > v->head_len || memcmp(v->head + i, s, n) != 0)
        return 0;
    if (after)
        *after = i + n;
    return 1;
}

/* Decodes base64 text (whitespace skipped) from p until '-' or the end;
 * returns bytes written to out (at most out_size). */
static inline size_t b64_decode(const uint8_t *p, size_t n, uint8_t *out, size_t out_size)
{
    uint32_t acc = 0;
    int bits = 0;
    size_t i, o = 0;

    for (i = 0; i < n && o < out_size; i++) {
        int c = p[i], d;
        if (c >= 'A' && c <= 'Z') d = c - 'A';
        else if (c >= 'a' && c <= 'z') d = c - 'a' + 26;
        else if (c >= '0' && c <= '9') d = c - '0' + 52;
        else if (c == '+') d = 62;
        else if (c == '/') d = 63;
        else if (c == '\r' || c == '\n' || c == ' ' || c == '\t') continue;
        else break; /* '=' padding or the END line */
        acc = acc << 6 | (uint32_t)d;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (uint8_t)(acc >> bits);
        }
    }
    return o;
}

/* ---- DER/BER ---------------------------------------------------------------- */

/* One DER/BER tag-length header at p[*off]; sets *len (SIZE_MAX for BER's
 * indefinite length).  Returns the tag, or -1. */
static inline int der_header(const uint8_t *p, size_t n, size_t *off, size_t *len)
{
    size_t o = *off, l, i, k;
    int tag;

    if (o + 2 > n)
        return -1;
    tag = p[o++];
    l = p[o++];
    if (l == 0x80) {
        l = SIZE_MAX;
    } else if (l & 0x80) {
        k = l & 0x7f;
        if (k == 0 || k > 4 || o + k > n)
            return -1;
        for (l = 0, i = 0; i < k; i++)
            l = l << 8 | p[o++];
    }
    *off = o;
    *len = l;
    return tag;
}

/* PKCS#7/CMS content types 1.2.840.113549.1.7.{1,2,3,6}, DER-encoded with their tag */
static const uint8_t oid_data[] = { 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01 };
static const uint8_t oid_signed[] = { 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02 };
static const uint8_t oid_enveloped[] = { 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x03 };
static const uint8_t oid_encrypted[] = { 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x06 };
#define SET(m, fmt_, enc_, ...)                                   \
    do {                                                          \
        (m)->format = (fmt_);                                     \
        (m)->encrypted = (enc_);                                  \
        snprintf((m)->reason, sizeof (m)->reason, __VA_ARGS__);   \
    } while (0)


/* OpenPGP packet header: tag, header and body length. */
typedef struct pgp_pkt {
    int tag;
    size_t hdr, body; /* header length; body length (what is known of it) */
} pgp_pkt_t;

int pt_crypto_pgp_header(const uint8_t *p, size_t n, pgp_pkt_t *k);

/* Parses up to two packets of an OpenPGP byte stream: 1 an encrypted
 * message, -1 an OpenPGP stream of another kind (signed, compressed, keys),
 * 0 not OpenPGP.  strict: binary without armour (a lone session key or
 * tag 9 does not count). */
int pt_crypto_pgp_stream(const uint8_t *p, size_t n, int strict, char *desc, size_t dsize);

/* Decodes the base64 body of an ASCII-armoured block whose BEGIN line ends
 * at head offset after; 0 when the body does not start in the head. */
int pt_crypto_armour_body(const pt_crypto_view_t *v, size_t after, uint8_t *bin, size_t size, size_t *n);

/* Private keys and key stores (crypto_keys.c). */
int pt_crypto_detect_keys(const pt_crypto_view_t *v, pt_crypto_match_t *m);
int pt_crypto_detect_vault_keys(const pt_crypto_view_t *v, pt_crypto_match_t *m);
int pt_crypto_detect_pkcs12(const pt_crypto_view_t *v, pt_crypto_match_t *m);
int pt_crypto_detect_gpg_agent(const pt_crypto_view_t *v, pt_crypto_match_t *m);
int pt_crypto_detect_jks(const pt_crypto_view_t *v, pt_crypto_match_t *m);
int pt_crypto_detect_keychain(const pt_crypto_view_t *v, pt_crypto_match_t *m);
int pt_crypto_detect_wallets(const pt_crypto_view_t *v, pt_crypto_match_t *m);
int pt_crypto_detect_bitcoin(const pt_crypto_view_t *v, pt_crypto_match_t *m);

/* CMS/PKCS#7 encrypted content and encrypted e-mail (crypto_mail.c). */
int pt_crypto_detect_cms(const pt_crypto_view_t *v, pt_crypto_match_t *m);
int pt_crypto_detect_mail(const pt_crypto_view_t *v, pt_crypto_match_t *m);

/* Parses a CMS ContentInfo at p (n bytes of an item of total bytes,
 * UINT64_MAX when unknown) into desc.  1: encrypted content, -1: CMS that
 * is not encrypted (signed data around plain content), 0: not CMS. */
int pt_crypto_cms_parse(const uint8_t *p, size_t n, uint64_t total, char *desc, size_t dsize);

/* AxCrypt files and DPAPI-protected secrets (crypto_win.c). */
int pt_crypto_detect_axcrypt(const pt_crypto_view_t *v, pt_crypto_match_t *m);
int pt_crypto_detect_dpapi(const pt_crypto_view_t *v, pt_crypto_match_t *m);

/* 1 when an Excel FILEPASS record's body (len bytes) verifies Excel's
 * published default password (crypto_office.c). */
int pt_crypto_xls_default_password(const uint8_t *filepass, size_t len);

/* Archive and document detectors (crypto_archive.c; compound files in crypto_cfb.c). */
int pt_crypto_detect_zip(const pt_crypto_view_t *v, pt_crypto_match_t *m);
int pt_crypto_detect_7z(const pt_crypto_view_t *v, pt_crypto_match_t *m);
int pt_crypto_detect_rar5(const pt_crypto_view_t *v, pt_crypto_match_t *m);
int pt_crypto_detect_rar4(const pt_crypto_view_t *v, pt_crypto_match_t *m);
int pt_crypto_detect_pdf(const pt_crypto_view_t *v, pt_crypto_match_t *m);
int pt_crypto_detect_cfb(const pt_crypto_view_t *v, pt_crypto_match_t *m);

#endif
