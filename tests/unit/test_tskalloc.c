/* Unit tests for tskalloc.c: the bound follows the evidence size between
 * its floor and ceiling and never shrinks; memory comes zeroed; and
 * libtsk's own calls reach ptriage's allocator (through libtsk's PLT): a
 * libtsk function asked to copy more than the bound fails with
 * tskalloc.c's error instead of allocating. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <tsk/libtsk.h>

#include "testlib.h"
#include "tskalloc.h"

/* exported by libtsk, declared in its private tsk_fs_i.h */
TSK_FS_ATTR *tsk_fs_attr_alloc(TSK_FS_ATTR_FLAG_ENUM a_type);
void tsk_fs_attr_free(TSK_FS_ATTR *a_fs_attr);
uint8_t tsk_fs_attr_set_str(TSK_FS_FILE *a_fs_file, TSK_FS_ATTR *a_fs_attr, const char *name,
                            TSK_FS_ATTR_TYPE_ENUM type, uint16_t id, void *res_data, size_t len);

static void bound_and_libtsk(void)
{
    size_t big = PT_TSK_ALLOC_MIN + 1, i;
    TSK_FS_ATTR *a;
    uint8_t *p, *src;
    int zero = 1;

    T_CHECK(pt_tskalloc_bound() == PT_TSK_ALLOC_MAX); /* no evidence yet */
    pt_tskalloc_evidence(4u << 20);                   /* a 4 MiB image: the floor */
    T_CHECK(pt_tskalloc_bound() == PT_TSK_ALLOC_MIN);

    /* libtsk copies a resident attribute into a buffer it asks tsk_realloc
     * for; the source pages stay untouched when the request is refused */
    src = mmap(NULL, big, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    T_CHECK(src != MAP_FAILED);
    a = tsk_fs_attr_alloc(TSK_FS_ATTR_NONRES); /* no resident buffer yet */
    T_CHECK(a != NULL);
    if (a && src != MAP_FAILED) {
        tsk_error_reset();
        T_CHECK(tsk_fs_attr_set_str(NULL, a, "DATA", TSK_FS_ATTR_TYPE_DEFAULT, 0, src, big) == 1);
        T_CHECK(tsk_error_get_errno() == TSK_ERR_AUX_MALLOC);
        T_CHECK(tsk_error_get_errstr() && strstr(tsk_error_get_errstr(), "damaged metadata") != NULL);
        T_CHECK(tsk_fs_attr_set_str(NULL, a, "DATA", TSK_FS_ATTR_TYPE_DEFAULT, 0, src, 4096) == 0);
        tsk_fs_attr_free(a);
    }
    if (src != MAP_FAILED)
        munmap(src, big);
    tsk_error_reset();

    pt_tskalloc_evidence(200u << 20);
    T_CHECK(pt_tskalloc_bound() == (size_t)200 << 20);
    pt_tskalloc_evidence(1u << 20); /* never shrinks */
    T_CHECK(pt_tskalloc_bound() == (size_t)200 << 20);
    T_CHECK(tsk_malloc(((size_t)200 << 20) + 1) == NULL);
    p = tsk_malloc(1 << 20);
    T_CHECK(p != NULL);
    for (i = 0; p && i < (1u << 20); i++)
        zero &= p[i] == 0;
    T_CHECK(zero);
    T_CHECK((p = tsk_realloc(p, 2u << 20)) != NULL);
    T_CHECK(tsk_realloc(p, ((size_t)201 << 20)) == NULL); /* refused: p is still the caller's */
    free(p);
    tsk_error_reset();
    pt_tskalloc_evidence((uint64_t)1 << 40); /* a 1 TiB disk: the ceiling */
    T_CHECK(pt_tskalloc_bound() == PT_TSK_ALLOC_MAX);
}

int main(void)
{
    T_RUN(bound_and_libtsk);
    return t_done();
}
