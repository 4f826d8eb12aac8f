/* crypto.c - structural detectors of encrypted formats.  Pure functions over
 * the head/tail buffers the reader kept; owns no state.  A format parser may
 * run long (see design.md): each detector is small and documents the fields
 * it checks.  Every offset read is bounds-checked through at(). */
#include "crypto.h"

#include <lzma.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const pt_crypto_formats[] = {
    "luks1", "luks2", "bitlocker", "dmg-encrypted", "pgp", "age", "openssl-salted",
    "zip-aes", "zip-crypto", "7z-aes", "rar5-encrypted", "rar4-encrypted", "pdf-encrypted",
    "ooxml-encrypted", "kdbx", "kdb", "ssh-key-encrypted", "pem-encrypted", "pkcs8-encrypted", NULL,
};

/* ---- bounded access -------------------------------------------------------- */

/* Pointer to n bytes at absolute offset off, from the head or the tail, or
 * NULL when those bytes were not kept. */
static const uint8_t *at(const pt_crypto_view_t *v, uint64_t off, size_t n)
{
    if (off + n < off)
        return NULL;
    if (off + n <= v->head_len)
        return v->head + off;
    if (v->tail && v->size >= v->tail_len && off >= v->size - v->tail_len && off + n <= v->size)
        return v->tail + (off - (v->size - v->tail_len));
    return NULL;
}

static uint16_t le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t le32(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }
static uint64_t le64(const uint8_t *p) { return le32(p) | (uint64_t)le32(p + 4) << 32; }
static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t be32(const uint8_t *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }
static uint64_t be64(const uint8_t *p) { return (uint64_t)be32(p) << 32 | be32(p + 4); }

/* Copies a NUL-padded fixed field if it is printable ASCII; 0 otherwise. */
static int cstr(const uint8_t *p, size_t n, char *out, size_t out_size)
{
    size_t i;

    for (i = 0; i < n && p[i]; i++)
        if (p[i] < 0x20 || p[i] > 0x7e || i + 1 >= out_size)
            return 0;
    memcpy(out, p, i);
    out[i] = '\0';
    return i > 0;
}

static const uint8_t *find(const uint8_t *hay, size_t n, const void *needle, size_t m)
{
    return m <= n ? memmem(hay, n, needle, m) : NULL;
}

/* Searches the head and then the tail. */
static const uint8_t *find_any(const pt_crypto_view_t *v, const void *needle, size_t m, size_t *left)
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
static size_t text_start(const pt_crypto_view_t *v)
{
    size_t i = 0;

    if (v->head_len >= 3 && memcmp(v->head, "\xef\xbb\xbf", 3) == 0)
        i = 3;
    while (i < v->head_len && i < 256 && (v->head[i] == ' ' || v->head[i] == '\t' || v->head[i] == '\r' ||
                                          v->head[i] == '\n'))
        i++;
    return i;
}

static int starts_text(const pt_crypto_view_t *v, const char *s, size_t *after)
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
static size_t b64_decode(const uint8_t *p, size_t n, uint8_t *out, size_t out_size)
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

#define SET(m, fmt_, enc_, ...)                                   \
    do {                                                          \
        (m)->format = (fmt_);                                     \
        (m)->encrypted = (enc_);                                  \
        snprintf((m)->reason, sizeof (m)->reason, __VA_ARGS__);   \
    } while (0)

/* ---- LUKS ------------------------------------------------------------------ */

static int detect_luks(const pt_crypto_view_t *v, pt_crypto_match_t *m)
{
    const uint8_t *p = at(v, 0, 592);
    char cipher[33], mode[33], hash[33], uuid[41], label[49] = "";

    if (!p || memcmp(p, "LUKS\xba\xbe", 6) != 0)
        return 0;
    if (!cstr(p + 168, 40, uuid, sizeof uuid))
        uuid[0] = '\0';
    if (be16(p + 6) == 1) {
        uint32_t key_bytes = be32(p + 108);
        int i, active = 0;
        if (!cstr(p + 8, 32, cipher, sizeof cipher) || !cstr(p + 40, 32, mode, sizeof mode) ||
            !cstr(p + 72, 32, hash, sizeof hash) || key_bytes == 0 || key_bytes > 128)
            return 0;
        for (i = 0; i < 8; i++) {
            uint32_t st = be32(p + 208 + 48 * i);
            if (st == 0x00AC71F3)
                active++;
            else if (st != 0x0000DEAD)
                return 0; /* not a key slot state: not LUKS1 */
        }
        SET(m, "luks1", 1, "LUKS1 header: cipher %s-%s, %u-bit key, hash %s, %d of 8 key slots active, UUID %s",
            cipher, mode, key_bytes * 8, hash, active, uuid);
        return 1;
    }
    if (be16(p + 6) == 2) {
        uint64_t hdr = be64(p + 8);
        const uint8_t *json, *e;
        size_t jlen;
        int slots = 0;
        if (hdr < 16384 || hdr > 4194304 || (hdr & (hdr - 1)) != 0 || be64(p + 256) != 0 ||
            !cstr(p + 72, 32, hash, sizeof hash))
            return 0;
        cstr(p + 24, 48, label, sizeof label);
        strcpy(cipher, "unknown (JSON area not sampled)");
        if (v->head_len > 4096) {
            json = v->head + 4096;
            jlen = (v->head_len < hdr ? v->head_len : hdr) - 4096;
            if ((e = find(json, jlen, "\"encryption\":\"", 14)) != NULL) {
                size_t i, off = (size_t)(e - json) + 14;
                for (i = 0; i < 32 && off + i < jlen && json[off + i] != '"'; i++)
                    cipher[i] = (char)json[off + i];
                cipher[i] = '\0';
            }
            for (e = json; (e = find(e, jlen - (size_t)(e - json), "\"type\":\"luks2\"", 14)) != NULL; e += 14)
                slots++;
        }
        SET(m, "luks2", 1, "LUKS2 header: cipher %s, %d key slot%s, checksum %s, UUID %s%s%s", cipher, slots,
            slots == 1 ? "" : "s", hash, uuid, label[0] ? ", label " : "", label);
        return 1;
    }
    return 0;
}

