/* tcrypt.c - VeraCrypt/TrueCrypt header decryption and data reads.  Owns
 * the master key (wiped on close), an OpenSSL library context with the
 * legacy provider (Whirlpool, RIPEMD-160) and the cipher context.  Every
 * number taken from a decrypted header is checked against the volume before
 * use: a header that decrypts is still written by whoever made it. */
#include "tcrypt.h"

#include "blockcipher.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/provider.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "bytes.h"

#define HDR 512
#define SALT 64
#define SECTOR 512
#define HIDDEN_HDR 65536
#define CHUNK (1u << 20)
#define MAX_PASS 128          /* VeraCrypt's limit (TrueCrypt's is 64) */

/* PBKDF2 PRFs in the order VeraCrypt tries them; iterations for a volume
 * that is not a system volume, default PIM (0 where the format has none). */
static const struct prf {
    const char *md, *name;
    unsigned vera, tc;
} prfs[] = {
    { "SHA512", "SHA-512", 500000, 1000 },
    { "SHA256", "SHA-256", 500000, 0 },
    { "BLAKE2S-256", "BLAKE2s-256", 500000, 0 },
    { "WHIRLPOOL", "Whirlpool", 500000, 1000 },
    { "RIPEMD160", "RIPEMD-160", 655331, 2000 },
};

/* The ciphers and cascades, each a list in the order a sector is encrypted
 * (VeraCrypt names a cascade the other way round: "AES-Twofish" encrypts
 * with Twofish first).  Cipher j of n takes bytes 32j.. of the key as its
 * own and 32(n + j).. as its XTS tweak key, as cryptsetup's tcrypt reader
 * lays them out.  Kuznyechik (VeraCrypt only) is missing from libgcrypt. */
#define MAX_CHAIN 3
static const struct suite {
    const char *name;
    int n, vera_only;
    const char *alg[MAX_CHAIN];
} suites[] = {
    { "AES", 1, 0, { "aes" } },
    { "Serpent", 1, 0, { "serpent" } },
    { "Twofish", 1, 0, { "twofish" } },
    { "Camellia", 1, 1, { "camellia" } },
    { "AES-Twofish", 2, 0, { "twofish", "aes" } },
    { "AES-Twofish-Serpent", 3, 0, { "serpent", "twofish", "aes" } },
    { "Serpent-AES", 2, 0, { "aes", "serpent" } },
    { "Serpent-Twofish-AES", 3, 0, { "aes", "twofish", "serpent" } },
    { "Twofish-Serpent", 2, 0, { "serpent", "twofish" } },
    { "Camellia-Serpent", 2, 1, { "serpent", "camellia" } },
};

struct pt_tcrypt {
    pt_read_fn fn;
    void *src;
    uint64_t data_off, data_len;  /* within the volume read through fn */
    int hidden;
    const struct suite *suite;
    pt_bc_t *bc[MAX_CHAIN];       /* the data area's ciphers, XTS with the master key */
    uint8_t *buf;
    char desc[400];
};

static int usable(const pt_key_t *k)
{
    return !k->path && (k->len > 0 || k->kf64) && k->len <= MAX_PASS && !pt_key_is_recovery_password(k);
}

void pt_tcrypt_pool_keyfile(const uint8_t *data, size_t len, uint8_t *pool, size_t n)
{
    uint32_t crc = 0xffffffffu; /* the running value, without zlib's final inversion */
    size_t i, j = 0;

    if (len > (1u << 20))
        len = 1u << 20;
    for (i = 0; i < len; i++) {
        crc = ~(uint32_t)crc32(~crc & 0xffffffffu, data + i, 1);
        pool[j++] += (uint8_t)(crc >> 24);
        pool[j++] += (uint8_t)(crc >> 16);
        pool[j++] += (uint8_t)(crc >> 8);
        pool[j++] += (uint8_t)crc;
        j %= n;
    }
}

/* The PBKDF2 password of key k: its bytes, or with keyfiles (kf) the pool
 * (64 bytes; 128 for a VeraCrypt passphrase over 64) with the passphrase's
 * bytes added, the whole pool the password.  Returns its length. */
static size_t password(const pt_key_t *k, int vera, int kf, uint8_t *out)
{
    size_t n, i;

    if (!kf) {
        memcpy(out, k->data, k->len);
        return k->len;
    }
    n = vera && k->len > 64 ? 128 : 64;
    memcpy(out, n == 128 ? k->kf128 : k->kf64, n);
    for (i = 0; i < k->len; i++)
        out[i] = (uint8_t)(out[i] + k->data[i]);
    return n;
}

