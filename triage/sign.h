/* sign.h - detached signature of a case directory's SHA256SUMS (OpenSSL).
 *
 * `--sign KEY.pem` (a PEM private key: RSA, EC or Ed25519) writes
 * OUTDIR/SHA256SUMS.sig (the raw signature; SHA-256 digest for RSA and EC)
 * and OUTDIR/SHA256SUMS.pub (the PEM public key, so a reader knows which
 * key signed).  The signature can be checked without ptriage:
 *   openssl dgst -sha256 -verify SHA256SUMS.pub -signature SHA256SUMS.sig SHA256SUMS
 * Signing SHA256SUMS signs every output, since it lists their SHA-256. */
#ifndef PT_SIGN_H
#define PT_SIGN_H

#include "err.h"

#define PT_SIGN_SIG "SHA256SUMS.sig"
#define PT_SIGN_PUB "SHA256SUMS.pub"

/* Signs outdir/SHA256SUMS with the private key in key_path. */
int pt_sign_write(const char *outdir, const char *key_path, pt_err_t *err);

/* Removes a signature left by an earlier run (the sums it signed are gone). */
void pt_sign_remove(const char *outdir);

/* Checks outdir/SHA256SUMS.sig with the public key in pub_path (or, when
 * NULL, with outdir/SHA256SUMS.pub).  fpr receives the SHA-256 fingerprint
 * of the key's DER form (65 bytes).  Returns PT_OK when the signature
 * verifies, PT_ENOENT when the case is unsigned, PT_EFORMAT when it does not
 * verify, another code on failure; err says why. */
int pt_sign_verify(const char *outdir, const char *pub_path, char fpr[65], pt_err_t *err);

#endif
