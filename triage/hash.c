/* hash.c - OpenSSL EVP adapter.  Owns the fetched EVP_MD objects and one
 * EVP_MD_CTX per enabled algorithm; converts OpenSSL's 1-on-success
 * convention into PT_E* codes here and nowhere else.  With more than one
 * algorithm, large blocks are split across two threads: SHA-256 on the
 * caller's, the others (MD5 is the slowest, about 0.6 GB/s) on a helper
 * thread the hasher owns, started on first use. */
#include "hash.h"

#include <openssl/evp.h>
#include <errno.h>
#include <pthread.h>
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

#define SHA256_IDX 2
#define PARALLEL_MIN (32u << 10) /* smaller blocks: the hand-over costs more than it saves */

struct pt_hash {
    unsigned mask;
    EVP_MD *md[NALGS];
    EVP_MD_CTX *ctx[NALGS];
    /* the helper thread, for every algorithm but SHA-256 */
    int helper_state;           /* 0: not started, 1: running, -1: could not start */
    pthread_t helper;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    const void *job;            /* the block the helper is hashing, NULL when idle */
    size_t job_len;
    int posted, stop;
};

static void update_algs(pt_hash_t *h, int helper_part, const void *data, size_t len)
{
    for (size_t i = 0; i < NALGS; i++)
        if (h->ctx[i] && (i != SHA256_IDX) == helper_part)
            EVP_DigestUpdate(h->ctx[i], data, len);
}

static void *helper_main(void *arg)
{
    pt_hash_t *h = arg;

    pthread_mutex_lock(&h->mu);
    for (;;) {
        while (!h->job && !h->stop)
            pthread_cond_wait(&h->cv, &h->mu);
        if (!h->job)
            break;
        pthread_mutex_unlock(&h->mu);
        update_algs(h, 1, h->job, h->job_len);
        pthread_mutex_lock(&h->mu);
        h->job = NULL;
        pthread_cond_broadcast(&h->cv);
    }
    pthread_mutex_unlock(&h->mu);
    return NULL;
}

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
    pthread_mutex_init(&h->mu, NULL);
    pthread_cond_init(&h->cv, NULL);
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
    if (h->helper_state == 1) {
        pthread_mutex_lock(&h->mu);
        h->stop = 1;
        pthread_cond_broadcast(&h->cv);
        pthread_mutex_unlock(&h->mu);
        pthread_join(h->helper, NULL);
    }
    pthread_mutex_destroy(&h->mu);
    pthread_cond_destroy(&h->cv);
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

void pt_hash_update_start(pt_hash_t *h, const void *data, size_t len)
{
    h->posted = 0;
    if (len >= PARALLEL_MIN && (h->mask & ~(unsigned)PT_HASH_SHA256) && h->helper_state >= 0) {
        if (h->helper_state == 0)
            h->helper_state = pthread_create(&h->helper, NULL, helper_main, h) == 0 ? 1 : -1;
        if (h->helper_state == 1) {
            pthread_mutex_lock(&h->mu);
            h->job = data;
            h->job_len = len;
            pthread_cond_broadcast(&h->cv);
            pthread_mutex_unlock(&h->mu);
            h->posted = 1;
            update_algs(h, 0, data, len);
            return;
        }
    }
    update_algs(h, 0, data, len);
    update_algs(h, 1, data, len);
}

void pt_hash_update_wait(pt_hash_t *h)
{
    if (!h->posted)
        return;
    pthread_mutex_lock(&h->mu);
    while (h->job)
        pthread_cond_wait(&h->cv, &h->mu);
    pthread_mutex_unlock(&h->mu);
    h->posted = 0;
}

void pt_hash_update(pt_hash_t *h, const void *data, size_t len)
{
    pt_hash_update_start(h, data, len);
    pt_hash_update_wait(h);
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

int pt_hash_buf_sha256(const void *buf, size_t len, char out[65], pt_err_t *err)
{
    pt_hash_t *h = pt_hash_new(PT_HASH_SHA256, err);
    pt_hash_result_t r;
    int rc;

    if (!h)
        return PT_ENOMEM;
    if ((rc = pt_hash_begin(h, err)) == PT_OK) {
        pt_hash_update(h, buf, len);
        if ((rc = pt_hash_end(h, &r, err)) == PT_OK)
            memcpy(out, r.sha256, 65);
    }
    pt_hash_free(h);
    return rc;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

int pt_hash_unhex(const char *s, size_t len, uint8_t *out)
{
    size_t i;
    for (i = 0; i < len; i++) {
        int h = hexval((unsigned char)s[2 * i]), l = hexval((unsigned char)s[2 * i + 1]);
        if (h < 0 || l < 0)
            return 0;
        out[i] = (uint8_t)(h << 4 | l);
    }
    return 1;
}
