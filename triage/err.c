/* err.c - fills pt_err_t contexts.  Owns nothing; never prints. */
#include "err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int pt_err_set(pt_err_t *e, int code, const char *fmt, ...)
{
    if (e) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(e->msg, sizeof e->msg, fmt, ap);
        va_end(ap);
        e->code = code;
    }
    return code;
}

void pt_err_prefix(pt_err_t *e, const char *fmt, ...)
{
    char pre[512], old[sizeof e->msg];
    va_list ap;

    if (!e)
        return;
    va_start(ap, fmt);
    vsnprintf(pre, sizeof pre, fmt, ap);
    va_end(ap);
    memcpy(old, e->msg, sizeof old);
    /* truncation is acceptable for a message; the result is checked only to
     * say so to the compiler */
    if (snprintf(e->msg, sizeof e->msg, "%s: %s", pre, old) >= (int)sizeof e->msg)
        e->msg[sizeof e->msg - 1] = '\0';
}

void pt_err_clear(pt_err_t *e)
{
    if (e) {
        e->code = 0;
        e->msg[0] = '\0';
    }
}
