/* crypto_win.c - Windows encryption that leaves a header: AxCrypt files and
 * DPAPI-protected secrets (Credential Manager files, master keys, and the
 * hex blobs PowerShell, Remote Desktop and Wi-Fi profiles write).  Pure
 * functions over the head the reader kept, like the other detectors. */
#include <ctype.h>

#include "crypto_int.h"

/* ---- AxCrypt --------------------------------------------------------------------------- */

/* AxCrypt 1 and 2 (.axx): the GUID {2E07B9C0-934F-46F1-A015-792CA1D9E821},
 * then header blocks of a 32-bit length (the block's own five bytes
 * included) and a type: first the preamble (type 2, a 16-byte HMAC), then
 * the version (type 3: file format major, minor, program major, minor,
 * minuscule). */
static const uint8_t axcrypt_guid[16] = { 0xc0, 0xb9, 0x07, 0x2e, 0x4f, 0x93, 0xf1, 0x46,
                                          0xa0, 0x15, 0x79, 0x2c, 0xa1, 0xd9, 0xe8, 0x21 };

int pt_crypto_detect_axcrypt(const pt_crypto_view_t *v, pt_crypto_match_t *m)
{
    const uint8_t *p = at(v, 0, 16 + 21 + 10);

    if (!p || memcmp(p, axcrypt_guid, 16) != 0 || le32(p + 16) != 21 || p[20] != 2)
        return 0;
    if (le32(p + 37) != 10 || p[41] != 3)
        return 0;
    SET(m, "axcrypt", 1, "AxCrypt encrypted file, format %u.%u (%s), written by AxCrypt %u.%u.%u", p[42], p[43],
        p[42] >= 4 ? "AxCrypt 2: AES-256" : "AxCrypt 1: AES-128", p[44], p[45], p[46]);
    return 1;
}

/* ---- DPAPI ------------------------------------------------------------------------------ */

/* A DPAPI blob opens with version 1 and the provider GUID
 * {DF9D8CD0-1501-11D1-8C7A-00C04FC297EB}. */
static const uint8_t dpapi_hdr[20] = { 0x01, 0x00, 0x00, 0x00, 0xd0, 0x8c, 0x9d, 0xdf, 0x01, 0x15,
                                       0xd1, 0x11, 0x8c, 0x7a, 0x00, 0xc0, 0x4f, 0xc2, 0x97, 0xeb };

static const char *cipher_name(uint32_t alg)
{
    switch (alg) {
    case 0x6603: return "3DES";
    case 0x660e: return "AES-128";
    case 0x660f: return "AES-192";
    case 0x6610: return "AES-256";
    default: return NULL;
    }
}

static const char *hash_name(uint32_t alg)
{
    switch (alg) {
    case 0x8004: return "SHA-1";
    case 0x8009: return "HMAC-SHA-1";
    case 0x800c: return "SHA-256";
    case 0x800d: return "SHA-384";
    case 0x800e: return "SHA-512";
    default: return NULL;
    }
}

typedef struct dpapi_blob {
    char master_key[40];   /* the master key's GUID */
    char desc[64];         /* the description, ASCII where it is */
    const char *cipher, *hash;
} dpapi_blob_t;

static void guid_str(const uint8_t *g, char *out)
{
    snprintf(out, 40, "%08x-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x", le32(g), le16(g + 4), le16(g + 6), g[8],
             g[9], g[10], g[11], g[12], g[13], g[14], g[15]);
}

/* Checks the fields of a blob at p (n bytes available) up to its hash
 * algorithm: master key version 1, a description of sane length, a known
 * cipher and hash, salt and HMAC key lengths a blob has. */
static int dpapi_parse(const uint8_t *p, size_t n, dpapi_blob_t *b)
{
    size_t o = 20, desc_len, i, k;
    uint32_t salt, hmac;

    if (n < 60 || memcmp(p, dpapi_hdr, 20) != 0 || le32(p + 20) != 1)
        return 0;
    guid_str(p + 24, b->master_key);
    o = 20 + 4 + 16 + 4;
    desc_len = le32(p + o);
    o += 4;
    if (desc_len % 2 || desc_len > 1024 || o + desc_len + 12 > n)
        return 0;
    for (i = k = 0; i + 1 < desc_len && k + 1 < sizeof b->desc; i += 2)
        if (p[o + i] && !p[o + i + 1])
            b->desc[k++] = isprint(p[o + i]) ? (char)p[o + i] : '?';
    b->desc[k] = '\0';
    o += desc_len;
    b->cipher = cipher_name(le32(p + o));
    salt = le32(p + o + 8);
    o += 12;
    if (!b->cipher || salt > 64 || o + salt + 4 > n)
        return 0;
    o += salt;
    hmac = le32(p + o);
    o += 4;
    if (hmac > 64 || o + hmac + 4 > n)
        return 0;
    o += hmac;
    return (b->hash = hash_name(le32(p + o))) != NULL;
}

