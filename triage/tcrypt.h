/* tcrypt.h - VeraCrypt and TrueCrypt volumes opened with a passphrase the
 * court provided.  Such a volume has no signature: its first 64 bytes are a
 * random salt and the rest of its header is ciphertext, so it is known only
 * by decrypting that header (PBKDF2 of the passphrase and the salt, then
 * each cipher in XTS), as VeraCrypt itself does, trying each PRF in turn.
 * The header's magic ("VERA", "TRUE") and both its CRC-32s must hold.  Then
 * the data area is read, decrypted sector by sector (512-byte data units
 * numbered from the start of the volume, as cryptsetup's tcrypt reader
 * numbers them).
 *
 * Supported: the standard and the hidden volume header, VeraCrypt and
 * TrueCrypt 7 iteration counts (default PIM, or the key's pim: 15000 + 1000
 * pim, VeraCrypt only), PRFs SHA-512, Whirlpool,
 * SHA-256, BLAKE2s-256 and RIPEMD-160 (through OpenSSL, Whirlpool and
 * RIPEMD-160 from its legacy provider), ciphers AES, Serpent, Twofish and
 * Camellia (blockcipher.h), and the cascades when the key has cascades set
 * (three times the derivation).  Not: Kuznyechik (libgcrypt lacks it),
 * Streebog, system encryption.  Keyfiles come as a key's pools (kf64,
 * kf128; pt_tcrypt_pool_keyfile).  Nothing is ever written. */
#ifndef PT_TCRYPT_H
#define PT_TCRYPT_H

#include <stdint.h>
#include <sys/types.h>

#include "err.h"
#include "layer.h"
#include "reader.h"

typedef struct pt_tcrypt pt_tcrypt_t;

/* 1 when the first 512 bytes of a volume could be a VeraCrypt or TrueCrypt
 * header (they look random): worth the cost of trying passphrases on it. */
int pt_tcrypt_candidate(const uint8_t *sector, size_t len);

/* How many of keys would be tried as VeraCrypt passwords: passphrases, not
 * key files (VeraCrypt keyfiles are another thing) nor BitLocker recovery
 * passwords (given for BitLocker volumes; each try costs a PBKDF2 per PRF). */
size_t pt_tcrypt_usable_keys(const pt_key_t *keys, size_t n);

/* Mixes a keyfile into a VeraCrypt/TrueCrypt keyfile pool of n bytes (64,
 * or 128 for VeraCrypt passwords over 64 bytes): a running CRC-32 over its
 * first 1 MiB, each value's four bytes added into the pool in turn, as
 * VeraCrypt and cryptsetup do; the order of keyfiles does not matter. */
void pt_tcrypt_pool_keyfile(const uint8_t *data, size_t len, uint8_t *pool, size_t n);

/* Tries each passphrase of keys on the standard (hidden == 0) or the
 * hidden volume header (hidden == 1) of the volume read through fn/src
 * (size bytes; fn/src must outlive it).  PT_OK with *out (*used names the
 * key), PT_ENOKEY when none decrypts that header, or another error. */
int pt_tcrypt_open(pt_read_fn fn, void *src, uint64_t size, int hidden, const pt_key_t *keys, size_t nkeys,
                   pt_tcrypt_t **out, const char **used, pt_err_t *err);
void pt_tcrypt_close(pt_tcrypt_t *t);

/* "VeraCrypt volume (header version 5), AES-256-XTS, PBKDF2-HMAC-SHA-512
 * 500000 iterations, data at byte 131072, 8388608 bytes" */
const char *pt_tcrypt_describe(const pt_tcrypt_t *t);

/* 1 for a hidden volume. */
int pt_tcrypt_hidden(const pt_tcrypt_t *t);

/* The decrypted data area. */
uint64_t pt_tcrypt_size(const pt_tcrypt_t *t);
ssize_t pt_tcrypt_read(void *t, uint64_t off, uint8_t *buf, size_t len, pt_err_t *err);

#endif
