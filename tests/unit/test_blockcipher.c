/* Unit tests for blockcipher.c: published single-block vectors for each
 * cipher (FIPS-197 AES, the Twofish paper, RFC 3713 Camellia, the Serpent
 * submission's zero-key vector), XTS built by hand from the raw cipher (the
 * first half of the key encrypts the data, the second the tweak: the
 * convention of IEEE 1619, dm-crypt and VeraCrypt) for every cipher, CBC
 * against its definition, and refusals of unknown ciphers and key sizes. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "blockcipher.h"
#include "testlib.h"

static void hex(const char *s, uint8_t *out, size_t n)
{
    for (size_t i = 0; i < n; i++)
        sscanf(s + 2 * i, "%2hhx", &out[i]);
}

static int ecb_vector(const char *alg, const char *key, size_t kb, const char *pt, const char *ct)
{
    uint8_t k[32], p[16], c[16];
    pt_bc_t *bc = NULL;
    pt_err_t e = { 0, "" };
    int ok;

    hex(key, k, kb);
    hex(pt, p, 16);
    hex(ct, c, 16);
    if (pt_bc_open(alg, PT_BC_ECB, k, kb, &bc, &e) != PT_OK)
        return 0;
    ok = pt_bc_encrypt(bc, NULL, p, 16, &e) == PT_OK && memcmp(p, c, 16) == 0 &&
         pt_bc_decrypt(bc, NULL, p, 16, &e) == PT_OK;
    hex(pt, c, 16);
    ok = ok && memcmp(p, c, 16) == 0;
    pt_bc_close(bc);
    return ok;
}

static void published_vectors(void)
{
    static const char *zero = "0000000000000000000000000000000000000000000000000000000000000000";

    T_CHECK(ecb_vector("aes", "000102030405060708090a0b0c0d0e0f", 16, "00112233445566778899aabbccddeeff",
                       "69c4e0d86a7b0430d8cdb78070b4c55a"));
    T_CHECK(ecb_vector("aes", "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", 32,
                       "00112233445566778899aabbccddeeff", "8ea2b7ca516745bfeafc49904b496089"));
    T_CHECK(ecb_vector("twofish", zero, 16, zero, "9f589f5cf6122c32b6bfec2f2ae8c35a"));
    T_CHECK(ecb_vector("twofish", zero, 32, zero, "57ff739d4dc92c1bd7fc01700cc8216f"));
    T_CHECK(ecb_vector("camellia", "0123456789abcdeffedcba9876543210", 16, "0123456789abcdeffedcba9876543210",
                       "67673138549669730857065648eabe43"));
    T_CHECK(ecb_vector("camellia", "0123456789abcdeffedcba987654321000112233445566778899aabbccddeeff", 32,
                       "0123456789abcdeffedcba9876543210", "9acc237dff16d76c20ef7c919e3a7509"));
    T_CHECK(ecb_vector("serpent", zero, 32, zero, "49672ba898d98df95019180445491089"));
}

/* XTS of one 512-byte unit computed from ECB: T = E2(tweak); for each
 * block, C = E1(P ^ T) ^ T, T *= x in GF(2^128) (little-endian). */
static void xts_by_hand(const char *alg, const uint8_t *key, uint64_t unit, const uint8_t *p, uint8_t *c)
{
    pt_bc_t *k1 = NULL, *k2 = NULL;
    pt_err_t e = { 0, "" };
    uint8_t t[16] = { 0 };

    pt_bc_open(alg, PT_BC_ECB, key, 32, &k1, &e);
    pt_bc_open(alg, PT_BC_ECB, key + 32, 32, &k2, &e);
    for (int i = 0; i < 8; i++)
        t[i] = (uint8_t)(unit >> (8 * i));
    pt_bc_encrypt(k2, NULL, t, 16, &e);
    for (int b = 0; b < 512; b += 16) {
        uint8_t x[16];
        for (int i = 0; i < 16; i++)
            x[i] = p[b + i] ^ t[i];
        pt_bc_encrypt(k1, NULL, x, 16, &e);
        for (int i = 0; i < 16; i++)
            c[b + i] = x[i] ^ t[i];
        int carry = t[15] >> 7;
        for (int i = 15; i > 0; i--)
            t[i] = (uint8_t)(t[i] << 1 | t[i - 1] >> 7);
        t[0] = (uint8_t)(t[0] << 1) ^ (carry ? 0x87 : 0);
    }
    pt_bc_close(k1);
    pt_bc_close(k2);
}

