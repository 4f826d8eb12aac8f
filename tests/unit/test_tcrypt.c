/* Unit tests for tcrypt.c: TrueCrypt volumes built here with OpenSSL (the
 * header encrypted with PBKDF2-HMAC-SHA-512 at TrueCrypt's 1000 iterations,
 * so the tests stay fast), opened and read back sector by sector; wrong
 * passphrases, a damaged CRC, and headers that decrypt but lie (a data area
 * outside the volume, a 4096-byte sector size, system encryption) refused
 * with a reason, never read past. */
#include <openssl/evp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "blockcipher.h"
#include "tcrypt.h"
#include "testlib.h"

#define VOL (512u << 10)
#define DATA_OFF 131072u
#define DATA_LEN (VOL - 2 * DATA_OFF)

static const uint8_t master[64] = "0123456789abcdef0123456789abcdef-second-xts-key-0123456789abcde";

/* AES-256-XTS encryption of whole units of unit bytes, numbered from first. */
static void xts_enc(const uint8_t *key, uint8_t *d, size_t n, size_t unit, uint64_t first)
{
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int outl;

    for (size_t i = 0; i + unit <= n; i += unit) {
        uint8_t iv[16] = { 0 };
        uint64_t u = first + i / unit;
        for (int k = 0; k < 8; k++)
            iv[k] = (uint8_t)(u >> (8 * k));
        EVP_EncryptInit_ex(c, EVP_aes_256_xts(), NULL, key, iv);
        EVP_EncryptUpdate(c, d + i, &outl, d + i, (int)unit);
    }
    EVP_CIPHER_CTX_free(c);
}

/* A TrueCrypt volume whose data area holds "sector N" in each sector;
 * the header's fields as given, then both CRCs (bad_crc spoils one). */
static uint8_t *volume(const char *pass, uint64_t off, uint64_t len, uint32_t sector, uint32_t flags, int bad_crc)
{
    uint8_t *v = malloc(VOL), dec[448] = { 0 }, dk[64];
    uint32_t i;

    for (i = 0; i < VOL; i++)
        v[i] = (uint8_t)(i * 2654435761u >> 13);
    for (i = 0; i < DATA_LEN / 512; i++) {
        memset(v + DATA_OFF + i * 512, 0, 512);
        snprintf((char *)v + DATA_OFF + i * 512, 512, "sector %u", i);
    }
    xts_enc(master, v + DATA_OFF, DATA_LEN, 512, DATA_OFF / 512);
    memcpy(dec, "TRUE", 4);
    dec[4] = 0, dec[5] = 5;
    t_put_be64(dec + 36, len);
    t_put_be64(dec + 44, off);
    t_put_be64(dec + 52, len);
    t_put_be32(dec + 60, flags);
    t_put_be32(dec + 64, sector);
    memcpy(dec + 192, master, 64);
    t_put_be32(dec + 8, (uint32_t)crc32(0, dec + 192, 256));
    t_put_be32(dec + 188, (uint32_t)crc32(0, dec, 188) ^ (bad_crc ? 1u : 0u));
    PKCS5_PBKDF2_HMAC(pass, (int)strlen(pass), v, 64, 1000, EVP_sha512(), 64, dk);
    xts_enc(dk, dec, sizeof dec, sizeof dec, 0);
    memcpy(v + 64, dec, sizeof dec);
    return v;
}

static pt_key_t key(const char *pass, const char *name)
{
    pt_key_t k = { .data = (const uint8_t *)pass, .len = strlen(pass), .name = name };
    return k;
}

/* XTS encryption with a chain of ciphers, algs[0] first: cipher j of n
 * keyed with key[32j..] and the tweak key key[32(n+j)..]. */