/* ---- BitLocker ----------------------------------------------------------------- */

static const uint8_t bitlocker_guid[16] = { 0x3b, 0xd6, 0x67, 0x49, 0x29, 0x2e, 0xd8, 0x4a,
                                            0x83, 0x99, 0xf6, 0xa3, 0x39, 0xe3, 0xd0, 0x01 };

static int detect_bitlocker(const pt_crypto_view_t *v, pt_crypto_match_t *m)
{
    const uint8_t *p = at(v, 0, 512);
    unsigned bps;

    if (!p || p[510] != 0x55 || p[511] != 0xaa)
        return 0;
    bps = le16(p + 11);
    if (bps != 512 && bps != 1024 && bps != 2048 && bps != 4096)
        return 0;
    if (memcmp(p + 3, "-FVE-FS-", 8) == 0) {
        SET(m, "bitlocker", 1, "BitLocker volume boot record (-FVE-FS-), %u bytes per sector, FVE metadata at "
            "offset %llu", bps, (unsigned long long)le64(p + 0x1b0));
        return 1;
    }
    if (memcmp(p + 0x1a8, bitlocker_guid, 16) == 0 || memcmp(p + 0xa0, bitlocker_guid, 16) == 0) {
        SET(m, "bitlocker", 1, "BitLocker To Go volume (BitLocker GUID in the boot record), %u bytes per sector",
            bps);
        return 1;
    }
    return 0;
}

/* ---- encrypted disk images (Apple) ------------------------------------------------ */

static int detect_dmg(const pt_crypto_view_t *v, pt_crypto_match_t *m)
{
    const uint8_t *p = at(v, 0, 12), *t = v->size >= 8 ? at(v, v->size - 8, 8) : NULL;

    if (p && memcmp(p, "encrcdsa", 8) == 0 && be32(p + 8) >= 1 && be32(p + 8) <= 2) {
        SET(m, "dmg-encrypted", 1, "encrypted Apple disk image (encrcdsa header, version %u)", be32(p + 8));
        return 1;
    }
    if (t && memcmp(t, "cdsaencr", 8) == 0) {
        SET(m, "dmg-encrypted", 1, "encrypted Apple disk image (cdsaencr trailer, version 1)");
        return 1;
    }
    return 0;
}

/* ---- OpenPGP ------------------------------------------------------------------- */

typedef struct pgp_pkt {
    int tag;
    size_t hdr, body; /* header length; body length (what is known of it) */
} pgp_pkt_t;

static int pgp_header(const uint8_t *p, size_t n, pgp_pkt_t *k)
{
    if (n < 2 || !(p[0] & 0x80))
        return 0;
    if (p[0] & 0x40) { /* new format */
        k->tag = p[0] & 0x3f;
        if (p[1] < 192) {
            k->hdr = 2;
            k->body = p[1];
        } else if (p[1] < 224) {
            if (n < 3)
                return 0;
            k->hdr = 3;
            k->body = ((size_t)(p[1] - 192) << 8) + p[2] + 192;
        } else if (p[1] == 255) {
            if (n < 6)
                return 0;
            k->hdr = 6;
            k->body = be32(p + 2);
        } else { /* partial length: a streamed packet */
            k->hdr = 2;
            k->body = (size_t)1 << (p[1] & 0x1f);
        }
    } else { /* old format */
        k->tag = (p[0] >> 2) & 0x0f;
        switch (p[0] & 3) {
        case 0: k->hdr = 2; k->body = p[1]; break;
        case 1: if (n < 3) return 0; k->hdr = 3; k->body = be16(p + 1); break;
        case 2: if (n < 5) return 0; k->hdr = 5; k->body = be32(p + 1); break;
        default: k->hdr = 1; k->body = SIZE_MAX; break;
        }
    }
    return k->tag > 0;
}

static const char *pgp_pk_algo(int a)
{
    switch (a) {
    case 1: case 2: return "RSA";
    case 16: return "Elgamal";
    case 18: return "ECDH";
    case 25: return "X25519";
    case 26: return "X448";
    default: return NULL;
    }
}

