/* sign.c - signing and checking SHA256SUMS with OpenSSL's EVP_DigestSign.
 * The one adapter for OpenSSL's key and signature calls (1 = success).
 * Reads the key file and the case directory; writes only the two files
 * named in sign.h. */
#include "sign.h"

#include <errno.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "file.h"

static int ossl_err(pt_err_t *err, int code, const char *what)
{
    char buf[256];
    unsigned long e = ERR_get_error();

    ERR_error_string_n(e, buf, sizeof buf);
    ERR_clear_error();
    return pt_err_set(err, code, "%s: %s", what, e ? buf : "OpenSSL failure");
}

/* Ed25519/Ed448 sign the message itself; RSA and EC a SHA-256 digest. */
static const EVP_MD *digest_for(EVP_PKEY *k)
{
    return EVP_PKEY_get_id(k) == EVP_PKEY_ED25519 || EVP_PKEY_get_id(k) == EVP_PKEY_ED448 ? NULL : EVP_sha256();
}

static int write_file(const char *path, const void *data, size_t len, pt_err_t *err)
{
    FILE *f = fopen(path, "wb");

    if (!f)
        return pt_err_set(err, PT_EIO, "%s: %s", path, strerror(errno));
    if (fwrite(data, 1, len, f) != len || fclose(f) != 0) {
        remove(path);
        return pt_err_set(err, PT_EIO, "%s: write failed", path);
    }
    return PT_OK;
}

void pt_sign_remove(const char *outdir)
{
    char path[4096];

    snprintf(path, sizeof path, "%s/%s", outdir, PT_SIGN_SIG);
    remove(path);
    snprintf(path, sizeof path, "%s/%s", outdir, PT_SIGN_PUB);
    remove(path);
}

int pt_sign_write(const char *outdir, const char *key_path, pt_err_t *err)
{
    char path[4096];
    unsigned char *msg = NULL, *sig = NULL, *pub = NULL;
    size_t len = 0, siglen = 0;
    EVP_PKEY *key = NULL;
    EVP_MD_CTX *md = NULL;
    BIO *bio = NULL;
    FILE *kf;
    long publen;
    int rc;

    if (!(kf = fopen(key_path, "r")))
        return pt_err_set(err, PT_ENOENT, "signing key %s: %s", key_path, strerror(errno));
    key = PEM_read_PrivateKey(kf, NULL, NULL, NULL);
    fclose(kf);
    if (!key)
        return ossl_err(err, PT_EFORMAT, "signing key: not a PEM private key (or it needs a passphrase)");
    snprintf(path, sizeof path, "%s/SHA256SUMS", outdir);
    if ((rc = pt_file_read_all(path, (char **)&msg, &len, err)) != PT_OK)
        goto out;
    if (!(md = EVP_MD_CTX_new()) || EVP_DigestSignInit(md, NULL, digest_for(key), NULL, key) != 1 ||
        EVP_DigestSign(md, NULL, &siglen, msg, len) != 1 || !(sig = malloc(siglen)) ||
        EVP_DigestSign(md, sig, &siglen, msg, len) != 1) {
        rc = ossl_err(err, PT_ELIB, "signing SHA256SUMS");
        goto out;
    }
    snprintf(path, sizeof path, "%s/%s", outdir, PT_SIGN_SIG);
    if ((rc = write_file(path, sig, siglen, err)) != PT_OK)
        goto out;
    if (!(bio = BIO_new(BIO_s_mem())) || PEM_write_bio_PUBKEY(bio, key) != 1 ||
        (publen = BIO_get_mem_data(bio, (char **)&pub)) <= 0) {
        rc = ossl_err(err, PT_ELIB, "writing the public key");
        goto out;
    }
    snprintf(path, sizeof path, "%s/%s", outdir, PT_SIGN_PUB);
    rc = write_file(path, pub, (size_t)publen, err);
out:
    BIO_free(bio);
    EVP_MD_CTX_free(md);
    EVP_PKEY_free(key);
    free(sig);
    free(msg);
    return rc;
}

static void fingerprint(EVP_PKEY *k, char fpr[65])
{
    unsigned char *der = NULL, md[32];
    unsigned mdlen = 0, i;
    int n = i2d_PUBKEY(k, &der);

    fpr[0] = '\0';
    if (n > 0 && EVP_Digest(der, (size_t)n, md, &mdlen, EVP_sha256(), NULL) == 1)
        for (i = 0; i < 32; i++)
            snprintf(fpr + 2 * i, 3, "%02x", md[i]);
    OPENSSL_free(der);
}

int pt_sign_verify(const char *outdir, const char *pub_path, char fpr[65], pt_err_t *err)
{
    char path[4096];
    unsigned char *msg = NULL, *sig = NULL;
    size_t len = 0, siglen = 0;
    EVP_PKEY *key = NULL;
    EVP_MD_CTX *md = NULL;
    FILE *kf;
    int rc, ok;

    fpr[0] = '\0';
    snprintf(path, sizeof path, "%s/%s", outdir, PT_SIGN_SIG);
    if ((rc = pt_file_read_all(path, (char **)&sig, &siglen, err)) != PT_OK) {
        if (rc == PT_ENOENT)
            pt_err_set(err, PT_ENOENT, "the case is not signed (no %s)", PT_SIGN_SIG);
        return rc;
    }
    if (!pub_path) {
        snprintf(path, sizeof path, "%s/%s", outdir, PT_SIGN_PUB);
        pub_path = path;
    }
    if (!(kf = fopen(pub_path, "r"))) {
        rc = pt_err_set(err, PT_EIO, "public key %s: %s", pub_path, strerror(errno));
        goto out;
    }
    key = PEM_read_PUBKEY(kf, NULL, NULL, NULL);
    fclose(kf);
    if (!key) {
        rc = ossl_err(err, PT_EFORMAT, "public key: not a PEM public key");
        goto out;
    }
    fingerprint(key, fpr);
    snprintf(path, sizeof path, "%s/SHA256SUMS", outdir);
    if ((rc = pt_file_read_all(path, (char **)&msg, &len, err)) != PT_OK)
        goto out;
    if (!(md = EVP_MD_CTX_new()) || EVP_DigestVerifyInit(md, NULL, digest_for(key), NULL, key) != 1) {
        rc = ossl_err(err, PT_ELIB, "signature check");
        goto out;
    }
    ok = EVP_DigestVerify(md, sig, siglen, msg, len);
    ERR_clear_error();
    rc = ok == 1 ? PT_OK
                 : pt_err_set(err, PT_EFORMAT, "the signature does not match SHA256SUMS and key %.16s...", fpr);
out:
    EVP_MD_CTX_free(md);
    EVP_PKEY_free(key);
    free(sig);
    free(msg);
    return rc;
}
