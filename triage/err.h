/* err.h - error codes and the error context every module reports into.
 *
 * Functions return 0 or a negative PT_E* code; the human-readable message
 * (what failed and where) goes into a caller-owned pt_err_t.  Only main.c
 * prints.  Library conventions (libtsk 1 = error, OpenSSL 1 = success, ...)
 * are converted by each module's adapter, never here. */
#ifndef PT_ERR_H
#define PT_ERR_H

#include <stddef.h>

enum {
    PT_OK = 0,
    PT_EINVAL = -1,   /* bad argument or usage */
    PT_ENOMEM = -2,   /* allocation failed */
    PT_EIO = -3,      /* read/write failed */
    PT_EFORMAT = -4,  /* input not in a recognised or valid format */
    PT_EDB = -5,      /* SQLite failure */
    PT_ENOENT = -6,   /* missing file */
    PT_EEXIST = -7,   /* output already exists */
    PT_ELIB = -8,     /* a library call failed */
    PT_ENOKEY = -9    /* encrypted, and no key given opens it */
};

typedef struct pt_err {
    int code;
    char msg[1024];
} pt_err_t;

/* Records code and a printf-style message; returns code so callers can
 * `return pt_err_set(e, PT_EIO, "...")`.  e may be NULL. */
int pt_err_set(pt_err_t *e, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prefixes the existing message with more context ("volume 2: ..."). */
void pt_err_prefix(pt_err_t *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

void pt_err_clear(pt_err_t *e);

#endif