static const char *pgp_cipher(int a)
{
    static const char *const names[] = { NULL, "IDEA", "3DES", "CAST5", "Blowfish", NULL, NULL,
                                         "AES-128", "AES-192", "AES-256", "Twofish", "Camellia-128",
                                         "Camellia-192", "Camellia-256" };
    return a > 0 && a < 14 ? names[a] : NULL;
}

/* Checks one encryption-related packet body; writes a description. */
static int pgp_packet_ok(const uint8_t *b, size_t n, int tag, char *desc, size_t dsize)
{
    switch (tag) {
    case 1: /* public-key encrypted session key */
        if (n >= 10 && b[0] == 3 && pgp_pk_algo(b[9])) {
            snprintf(desc, dsize, "public-key encrypted session key (%s, key ID %016llX)", pgp_pk_algo(b[9]),
                     (unsigned long long)be64(b + 1));
            return 1;
        }
        if (n >= 3 && b[0] == 6) {
            snprintf(desc, dsize, "public-key encrypted session key (v6)");
            return 1;
        }
        return 0;
    case 3: /* symmetric-key encrypted session key */
        if (n >= 3 && b[0] == 4 && pgp_cipher(b[1]) && (b[2] == 0 || b[2] == 1 || b[2] == 3)) {
            snprintf(desc, dsize, "passphrase-encrypted session key (%s, S2K type %d)", pgp_cipher(b[1]), b[2]);
            return 1;
        }
        if (n >= 4 && (b[0] == 5 || b[0] == 6) && pgp_cipher(b[b[0] == 6 ? 2 : 1])) {
            snprintf(desc, dsize, "passphrase-encrypted session key (v%d)", b[0]);
            return 1;
        }
        return 0;
    case 18: /* symmetrically encrypted integrity-protected data */
        if (n >= 1 && (b[0] == 1 || b[0] == 2)) {
            snprintf(desc, dsize, "encrypted integrity-protected data (v%d)", b[0]);
            return 1;
        }
        return 0;
    case 20: /* AEAD encrypted data */
        if (n >= 2 && b[0] == 1 && pgp_cipher(b[1])) {
            snprintf(desc, dsize, "AEAD encrypted data (%s)", pgp_cipher(b[1]));
            return 1;
        }
        return 0;
    case 9: /* symmetrically encrypted data, no integrity protection */
        snprintf(desc, dsize, "encrypted data without integrity protection");
        return 1;
    default:
        return 0;
    }
}

/* Parses up to two packets of an OpenPGP byte stream.  Returns 1 when the
 * stream is an encrypted message, -1 when it is an OpenPGP stream of another
 * kind (signed, compressed, keys), 0 when it is not OpenPGP. */
static int pgp_stream(const uint8_t *p, size_t n, int strict, char *desc, size_t dsize)
{
    pgp_pkt_t k, k2;
    char d1[128], d2[128];

    if (!pgp_header(p, n, &k))
        return 0;
    if (k.tag == 1 || k.tag == 3 || k.tag == 18 || k.tag == 20 || (k.tag == 9 && !strict)) {
        size_t avail = n - k.hdr < k.body ? n - k.hdr : k.body;
        if (k.hdr > n || !pgp_packet_ok(p + k.hdr, avail, k.tag, d1, sizeof d1))
            return 0;
        /* Binary data without armour must show a second packet (or end) to
         * rule out a chance match in random bytes. */
        if (k.body != SIZE_MAX && k.hdr + k.body < n) {
            const uint8_t *q = p + k.hdr + k.body;
            size_t m = n - k.hdr - k.body;
            if (!pgp_header(q, m, &k2) || k2.hdr > m ||
                !pgp_packet_ok(q + k2.hdr, m - k2.hdr < k2.body ? m - k2.hdr : k2.body, k2.tag, d2, sizeof d2))
                return 0;
            snprintf(desc, dsize, "%.90s, then %.90s", d1, d2);
        } else if (strict && k.tag != 18 && k.tag != 20 && k.tag != 9) {
            return 0; /* a lone session-key packet is not a message */
        } else {
            snprintf(desc, dsize, "%s", d1);
        }
        return 1;
    }
    if (k.tag == 8 || k.tag == 4 || k.tag == 2 || k.tag == 11 || k.tag == 6 || k.tag == 5) {
        snprintf(desc, dsize, "first packet tag %d (%s)", k.tag,
                 k.tag == 8 ? "compressed data" : k.tag == 11 ? "literal data" : k.tag == 6 || k.tag == 5 ? "key" : "signature");
        return -1;
    }
    return 0;
}