size_t pt_tcrypt_usable_keys(const pt_key_t *keys, size_t n)
{
    size_t i, u = 0;

    for (i = 0; i < n; i++)
        u += (size_t)usable(&keys[i]);
    return u;
}

int pt_tcrypt_candidate(const uint8_t *s, size_t len)
{
    unsigned char seen[256] = { 0 };
    size_t i;
    int distinct = 0;

    if (len < HDR)
        return 0;
    for (i = 0; i < HDR; i++)
        if (!seen[s[i]]++)
            distinct++;
    /* 512 random bytes show about 221 distinct values; a zeroed, text or
     * structured sector far fewer */
    return distinct >= 180;
}

/* Decrypts n bytes in place with a suite's ciphers (bc[0..n-1], each
 * XTS), the last applied first, over whole units of unit bytes (the header:
 * one unit of 448 bytes, number 0), unit numbers from first. */
static int xts(pt_bc_t *const *bc, int nc, uint8_t *data, size_t n, size_t unit, uint64_t first, pt_err_t *err)
{
    size_t i;
    int j, rc;

    for (i = 0; i + unit <= n; i += unit) {
        uint8_t iv[16] = { 0 };
        uint64_t u = first + i / unit;
        int k;
        for (k = 0; k < 8; k++)
            iv[k] = (uint8_t)(u >> (8 * k));
        for (j = nc - 1; j >= 0; j--)
            if ((rc = pt_bc_decrypt(bc[j], iv, data + i, unit, err)) != PT_OK)
                return rc;
    }
    return PT_OK;
}

/* Opens suite su's ciphers with key (64 bytes per cipher). */
static int suite_open(const struct suite *su, const uint8_t *key, pt_bc_t **bc, pt_err_t *err)
{
    int j, rc = PT_OK;

    for (j = 0; j < su->n && rc == PT_OK; j++) {
        uint8_t k2[64];
        memcpy(k2, key + 32 * j, 32);
        memcpy(k2 + 32, key + 32 * (su->n + j), 32);
        rc = pt_bc_open(su->alg[j], PT_BC_XTS, k2, sizeof k2, &bc[j], err);
        OPENSSL_cleanse(k2, sizeof k2);
    }
    return rc;
}

static void suite_close(pt_bc_t **bc)
{
    int j;

    for (j = 0; j < MAX_CHAIN; j++) {
        pt_bc_close(bc[j]);
        bc[j] = NULL;
    }
}

static int pbkdf2(OSSL_LIB_CTX *lib, const char *md, const uint8_t *pass, size_t plen, const uint8_t *salt,
                  unsigned iter, uint8_t *out, size_t outlen)
{
    EVP_KDF *kdf = EVP_KDF_fetch(lib, "PBKDF2", NULL);
    EVP_KDF_CTX *k = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
    int pkcs5 = 1, ok;
    OSSL_PARAM p[6];

    p[0] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PASSWORD, (void *)pass, plen);
    p[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt, SALT);
    p[2] = OSSL_PARAM_construct_uint(OSSL_KDF_PARAM_ITER, &iter);
    p[3] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)md, 0);
    p[4] = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_PKCS5, &pkcs5);
    p[5] = OSSL_PARAM_construct_end();
    ok = k && EVP_KDF_derive(k, out, outlen, p) == 1;
    EVP_KDF_CTX_free(k);
    EVP_KDF_free(kdf);
    return ok ? 0 : -1;
}

/* The decrypted header dec (448 bytes) of a volume of size bytes: 1 when
 * it is one, with t filled. */
static int parse(pt_tcrypt_t *t, const uint8_t *dec, const char *magic, uint64_t size, char *why, size_t wsize)
{
    uint64_t off, len;
    uint32_t ss;

    if (memcmp(dec, magic, 4) != 0 || be32(dec + 8) != (uint32_t)crc32(0, dec + 192, 256) ||
        be32(dec + 188) != (uint32_t)crc32(0, dec, 188))
        return 0;
    off = be64(dec + 44);
    len = be64(dec + 52);
    ss = be32(dec + 64);
    if (be32(dec + 60) & 1) {
        snprintf(why, wsize, "a system-encryption header (a whole Windows drive), which ptriage does not read");
        return -1;
    }
    if (ss != 0 && ss != SECTOR) {
        snprintf(why, wsize, "sector size %u, which ptriage does not read", ss);
        return -1;
    }
    if (off < 2 * HDR || off % SECTOR || len == 0 || len % SECTOR || off > size || len > size - off) {
        snprintf(why, wsize, "its data area (byte %llu, %llu bytes) does not fit the volume of %llu bytes",
                 (unsigned long long)off, (unsigned long long)len, (unsigned long long)size);
        return -1;
    }
    t->data_off = off;
    t->data_len = len;
    return 1;
}

