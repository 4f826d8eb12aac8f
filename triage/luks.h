/* luks.h - LUKS1 and LUKS2 volumes: the header described for the report,
 * and, with a key the court provided, the decrypted data area read
 * sector by sector.  Key derivation (PBKDF2 through OpenSSL, Argon2i/id
 * through libargon2), anti-forensic merge, key-slot and data decryption
 * (aes-xts-plain64, aes-cbc-essiv:sha256, aes-cbc-plain/plain64) follow the
 * LUKS1 specification and cryptsetup's LUKS2 on-disk format.  Debian's
 * libluksde reads LUKS1 only and overflows its stack on 512-bit keys, so it
 * is not used.  Nothing is ever written. */
#ifndef PT_LUKS_H
#define PT_LUKS_H

#include <stdint.h>

#include "err.h"
#include "layer.h"
#include "reader.h"

typedef struct pt_luks pt_luks_t;

/* Reads and checks the header of the volume read through fn/src (size
 * bytes; fn/src must outlive it).  PT_OK, or PT_EFORMAT saying what is
 * wrong with the header. */
int pt_luks_open(pt_read_fn fn, void *src, uint64_t size, pt_luks_t **out, pt_err_t *err);
/* The same for a detached header (qemu's qcow2 encryption keeps one inside
 * the image, its payload being the image's clusters): no data area is
 * looked for; decrypt with pt_luks_decrypt. */
int pt_luks_open_header(pt_read_fn fn, void *src, uint64_t size, pt_luks_t **out, pt_err_t *err);
void pt_luks_close(pt_luks_t *l);

/* "LUKS2, aes-xts-plain64, 512-bit key, key slots 0 (argon2id) of 32,
 * UUID ..., data at byte 16777216" */
const char *pt_luks_describe(const pt_luks_t *l);

/* Tries each key on each active key slot.  PT_OK (the volume is readable;
 * *used names the key), PT_ENOKEY when none opens it, PT_EFORMAT when the
 * cipher or key derivation is one ptriage does not implement or exceeds
 * its limits (err says which). */
int pt_luks_unlock(pt_luks_t *l, const pt_key_t *keys, size_t n, const char **used, pt_err_t *err);

/* Decrypts n bytes (whole 512-byte sectors) in place with the volume key
 * (after pt_luks_unlock), the IV of the first sector being first. */
int pt_luks_decrypt(pt_luks_t *l, uint8_t *buf, size_t n, uint64_t first, pt_err_t *err);

/* The decrypted data area (after pt_luks_unlock). */
uint64_t pt_luks_size(const pt_luks_t *l);
ssize_t pt_luks_read(void *l, uint64_t off, uint8_t *buf, size_t len, pt_err_t *err);

#endif