static int detect_pgp(const pt_crypto_view_t *v, pt_crypto_match_t *m)
{
    char desc[200];
    size_t after;
    int r;

    if (starts_text(v, "-----BEGIN PGP MESSAGE-----", &after)) {
        /* armour headers ("Version: ...") end at the first empty line */
        const uint8_t *body = find(v->head + after, v->head_len - after, "\n\n", 2);
        const uint8_t *body_crlf = find(v->head + after, v->head_len - after, "\r\n\r\n", 4);
        uint8_t bin[512];
        size_t n;
        if (body_crlf && (!body || body_crlf < body))
            body = body_crlf + 2;
        if (!body) {
            SET(m, "pgp", 1, "armoured OpenPGP message (body not in the sampled head)");
            return 1;
        }
        body += 2;
        n = b64_decode(body, v->head_len - (size_t)(body - v->head), bin, sizeof bin);
        r = pgp_stream(bin, n, 0, desc, sizeof desc);
        if (r > 0)
            SET(m, "pgp", 1, "armoured OpenPGP message: %s", desc);
        else if (r < 0)
            SET(m, "pgp", 0, "armoured OpenPGP message, not encrypted: %s", desc);
        else
            SET(m, "pgp", 1, "armoured OpenPGP message (packets not decodable)");
        return 1;
    }
    r = pgp_stream(v->head, v->head_len, 1, desc, sizeof desc);
    if (r > 0) {
        SET(m, "pgp", 1, "OpenPGP message: %s", desc);
        return 1;
    }
    return 0;
}

/* ---- age, OpenSSL ------------------------------------------------------------------ */

static int detect_age(const pt_crypto_view_t *v, pt_crypto_match_t *m)
{
    static const char hdr[] = "age-encryption.org/v1\n-> ";
    char kind[32] = "";
    size_t i;

    if (starts_text(v, "-----BEGIN AGE ENCRYPTED FILE-----", NULL)) {
        SET(m, "age", 1, "armoured age encrypted file");
        return 1;
    }
    if (v->head_len < sizeof hdr - 1 || memcmp(v->head, hdr, sizeof hdr - 1) != 0)
        return 0;
    for (i = 0; i + 1 < sizeof kind && sizeof hdr - 1 + i < v->head_len; i++) {
        uint8_t c = v->head[sizeof hdr - 1 + i];
        if (c == ' ' || c == '\n' || c < 0x21 || c > 0x7e)
            break;
        kind[i] = (char)c;
    }
    kind[i] = '\0';
    SET(m, "age", 1, "age v1 encrypted file, first recipient stanza %s", kind[0] ? kind : "(unknown)");
    return 1;
}

static int detect_openssl(const pt_crypto_view_t *v, pt_crypto_match_t *m)
{
    if (v->head_len >= 16 && v->size >= 17 && memcmp(v->head, "Salted__", 8) == 0) {
        SET(m, "openssl-salted", 1, "OpenSSL enc salted header (Salted__ + 8-byte salt), %llu bytes of ciphertext",
            (unsigned long long)(v->size - 16));
        return 1;
    }
    if (starts_text(v, "U2FsdGVkX1", NULL)) {
        SET(m, "openssl-salted", 1, "base64 of an OpenSSL enc salted file (U2FsdGVkX1 = \"Salted__\")");
        return 1;
    }
    return 0;
}

/* ---- ZIP ---------------------------------------------------------------------------- */

typedef struct zip_count {
    unsigned entries, crypto, aes, aes_bits;
} zip_count_t;

static void zip_entry(zip_count_t *c, unsigned flags, unsigned method, const uint8_t *extra, size_t elen)
{
    size_t i = 0;

    c->entries++;
    if (!(flags & 1))
        return;
    if (method != 99) {
        c->crypto++;
        return;
    }
    c->aes++;
    while (i + 4 <= elen) { /* AE-x extra field 0x9901: strength 1/2/3 */
        unsigned id = le16(extra + i), len = le16(extra + i + 2);
        if (id == 0x9901 && len >= 7 && i + 4 + 7 <= elen) {
            unsigned s = extra[i + 4 + 4];
            c->aes_bits = s == 1 ? 128 : s == 2 ? 192 : s == 3 ? 256 : 0;
        }
        i += 4 + len;
    }
}

static int detect_zip(const pt_crypto_view_t *v, pt_crypto_match_t *m)
{
    zip_count_t c = { 0, 0, 0, 0 };
    const uint8_t *p;
    uint64_t off;
    const char *where = "central directory";

    if (v->head_len < 4 || (memcmp(v->head, "PK\x03\x04", 4) != 0 && memcmp(v->head, "PK\x05\x06", 4) != 0))
        return 0;
    /* The central directory lists every entry: find the end record in the
     * tail and walk the directory if it was kept. */
    if (v->tail && v->tail_len >= 22) {
        size_t i = v->tail_len - 22;
        for (;; i--) {
            if (memcmp(v->tail + i, "PK\x05\x06", 4) == 0) {
                const uint8_t *e = v->tail + i;
                uint64_t cd = le32(e + 16), cd_size = le32(e + 12), end;
                unsigned total = le16(e + 10), k;
                if (cd != 0xffffffffu && cd + cd_size <= v->size && at(v, cd, (size_t)cd_size)) {
                    end = cd + cd_size;
                    for (k = 0, off = cd; k < total && off + 46 <= end; k++) {
                        size_t nl, el, cl;
                        if (!(p = at(v, off, 46)) || memcmp(p, "PK\x01\x02", 4) != 0)
                            break;
                        nl = le16(p + 28), el = le16(p + 30), cl = le16(p + 32);
                        if (!(p = at(v, off, 46 + nl + el)))
                            break;
                        zip_entry(&c, le16(p + 8), le16(p + 10), p + 46 + nl, el);
                        off += 46 + nl + el + cl;
                    }
                }
                break;
            }
            if (i == 0 || v->tail_len - i > 65557)
                break;
        }
    }
    if (c.entries == 0) {
        /* fall back to the local headers in the head */
        where = "local headers";
        for (off = 0; (p = at(v, off, 30)) != NULL && memcmp(p, "PK\x03\x04", 4) == 0;) {
            size_t nl = le16(p + 26), el = le16(p + 28);
            unsigned flags = le16(p + 6);
            uint64_t csize = le32(p + 18);
            if (!(p = at(v, off, 30 + nl + el)))
                break;
            zip_entry(&c, flags, le16(p + 8), p + 30 + nl, el);
            if ((flags & 8) && csize == 0)
                break; /* size in a data descriptor: cannot skip */
            off += 30 + nl + el + csize;
        }
    }
    if (c.entries == 0)
        return 0;
    if (c.aes)
        SET(m, "zip-aes", 1, "ZIP: %u of %u entries (%s) encrypted with WinZip AES%s%u", c.aes + c.crypto, c.entries,
            where, c.aes_bits ? "-" : "", c.aes_bits);
    else if (c.crypto)
        SET(m, "zip-crypto", 1, "ZIP: %u of %u entries (%s) encrypted with traditional PKWARE encryption", c.crypto,
            c.entries, where);
    else
        SET(m, "zip", 0, "ZIP: %u entries (%s), none encrypted", c.entries, where);
    if (m->reason[strlen(m->reason) - 1] == '0') /* "AES0": strength unknown */
        m->reason[strlen(m->reason) - 1] = '\0';
    return 1;
}

