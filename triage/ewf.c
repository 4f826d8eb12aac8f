/* ewf.c - EWF evidence through libewf behind libtsk's external image
 * interface.  Owns the libewf handle, the libbfio pool of its segments and
 * their descriptors: libewf reads each segment through a handle of ours
 * over a descriptor opened O_RDONLY | O_NOATIME (libewf's own opens would
 * move the segments' access times).  Reads are serialised (libewf's handle
 * is not shared between threads). */
#include "ewf.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libbfio.h>
#define HAVE_LIBBFIO 1 /* declares libewf_handle_open_file_io_pool */
#include <libewf.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bfio.h"
#include "source.h"

#ifndef OPEN_MAX_SEGS
#define OPEN_MAX_SEGS 64 /* descriptors kept open at once: a set may have thousands of segments */
#endif

struct ewf_img;

typedef struct segment {
    struct ewf_img *x;
    char *path;
    int fd;                     /* -1 while closed */
    uint64_t size, used;        /* used: when last read, for closing the least recent */
} segment_t;

typedef struct ewf_img {
    TSK_IMG_INFO img;           /* first: libtsk sees only this */
    libewf_handle_t *handle;
    libbfio_pool_t *pool;       /* owns the libbfio handles over segs */
    segment_t *segs;
    int nsegs, nopen;
    uint64_t tick;
    pthread_mutex_t lock;
    uint32_t sector;
    uint64_t damaged_reads;     /* reads refused for a damaged chunk */
    char last[160];             /* the last such chunk, for the item's error */
} ewf_img_t;

