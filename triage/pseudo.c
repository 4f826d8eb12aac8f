/* pseudo.c - the per-case pseudonym key and HMAC-SHA256 pseudonyms.  Owns
 * nothing beyond a call; writes only OUTDIR/pseudonym.key. */
#include "pseudo.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int key_path(const char *outdir, char *buf, size_t size)
{
    return snprintf(buf, size, "%s/%s", outdir, PT_PSEUDO_KEY_FILE) < (int)size ? 0 : -1;
}

int pt_pseudo_key_create(const char *outdir, pt_err_t *err)
{
    char path[4096], hex[65];
    uint8_t k[32];
    int fd, i;
    ssize_t w;

    if (key_path(outdir, path, sizeof path) != 0)
        return pt_err_set(err, PT_EINVAL, "%s: path too long", outdir);
    if (RAND_bytes(k, sizeof k) != 1)
        return pt_err_set(err, PT_ELIB, "OpenSSL RAND_bytes failed: no pseudonym key");
    for (i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", k[i]);
    hex[64] = '\n';
    if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0)
        return pt_err_set(err, PT_EIO, "%s: %s", path, strerror(errno));
    w = write(fd, hex, 65);
    if (w != 65 || fsync(fd) != 0) {
        close(fd);
        return pt_err_set(err, PT_EIO, "%s: write failed", path);
    }
    close(fd);
    return PT_OK;
}

int pt_pseudo_key_load(const char *outdir, pt_pseudo_key_t *key, pt_err_t *err)
{
    char path[4096], hex[80];
    FILE *f;
    size_t n;
    int i;

    if (key_path(outdir, path, sizeof path) != 0)
        return pt_err_set(err, PT_EINVAL, "%s: path too long", outdir);
    if (!(f = fopen(path, "r")))
        return pt_err_set(err, errno == ENOENT ? PT_ENOENT : PT_EIO, "%s: %s", path, strerror(errno));
    n = fread(hex, 1, sizeof hex - 1, f);
    fclose(f);
    hex[n] = '\0';
    if (n < 64)
        return pt_err_set(err, PT_EFORMAT, "%s: not a 64-digit hex key", path);
    for (i = 0; i < 32; i++) {
        unsigned v;
        if (sscanf(hex + 2 * i, "%2x", &v) != 1)
            return pt_err_set(err, PT_EFORMAT, "%s: not a 64-digit hex key", path);
        key->k[i] = (uint8_t)v;
    }
    return PT_OK;
}

void pt_pseudo_name(const pt_pseudo_key_t *key, const char *evidence, const char *volume, const char *path,
                    char out[PT_PSEUDO_LEN])
{
    static const char hexd[] = "0123456789abcdef";
    /* The three fields are joined with NUL bytes, which none can contain. */
    size_t le = strlen(evidence), lv = strlen(volume), lp = strlen(path), n = le + lv + lp + 2;
    uint8_t mac[EVP_MAX_MD_SIZE], stackbuf[4096], *msg = n <= sizeof stackbuf ? stackbuf : malloc(n);
    unsigned len = 0, i;

    if (msg) {
        memcpy(msg, evidence, le + 1);
        memcpy(msg + le + 1, volume, lv + 1);
        memcpy(msg + le + lv + 2, path, lp);
        if (!HMAC(EVP_sha256(), key->k, sizeof key->k, msg, n, mac, &len))
            len = 0;
        if (msg != stackbuf)
            free(msg);
    }
    out[0] = 'P';
    out[1] = '-';
    for (i = 0; i < 10; i++) { /* all zeros only if OpenSSL failed: never a real name */
        out[2 + 2 * i] = len ? hexd[mac[i] >> 4] : '0';
        out[3 + 2 * i] = len ? hexd[mac[i] & 15] : '0';
    }
    out[PT_PSEUDO_LEN - 1] = '\0';
}