/* ---- 7z ------------------------------------------------------------------------------ */

static const uint8_t sz_aes_id[4] = { 0x06, 0xf1, 0x07, 0x01 };

/* 7z's variable-length integer.  Returns 0 when it runs past end. */
static int sz_num(const uint8_t **p, const uint8_t *end, uint64_t *out)
{
    uint8_t first, mask = 0x80;
    uint64_t v = 0;
    int i;

    if (*p >= end)
        return 0;
    first = *(*p)++;
    for (i = 0; i < 8; i++) {
        if (!(first & mask)) {
            uint64_t high = first & (mask - 1u);
            v |= high << (8 * i);
            *out = v;
            return 1;
        }
        if (*p >= end)
            return 0;
        v |= (uint64_t)*(*p)++ << (8 * i);
        mask >>= 1;
    }
    *out = v;
    return 1;
}

/* An encoded (LZMA-compressed) 7z header hides the coders of the files;
 * decodes it (bounded) and reports whether the AES coder appears in it. */
static int sz_encoded_header_has_aes(const pt_crypto_view_t *v, const uint8_t *h, size_t hn, int *decoded)
{
    const uint8_t *p = h + 1, *end = h + hn, *props = NULL, *pk;
    uint64_t pack_pos, nstreams, pack_size = 0, x, unpack = 0, id_size, nprops = 0;
    lzma_filter filters[2];
    lzma_stream s = LZMA_STREAM_INIT;
    uint8_t *out;
    int found = 0;

    *decoded = 0;
    if (p >= end || *p++ != 0x06 || !sz_num(&p, end, &pack_pos) || !sz_num(&p, end, &nstreams) || nstreams != 1)
        return 0;
    if (p >= end || *p++ != 0x09 || !sz_num(&p, end, &pack_size))
        return 0;
    while (p < end && *p != 0x00 && *p != 0x07)
        p++; /* optional CRCs of the pack info */
    if (p < end && *p == 0x00)
        p++;
    if (p + 4 > end || *p++ != 0x07 || *p++ != 0x0b || !sz_num(&p, end, &x) || x != 1 || *p++ != 0)
        return 0;
    if (!sz_num(&p, end, &x) || x != 1 || p >= end) /* one coder */
        return 0;
    id_size = *p & 0x0f;
    if (*p & 0x10) /* complex coder: not the plain LZMA case */
        return 0;
    nprops = (*p & 0x20) ? 1 : 0;
    p++;
    if (p + id_size > end || id_size != 3 || memcmp(p, "\x03\x01\x01", 3) != 0)
        return 0;
    p += id_size;
    if (nprops) {
        if (!sz_num(&p, end, &nprops) || nprops != 5 || p + 5 > end)
            return 0;
        props = p;
        p += 5;
    }
    if (!props || p >= end || *p++ != 0x0c || !sz_num(&p, end, &unpack) || unpack == 0 || unpack > (1u << 24))
        return 0;
    if (pack_size == 0 || pack_size > (1u << 24) || !(pk = at(v, 32 + pack_pos, (size_t)pack_size)))
        return 0;
    filters[0].id = LZMA_FILTER_LZMA1;
    filters[1].id = LZMA_VLI_UNKNOWN;
    if (lzma_properties_decode(&filters[0], NULL, props, 5) != LZMA_OK)
        return 0;
    if (lzma_raw_decoder(&s, filters) != LZMA_OK || !(out = malloc((size_t)unpack))) {
        free(filters[0].options);
        lzma_end(&s);
        return 0;
    }
    s.next_in = pk;
    s.avail_in = (size_t)pack_size;
    s.next_out = out;
    s.avail_out = (size_t)unpack;
    /* an error after some output still shows the coders decoded so far */
    if (lzma_code(&s, LZMA_RUN) != LZMA_MEM_ERROR && s.total_out > 0) {
        *decoded = 1;
        found = find(out, (size_t)s.total_out, sz_aes_id, 4) != NULL;
    }
    free(out);
    free(filters[0].options);
    lzma_end(&s);
    return found;
}