static void ewf_msg(libewf_error_t **e, char *out, size_t size)
{
    out[0] = '\0';
    if (e && *e) {
        libewf_error_sprint(*e, out, size);
        libewf_error_free(e);
    }
    for (char *p = out; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
}

int pt_ewf_signature(const uint8_t *head, size_t len)
{
    /* EWF-E01/L01 and EWF2-Ex01/Lx01 segment signatures (libewf's own) */
    static const uint8_t sig[][8] = {{'E', 'V', 'F', 0x09, 0x0d, 0x0a, 0xff, 0x00},
                                     {'L', 'V', 'F', 0x09, 0x0d, 0x0a, 0xff, 0x00},
                                     {'E', 'V', 'F', '2', 0x0d, 0x0a, 0x81, 0x00},
                                     {'L', 'E', 'F', '2', 0x0d, 0x0a, 0x81, 0x00}};

    for (size_t i = 0; len >= 8 && i < sizeof sig / sizeof sig[0]; i++)
        if (memcmp(head, sig[i], 8) == 0)
            return 1;
    return 0;
}

/* The first damaged chunk that overlaps [off, off + len), if any: libewf
 * lists a chunk once it has read it and found its checksum wrong. */
static int damaged(ewf_img_t *x, uint64_t off, uint64_t len, uint64_t *first, uint64_t *count)
{
    uint32_t n = 0, i;
    libewf_error_t *e = NULL;

    if (libewf_handle_get_number_of_checksum_errors(x->handle, &n, &e) != 1) {
        libewf_error_free(&e);
        return 0;
    }
    for (i = 0; i < n; i++) {
        uint64_t s = 0, c = 0;
        if (libewf_handle_get_checksum_error(x->handle, i, &s, &c, &e) != 1) {
            libewf_error_free(&e);
            continue;
        }
        if (s * x->sector < off + len && (s + c) * x->sector > off) {
            *first = s;
            *count = c;
            return 1;
        }
    }
    return 0;
}

static ssize_t ewf_read(TSK_IMG_INFO *img, TSK_OFF_T off, char *buf, size_t len)
{
    ewf_img_t *x = (ewf_img_t *)img;
    libewf_error_t *e = NULL;
    uint64_t first = 0, count = 0;
    ssize_t got;
    char msg[512];

    if (off < 0 || off >= img->size)
        return 0;
    if (len > (uint64_t)(img->size - off))
        len = (size_t)(img->size - off);
    pthread_mutex_lock(&x->lock);
    got = libewf_handle_read_random(x->handle, buf, len, (off64_t)off, &e);
    if (got > 0 && damaged(x, (uint64_t)off, (uint64_t)got, &first, &count)) {
        /* libtsk's file reads carry on past a failed image read with what
         * the buffer holds, so the count is what tells an item it is hit */
        x->damaged_reads++;
        snprintf(x->last, sizeof x->last, "EWF chunk at sectors %" PRIu64 "-%" PRIu64 " fails its checksum",
                 first, first + count - 1);
        pthread_mutex_unlock(&x->lock);
        tsk_error_reset();
        tsk_error_set_errno(TSK_ERR_IMG_READ);
        tsk_error_set_errstr("%s: the acquired data there is damaged", x->last);
        return -1;
    }
    pthread_mutex_unlock(&x->lock);
    if (got < 0) {
        ewf_msg(&e, msg, sizeof msg);
        tsk_error_reset();
        tsk_error_set_errno(TSK_ERR_IMG_READ);
        tsk_error_set_errstr("libewf: read of %zu bytes at %" PRId64 " failed: %s", len, (int64_t)off, msg);
    }
    return got;
}

/* The handle, then the pool it read through, then the descriptors. */
static void release(ewf_img_t *x)
{
    libewf_error_t *e = NULL;
    libbfio_error_t *be = NULL;
    int i;

    if (x->handle) {
        libewf_handle_close(x->handle, &e);
        libewf_error_free(&e);
        libewf_handle_free(&x->handle, &e);
        libewf_error_free(&e);
    }
    if (x->pool) {
        libbfio_pool_close_all(x->pool, &be);
        libbfio_error_free(&be);
        libbfio_pool_free(&x->pool, &be);
        libbfio_error_free(&be);
    }
    for (i = 0; i < x->nsegs; i++) {
        if (x->segs[i].fd >= 0)
            close(x->segs[i].fd);
        free(x->segs[i].path);
    }
    free(x->segs);
    pthread_mutex_destroy(&x->lock);
    free(x);
}

static void ewf_close(TSK_IMG_INFO *img)
{
    release((ewf_img_t *)img);
}

/* Reads are serialised by the image's lock (libewf reads the pool from the
 * thread holding it), so the open descriptors need no lock of their own. */
static ssize_t seg_read(void *src, uint64_t off, uint8_t *buf, size_t len, pt_err_t *err)
{
    segment_t *s = src;
    struct ewf_img *x = s->x;
    ssize_t n;

    if (off >= s->size)
        return 0;
    if (s->fd < 0) {
        if (x->nopen >= OPEN_MAX_SEGS) {
            segment_t *old = NULL;
            for (int i = 0; i < x->nsegs; i++)
                if (x->segs[i].fd >= 0 && (!old || x->segs[i].used < old->used))
                    old = &x->segs[i];
            if (old) {
                close(old->fd);
                old->fd = -1;
                x->nopen--;
            }
        }
        if ((s->fd = pt_source_open_ro(AT_FDCWD, s->path, 0, NULL)) < 0)
            return pt_err_set(err, PT_EIO, "EWF segment '%s': %s", s->path, strerror(errno));
        x->nopen++;
    }
    s->used = ++x->tick;
    if (len > s->size - off)
        len = (size_t)(s->size - off);
    do
        n = pread(s->fd, buf, len, (off_t)off);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return pt_err_set(err, PT_EIO, "EWF segment: %s", strerror(errno));
    return n;
}

/* A libbfio pool of the n segments, each read through our own O_NOATIME
 * descriptor, in the order given (libewf's glob order). */
static int segment_pool(ewf_img_t *x, char **names, int n, pt_err_t *err)
{
    libbfio_error_t *be = NULL;
    int i;

    if (pt_bfio_check(err) != PT_OK)
        return PT_EFORMAT;
    if (!(x->segs = calloc((size_t)n, sizeof *x->segs)))
        return pt_err_set(err, PT_ENOMEM, "out of memory");
    for (i = 0; i < n; i++)
        x->segs[i].fd = -1;
    x->nsegs = n;
    if (libbfio_pool_initialize(&x->pool, 0, 0, &be) != 1) {
        libbfio_error_free(&be);
        return pt_err_set(err, PT_ENOMEM, "libbfio: cannot make a pool");
    }
    for (i = 0; i < n; i++) {
        struct stat st;
        pt_bfio_handle_t *h = NULL;
        int entry = 0, rc;
        /* opened when first read (stat moves no access time) */
        if (stat(names[i], &st) != 0)
            return pt_err_set(err, PT_EIO, "EWF segment '%s': %s", names[i], strerror(errno));
        if (!S_ISREG(st.st_mode))
            return pt_err_set(err, PT_EIO, "EWF segment '%s' is not a regular file", names[i]);
        x->segs[i].x = x;
        if (!(x->segs[i].path = strdup(names[i])))
            return pt_err_set(err, PT_ENOMEM, "out of memory");
        x->segs[i].size = (uint64_t)st.st_size;
        if ((rc = pt_bfio_open(seg_read, &x->segs[i], x->segs[i].size, &h, err)) != PT_OK)
            return rc;
        if (libbfio_pool_append_handle(x->pool, &entry, (libbfio_handle_t *)h, LIBBFIO_OPEN_READ, &be) != 1) {
            libbfio_error_free(&be);
            pt_bfio_free(h);
            return pt_err_set(err, PT_ENOMEM, "libbfio: cannot add segment %d to the pool", i + 1);
        }
    }
    return PT_OK;
}

/* The same lines as libtsk's EWF layer, which pt_source_stored_hashes reads. */
static void ewf_stat(TSK_IMG_INFO *img, FILE *f)
{
    ewf_img_t *x = (ewf_img_t *)img;
    libewf_error_t *e = NULL;
    uint8_t v[128];

    fprintf(f, "Image Type:\t\tewf\nSize of data in bytes:\t%" PRId64 "\n", (int64_t)img->size);
    if (libewf_handle_get_utf8_hash_value_md5(x->handle, v, sizeof v, &e) == 1)
        fprintf(f, "MD5 hash of data:\t%s\n", (char *)v);
    libewf_error_free(&e);
    if (libewf_handle_get_utf8_hash_value_sha1(x->handle, v, sizeof v, &e) == 1)
        fprintf(f, "SHA1 hash of data:\t%s\n", (char *)v);
    libewf_error_free(&e);
}

int pt_ewf_segment_number(const uint8_t *h, size_t len, unsigned *number)
{
    if (!pt_ewf_signature(h, len) || len < 16)
        return 0;
    /* EWF: the segment number follows the signature and a fields-start
     * byte; EWF2: it follows version and compression method */
    *number = h[3] == '2' ? (unsigned)(h[12] | h[13] << 8 | h[14] << 16 | (unsigned)h[15] << 24)
                          : (unsigned)(h[9] | h[10] << 8);
    return 1;
}

static TSK_IMG_INFO *ewf_open(const char *path, int in_tree, int *segments, pt_err_t *err);

TSK_IMG_INFO *pt_ewf_open(const char *path, int *segments, pt_err_t *err)
{
    return ewf_open(path, 0, segments, err);
}

TSK_IMG_INFO *pt_ewf_open_in_tree(const char *path, int *segments, pt_err_t *err)
{
    return ewf_open(path, 1, segments, err);
}

static TSK_IMG_INFO *ewf_open(const char *path, int in_tree, int *segments, pt_err_t *err)
{
    libewf_error_t *e = NULL;
    char **names = NULL, msg[512];
    int n = 0;
    ewf_img_t *x;
    size64_t size = 0;

    if (!(x = calloc(1, sizeof *x))) {
        pt_err_set(err, PT_ENOMEM, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&x->lock, NULL);
    /* x.E01 finds x.E02 ... until the first missing one, as libtsk did */
    if (libewf_glob(path, strlen(path), LIBEWF_FORMAT_UNKNOWN, &names, &n, &e) != 1) {
        ewf_msg(&e, msg, sizeof msg);
        pt_err_set(err, PT_EFORMAT, "evidence '%s': libewf cannot open it: %s", path, msg);
        goto fail;
    }
    if (in_tree && pt_source_set_in_tree(path, names, n, err) != PT_OK)
        goto fail;
    if (segment_pool(x, names, n, err) != PT_OK)
        goto fail;
    if (libewf_handle_initialize(&x->handle, &e) != 1 ||
        libewf_handle_open_file_io_pool(x->handle, x->pool, LIBEWF_OPEN_READ, &e) != 1 ||
        libewf_handle_get_media_size(x->handle, &size, &e) != 1 ||
        libewf_handle_get_bytes_per_sector(x->handle, &x->sector, &e) != 1) {
        ewf_msg(&e, msg, sizeof msg);
        pt_err_set(err, PT_EFORMAT, "evidence '%s': libewf cannot open it: %s", path, msg);
        goto fail;
    }
    /* a damaged chunk is an error here, never zeros; ask libewf not to
     * hide it (it zero-fills by default when the data cannot be used) */
    libewf_handle_set_read_zero_chunk_on_error(x->handle, 0, &e);
    libewf_error_free(&e);
    if (x->sector == 0 || x->sector > 65536 || size > (size64_t)INT64_MAX) {
        pt_err_set(err, PT_EFORMAT, "evidence '%s': EWF header gives %" PRIu32 " bytes per sector and %" PRIu64
                   " bytes of media", path, x->sector, (uint64_t)size);
        goto fail;
    }
    libewf_glob_free(names, n, &e);
    libewf_error_free(&e);
    names = NULL;
    if (!tsk_img_open_external(x, (TSK_OFF_T)size, x->sector, ewf_read, ewf_close, ewf_stat)) {
        pt_err_set(err, PT_ELIB, "evidence '%s': libtsk refused the EWF image", path);
        ewf_close(&x->img);
        return NULL;
    }
    *segments = n;
    return &x->img;
fail:
    if (names)
        libewf_glob_free(names, n, &e);
    libewf_error_free(&e);
    release(x);
    return NULL;
}

static ewf_img_t *as_ewf(TSK_IMG_INFO *img)
{
    return img && img->itype == TSK_IMG_TYPE_EXTERNAL && img->close == ewf_close ? (ewf_img_t *)img : NULL;
}

uint64_t pt_ewf_damaged_reads(TSK_IMG_INFO *img, char *last, size_t size)
{
    ewf_img_t *x = as_ewf(img);
    uint64_t n;

    if (!x)
        return 0;
    pthread_mutex_lock(&x->lock);
    n = x->damaged_reads;
    if (last && size)
        snprintf(last, size, "%s", x->last);
    pthread_mutex_unlock(&x->lock);
    return n;
}

int pt_ewf_damage_summary(TSK_IMG_INFO *img, char *msg, size_t size)
{
    ewf_img_t *x = as_ewf(img);
    libewf_error_t *e = NULL;
    uint32_t n = 0, i;
    size_t used;

    if (!x || size == 0)
        return 0;
    pthread_mutex_lock(&x->lock);
    if (libewf_handle_get_number_of_checksum_errors(x->handle, &n, &e) != 1 || n == 0) {
        libewf_error_free(&e);
        pthread_mutex_unlock(&x->lock);
        return 0;
    }
    snprintf(msg, size, "%" PRIu32 " EWF chunk(s) read fail their checksum (damaged acquisition data, not "
             "used): sectors", n);
    for (i = 0; i < n && (used = strlen(msg)) + 48 < size; i++) {
        uint64_t s = 0, c = 0;
        if (libewf_handle_get_checksum_error(x->handle, i, &s, &c, &e) == 1)
            snprintf(msg + used, size - used, "%s %" PRIu64 "-%" PRIu64, i ? "," : "", s, s + c - 1);
        libewf_error_free(&e);
    }
    if (i < n)
        snprintf(msg + strlen(msg), size - strlen(msg), ", ...");
    pthread_mutex_unlock(&x->lock);
    return (int)n;
}

int pt_ewf_range_damaged(TSK_IMG_INFO *img, uint64_t off, uint64_t len, char *msg, size_t size)
{
    ewf_img_t *x = as_ewf(img);
    uint64_t first = 0, count = 0;
    int hit;

    if (!x)
        return 0;
    pthread_mutex_lock(&x->lock);
    hit = damaged(x, off, len, &first, &count);
    pthread_mutex_unlock(&x->lock);
    if (hit && msg && size)
        snprintf(msg, size, "EWF chunk at sectors %" PRIu64 "-%" PRIu64 " fails its checksum", first,
                 first + count - 1);
    return hit;
}
