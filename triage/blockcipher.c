/* blockcipher.c - one key schedule of a disk-encryption cipher.  AES goes
 * to OpenSSL, whose AES-NI code is several times faster than libgcrypt's
 * fallback paths; the ciphers OpenSSL lacks go to libgcrypt. */
#include "blockcipher.h"

#include <gcrypt.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct pt_bc {
    pt_bc_mode_t mode;
    const char *name;
    /* OpenSSL (AES) */
    EVP_CIPHER_CTX *ctx;
    const EVP_CIPHER *evp;
    int dir;                         /* the direction ctx holds the key for: 1 encrypt, 0 decrypt, -1 none */
    uint8_t key[64];
    size_t key_bytes;
    /* libgcrypt (the rest) */
    gcry_cipher_hd_t gh;
};

/* libgcrypt must be told once per process that the application set it up */
static pthread_once_t gcrypt_once = PTHREAD_ONCE_INIT;

static void gcrypt_init(void)
{
    gcry_check_version(NULL);
    gcry_control(GCRYCTL_DISABLE_SECMEM, 0);
    gcry_control(GCRYCTL_INITIALIZATION_FINISHED, 0);
}

static const char *const names[] = { "aes", "serpent", "twofish", "camellia" };

/* the name as a string that outlives the caller's, NULL when unknown */
static const char *known(const char *cipher)
{
    size_t i;

    for (i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(cipher, names[i]) == 0)
            return names[i];
    return NULL;
}

int pt_bc_known(const char *cipher)
{
    return known(cipher) != NULL;
}

static const EVP_CIPHER *aes_evp(pt_bc_mode_t mode, size_t kb)
{
    switch (mode) {
    case PT_BC_XTS: return kb == 32 ? EVP_aes_128_xts() : kb == 64 ? EVP_aes_256_xts() : NULL;
    case PT_BC_CBC: return kb == 16 ? EVP_aes_128_cbc() : kb == 24 ? EVP_aes_192_cbc() : kb == 32 ? EVP_aes_256_cbc()
                                                                                           : NULL;
    case PT_BC_ECB: return kb == 16 ? EVP_aes_128_ecb() : kb == 24 ? EVP_aes_192_ecb() : kb == 32 ? EVP_aes_256_ecb()
                                                                                           : NULL;
    }
    return NULL;
}

/* libgcrypt's algorithm for a cipher key of kb bytes (one XTS half), 0 if none */
static int gcrypt_algo(const char *cipher, size_t kb)
{
    if (strcmp(cipher, "serpent") == 0)
        return kb == 16 ? GCRY_CIPHER_SERPENT128 : kb == 24 ? GCRY_CIPHER_SERPENT192
             : kb == 32 ? GCRY_CIPHER_SERPENT256 : 0;
    if (strcmp(cipher, "twofish") == 0)
        return kb == 16 ? GCRY_CIPHER_TWOFISH128 : kb == 32 ? GCRY_CIPHER_TWOFISH : 0;
    if (strcmp(cipher, "camellia") == 0)
        return kb == 16 ? GCRY_CIPHER_CAMELLIA128 : kb == 24 ? GCRY_CIPHER_CAMELLIA192
             : kb == 32 ? GCRY_CIPHER_CAMELLIA256 : 0;
    return 0;
}