static int detect_7z(const pt_crypto_view_t *v, pt_crypto_match_t *m)
{
    const uint8_t *p = at(v, 0, 32), *h;
    uint64_t off, size;

    if (!p || memcmp(p, "7z\xbc\xaf\x27\x1c", 6) != 0 || p[6] != 0)
        return 0;
    off = le64(p + 12);
    size = le64(p + 20);
    if (size == 0 || size > (1u << 24) || 32 + off + size > v->size || !(h = at(v, 32 + off, (size_t)size))) {
        /* header not sampled: say what is known */
        return 0;
    }
    if (h[0] == 0x17) {
        int decoded = 0;
        if (find(h, (size_t)size, sz_aes_id, 4)) {
            SET(m, "7z-aes", 1, "7z: archive header encrypted with AES-256 (file names hidden, -mhe)");
            return 1;
        }
        if (sz_encoded_header_has_aes(v, h, (size_t)size, &decoded)) {
            SET(m, "7z-aes", 1, "7z: file data encrypted with AES-256 (coder listed in the compressed header)");
            return 1;
        }
        if (decoded) {
            SET(m, "7z", 0, "7z: compressed header decoded, no AES coder");
            return 1;
        }
        return 0;
    }
    if (h[0] == 0x01) {
        if (find(h, (size_t)size, sz_aes_id, 4))
            SET(m, "7z-aes", 1, "7z: file data encrypted with AES-256 (names visible)");
        else
            SET(m, "7z", 0, "7z: header lists no AES coder");
        return 1;
    }
    return 0;
}

/* ---- RAR ------------------------------------------------------------------------------- */

static int rar_vint(const uint8_t **p, const uint8_t *end, uint64_t *out)
{
    uint64_t v = 0;
    int shift = 0;

    while (*p < end && shift < 64) {
        uint8_t b = *(*p)++;
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *out = v;
            return 1;
        }
        shift += 7;
    }
    return 0;
}

static int detect_rar5(const pt_crypto_view_t *v, pt_crypto_match_t *m)
{
    uint64_t off = 8;
    int blocks, files = 0;

    if (v->head_len < 8 || memcmp(v->head, "Rar!\x1a\x07\x01\x00", 8) != 0)
        return 0;
    for (blocks = 0; blocks < 64; blocks++) {
        const uint8_t *p = at(v, off, 4), *q, *end;
        uint64_t hsize, type, hflags, extra = 0, data = 0;
        if (!p)
            break;
        q = p + 4;
        end = v->head + v->head_len;
        if (off >= v->head_len || !rar_vint(&q, end, &hsize) || hsize > (1u << 21) ||
            (size_t)(q - v->head) + hsize > v->head_len)
            break;
        end = q + hsize;
        if (!rar_vint(&q, end, &type) || !rar_vint(&q, end, &hflags))
            break;
        if (type == 4) {
            SET(m, "rar5-encrypted", 1, "RAR5 archive encryption header: file names and data encrypted");
            return 1;
        }
        if ((hflags & 1) && !rar_vint(&q, end, &extra))
            break;
        if ((hflags & 2) && !rar_vint(&q, end, &data))
            break;
        if (type == 2 && extra > 0 && extra <= hsize) {
            /* extra area: records of (size, type); type 1 is encryption */
            const uint8_t *r = end - extra;
            files++;
            while (r < end) {
                uint64_t rsize, rtype;
                const uint8_t *rs = r;
                if (!rar_vint(&r, end, &rsize) || rsize == 0 || r + rsize > end)
                    break;
                rs = r;
                if (!rar_vint(&r, end, &rtype))
                    break;
                if (rtype == 1) {
                    SET(m, "rar5-encrypted", 1, "RAR5: file data encrypted (file encryption record)");
                    return 1;
                }
                r = rs + rsize;
            }
        } else if (type == 2) {
            files++;
        }
        if (type == 5)
            break; /* end of archive */
        off = (uint64_t)(end - v->head) + data;
    }
    if (files) {
        SET(m, "rar5", 0, "RAR5: %d file headers, no encryption record", files);
        return 1;
    }
    return 0;
}

