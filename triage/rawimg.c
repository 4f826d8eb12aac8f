/* rawimg.c - raw and split raw evidence behind libtsk's external image
 * interface.  libtsk finds the segments (x.001, x.002, ...); this module
 * opens them itself so that every descriptor on the evidence is
 * O_RDONLY | O_NOATIME: reading must not even change an access time.
 * Owns the segment descriptors (at most RAW_OPEN_MAX open at once, so a
 * split image of thousands of segments stays under the fd limit); reads
 * are pread(2) under one lock.  Never writes, never locks the files. */
#include "rawimg.h"

#include "source.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { RAW_OPEN_MAX = 64 };

typedef struct raw_seg {
    char *path;
    uint64_t start, size;
    int fd;                     /* -1 while closed */
} raw_seg_t;

typedef struct raw_img {
    TSK_IMG_INFO img;           /* first: libtsk sees only this */
    raw_seg_t *seg;
    int n, open, victim;        /* segments, open descriptors, next to close */
    int noatime;                /* 1 when every open got O_NOATIME */
    pthread_mutex_t lock;
} raw_img_t;

static int seg_fd(raw_img_t *x, int i)
{
    if (x->seg[i].fd >= 0)
        return x->seg[i].fd;
    while (x->open >= RAW_OPEN_MAX) { /* round robin: evidence is read mostly in order */
        x->victim = (x->victim + 1) % x->n;
        if (x->seg[x->victim].fd >= 0 && x->victim != i) {
            close(x->seg[x->victim].fd);
            x->seg[x->victim].fd = -1;
            x->open--;
        }
    }
    if ((x->seg[i].fd = pt_source_open_ro(AT_FDCWD, x->seg[i].path, 0, &x->noatime)) >= 0)
        x->open++;
    return x->seg[i].fd;
}

static ssize_t raw_read(TSK_IMG_INFO *img, TSK_OFF_T off, char *buf, size_t len)
{
    raw_img_t *x = (raw_img_t *)img;
    size_t done = 0;
    int lo = 0, hi;

    if (off < 0 || off >= img->size)
        return 0;
    if (len > (uint64_t)(img->size - off))
        len = (size_t)(img->size - off);
    pthread_mutex_lock(&x->lock);
    hi = x->n - 1; /* the last segment starting at or before off */
    while (lo < hi) {
        int mid = lo + (hi - lo + 1) / 2;
        if (x->seg[mid].start <= (uint64_t)off)
            lo = mid;
        else
            hi = mid - 1;
    }
    while (done < len && lo < x->n) {
        raw_seg_t *s = &x->seg[lo];
        uint64_t at = (uint64_t)off + done - s->start;
        size_t want = len - done;
        ssize_t got;
        int fd;

        if (at >= s->size) {
            lo++;
            continue;
        }
        if (want > s->size - at)
            want = (size_t)(s->size - at);
        if ((fd = seg_fd(x, lo)) < 0 || (got = pread(fd, buf + done, want, (off_t)at)) < 0) {
            int e = errno;
            pthread_mutex_unlock(&x->lock);
            tsk_error_reset();
            tsk_error_set_errno(TSK_ERR_IMG_READ);
            tsk_error_set_errstr("%s: read of %zu bytes at %" PRIu64 " failed: %s", s->path, want, at,
                                 strerror(e));
            return -1;
        }
        if (got == 0) /* the segment shrank since it was opened */
            break;
        done += (size_t)got;
    }
    pthread_mutex_unlock(&x->lock);
    return (ssize_t)done;
}

ssize_t pt_rawimg_read(void *img, uint64_t off, uint8_t *buf, size_t len, pt_err_t *err)
{
    ssize_t got = raw_read(img, (TSK_OFF_T)off, (char *)buf, len);

    if (got < 0)
        pt_err_set(err, PT_EIO, "%s", tsk_error_get_errstr());
    return got;
}

static void raw_close(TSK_IMG_INFO *img)
{
    raw_img_t *x = (raw_img_t *)img;

    for (int i = 0; i < x->n; i++) {
        if (x->seg[i].fd >= 0)
            close(x->seg[i].fd);
        free(x->seg[i].path);
    }
    free(x->seg);
    pthread_mutex_destroy(&x->lock);
    free(x);
}

static void raw_stat(TSK_IMG_INFO *img, FILE *f)
{
    raw_img_t *x = (raw_img_t *)img;

    fprintf(f, "Image Type:\t\traw\nSize in bytes:\t%" PRId64 "\n", (int64_t)img->size);
    for (int i = 0; i < x->n; i++)
        fprintf(f, "%s  (%" PRIu64 " to %" PRIu64 ")\n", x->seg[i].path, x->seg[i].start,
                x->seg[i].start + x->seg[i].size - 1);
}

TSK_IMG_INFO *pt_rawimg_open(const char *const *names, int n, unsigned sector_size, pt_err_t *err)
{
    raw_img_t *x;
    uint64_t total = 0;
    int i;

    if (n <= 0) {
        pt_err_set(err, PT_EINVAL, "raw image: no segment");
        return NULL;
    }
    if (!(x = calloc(1, sizeof *x)) || !(x->seg = calloc((size_t)n, sizeof *x->seg))) {
        free(x);
        pt_err_set(err, PT_ENOMEM, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&x->lock, NULL);
    x->noatime = 1;
    for (i = 0; i < n; i++)
        x->seg[i].fd = -1;
    x->n = n;
    for (i = 0; i < n; i++) {
        raw_seg_t *s = &x->seg[i];
        off_t end;
        int fd;

        if (!(s->path = strdup(names[i]))) {
            pt_err_set(err, PT_ENOMEM, "out of memory");
            goto fail;
        }
        /* lseek, not st_size: a block device has st_size 0 */
        if ((fd = seg_fd(x, i)) < 0 || (end = lseek(fd, 0, SEEK_END)) < 0) {
            pt_err_set(err, PT_EIO, "evidence segment '%s': %s", s->path, strerror(errno));
            goto fail;
        }
        s->start = total;
        s->size = (uint64_t)end;
        if (s->size > (uint64_t)INT64_MAX - total) {
            pt_err_set(err, PT_EFORMAT, "evidence '%s': segments add up to more than 2^63 bytes", names[0]);
            goto fail;
        }
        total += s->size;
    }
    if (!tsk_img_open_external(x, (TSK_OFF_T)total, sector_size ? sector_size : 512, raw_read, raw_close,
                               raw_stat)) {
        pt_err_set(err, PT_ELIB, "evidence '%s': libtsk refused the raw image", names[0]);
        raw_close(&x->img);
        return NULL;
    }
    return &x->img;
fail:
    raw_close(&x->img);
    return NULL;
}

int pt_rawimg_noatime(TSK_IMG_INFO *img)
{
    return img && img->itype == TSK_IMG_TYPE_EXTERNAL && img->close == raw_close ? ((raw_img_t *)img)->noatime
                                                                                   : 0;
}