static int hexval(int c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Hex blobs in text: PowerShell's ConvertFrom-SecureString writes lower
 * case, an .rdp file's "password 51:b:" and a Wi-Fi profile's keyMaterial
 * upper case; all of them within their first HEX_SPAN bytes. */
#define HEX_SPAN 16384
static unsigned dpapi_hex(const pt_crypto_view_t *v, dpapi_blob_t *first)
{
    static const char *const needles[] = { "01000000d08c9ddf0115d1118c7a00c04fc297eb",
                                           "01000000D08C9DDF0115D1118C7A00C04FC297EB" };
    uint8_t bin[600];
    unsigned count = 0, k;
    size_t span = v->head_len < HEX_SPAN ? v->head_len : HEX_SPAN;

    /* these are small text files: a NUL in the first bytes rules the item
     * out before two searches of its head */
    if (memchr(v->head, 0, span < 512 ? span : 512))
        return 0;
    for (k = 0; k < 2; k++) {
        const uint8_t *p = v->head, *q;
        size_t left = span;
        while ((q = find(p, left, needles[k], 40)) != NULL) {
            size_t avail = left - (size_t)(q - p), j;
            dpapi_blob_t b;
            for (j = 0; j < sizeof bin && 2 * j + 1 < avail; j++) {
                int hi = hexval(q[2 * j]), lo = hexval(q[2 * j + 1]);
                if (hi < 0 || lo < 0)
                    break;
                bin[j] = (uint8_t)(hi << 4 | lo);
            }
            if (dpapi_parse(bin, j, &b) && count++ == 0)
                *first = b;
            left -= (size_t)(q - p) + 40;
            p = q + 40;
        }
    }
    return count;
}

/* A master key file (Protect\SID\GUID): version 2, the key's GUID as 36
 * UTF-16 characters, then the lengths of the master key, backup key,
 * credential-history and domain-key parts; the master key part starts with
 * version 2, a salt, the PBKDF2 rounds, hash and cipher. */
static int dpapi_masterkey(const pt_crypto_view_t *v, pt_crypto_match_t *m)
{
    const uint8_t *p = at(v, 0, 128 + 32);
    char guid[40];
    uint64_t mk_len;
    const char *hash, *cipher;
    int i;

    if (!p || le32(p) != 2)
        return 0;
    for (i = 0; i < 36; i++) {
        uint8_t c = p[12 + 2 * i];
        int dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (p[13 + 2 * i] != 0 || (dash ? c != '-' : hexval(c) < 0))
            return 0;
        guid[i] = (char)c;
    }
    guid[36] = '\0';
    mk_len = le64(p + 96);
    if (mk_len < 32 || mk_len > 4096 || le32(p + 128) != 2 || le32(p + 148) == 0)
        return 0;
    hash = hash_name(le32(p + 152));
    cipher = cipher_name(le32(p + 156));
    if (!hash || !cipher)
        return 0;
    SET(m, "dpapi-masterkey", 1, "Windows DPAPI master key %s (PBKDF2, %u rounds, %s, %s), protected by the "
        "account's password or the machine's DPAPI secret: it opens that account's DPAPI-protected secrets",
        guid, le32(p + 148), hash, cipher);
    return 1;
}

int pt_crypto_detect_dpapi(const pt_crypto_view_t *v, pt_crypto_match_t *m)
{
    dpapi_blob_t b;
    unsigned n;

    memset(&b, 0, sizeof b);
    if (v->head_len >= 60 && dpapi_parse(v->head, v->head_len, &b)) {
        SET(m, "dpapi-blob", 1, "Windows DPAPI blob (master key %s, \"%s\", %s and %s): it opens only with "
            "that master key", b.master_key, b.desc, b.cipher, b.hash);
        return 1;
    }
    /* Credential Manager files (Credentials\HEX): flags, the blob's size,
     * a reserved word, then the blob */
    if (v->head_len >= 72 && le32(v->head + 4) + 12 == v->size && dpapi_parse(v->head + 12, v->head_len - 12, &b)) {
        SET(m, "dpapi-blob", 1, "Windows Credential Manager file: a DPAPI blob (master key %s, \"%s\", %s and %s) "
            "holding saved credentials", b.master_key, b.desc, b.cipher, b.hash);
        return 1;
    }
    if (dpapi_masterkey(v, m))
        return 1;
    if (v->size <= (1u << 20) && (n = dpapi_hex(v, &b)) > 0) {
        SET(m, "dpapi-blob", 1, "holds %u DPAPI-protected secret%s in hex (first: master key %s, %s), as "
            "ConvertFrom-SecureString, .rdp files and Wi-Fi profiles write them%s", n, n == 1 ? "" : "s",
            b.master_key, b.cipher, v->size > v->head_len ? " (counted in the head)" : "");
        return 1;
    }
    return 0;
}