static int detect_rar4(const pt_crypto_view_t *v, pt_crypto_match_t *m)
{
    uint64_t off = 7;
    int blocks, files = 0;

    if (v->head_len < 7 || memcmp(v->head, "Rar!\x1a\x07\x00", 7) != 0)
        return 0;
    for (blocks = 0; blocks < 256; blocks++) {
        const uint8_t *p = at(v, off, 7);
        unsigned type, flags, hsize;
        uint64_t add = 0;
        if (!p)
            break;
        type = p[2];
        flags = le16(p + 3);
        hsize = le16(p + 5);
        if (hsize < 7)
            break;
        if (type == 0x73 && (flags & 0x0080)) {
            SET(m, "rar4-encrypted", 1, "RAR4 main header: archive headers encrypted (file names hidden)");
            return 1;
        }
        if (type == 0x74) {
            files++;
            if (flags & 0x0004) {
                SET(m, "rar4-encrypted", 1, "RAR4 file header: file data encrypted");
                return 1;
            }
        }
        if ((flags & 0x8000) || type == 0x74) {
            const uint8_t *q = at(v, off + 7, 4);
            if (!q)
                break;
            add = le32(q);
        }
        if (type == 0x7b)
            break;
        off += hsize + add;
    }
    if (files) {
        SET(m, "rar4", 0, "RAR4: %d file headers, none encrypted", files);
        return 1;
    }
    return 0;
}

/* ---- PDF ----------------------------------------------------------------------------- */

/* The integer after the first occurrence of key that is followed by one
 * (e.g. "/V 5", not "/Version"). */
static int pdf_int_after(const uint8_t *p, size_t n, const char *key, long *out)
{
    size_t kl = strlen(key), start = 0;
    const uint8_t *k;

    while ((k = find(p + start, n - start, key, kl)) != NULL) {
        size_t i = (size_t)(k - p) + kl;
        long val = 0;
        int digits = 0;
        while (i < n && (p[i] == ' ' || p[i] == '\r' || p[i] == '\n'))
            i++;
        while (i < n && p[i] >= '0' && p[i] <= '9' && digits < 9)
            val = val * 10 + (p[i++] - '0'), digits++;
        if (digits) {
            *out = val;
            return 1;
        }
        start = (size_t)(k - p) + kl;
    }
    return 0;
}

static int detect_pdf(const pt_crypto_view_t *v, pt_crypto_match_t *m)
{
    const uint8_t *k = NULL, *bufs[2] = { v->head, v->tail };
    size_t lens[2] = { v->head_len, v->tail ? v->tail_len : 0 }, b;
    const char *handler = "handler not in the sampled head and tail";
    char desc[96];

    if (v->head_len < 8 || !find(v->head, v->head_len < 1024 ? v->head_len : 1024, "%PDF-", 5))
        return 0;
    for (b = 0; b < 2 && !k; b++) {
        const uint8_t *p = bufs[b], *end = p + lens[b];
        while (p && (p = find(p, (size_t)(end - p), "/Encrypt", 8)) != NULL) {
            uint8_t c = p + 8 < end ? p[8] : ' ';
            if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))) { /* not /EncryptMetadata */
                k = p;
                break;
            }
            p += 8;
        }
    }
    if (!k)
        return 0;
    /* the encryption dictionary: /Filter /Standard /V n /R n [/CFM /AESV2|3] */
    for (b = 0; b < 2; b++) {
        const uint8_t *f = bufs[b] ? find(bufs[b], lens[b], "/Standard", 9) : NULL;
        long V = -1, R = -1, len = 40;
        if (!f)
            continue;
        {
            size_t start = (size_t)(f - bufs[b]) > 512 ? (size_t)(f - bufs[b]) - 512 : 0;
            size_t n = lens[b] - start < 1536 ? lens[b] - start : 1536;
            const uint8_t *d = bufs[b] + start;
            pdf_int_after(d, n, "/V", &V);
            pdf_int_after(d, n, "/R", &R);
            pdf_int_after(d, n, "/Length", &len);
            if (find(d, n, "/AESV3", 6) || V == 5)
                handler = "AES-256";
            else if (find(d, n, "/AESV2", 6))
                handler = "AES-128";
            else if (V == 1 || V == 2 || V == 4) {
                snprintf(desc, sizeof desc, "RC4-%ld", V == 1 ? 40L : len);
                handler = desc;
            } else
                handler = "Standard handler, unknown version";
            SET(m, "pdf-encrypted", 1, "PDF /Encrypt dictionary: Standard security handler V%ld R%ld, %s", V, R,
                handler);
            return 1;
        }
    }
    SET(m, "pdf-encrypted", 1, "PDF /Encrypt entry in the trailer (%s)", handler);
    return 1;
}

/* ---- OLE2 / CFB: encrypted Office Open XML ---------------------------------------------- */

static int detect_cfb(const pt_crypto_view_t *v, pt_crypto_match_t *m)
{
    static const uint8_t sig[8] = { 0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1 };
    static const uint8_t pkg[] = { 'E', 0, 'n', 0, 'c', 0, 'r', 0, 'y', 0, 'p', 0, 't', 0, 'e', 0, 'd', 0,
                                   'P', 0, 'a', 0, 'c', 0, 'k', 0, 'a', 0, 'g', 0, 'e', 0 };
    static const uint8_t info[] = { 'E', 0, 'n', 0, 'c', 0, 'r', 0, 'y', 0, 'p', 0, 't', 0, 'i', 0, 'o', 0,
                                    'n', 0, 'I', 0, 'n', 0, 'f', 0, 'o', 0 };
    size_t left;
    const uint8_t *p = at(v, 0, 512);

    if (!p || memcmp(p, sig, 8) != 0 || (le16(p + 30) != 9 && le16(p + 30) != 12))
        return 0;
    if (find_any(v, pkg, sizeof pkg, &left) && find_any(v, info, sizeof info, &left)) {
        SET(m, "ooxml-encrypted", 1, "OLE2 compound file with EncryptionInfo and EncryptedPackage streams "
            "(password-protected Office Open XML)");
        return 1;
    }
    return 0;
}

