/* blockcipher.h - the sector ciphers of disk encryption (LUKS, VeraCrypt):
 * AES through OpenSSL (AES-NI), Serpent, Twofish and Camellia through
 * libgcrypt (OpenSSL has none of the first two), in XTS, CBC or ECB.  A
 * pt_bc_t holds one key schedule; it is not shared between threads. */
#ifndef PT_BLOCKCIPHER_H
#define PT_BLOCKCIPHER_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

typedef struct pt_bc pt_bc_t;

typedef enum { PT_BC_XTS, PT_BC_CBC, PT_BC_ECB } pt_bc_mode_t;

/* 1 for a cipher name this module decrypts: "aes", "serpent", "twofish",
 * "camellia". */
int pt_bc_known(const char *cipher);

/* key_bytes is the whole key: for XTS both halves (64 for a 256-bit
 * cipher).  PT_EFORMAT for an unknown cipher or a key length it lacks. */
int pt_bc_open(const char *cipher, pt_bc_mode_t mode, const uint8_t *key, size_t key_bytes, pt_bc_t **out,
               pt_err_t *err);

/* Decrypts (or encrypts) n bytes in place as one data unit: for XTS one
 * sector under the 16-byte tweak iv, for CBC one chain from iv; ECB takes
 * no iv.  n is a multiple of 16. */
int pt_bc_decrypt(pt_bc_t *c, const uint8_t *iv, uint8_t *data, size_t n, pt_err_t *err);
int pt_bc_encrypt(pt_bc_t *c, const uint8_t *iv, uint8_t *data, size_t n, pt_err_t *err);

/* Wipes the key schedule. */
void pt_bc_close(pt_bc_t *c);

#endif
