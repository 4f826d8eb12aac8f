/* hash.c - OpenSSL EVP adapter.  Owns the fetched EVP_MD objects and one
 * EVP_MD_CTX per enabled algorithm; converts OpenSSL's 1-on-success
 * convention into PT_E* codes here and nowhere else. */
#include "hash.h"

#include <openssl/evp.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Algorithm table: adding one is a row here plus a field in the result. */
static const struct {
    const char *name;      /* as given on the command line */
    const char *evp_name;  /* OpenSSL's name for EVP_MD_fetch */
    unsigned bit;
    size_t result_off;     /* where its hex string goes in pt_hash_result_t */
    size_t result_len;
} algs[] = {
    { "md5", "MD5", PT_HASH_MD5, offsetof(pt_hash_result_t, md5), 33 },
    { "sha1", "SHA1", PT_HASH_SHA1, offsetof(pt_hash_result_t, sha1), 41 },
    { "sha256", "SHA256", PT_HASH_SHA256, offsetof(pt_hash_result_t, sha256), 65 },
};
#define NALGS (sizeof algs / sizeof algs[0])

struct pt_hash {
    unsigned mask;
    EVP_MD *md[NALGS];
    EVP_MD_CTX *ctx[NALGS];
};

int pt_hash_parse_list(const char *list, unsigned *mask, pt_err_t *err)
{
    unsigned m = PT_HASH_SHA256;
    const char *p = list;

    while (p && *p) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p), i;
        for (i = 0; i < NALGS; i++)
            if (strlen(algs[i].name) == n && strncmp(algs[i].name, p, n) == 0)
                break;
        if (i == NALGS)
            return pt_err_set(err, PT_EINVAL,
                              "unknown hash '%.*s' (known: md5, sha1, sha256)", (int)n, p);
        m |= algs[i].bit;
        p = end ? end + 1 : NULL;
    }
    *mask = m;
    return PT_OK;
}

pt_hash_t *pt_hash_new(unsigned mask, pt_err_t *err)
{
    pt_hash_t *h = calloc(1, sizeof *h);
    size_t i;

    if (!h) {
        pt_err_set(err, PT_ENOMEM, "out of memory");
        return NULL;
    }
    h->mask = mask | PT_HASH_SHA256;
    for (i = 0; i < NALGS; i++) {
        if (!(h->mask & algs[i].bit))
            continue;
        /* Fetch once: an implicit fetch on every init costs more than
         * hashing a small file. */
        h->md[i] = EVP_MD_fetch(NULL, algs[i].evp_name, NULL);
        h->ctx[i] = EVP_MD_CTX_new();
        if (!h->md[i] || !h->ctx[i]) {
            pt_err_set(err, PT_ELIB, "OpenSSL cannot provide %s", algs[i].evp_name);
            pt_hash_free(h);
            return NULL;
        }
    }
    return h;
}

void pt_hash_free(pt_hash_t *h)
{
    size_t i;

    if (!h)
        return;
    for (i = 0; i < NALGS; i++) {
        EVP_MD_CTX_free(h->ctx[i]);
        EVP_MD_free(h->md[i]);
    }
    free(h);
}

int pt_hash_begin(pt_hash_t *h, pt_err_t *err)
{
    size_t i;

    for (i = 0; i < NALGS; i++)
        if (h->ctx[i] && EVP_DigestInit_ex(h->ctx[i], h->md[i], NULL) != 1)
            return pt_err_set(err, PT_ELIB, "EVP_DigestInit_ex(%s) failed", algs[i].evp_name);
    return PT_OK;
}

void pt_hash_update(pt_hash_t *h, const void *data, size_t len)
{
    size_t i;

    for (i = 0; i < NALGS; i++)
        if (h->ctx[i])
            EVP_DigestUpdate(h->ctx[i], data, len);
}

int pt_hash_end(pt_hash_t *h, pt_hash_result_t *out, pt_err_t *err)
{
    static const char hex[] = "0123456789abcdef";
    size_t i;

    memset(out, 0, sizeof *out);
    for (i = 0; i < NALGS; i++) {
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned int n = 0, j;
        char *dst = (char *)out + algs[i].result_off;

        if (!h->ctx[i])
            continue;
        if (EVP_DigestFinal_ex(h->ctx[i], md, &n) != 1 || 2 * (size_t)n + 1 != algs[i].result_len)
            return pt_err_set(err, PT_ELIB, "EVP_DigestFinal_ex(%s) failed", algs[i].evp_name);
        for (j = 0; j < n; j++) {
            dst[2 * j] = hex[md[j] >> 4];
            dst[2 * j + 1] = hex[md[j] & 15];
        }
        dst[2 * n] = '\0';
    }
    return PT_OK;
}

int pt_hash_file_sha256(const char *path, char out[65], pt_err_t *err)
{
    pt_hash_t *h = pt_hash_new(PT_HASH_SHA256, err);
    pt_hash_result_t r;
    unsigned char buf[1 << 16];
    size_t got;
    FILE *f;
    int rc;

    if (!h)
        return PT_ENOMEM;
    if (!(f = fopen(path, "rb"))) {
        rc = pt_err_set(err, PT_EIO, "%s: %s", path, strerror(errno));
        goto out;
    }
    if ((rc = pt_hash_begin(h, err)) != PT_OK)
        goto out;
    while ((got = fread(buf, 1, sizeof buf, f)) > 0)
        pt_hash_update(h, buf, got);
    if (ferror(f)) {
        rc = pt_err_set(err, PT_EIO, "%s: read error", path);
        goto out;
    }
    if ((rc = pt_hash_end(h, &r, err)) == PT_OK)
        memcpy(out, r.sha256, 65);
out:
    if (f)
        fclose(f);
    pt_hash_free(h);
    return rc;
}
