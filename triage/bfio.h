/* bfio.h - a libbfio handle over a pt_read_fn, so that the libyal libraries
 * (libqcow, libvmdk, libvhdi, libvslvm, libfsxfs) read from
 * whatever ptriage reads: a file inside a filesystem, a partition, another
 * layer.  Read-only: the write callback always fails. */
#ifndef PT_BFIO_H
#define PT_BFIO_H

#include <stdint.h>

#include "err.h"
#include "reader.h"

typedef intptr_t pt_bfio_handle_t; /* a libbfio_handle_t, kept opaque here */

/* A handle reading size bytes through fn(src, ...); the caller keeps src
 * alive until pt_bfio_free.  Returns PT_OK or PT_ENOMEM / PT_EFORMAT. */
int pt_bfio_open(pt_read_fn fn, void *src, uint64_t size, pt_bfio_handle_t **out, pt_err_t *err);
void pt_bfio_free(pt_bfio_handle_t *h);

/* Debian's libqcow, libvhdi and libvslvm each carry (and export) their own
 * copy of libbfio; the dynamic linker makes one copy serve every caller.
 * PT_OK when the handle functions all come from one copy, so that a handle
 * made here is safe to pass to any of the libraries; otherwise PT_EFORMAT
 * with the two objects named. */
int pt_bfio_check(pt_err_t *err);

#endif
