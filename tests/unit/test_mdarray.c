/* Unit tests for mdarray.c: members laid out by hand (chunks numbered so
 * that every byte says which array chunk it belongs to) for RAID 0, RAID 5
 * in all six layouts, RAID 6 left-symmetric and RAID 10 near; reads across
 * chunk boundaries; a missing member rebuilt from parity or read from its
 * copy; refusals (two members gone from a RAID 5, an unknown layout, a
 * level not assembled). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mdarray.h"
#include "testlib.h"

#define CH 4096u
#define ROWS 12u

/* The byte at offset k of array chunk c. */
static uint8_t pat(uint64_t c, uint64_t k)
{
    return (uint8_t)(c * 37 + k * 11 + (k >> 8));
}

/* The data areas of n members for level/layout, as the kernel places them
 * (raid5_compute_sector written out once more, independently: the parity
 * member per stripe from the layout's table, the data members after it). */
static uint8_t **lay(int level, uint32_t layout, uint32_t n)
{
    uint8_t **m = calloc(n, sizeof *m);
    uint32_t data = level == 5 ? n - 1 : level == 6 ? n - 2 : level == 10 ? n / 2 : n;

    for (uint32_t i = 0; i < n; i++)
        m[i] = calloc(ROWS, CH);
    for (uint64_t row = 0; row < ROWS; row++) {
        uint32_t order[16], pd = 0, qd = 0;
        if (level == 5 || level == 6) {
            uint32_t r = (uint32_t)(row % n);
            switch (layout) {
            case 0: pd = data + (level == 6) - r; break;           /* left-asymmetric */
            case 1: pd = r; break;                                 /* right-asymmetric */
            case 2: pd = n - 1 - r; break;                         /* left-symmetric */
            case 3: pd = r; break;                                 /* right-symmetric */
            case 4: pd = 0; break;                                 /* parity first */
            default: pd = data; break;                             /* parity last */
            }
            qd = (pd + 1) % n;
            if (level == 6 && layout >= 4)
                qd = pd + 1;
            /* which member holds data disk dd of the stripe */
            for (uint32_t dd = 0, k = 0; dd < data; dd++) {
                if (layout == 2 || layout == 3) {
                    order[dd] = (pd + (level == 6 ? 2 : 1) + dd) % n;
                } else {
                    while (k == pd || (level == 6 && k == qd))
                        k++;
                    order[dd] = k++;
                }
            }
        }
        for (uint32_t dd = 0; dd < data; dd++) {
            uint64_t c = row * data + dd;
            if (level == 0) {
                for (uint32_t k = 0; k < CH; k++)
                    m[dd][row * CH + k] = pat(c, k);
            } else if (level == 10) {
                for (uint32_t cp = 0; cp < 2; cp++)
                    for (uint32_t k = 0; k < CH; k++)
                        m[(c * 2 + cp) % n][(c * 2 + cp) / n * CH + k] = pat(c, k);
            } else {
                for (uint32_t k = 0; k < CH; k++) {
                    m[order[dd]][row * CH + k] = pat(c, k);
                    m[pd][row * CH + k] ^= pat(c, k);
                }
            }
        }
    }
    return m;
}

static int check(int level, uint32_t layout, uint32_t n, int missing)
{
    uint8_t **m = lay(level, layout, n), *buf = malloc(3 * CH);
    pt_mdarray_member_t mem[PT_MDARRAY_MAX];
    pt_mem_t src[PT_MDARRAY_MAX];
    pt_mdarray_t *a = NULL;
    pt_err_t err = { 0, "" };
    uint32_t data = level == 5 ? n - 1 : level == 6 ? n - 2 : level == 10 ? n / 2 : n;
    int ok = 1;

    for (uint32_t i = 0; i < n; i++) {
        src[i].p = m[i];
        src[i].n = ROWS * CH;
        mem[i].fn = (int)i == missing ? NULL : pt_read_mem;
        mem[i].src = &src[i];
        mem[i].data_offset = 0;
    }
    if (pt_mdarray_open(level, level == 10 ? 0x102 : layout, CH, n, ROWS * CH, mem, &a, &err) != PT_OK) {
        printf("#   level %d layout %u: %s\n", level, layout, err.msg);
        ok = 0;
    } else {
        ok = pt_mdarray_size(a) == (uint64_t)ROWS * data * CH;
        /* every chunk, each read straddling into the next */
        for (uint64_t c = 0; ok && c + 1 < (uint64_t)ROWS * data; c++) {
            ok = pt_mdarray_read(a, c * CH + 100, buf, CH, &err) == CH;
            for (uint32_t k = 0; ok && k < CH; k++)
                ok = buf[k] == (k + 100 < CH ? pat(c, k + 100) : pat(c + 1, k + 100 - CH));
        }
        if (!ok)
            printf("#   level %d layout %u missing %d: wrong bytes (%s)\n", level, layout, missing, err.msg);
        pt_mdarray_close(a);
    }
    for (uint32_t i = 0; i < n; i++)
        free(m[i]);
    free(m);
    free(buf);
    return ok;
}

static void layouts(void)
{
    T_CHECK(check(0, 0, 3, -1));
    for (uint32_t l = 0; l < 6; l++) {
        T_CHECK(check(5, l, 4, -1));
        T_CHECK(check(5, l, 4, 1)); /* rebuilt from parity */
    }
    T_CHECK(check(6, 2, 5, -1));
    T_CHECK(check(6, 2, 5, 3));
    T_CHECK(check(10, 0, 4, -1));
    T_CHECK(check(10, 0, 4, 2)); /* its copy */
}

static void refused(void)
{
    pt_mdarray_member_t mem[4];
    pt_mdarray_t *a = NULL;
    pt_err_t err = { 0, "" };
    uint8_t b[CH] = { 0 };
    pt_mem_t src = { b, CH };

    for (int i = 0; i < 4; i++)
        mem[i] = (pt_mdarray_member_t){ i < 2 ? pt_read_mem : NULL, &src, 0 };
    T_CHECK(pt_mdarray_open(5, 2, CH, 4, CH, mem, &a, &err) == PT_EFORMAT && !a &&
            strstr(err.msg, "2 members of the RAID 5 array are missing"));
    mem[2].fn = mem[3].fn = pt_read_mem;
    T_CHECK(pt_mdarray_open(5, 16, CH, 4, CH, mem, &a, &err) == PT_EFORMAT && strstr(err.msg, "layout 16"));
    T_CHECK(pt_mdarray_open(4, 0, CH, 4, CH, mem, &a, &err) == PT_EFORMAT && strstr(err.msg, "level 4"));
    T_CHECK(pt_mdarray_open(10, 0x201, CH, 4, CH, mem, &a, &err) == PT_EFORMAT && strstr(err.msg, "near"));
    T_CHECK(pt_mdarray_open(0, 0, 1000, 4, CH, mem, &a, &err) == PT_EFORMAT && strstr(err.msg, "chunk"));
    mem[1].fn = NULL;
    T_CHECK(pt_mdarray_open(0, 0, CH, 4, CH, mem, &a, &err) == PT_EFORMAT &&
            strstr(err.msg, "1 member of the RAID 0 array is missing"));
}

int main(void)
{
    T_RUN(layouts);
    T_RUN(refused);
    return t_done();
}