/* ---- KeePass ----------------------------------------------------------------------------- */

static int detect_keepass(const pt_crypto_view_t *v, pt_crypto_match_t *m)
{
    const uint8_t *p = at(v, 0, 12);
    uint32_t s2;

    if (!p || le32(p) != 0x9AA2D903u)
        return 0;
    s2 = le32(p + 4);
    if (s2 == 0xB54BFB67u || s2 == 0xB54BFB66u) {
        unsigned major = le16(p + 10), minor = le16(p + 8);
        if (major < 2 || major > 4)
            return 0;
        SET(m, "kdbx", 1, "KeePass KDBX %u.%u database (always encrypted)", major, minor);
        return 1;
    }
    if (s2 == 0xB54BFB65u) {
        SET(m, "kdb", 1, "KeePass 1.x KDB database (always encrypted)");
        return 1;
    }
    return 0;
}

/* ---- private keys ------------------------------------------------------------------------ */

static int detect_keys(const pt_crypto_view_t *v, pt_crypto_match_t *m)
{
    size_t after, n;
    uint8_t bin[256];

    if (starts_text(v, "-----BEGIN OPENSSH PRIVATE KEY-----", &after)) {
        char cipher[33] = "?", kdf[33] = "?";
        n = b64_decode(v->head + after, v->head_len - after, bin, sizeof bin);
        if (n >= 15 + 8 && memcmp(bin, "openssh-key-v1", 15) == 0) {
            uint32_t cl = be32(bin + 15), kl;
            if (cl < 32 && 19 + cl + 4 <= n) {
                memcpy(cipher, bin + 19, cl);
                cipher[cl] = '\0';
                kl = be32(bin + 19 + cl);
                if (kl < 32 && 23 + cl + kl <= n) {
                    memcpy(kdf, bin + 23 + cl, kl);
                    kdf[kl] = '\0';
                }
            }
        }
        if (strcmp(cipher, "none") == 0)
            SET(m, "ssh-key", 0, "OpenSSH private key, not encrypted (cipher none)");
        else
            SET(m, "ssh-key-encrypted", 1, "OpenSSH private key, cipher %s, KDF %s", cipher, kdf);
        return 1;
    }
    if (starts_text(v, "-----BEGIN ENCRYPTED PRIVATE KEY-----", NULL)) {
        SET(m, "pkcs8-encrypted", 1, "PKCS#8 encrypted private key (PEM)");
        return 1;
    }
    if (starts_text(v, "-----BEGIN RSA PRIVATE KEY-----", &after) ||
        starts_text(v, "-----BEGIN DSA PRIVATE KEY-----", &after) ||
        starts_text(v, "-----BEGIN EC PRIVATE KEY-----", &after)) {
        size_t lim = v->head_len - after < 256 ? v->head_len - after : 256;
        const uint8_t *dek = find(v->head + after, lim, "DEK-Info: ", 10);
        if (find(v->head + after, lim, "Proc-Type: 4,ENCRYPTED", 22)) {
            char alg[40] = "?";
            size_t i;
            for (i = 0; dek && i + 1 < sizeof alg && dek + 10 + i < v->head + v->head_len && dek[10 + i] != ',' &&
                        dek[10 + i] != '\n'; i++)
                alg[i] = (char)dek[10 + i];
            if (dek)
                alg[i] = '\0';
            SET(m, "pem-encrypted", 1, "PEM private key, Proc-Type 4,ENCRYPTED, DEK-Info %s", alg);
        } else {
            SET(m, "pem-key", 0, "PEM private key, not encrypted");
        }
        return 1;
    }
    if (starts_text(v, "PuTTY-User-Key-File-", &after)) {
        const uint8_t *e = find(v->head, v->head_len < 512 ? v->head_len : 512, "Encryption: ", 12);
        if (e && (size_t)(e - v->head) + 16 <= v->head_len && memcmp(e + 12, "none", 4) != 0)
            SET(m, "ssh-key-encrypted", 1, "PuTTY private key, encrypted");
        else
            SET(m, "ssh-key", 0, "PuTTY private key, not encrypted");
        return 1;
    }
    return 0;
}

/* ---- the table ----------------------------------------------------------------------------- */

static int (*const detectors[])(const pt_crypto_view_t *, pt_crypto_match_t *) = {
    detect_luks, detect_bitlocker, detect_dmg, detect_age, detect_openssl, detect_keepass, detect_keys,
    detect_pgp, detect_zip, detect_7z, detect_rar5, detect_rar4, detect_pdf, detect_cfb,
};

int pt_crypto_detect(const pt_crypto_view_t *v, pt_crypto_match_t *m)
{
    size_t i;

    memset(m, 0, sizeof *m);
    if (!v->head || v->head_len == 0)
        return 0;
    for (i = 0; i < sizeof detectors / sizeof detectors[0]; i++)
        if (detectors[i](v, m))
            return 1;
    return 0;
}