int pt_bc_open(const char *cipher, pt_bc_mode_t mode, const uint8_t *key, size_t key_bytes, pt_bc_t **out,
               pt_err_t *err)
{
    pt_bc_t *c;
    size_t half = mode == PT_BC_XTS ? key_bytes / 2 : key_bytes;
    int algo = 0;

    *out = NULL;
    if (!pt_bc_known(cipher))
        return pt_err_set(err, PT_EFORMAT, "cipher %s is not one ptriage decrypts (aes, serpent, twofish, camellia)",
                          cipher);
    if (key_bytes > sizeof c->key || (mode == PT_BC_XTS && key_bytes % 2) ||
        (strcmp(cipher, "aes") == 0 ? !aes_evp(mode, key_bytes) : !(algo = gcrypt_algo(cipher, half))))
        return pt_err_set(err, PT_EFORMAT, "cipher %s with a %zu-bit key is not valid", cipher, key_bytes * 8);
    if (!(c = calloc(1, sizeof *c)))
        return pt_err_set(err, PT_ENOMEM, "out of memory");
    c->mode = mode;
    c->name = known(cipher);
    c->dir = -1;
    memcpy(c->key, key, key_bytes);
    c->key_bytes = key_bytes;
    if (!algo) {
        c->evp = aes_evp(mode, key_bytes);
        if (!(c->ctx = EVP_CIPHER_CTX_new())) {
            pt_bc_close(c);
            return pt_err_set(err, PT_ENOMEM, "out of memory");
        }
    } else {
        int gm = mode == PT_BC_XTS ? GCRY_CIPHER_MODE_XTS : mode == PT_BC_CBC ? GCRY_CIPHER_MODE_CBC
                                                                              : GCRY_CIPHER_MODE_ECB;
        gcry_error_t ge;
        pthread_once(&gcrypt_once, gcrypt_init);
        if ((ge = gcry_cipher_open(&c->gh, algo, gm, 0)) != 0 ||
            (ge = gcry_cipher_setkey(c->gh, key, key_bytes)) != 0) {
            pt_bc_close(c);
            return pt_err_set(err, PT_ELIB, "%s: %s (libgcrypt)", cipher, gcry_strerror(ge));
        }
    }
    *out = c;
    return PT_OK;
}

static int run(pt_bc_t *c, int enc, const uint8_t *iv, uint8_t *data, size_t n, pt_err_t *err)
{
    if (n % 16 || n > 0x7fffffff)
        return pt_err_set(err, PT_EFORMAT, "%s: %zu bytes is not a whole number of blocks", c->name, n);
    if (c->gh) {
        gcry_error_t ge = 0;
        if (c->mode != PT_BC_ECB)
            ge = gcry_cipher_setiv(c->gh, iv, 16);
        if (!ge)
            ge = enc ? gcry_cipher_encrypt(c->gh, data, n, NULL, 0) : gcry_cipher_decrypt(c->gh, data, n, NULL, 0);
        if (ge)
            return pt_err_set(err, PT_ELIB, "%s: %s (libgcrypt)", c->name, gcry_strerror(ge));
        return PT_OK;
    }
    int outl;
    /* the key schedule once per direction; then only the IV per unit */
    if (c->dir != enc) {
        if (!EVP_CipherInit_ex(c->ctx, c->evp, NULL, c->key, NULL, enc) || !EVP_CIPHER_CTX_set_padding(c->ctx, 0))
            return pt_err_set(err, PT_ELIB, "%s: key set-up failed (OpenSSL)", c->name);
        c->dir = enc;
    }
    if ((c->mode != PT_BC_ECB && !EVP_CipherInit_ex(c->ctx, NULL, NULL, NULL, iv, enc)) ||
        !EVP_CipherUpdate(c->ctx, data, &outl, data, (int)n))
        return pt_err_set(err, PT_ELIB, "%s: %s failed (OpenSSL)", c->name, enc ? "encryption" : "decryption");
    return PT_OK;
}

int pt_bc_decrypt(pt_bc_t *c, const uint8_t *iv, uint8_t *data, size_t n, pt_err_t *err)
{
    return run(c, 0, iv, data, n, err);
}

int pt_bc_encrypt(pt_bc_t *c, const uint8_t *iv, uint8_t *data, size_t n, pt_err_t *err)
{
    return run(c, 1, iv, data, n, err);
}

void pt_bc_close(pt_bc_t *c)
{
    if (!c)
        return;
    EVP_CIPHER_CTX_free(c->ctx);
    if (c->gh)
        gcry_cipher_close(c->gh); /* libgcrypt wipes its context */
    OPENSSL_cleanse(c->key, sizeof c->key);
    free(c);
}
