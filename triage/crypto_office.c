/* crypto_office.c - Excel's published default password.  A workbook that
 * Excel protects against changes only is still encrypted, with the password
 * "VelvetSweatshop" that every copy of Excel knows: readable by anyone.
 * The FILEPASS record's password verifier tells whether that is the
 * password (MS-OFFCRYPTO 2.3.6 for RC4, 2.3.5 for RC4 CryptoAPI).  Hashes
 * through OpenSSL's EVP; RC4 from OpenSSL's legacy provider, loaded into a
 * library context of this call's own (the process's default context is
 * left as it is).  Owns nothing past the call. */
#include <openssl/evp.h>
#include <openssl/provider.h>

#include "crypto_int.h"

static const char default_password[] = "VelvetSweatshop";

/* The password as UTF-16LE, without a terminator. */
static size_t utf16(uint8_t *out)
{
    size_t i;

    for (i = 0; default_password[i]; i++) {
        out[2 * i] = (uint8_t)default_password[i];
        out[2 * i + 1] = 0;
    }
    return 2 * i;
}

static int digest(const EVP_MD *md, const uint8_t *a, size_t an, const uint8_t *b, size_t bn, uint8_t *out)
{
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    int ok = c && EVP_DigestInit_ex(c, md, NULL) == 1 && EVP_DigestUpdate(c, a, an) == 1 &&
             (!bn || EVP_DigestUpdate(c, b, bn) == 1) && EVP_DigestFinal_ex(c, out, NULL) == 1;

    EVP_MD_CTX_free(c);
    return ok;
}

/* Decrypts the verifier and its hash with one RC4 stream under key; 1 when
 * the hash (md) of the verifier is the decrypted hash. */
static int verifier_holds(const uint8_t *key, size_t keylen, const uint8_t *enc, size_t enc_len, size_t hash_len,
                          const EVP_MD *md)
{
    OSSL_LIB_CTX *lib = OSSL_LIB_CTX_new();
    OSSL_PROVIDER *legacy = lib ? OSSL_PROVIDER_load(lib, "legacy") : NULL;
    EVP_CIPHER *rc4 = legacy ? EVP_CIPHER_fetch(lib, "RC4", NULL) : NULL;
    EVP_CIPHER_CTX *c = rc4 ? EVP_CIPHER_CTX_new() : NULL;
    uint8_t plain[64], h[EVP_MAX_MD_SIZE];
    int n = 0, ok = 0;

    if (c && enc_len <= sizeof plain && EVP_DecryptInit_ex(c, rc4, NULL, NULL, NULL) == 1 &&
        EVP_CIPHER_CTX_set_key_length(c, (int)keylen) == 1 && EVP_DecryptInit_ex(c, NULL, NULL, key, NULL) == 1 &&
        EVP_DecryptUpdate(c, plain, &n, enc, (int)enc_len) == 1 && n == (int)enc_len &&
        digest(md, plain, 16, NULL, 0, h))
        ok = memcmp(h, plain + 16, hash_len) == 0;
    EVP_CIPHER_CTX_free(c);
    EVP_CIPHER_free(rc4);
    OSSL_PROVIDER_unload(legacy);
    OSSL_LIB_CTX_free(lib);
    return ok;
}

int pt_crypto_xls_default_password(const uint8_t *fp, size_t n)
{
    uint8_t pw[64], h0[20], h1[20], key[20], buf[21 * 16];
    size_t pwlen = utf16(pw), i;
    unsigned major, minor;

    /* FILEPASS: encryption type (1: RC4), then EncryptionVersionInfo */
    if (n < 6 || le16(fp) != 1)
        return 0;
    major = le16(fp + 2), minor = le16(fp + 4);
    if (major == 1 && minor == 1 && n >= 6 + 48) {
        /* RC4: salt, encrypted verifier, encrypted MD5 of it; the key is
         * MD5 of (MD5(password)[0..5] + salt) x 16 [0..5] + block 0 */
        const uint8_t *salt = fp + 6;
        static const uint8_t block0[4] = { 0, 0, 0, 0 };
        if (!digest(EVP_md5(), pw, pwlen, NULL, 0, h0))
            return 0;
        for (i = 0; i < 16; i++) {
            memcpy(buf + 21 * i, h0, 5);
            memcpy(buf + 21 * i + 5, salt, 16);
        }
        if (!digest(EVP_md5(), buf, sizeof buf, NULL, 0, h1) || !digest(EVP_md5(), h1, 5, block0, 4, key))
            return 0;
        return verifier_holds(key, 16, fp + 22, 32, 16, EVP_md5());
    }
    if ((major == 2 || major == 3 || major == 4) && minor == 2 && n >= 14) {
        /* RC4 CryptoAPI: flags, header size, header (key size at 16), then
         * salt size, salt, encrypted verifier, hash size, encrypted SHA-1 */
        size_t hs = le32(fp + 10), v = 14 + hs;
        uint32_t bits;
        uint8_t salted[16 + 64];
        static const uint8_t block0[4] = { 0, 0, 0, 0 };
        if (hs < 32 || hs > 1024 || v + 4 + 16 + 16 + 4 + 20 > n || le32(fp + v) != 16 || le32(fp + v + 36) != 20)
            return 0;
        bits = le32(fp + 14 + 16);
        if (bits == 0)
            bits = 40; /* "0 means 40 bits" */
        if (bits < 40 || bits > 128 || bits % 8)
            return 0;
        memcpy(salted, fp + v + 4, 16);
        memcpy(salted + 16, pw, pwlen);
        if (!digest(EVP_sha1(), salted, 16 + pwlen, NULL, 0, h0) || !digest(EVP_sha1(), h0, 20, block0, 4, h1))
            return 0;
        memset(key, 0, sizeof key);
        memcpy(key, h1, bits / 8);
        {
            uint8_t enc[36];
            memcpy(enc, fp + v + 20, 16);
            memcpy(enc + 16, fp + v + 40, 20);
            /* a 40-bit key is used as 128 bits, the rest zeros */
            return verifier_holds(key, bits == 40 ? 16 : bits / 8, enc, 36, 20, EVP_sha1());
        }
    }
    return 0;
}
