/* bfio.c - libbfio handles over ptriage read functions.  Each handle owns a
 * small state (read function, source, size, position); libbfio frees it with
 * the handle. */
#include "bfio.h"

#include <dlfcn.h>
#include <libbfio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct io {
    pt_read_fn fn;
    void *src;
    uint64_t size, pos;
    int open;
} io_t;

static int io_free(intptr_t **h, libbfio_error_t **e)
{
    (void)e;
    free(*h);
    *h = NULL;
    return 1;
}

static int io_clone(intptr_t **dst, intptr_t *src, libbfio_error_t **e)
{
    io_t *c = malloc(sizeof *c);

    (void)e;
    if (!c)
        return -1;
    *c = *(io_t *)src;
    c->pos = 0;
    c->open = 0;
    *dst = (intptr_t *)c;
    return 1;
}

static int io_open(intptr_t *h, int flags, libbfio_error_t **e)
{
    (void)e;
    if (flags & LIBBFIO_ACCESS_FLAG_WRITE)
        return -1; /* evidence is never written */
    ((io_t *)h)->open = 1;
    ((io_t *)h)->pos = 0;
    return 1;
}

static int io_close(intptr_t *h, libbfio_error_t **e)
{
    (void)e;
    ((io_t *)h)->open = 0;
    return 0;
}

static ssize_t io_read(intptr_t *h, uint8_t *buf, size_t len, libbfio_error_t **e)
{
    io_t *io = (io_t *)h;
    pt_err_t err = { 0, "" };
    size_t done = 0;

    (void)e;
    if (io->pos >= io->size)
        return 0;
    if (len > io->size - io->pos)
        len = (size_t)(io->size - io->pos);
    while (done < len) { /* the libraries expect whole reads */
        ssize_t n = io->fn(io->src, io->pos, buf + done, len - done, &err);
        if (n < 0)
            return -1;
        if (n == 0)
            break;
        done += (size_t)n;
        io->pos += (uint64_t)n;
    }
    return (ssize_t)done;
}

static ssize_t io_write(intptr_t *h, const uint8_t *buf, size_t len, libbfio_error_t **e)
{
    (void)h, (void)buf, (void)len, (void)e;
    return -1;
}

static off64_t io_seek(intptr_t *h, off64_t off, int whence, libbfio_error_t **e)
{
    io_t *io = (io_t *)h;
    int64_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? (int64_t)io->pos : (int64_t)io->size;

    (void)e;
    if (off < 0 && -off > base)
        return -1;
    io->pos = (uint64_t)(base + off);
    return (off64_t)io->pos;
}

static int io_exists(intptr_t *h, libbfio_error_t **e)
{
    (void)h, (void)e;
    return 1;
}

static int io_is_open(intptr_t *h, libbfio_error_t **e)
{
    (void)e;
    return ((io_t *)h)->open;
}

static int io_get_size(intptr_t *h, size64_t *size, libbfio_error_t **e)
{
    (void)e;
    *size = ((io_t *)h)->size;
    return 1;
}

int pt_bfio_open(pt_read_fn fn, void *src, uint64_t size, pt_bfio_handle_t **out, pt_err_t *err)
{
    libbfio_handle_t *h = NULL;
    libbfio_error_t *e = NULL;
    io_t *io = calloc(1, sizeof *io);

    *out = NULL;
    if (!io)
        return pt_err_set(err, PT_ENOMEM, "out of memory");
    io->fn = fn;
    io->src = src;
    io->size = size;
    if (libbfio_handle_initialize(&h, (intptr_t *)io, io_free, io_clone, io_open, io_close, io_read, io_write,
                                  io_seek, io_exists, io_is_open, io_get_size,
                                  LIBBFIO_FLAG_IO_HANDLE_MANAGED | LIBBFIO_FLAG_IO_HANDLE_CLONE_BY_FUNCTION,
                                  &e) != 1) {
        libbfio_error_free(&e);
        free(io);
        return pt_err_set(err, PT_ENOMEM, "libbfio: cannot make a handle");
    }
    *out = (pt_bfio_handle_t *)h;
    return PT_OK;
}

void pt_bfio_free(pt_bfio_handle_t *h)
{
    libbfio_handle_t *b = (libbfio_handle_t *)h;

    if (b)
        libbfio_handle_free(&b, NULL);
}

int pt_bfio_check(pt_err_t *err)
{
    /* a function every copy has, and one only the newer copies have: both
     * must resolve into the same object */
    static const char *const names[] = { "libbfio_handle_initialize", "libbfio_handle_read_buffer",
                                         "libbfio_handle_read_buffer_at_offset", "libbfio_pool_read_buffer_at_offset" };
    const char *first = NULL;
    size_t i;

    for (i = 0; i < sizeof names / sizeof names[0]; i++) {
        Dl_info info;
        void *f = dlsym(RTLD_DEFAULT, names[i]);
        if (!f || !dladdr(f, &info) || !info.dli_fname)
            continue; /* an older copy without it: nobody can call it */
        if (!first)
            first = info.dli_fname;
        else if (strcmp(first, info.dli_fname) != 0)
            return pt_err_set(err, PT_EFORMAT, "libbfio functions come from both %s and %s: disk images, LVM "
                              "and encrypted volumes inside the evidence cannot be opened safely", first,
                              info.dli_fname);
    }
    return PT_OK;
}