static void chain_enc(const char *const *algs, int n, const uint8_t *key, uint8_t *d, size_t len, size_t unit,
                      uint64_t first)
{
    pt_err_t e = { 0, "" };

    for (int j = 0; j < n; j++) {
        uint8_t k2[64];
        pt_bc_t *bc = NULL;
        memcpy(k2, key + 32 * j, 32);
        memcpy(k2 + 32, key + 32 * (n + j), 32);
        pt_bc_open(algs[j], PT_BC_XTS, k2, sizeof k2, &bc, &e);
        for (size_t i = 0; i + unit <= len; i += unit) {
            uint8_t iv[16] = { 0 };
            uint64_t u = first + i / unit;
            for (int k = 0; k < 8; k++)
                iv[k] = (uint8_t)(u >> (8 * k));
            pt_bc_encrypt(bc, iv, d + i, unit, &e);
        }
        pt_bc_close(bc);
    }
}

static int open_vol(uint8_t *v, const pt_key_t *keys, size_t n, pt_tcrypt_t **t, const char **used, pt_err_t *e)
{
    pt_mem_t m = { v, VOL };
    static pt_mem_t keep;

    keep = m; /* outlives the handle within one test */
    return pt_tcrypt_open(pt_read_mem, &keep, VOL, 0, keys, n, t, used, e);
}

static void opens_and_reads(void)
{
    uint8_t *v = volume("tc pass", DATA_OFF, DATA_LEN, 512, 0, 0), buf[700];
    /* (a wrong passphrase costs every PRF's PBKDF2, 5 s: refused() has one) */
    pt_key_t keys[1] = { key("tc pass", "passphrase 2") };
    pt_tcrypt_t *t = NULL;
    const char *used = NULL;
    pt_err_t e = { 0, "" };

    T_CHECK(pt_tcrypt_candidate(v, 512));
    T_CHECK(open_vol(v, keys, 1, &t, &used, &e) == PT_OK);
    if (t) {
        T_STREQ(used, "passphrase 2");
        T_CHECK(strstr(pt_tcrypt_describe(t), "TrueCrypt volume (header version 5), AES-256-XTS, "
                                              "PBKDF2-HMAC-SHA-512 1000 iterations") != NULL);
        T_CHECK(pt_tcrypt_size(t) == DATA_LEN && !pt_tcrypt_hidden(t));
        /* a read that starts inside a sector and runs into the next */
        T_CHECK(pt_tcrypt_read(t, 512 * 7 + 500, buf, sizeof buf, &e) == (ssize_t)sizeof buf);
        T_CHECK(memcmp(buf + 12, "sector 8", 9) == 0);
        T_CHECK(pt_tcrypt_read(t, DATA_LEN - 512, buf, sizeof buf, &e) == 512);
        T_CHECK(strcmp((char *)buf, "sector 511") == 0);
        T_CHECK(pt_tcrypt_read(t, DATA_LEN, buf, sizeof buf, &e) == 0);
    }
    pt_tcrypt_close(t);
    free(v);
}

static void refused(void)
{
    static const struct { uint64_t off, len; uint32_t sector, flags; int bad_crc, rc; const char *why; } cases[] = {
        { DATA_OFF, DATA_LEN, 512, 0, 1, PT_ENOKEY, "decrypts a VeraCrypt or TrueCrypt standard volume header" },
        { DATA_OFF, VOL, 512, 0, 0, PT_EFORMAT, "does not fit the volume" },
        { (uint64_t)1 << 62, DATA_LEN, 512, 0, 0, PT_EFORMAT, "does not fit the volume" },
        { 100, DATA_LEN, 512, 0, 0, PT_EFORMAT, "does not fit the volume" },
        { DATA_OFF, DATA_LEN, 4096, 0, 0, PT_EFORMAT, "sector size 4096" },
        { DATA_OFF, DATA_LEN, 512, 1, 0, PT_EFORMAT, "system-encryption header" },
    };
    pt_key_t k = key("tc pass", "passphrase 1");

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t *v = volume("tc pass", cases[i].off, cases[i].len, cases[i].sector, cases[i].flags, cases[i].bad_crc);
        pt_tcrypt_t *t = NULL;
        const char *used = NULL;
        pt_err_t e = { 0, "" };
        T_CHECK(open_vol(v, &k, 1, &t, &used, &e) == cases[i].rc);
        T_CHECK(t == NULL);
        T_CHECK(strstr(e.msg, cases[i].why) != NULL);
        if (!strstr(e.msg, cases[i].why))
            printf("#   case %zu: %s\n", i, e.msg);
        free(v);
    }
}