static void xts_matches_its_definition(void)
{
    static const char *algs[] = { "aes", "serpent", "twofish", "camellia" };
    uint8_t key[64], plain[512], want[512], got[512], iv[16] = { 0 };
    pt_err_t e = { 0, "" };

    for (int i = 0; i < 64; i++)
        key[i] = (uint8_t)(i * 37 + 11);
    for (int i = 0; i < 512; i++)
        plain[i] = (uint8_t)(i * 13);
    iv[0] = 0x2a; /* unit 42 */
    for (size_t a = 0; a < sizeof algs / sizeof algs[0]; a++) {
        pt_bc_t *bc = NULL;
        xts_by_hand(algs[a], key, 42, plain, want);
        T_CHECK(pt_bc_open(algs[a], PT_BC_XTS, key, 64, &bc, &e) == PT_OK);
        memcpy(got, plain, sizeof got);
        T_CHECK(pt_bc_encrypt(bc, iv, got, sizeof got, &e) == PT_OK);
        T_CHECK(memcmp(got, want, sizeof got) == 0);
        T_CHECK(pt_bc_decrypt(bc, iv, got, sizeof got, &e) == PT_OK);
        T_CHECK(memcmp(got, plain, sizeof got) == 0);
        /* the schedule is kept: a second unit after a direction change */
        T_CHECK(pt_bc_encrypt(bc, iv, got, sizeof got, &e) == PT_OK && memcmp(got, want, sizeof got) == 0);
        pt_bc_close(bc);
    }
}

static void cbc_matches_its_definition(void)
{
    static const char *algs[] = { "aes", "serpent", "twofish", "camellia" };
    uint8_t key[32], iv[16], plain[64], got[64];
    pt_err_t e = { 0, "" };

    for (int i = 0; i < 32; i++)
        key[i] = (uint8_t)(200 - i);
    for (int i = 0; i < 16; i++)
        iv[i] = (uint8_t)(i + 1);
    for (int i = 0; i < 64; i++)
        plain[i] = (uint8_t)(i ^ 0x5a);
    for (size_t a = 0; a < sizeof algs / sizeof algs[0]; a++) {
        pt_bc_t *cbc = NULL, *ecb = NULL;
        uint8_t chain[16], want[64];
        memcpy(chain, iv, 16);
        T_CHECK(pt_bc_open(algs[a], PT_BC_ECB, key, 32, &ecb, &e) == PT_OK);
        for (int b = 0; b < 64; b += 16) {
            for (int i = 0; i < 16; i++)
                want[b + i] = plain[b + i] ^ chain[i];
            pt_bc_encrypt(ecb, NULL, want + b, 16, &e);
            memcpy(chain, want + b, 16);
        }
        T_CHECK(pt_bc_open(algs[a], PT_BC_CBC, key, 32, &cbc, &e) == PT_OK);
        memcpy(got, want, sizeof got);
        T_CHECK(pt_bc_decrypt(cbc, iv, got, sizeof got, &e) == PT_OK && memcmp(got, plain, sizeof got) == 0);
        pt_bc_close(cbc);
        pt_bc_close(ecb);
    }
}

static void refused(void)
{
    uint8_t key[64] = { 1 }, buf[32] = { 0 };
    pt_bc_t *bc = NULL;
    pt_err_t e = { 0, "" };

    T_CHECK(!pt_bc_known("kuznyechik") && pt_bc_known("serpent"));
    T_CHECK(pt_bc_open("kuznyechik", PT_BC_XTS, key, 64, &bc, &e) == PT_EFORMAT && !bc);
    T_CHECK(strstr(e.msg, "kuznyechik") != NULL);
    T_CHECK(pt_bc_open("twofish", PT_BC_CBC, key, 24, &bc, &e) == PT_EFORMAT); /* no 192-bit Twofish here */
    T_CHECK(pt_bc_open("aes", PT_BC_XTS, key, 48, &bc, &e) == PT_EFORMAT);
    T_CHECK(pt_bc_open("serpent", PT_BC_XTS, key, 63, &bc, &e) == PT_EFORMAT);
    T_CHECK(pt_bc_open("serpent", PT_BC_ECB, key, 16, &bc, &e) == PT_OK);
    T_CHECK(pt_bc_decrypt(bc, NULL, buf, 31, &e) == PT_EFORMAT); /* not whole blocks */
    pt_bc_close(bc);
    pt_bc_close(NULL);
}

int main(void)
{
    T_RUN(published_vectors);
    T_RUN(xts_matches_its_definition);
    T_RUN(cbc_matches_its_definition);
    T_RUN(refused);
    return t_done();
}
