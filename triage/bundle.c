/* bundle.c - sparse bundles: Info.plist, then the bands on demand.  Owns
 * its directory name and the band file open now. */
#include "bundle.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "plist.h"
#include "reader.h"
#include "source.h"

#define PLIST_MAX (64u << 10)

struct pt_bundle {
    pt_files_t *f;
    char *dir;
    uint64_t size, band;
    pthread_mutex_t lock;
    uint64_t cur;               /* the band open (UINT64_MAX: none) */
    int cur_missing;            /* that band has no file: zeros */
    pt_read_fn fn;
    void *src;
    uint64_t cur_size;
};

int pt_bundle_named(const char *path)
{
    size_t n = strlen(path);

    return n > 13 && strcasecmp(path + n - 13, ".sparsebundle") == 0;
}

int pt_bundle_is_band(const char *path)
{
    const char *slash = strrchr(path, '/');
    size_t n;

    if (!slash || slash - path < 19 || strncmp(slash - 6, "/bands", 6) != 0)
        return 0;
    n = (size_t)(slash - 6 - path);
    return n >= 13 && strncasecmp(path + n - 13, ".sparsebundle", 13) == 0;
}

static int read_small(pt_files_t *f, const char *path, uint8_t *buf, size_t size, size_t *len, pt_err_t *err)
{
    pt_read_fn fn;
    void *src;
    uint64_t n;
    int rc;

    if ((rc = pt_files_open_one(f, path, &fn, &src, &n, err)) != PT_OK)
        return rc;
    *len = n < size ? (size_t)n : size;
    rc = pt_read_exact(fn, src, 0, buf, *len, err);
    pt_files_close_one(f, src);
    return rc;
}

int pt_bundle_open(pt_files_t *f, const char *dir, pt_bundle_t **out, char *desc, size_t dsize, pt_err_t *err)
{
    uint8_t *pl = malloc(PLIST_MAX), head[8];
    char path[4096], type[128];
    size_t len = 0;
    uint64_t size = 0, band = 0, version = 0;
    pt_bundle_t *b;
    int rc;

    *out = NULL;
    if (!pl)
        return pt_err_set(err, PT_ENOMEM, "out of memory");
    snprintf(path, sizeof path, "%s/Info.plist", dir);
    if ((rc = read_small(f, path, pl, PLIST_MAX, &len, err)) != PT_OK) {
        free(pl);
        return pt_err_set(err, PT_EFORMAT, "sparse bundle without a readable Info.plist: %s", err->msg);
    }
    pt_plist_string(pl, len, "diskimage-bundle-type", type, sizeof type);
    pt_plist_integer(pl, len, "size", &size);
    pt_plist_integer(pl, len, "band-size", &band);
    pt_plist_integer(pl, len, "bundle-backingstore-version", &version);
    free(pl);
    if (!strstr(type, "sparsebundle"))
        return pt_err_set(err, PT_EFORMAT, "Info.plist does not describe a sparse bundle (diskimage-bundle-type "
                          "'%.100s')", type);
    if (size == 0 || size > ((uint64_t)1 << 50) || band < 4096 || band > ((uint64_t)1 << 30) || band % 512)
        return pt_err_set(err, PT_EFORMAT, "sparse bundle Info.plist gives size %" PRIu64 " and band-size %" PRIu64
                          ": not what hdiutil writes", size, band);
    /* an encrypted bundle's bands are AES ciphertext behind an encrcdsa header */
    snprintf(path, sizeof path, "%s/bands/0", dir);
    pt_err_t herr = { 0, "" };
    if (read_small(f, path, head, sizeof head, &len, &herr) == PT_OK && len == 8 && memcmp(head, "encrcdsa", 8) == 0)
        return pt_err_set(err, PT_EFORMAT, "encrypted sparse bundle (AES, an \"encrcdsa\" header in band 0): its "
                          "disk is not readable without its password; the bands are listed as files");
    if (!(b = calloc(1, sizeof *b)) || !(b->dir = strdup(dir))) {
        free(b);
        return pt_err_set(err, PT_ENOMEM, "out of memory");
    }
    b->f = f;
    b->size = size;
    b->band = band;
    b->cur = UINT64_MAX;
    pthread_mutex_init(&b->lock, NULL);
    if (desc)
        snprintf(desc, dsize, "Apple sparse bundle, %" PRIu64 " bytes in bands of %" PRIu64 " bytes (backing store "
                 "version %" PRIu64 ")", size, band, version);
    *out = b;
    return PT_OK;
}

TSK_IMG_INFO *pt_bundle_img(pt_files_t *f, const char *dir, char *desc, size_t dsize, pt_err_t *err)
{
    pt_bundle_t *b = NULL;
    TSK_IMG_INFO *img;

    if (pt_bundle_open(f, dir, &b, desc, dsize, err) != PT_OK)
        return NULL;
    if (!(img = pt_source_img_owning(pt_bundle_read, b, b->size, 512, pt_bundle_free))) {
        pt_bundle_free(b);
        pt_err_set(err, PT_ENOMEM, "out of memory");
    }
    return img;
}

void pt_bundle_free(void *p)
{
    pt_bundle_t *b = p;

    if (!b)
        return;
    pt_files_close_one(b->f, b->src);
    pthread_mutex_destroy(&b->lock);
    free(b->dir);
    free(b);
}

uint64_t pt_bundle_size(const pt_bundle_t *b)
{
    return b->size;
}

/* Makes band k the open one (under the lock). */
static int open_band(pt_bundle_t *b, uint64_t k, pt_err_t *err)
{
    char path[4096];
    int rc;

    if (b->cur == k)
        return PT_OK;
    pt_files_close_one(b->f, b->src);
    b->src = NULL;
    b->cur = UINT64_MAX;
    snprintf(path, sizeof path, "%s/bands/%" PRIx64, b->dir, k);
    rc = pt_files_open_one(b->f, path, &b->fn, &b->src, &b->cur_size, err);
    if (rc == PT_ENOENT) {
        b->cur_missing = 1; /* never written: zeros */
        b->src = NULL;
    } else if (rc != PT_OK) {
        b->src = NULL;
        return rc;
    } else {
        b->cur_missing = 0;
    }
    b->cur = k;
    return PT_OK;
}

ssize_t pt_bundle_read(void *p, uint64_t off, uint8_t *buf, size_t len, pt_err_t *err)
{
    pt_bundle_t *b = p;
    size_t done = 0;

    if (off >= b->size)
        return 0;
    if (len > b->size - off)
        len = (size_t)(b->size - off);
    pthread_mutex_lock(&b->lock);
    while (done < len) {
        uint64_t k = (off + done) / b->band, in = (off + done) % b->band;
        size_t n = (size_t)(b->band - in) < len - done ? (size_t)(b->band - in) : len - done, have = 0;
        if (open_band(b, k, err) != PT_OK)
            break;
        if (!b->cur_missing && in < b->cur_size) {
            have = (size_t)(b->cur_size - in) < n ? (size_t)(b->cur_size - in) : n;
            if (pt_read_exact(b->fn, b->src, in, buf + done, have, err) != PT_OK)
                break;
        }
        memset(buf + done + have, 0, n - have); /* past the band file's end */
        done += n;
    }
    pthread_mutex_unlock(&b->lock);
    return done ? (ssize_t)done : -1;
}