static void no_passphrase_no_try(void)
{
    uint8_t *v = volume("tc pass", DATA_OFF, DATA_LEN, 512, 0, 0), zero[512] = { 0 };
    pt_key_t file = { .data = (const uint8_t *)"tc pass", .len = 7, .name = "key file k", .path = "/k" }; /* no passphrase */
    pt_tcrypt_t *t = NULL;
    const char *used = NULL;
    pt_err_t e = { 0, "" };

    T_CHECK(open_vol(v, &file, 1, &t, &used, &e) == PT_ENOKEY);
    T_CHECK(strstr(e.msg, "no passphrase in case.conf") != NULL);
    T_CHECK(!pt_tcrypt_candidate(zero, sizeof zero));
    T_CHECK(!pt_tcrypt_candidate(zero, 100));
    free(v);
}

/* TrueCrypt's Serpent-AES: AES encrypts first, its keys the first of each
 * half of the 128 bytes.  Opened only when the key says cascades. */
static void cascades(void)
{
    static const char *const algs[2] = { "aes", "serpent" };
    uint8_t *v = malloc(VOL), dec[448] = { 0 }, dk[128], mk[256], buf[512];
    pt_key_t k = key("cascade pass", "passphrase 1");
    pt_tcrypt_t *t = NULL;
    const char *used = NULL;
    pt_err_t e = { 0, "" };
    uint32_t i;

    for (i = 0; i < VOL; i++)
        v[i] = (uint8_t)(i * 2246822519u >> 11);
    for (i = 0; i < sizeof mk; i++)
        mk[i] = (uint8_t)(i * 101 + 7);
    for (i = 0; i < DATA_LEN / 512; i++) {
        memset(v + DATA_OFF + i * 512, 0, 512);
        snprintf((char *)v + DATA_OFF + i * 512, 512, "sector %u", i);
    }
    chain_enc(algs, 2, mk, v + DATA_OFF, DATA_LEN, 512, DATA_OFF / 512);
    memcpy(dec, "TRUE", 4);
    dec[5] = 5;
    t_put_be64(dec + 36, DATA_LEN);
    t_put_be64(dec + 44, DATA_OFF);
    t_put_be64(dec + 52, DATA_LEN);
    t_put_be32(dec + 64, 512);
    memcpy(dec + 192, mk, 256);
    t_put_be32(dec + 8, (uint32_t)crc32(0, dec + 192, 256));
    t_put_be32(dec + 188, (uint32_t)crc32(0, dec, 188));
    PKCS5_PBKDF2_HMAC("cascade pass", 12, v, 64, 1000, EVP_sha512(), sizeof dk, dk);
    chain_enc(algs, 2, dk, dec, sizeof dec, sizeof dec, 0);
    memcpy(v + 64, dec, sizeof dec);

    /* without the setting: every PRF's single ciphers tried (5 s), and the
     * error says how to try the cascades */
    T_CHECK(open_vol(v, &k, 1, &t, &used, &e) == PT_ENOKEY && !t);
    T_CHECK(strstr(e.msg, "cascades only with veracrypt_cascades = yes") != NULL);
    k.cascades = 1;
    T_CHECK(open_vol(v, &k, 1, &t, &used, &e) == PT_OK);
    if (t) {
        T_CHECK(strstr(pt_tcrypt_describe(t), "TrueCrypt volume (header version 5), Serpent-AES cascade") != NULL);
        T_CHECK(pt_tcrypt_read(t, 512 * 300, buf, sizeof buf, &e) == 512 && strcmp((char *)buf, "sector 300") == 0);
    }
    pt_tcrypt_close(t);
    free(v);
}

int main(void)
{
    T_RUN(opens_and_reads);
    T_RUN(refused);
    T_RUN(no_passphrase_no_try);
    T_RUN(cascades);
    return t_done();
}
