/* tskalloc.c - libtsk's allocator, bounded (see tskalloc.h).  Same contract
 * as libtsk's own: zeroed memory, or NULL with libtsk's error set. */
#include "tskalloc.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <tsk/libtsk.h>

/* 0 until evidence is opened.  Process-wide because libtsk's allocator is. */
static _Atomic size_t evidence_bound;

void pt_tskalloc_evidence(uint64_t size)
{
    size_t want = size > PT_TSK_ALLOC_MAX ? PT_TSK_ALLOC_MAX : size < PT_TSK_ALLOC_MIN ? PT_TSK_ALLOC_MIN : (size_t)size;
    size_t have = atomic_load(&evidence_bound);

    while (have < want && !atomic_compare_exchange_weak(&evidence_bound, &have, want))
        ;
}

size_t pt_tskalloc_bound(void)
{
    size_t b = atomic_load(&evidence_bound);

    return b ? b : PT_TSK_ALLOC_MAX;
}

static void *refuse(size_t len, int e)
{
    tsk_error_reset();
    tsk_error_set_errno(TSK_ERR_AUX_MALLOC);
    if (len > pt_tskalloc_bound())
        tsk_error_set_errstr("tsk_malloc: %zu bytes requested, more than the evidence could hold a table of "
                             "(at most %zu): damaged metadata", len, pt_tskalloc_bound());
    else
        tsk_error_set_errstr("tsk_malloc: %s (%zu requested)", strerror(e), len);
    return NULL;
}

void *tsk_malloc(size_t len)
{
    void *p;

    if (len > pt_tskalloc_bound())
        return refuse(len, ENOMEM);
    if ((p = calloc(1, len ? len : 1)) == NULL)
        return refuse(len, errno);
    return p;
}

void *tsk_realloc(void *ptr, size_t len)
{
    void *p;

    if (len > pt_tskalloc_bound())
        return refuse(len, ENOMEM);
    if ((p = realloc(ptr, len)) == NULL)
        return refuse(len, errno);
    return p;
}