int pt_tcrypt_open(pt_read_fn fn, void *src, uint64_t size, int hidden, const pt_key_t *keys, size_t nkeys,
                   pt_tcrypt_t **out, const char **used, pt_err_t *err)
{
    uint64_t at = hidden ? HIDDEN_HDR : 0;
    OSSL_LIB_CTX *lib = OSSL_LIB_CTX_new();
    OSSL_PROVIDER *def = lib ? OSSL_PROVIDER_load(lib, "default") : NULL;
    OSSL_PROVIDER *legacy = def ? OSSL_PROVIDER_load(lib, "legacy") : NULL;
    pt_tcrypt_t *t = calloc(1, sizeof *t);
    uint8_t hdr[HDR], dec[HDR - SALT], dk[64 * MAX_CHAIN], pw[128];
    char why[256] = "";
    int rc = PT_ENOKEY, tried = 0;
    size_t k, p, su, vi;

    *out = NULL;
    if (!t || !lib || !def) {
        rc = pt_err_set(err, t ? PT_ELIB : PT_ENOMEM, "VeraCrypt: cannot set up OpenSSL");
        goto out;
    }
    t->fn = fn;
    t->src = src;
    t->hidden = hidden;
    if (size >= at + 2 * HDR + SECTOR) {
        if ((rc = pt_read_exact(fn, src, at, hdr, HDR, err)) != PT_OK)
            goto out;
        rc = PT_ENOKEY;
        /* each key with the keyfiles of case.conf, if any, then alone */
        for (vi = 0; vi < 2 * nkeys && rc == PT_ENOKEY && pt_tcrypt_candidate(hdr, HDR); vi++) {
            int kf = vi % 2 == 0;
            k = vi / 2;
            if (!usable(&keys[k]) || (kf ? !keys[k].kf64 : keys[k].len == 0))
                continue;
            /* TrueCrypt's counts (v = 1) before VeraCrypt's: a thousand
             * iterations cost nothing beside half a million */
            int v;
            for (v = 1; v >= 0 && rc == PT_ENOKEY; v--) {
                for (p = 0; p < sizeof prfs / sizeof prfs[0] && rc == PT_ENOKEY; p++) {
                    /* with a PIM, VeraCrypt's count is 15000 + 1000 PIM for
                     * every PRF, and TrueCrypt (which has none) is not tried */
                    unsigned iter = v == 0 ? (keys[k].pim ? 15000 + 1000 * keys[k].pim : prfs[p].vera) : prfs[p].tc;
                    size_t need;
                    if (iter == 0 || (v == 1 && (keys[k].len > 64 || keys[k].pim)))
                        continue;
                    /* the single ciphers need 64 bytes of key, the cascades
                     * up to 192: those cost three times the derivation, so
                     * only after every single cipher failed */
                    for (need = 64; need <= (keys[k].cascades ? sizeof dk : 64) && rc == PT_ENOKEY; need += 128) {
                        size_t pwlen = password(&keys[k], v == 0, kf, pw);
                        int bad = pbkdf2(lib, prfs[p].md, pw, pwlen, hdr, iter, dk, need);
                        OPENSSL_cleanse(pw, sizeof pw);
                        if (bad)
                            break; /* a PRF this OpenSSL lacks */
                        tried++;
                        for (su = 0; su < sizeof suites / sizeof suites[0] && rc == PT_ENOKEY; su++) {
                            const struct suite *s = &suites[su];
                            pt_bc_t *hb[MAX_CHAIN] = { NULL };
                            int got;
                            if ((s->n == 1) != (need == 64) || (v == 1 && s->vera_only))
                                continue;
                            memcpy(dec, hdr + SALT, sizeof dec);
                            rc = suite_open(s, dk, hb, err);
                            if (rc == PT_OK)
                                rc = xts(hb, s->n, dec, sizeof dec, sizeof dec, 0, err);
                            suite_close(hb);
                            if (rc != PT_OK)
                                goto out;
                            rc = PT_ENOKEY;
                            got = parse(t, dec, v == 0 ? "VERA" : "TRUE", size, why, sizeof why);
                            if (got < 0) {
                                rc = pt_err_set(err, PT_EFORMAT, "%s %svolume header opened with %s, but %s",
                                                v == 0 ? "VeraCrypt" : "TrueCrypt", hidden ? "hidden " : "",
                                                keys[k].name, why);
                                goto out;
                            }
                            if (got == 0)
                                continue;
                            /* the master keys: 256 bytes at 192 of the header */
                            if ((rc = suite_open(s, dec + 192, t->bc, err)) != PT_OK)
                                goto out;
                            t->suite = s;
                            char pim[64] = "";
                            if (v == 0 && keys[k].pim)
                                snprintf(pim, sizeof pim, " (PIM %u)", keys[k].pim);
                            if (kf && keys[k].len)
                                snprintf(pim + strlen(pim), sizeof pim - strlen(pim), ", with the keyfiles");
                            snprintf(t->desc, sizeof t->desc, "%s %svolume (header version %u), %s%s, "
                                     "PBKDF2-HMAC-%s %u iterations%s, data at byte %llu, %llu bytes",
                                     v == 0 ? "VeraCrypt" : "TrueCrypt", hidden ? "hidden " : "",
                                     (unsigned)(dec[4] << 8 | dec[5]), s->name,
                                     s->n == 1 ? "-256-XTS" : " cascade (each cipher 256-bit XTS)", prfs[p].name,
                                     iter, pim, (unsigned long long)t->data_off, (unsigned long long)t->data_len);
                            *used = keys[k].name;
                            rc = PT_OK;
                        }
                    }
                }
            }
        }
    }
    if (rc == PT_ENOKEY) {
        if (tried)
            pt_err_set(err, PT_ENOKEY, "no passphrase of case.conf decrypts a VeraCrypt or TrueCrypt %s volume "
                       "header here (AES, Serpent, Twofish, Camellia%s; PRFs SHA-512, SHA-256, BLAKE2s, Whirlpool, "
                       "RIPEMD-160; %s)", hidden ? "hidden" : "standard",
                       nkeys && keys[0].cascades ? " and their cascades, not Kuznyechik"
                                                 : "; cascades only with veracrypt_cascades = yes in [keys]",
                       nkeys && keys[0].pim ? "the PIM of [keys] veracrypt_pim, VeraCrypt only"
                                            : "default PIM: another only with veracrypt_pim = N");
        else
            pt_err_set(err, PT_ENOKEY, "no passphrase in case.conf to try on a VeraCrypt or TrueCrypt volume");
    }
out:
    OPENSSL_cleanse(dk, sizeof dk);
    OPENSSL_cleanse(dec, sizeof dec);
    OSSL_PROVIDER_unload(legacy);
    OSSL_PROVIDER_unload(def);
    OSSL_LIB_CTX_free(lib);
    if (rc == PT_OK)
        *out = t;
    else
        pt_tcrypt_close(t);
    return rc;
}

