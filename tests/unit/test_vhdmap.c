/* Unit tests for vhdmap.c: a differencing VHD built here by the
 * specification (footer, dynamic header with a W2ru locator, BAT, a block
 * whose bitmap bytes are partly set); the state of every sector, runs that
 * stop where the bitmap changes, the parent's name and UUID; each damage
 * refused with its reason; random damage never reads outside the file. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vhdmap.h"
#include "testlib.h"

#define BS 4096u            /* 8 sectors a block: one bitmap byte */
#define NB 4u


static void seal_footer(uint8_t *f)
{
    uint32_t sum = 0;
    t_put_be32(f + 64, 0);
    for (int i = 0; i < 512; i++)
        sum += f[i];
    t_put_be32(f + 64, ~sum);
}

/* footer copy | header (1024) | locator (512) | BAT (512) | block 1 | footer */
static uint8_t *build(size_t *size)
{
    size_t n = 512 + 1024 + 512 + 512 + (512 + BS) + 512;
    uint8_t *d = calloc(1, n), *f = d + n - 512, *h = d + 512, *bat = d + 2048;
    const char *rel = ".\\base.vhd";

    memcpy(f, "conectix", 8);
    t_put_be64(f + 16, 512);
    t_put_be64(f + 48, (uint64_t)NB * BS);
    t_put_be32(f + 60, 4);
    memset(f + 68, 0x11, 16);
    seal_footer(f);
    memcpy(d, f, 512);
    memcpy(h, "cxsparse", 8);
    t_put_be64(h + 8, UINT64_MAX);
    t_put_be64(h + 16, 2048);
    t_put_be32(h + 28, NB);
    t_put_be32(h + 32, BS);
    memset(h + 40, 0x22, 16);                   /* the parent's UUID */
    h[65] = 'p'; h[67] = '.'; h[69] = 'v';      /* UTF-16BE name "p.v" */
    memcpy(h + 576, "W2ru", 4);
    t_put_be32(h + 580, 1);
    t_put_be32(h + 584, (uint32_t)strlen(rel) * 2);
    t_put_be64(h + 592, 1536);
    for (size_t i = 0; rel[i]; i++)
        d[1536 + 2 * i] = (uint8_t)rel[i];
    for (unsigned i = 0; i < NB; i++)
        t_put_be32(bat + 4 * i, 0xffffffff);
    t_put_be32(bat + 4, 2560 / 512);                  /* block 1 at 2560 */
    d[2560] = 0x3c;                             /* sectors 2-5 here: 00111100 */
    memset(d + 2560 + 512, 'C', BS);
    *size = n;
    return d;
}

static void states(void)
{
    size_t size;
    uint8_t *d = build(&size);
    pt_mem_t m = { d, size };
    pt_vhdmap_t *v = NULL;
    pt_err_t err = { 0, "" };
    uint64_t run, host;
    char desc[300];

    T_CHECK(pt_vhdmap_is_differencing(d + size - 512, 512));
    T_CHECK(pt_vhdmap_open(pt_read_mem, &m, size, &v, desc, sizeof desc, &err) == PT_OK);
    if (!v)
        return;
    T_STREQ(pt_vhdmap_parent(v), "base.vhd");
    T_CHECK(pt_vhdmap_parent_uuid(v)[0] == 0x22 && pt_vhdmap_disk_size(v) == NB * BS);
    T_CHECK(strstr(desc, "1 of 4 blocks") != NULL);
    T_CHECK(pt_vhdmap_state(v, 0, &run, &host, &err) == PT_MAP_PARENT && run == BS);
    T_CHECK(pt_vhdmap_state(v, BS + 100, &run, &host, &err) == PT_MAP_PARENT && run == 1024 - 100);
    T_CHECK(pt_vhdmap_state(v, BS + 1024, &run, &host, &err) == PT_MAP_DATA && run == 2048 &&
            host == 2560 + 512 + 1024);
    T_CHECK(pt_vhdmap_state(v, BS + 3000, &run, &host, &err) == PT_MAP_DATA && run == 72 && host == 2560 + 512 + 3000);
    T_CHECK(pt_vhdmap_state(v, BS + 3072, &run, &host, &err) == PT_MAP_PARENT && run == 1024);
    T_CHECK(pt_vhdmap_state(v, 3 * BS, &run, &host, &err) == PT_MAP_PARENT);
    pt_vhdmap_free(v);
    /* without a relative locator: the name in the header */
    memset(d + 512 + 576, 0, 4);
    T_CHECK(pt_vhdmap_open(pt_read_mem, &m, size, &v, NULL, 0, &err) == PT_OK);
    if (v)
        T_STREQ(pt_vhdmap_parent(v), "p.v");
    pt_vhdmap_free(v);
    /* the block cut off: an error naming it, not a read outside the file */
    pt_mem_t cut = { d, size };
    memcpy(d + 2560 + 512 + 100, d + size - 512, 512); /* the footer moved up: the file ends inside block 1 */
    cut.n = 2560 + 512 + 612;
    T_CHECK(pt_vhdmap_open(pt_read_mem, &cut, cut.n, &v, NULL, 0, &err) == PT_OK);
    if (v) {
        T_CHECK(pt_vhdmap_state(v, BS + 1024, &run, &host, &err) == -1 && strstr(err.msg, "block 1"));
        pt_vhdmap_free(v);
    }
    free(d);
}

static void damage(void)
{
    size_t size;
    uint8_t *d = build(&size), *c = malloc(size);
    pt_mem_t m = { c, size };
    pt_vhdmap_t *v = NULL;
    pt_err_t err = { 0, "" };
    struct { size_t off; uint32_t val; int reseal; const char *why; } t[] = {
        { 60, 3, 1, "not a differencing" },
        { 64, 1, 0, "checksum" },
        { 512 + 32, 1000, 0, "out of range" },        /* block size not a power of two */
        { 512 + 28, 1u << 30, 0, "out of range" },    /* entries */
        { 512 + 20, 0x7fffffff, 0, "out of range" },  /* table past the file */
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        memcpy(c, d, size);
        if (t[i].off < 512) {
            t_put_be32(c + size - 512 + t[i].off, t[i].val);
            memcpy(c, c + size - 512, 512);
            if (t[i].reseal)
                seal_footer(c + size - 512), memcpy(c, c + size - 512, 512);
        } else {
            t_put_be32(c + t[i].off, t[i].val);
        }
        T_CHECK(pt_vhdmap_open(pt_read_mem, &m, size, &v, NULL, 0, &err) == PT_EFORMAT);
        T_CHECK(strstr(err.msg, t[i].why) != NULL);
    }
    unsigned seed = 4;
    for (int it = 0; it < 5000; it++) {
        memcpy(c, d, size);
        for (int j = 0; j < 4; j++) {
            seed = seed * 1103515245u + 12345u;
            c[512 + (seed >> 8) % (size - 1024)] = (uint8_t)(seed >> 24);
        }
        if (pt_vhdmap_open(pt_read_mem, &m, size, &v, NULL, 0, &err) == PT_OK) {
            uint64_t run, host;
            for (uint64_t o = 0; o < pt_vhdmap_disk_size(v); o += 700)
                if (pt_vhdmap_state(v, o, &run, &host, &err) == PT_MAP_DATA)
                    T_CHECK(host < size && run > 0);
            pt_vhdmap_free(v);
        }
    }
    free(c);
    free(d);
}

int main(void)
{
    T_RUN(states);
    T_RUN(damage);
    return t_done();
}