void pt_tcrypt_close(pt_tcrypt_t *t)
{
    if (!t)
        return;
    suite_close(t->bc);
    free(t->buf);
    free(t);
}

const char *pt_tcrypt_describe(const pt_tcrypt_t *t)
{
    return t->desc;
}

int pt_tcrypt_hidden(const pt_tcrypt_t *t)
{
    return t->hidden;
}

uint64_t pt_tcrypt_size(const pt_tcrypt_t *t)
{
    return t->data_len;
}

ssize_t pt_tcrypt_read(void *src, uint64_t off, uint8_t *buf, size_t len, pt_err_t *err)
{
    pt_tcrypt_t *t = src;
    uint64_t first;
    size_t skip, want;
    int rc;

    if (off >= t->data_len)
        return 0;
    if (!t->buf && !(t->buf = malloc(CHUNK)))
        return pt_err_set(err, PT_ENOMEM, "out of memory");
    first = off / SECTOR * SECTOR;
    skip = (size_t)(off - first);
    want = CHUNK;
    if (want > t->data_len - first)
        want = (size_t)(t->data_len - first);
    if ((rc = pt_read_exact(t->fn, t->src, t->data_off + first, t->buf, want, err)) != PT_OK)
        return rc;
    /* data units are numbered from the start of the volume, not of the data */
    if ((rc = xts(t->bc, t->suite->n, t->buf, want, SECTOR, (t->data_off + first) / SECTOR, err)) != PT_OK)
        return rc;
    if (len > want - skip)
        len = want - skip;
    memcpy(buf, t->buf + skip, len);
    return (ssize_t)len;
}
