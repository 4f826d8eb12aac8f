/* Unit tests for vss.c: a 4 MiB NTFS-looking volume built here after the
 * VSS format libvshadow documents (volume header at 0x1e00, one catalog
 * block, two stores each with a header, block list, range list and
 * bitmap), read through libvshadow: the probe, the snapshots' sizes,
 * times and descriptions, the older contents of the blocks each store
 * keeps (the older store falling through to the newer one), and damage
 * to the catalog and stores refused or read without a crash. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testlib.h"
#include "vss.h"

#define VOL (4u << 20)
#define BLK 16384u
#define CAT 0x100000u                 /* catalog block */
#define STORE(k) (0x140000u + (k) * 0x40000u) /* store k: header, list, ranges, bitmap, data */
#define FT_2025 134100000000000000ULL

static const uint8_t vss_id[16] = { 0x6b, 0x87, 0x08, 0x38, 0x76, 0xc1, 0x48, 0x4e,
                                    0xb7, 0xae, 0x04, 0x04, 0x6e, 0x6c, 0xc7, 0x52 };

static void block_header(uint8_t *p, unsigned type, uint64_t rel, uint64_t cur, uint64_t info)
{
    memcpy(p, vss_id, 16);
    t_put_le32(p + 16, 1);
    t_put_le32(p + 20, type);
    t_put_le64(p + 24, rel);
    t_put_le64(p + 32, cur);
    t_put_le64(p + 40, 0);
    t_put_le64(p + 48, info);
}

/* Store k keeps the old contents of the blocks at the given volume
 * offsets: fill byte 0x10 + k (older stores, smaller k, are older). */
static void store(uint8_t *d, int k, const uint32_t *orig, int n)
{
    uint8_t *s = d + STORE(k);
    uint8_t *info = s + 128;

    block_header(s, 4, 0, STORE(k), 72);
    info[16] = (uint8_t)(0xa0 + k); /* shadow copy id */
    t_put_le32(info + 56, 0x0042000d);
    block_header(s + BLK, 3, BLK, STORE(k) + BLK, 0);
    for (int i = 0; i < n; i++) {
        uint8_t *e = s + BLK + 128 + 32 * i;
        uint64_t data = STORE(k) + (4u + (unsigned)i) * BLK;
        t_put_le64(e, orig[i]);
        t_put_le64(e + 8, data - STORE(k));
        t_put_le64(e + 16, data);
        memset(d + data, 0x10 + k, BLK);
    }
    block_header(s + 2 * BLK, 5, 2 * BLK, STORE(k) + 2 * BLK, 0);
    t_put_le64(s + 2 * BLK + 128, STORE(k));
    t_put_le64(s + 2 * BLK + 144, 0x40000);
    block_header(s + 3 * BLK, 6, 3 * BLK, STORE(k) + 3 * BLK, 0);
}

static uint8_t *build(void)
{
    uint8_t *d = calloc(1, VOL);
    static const uint32_t kept0[] = { 0x20000, 0x30000 }, kept1[] = { 0x30000, 0x70000 };

    /* an NTFS boot sector: libvshadow takes the volume size from it */
    memcpy(d + 3, "NTFS    ", 8);
    d[11] = 0x00, d[12] = 0x02, d[13] = 8;
    t_put_le64(d + 0x28, VOL / 512 - 1);
    d[510] = 0x55, d[511] = 0xaa;
    for (uint32_t o = 0x10000; o < CAT; o += BLK)
        memset(d + o, 0x7f, BLK); /* "now": every block reads 0x7f */
    memcpy(d + 0x1e00, vss_id, 16);
    t_put_le32(d + 0x1e10, 1);
    t_put_le32(d + 0x1e14, 1);
    t_put_le64(d + 0x1e18, 0x1e00);
    t_put_le64(d + 0x1e20, 0x1e00);
    t_put_le64(d + 0x1e30, CAT);
    block_header(d + CAT, 2, 0, CAT, 0);
    for (int k = 0; k < 2; k++) {
        uint8_t *e2 = d + CAT + 128 + 256 * k, *e3 = e2 + 128;
        t_put_le64(e2, 2);
        t_put_le64(e2 + 8, VOL);
        e2[16] = (uint8_t)(0x50 + k);            /* store id */
        t_put_le64(e2 + 32, (unsigned long long)k + 1);
        t_put_le64(e2 + 40, 0x40);
        t_put_le64(e2 + 48, FT_2025 + (unsigned long long)k * 864000000000ULL);
        t_put_le64(e3, 3);
        t_put_le64(e3 + 8, STORE(k) + BLK);
        e3[16] = (uint8_t)(0x50 + k);
        t_put_le64(e3 + 32, STORE(k));
        t_put_le64(e3 + 40, STORE(k) + 2 * BLK);
        t_put_le64(e3 + 48, STORE(k) + 3 * BLK);
        t_put_le64(e3 + 64, 0x40000);
    }
    store(d, 0, kept0, 2);
    store(d, 1, kept1, 2);
    return d;
}

static void probe(void)
{
    uint8_t *d = build();
    pt_mem_t m = { d, VOL };

    T_CHECK(pt_vss_probe(pt_read_mem, &m, VOL) == 2);
    t_put_le64(d + 0x1e30, 0);
    T_CHECK(pt_vss_probe(pt_read_mem, &m, VOL) == 1);
    d[0x1e00] ^= 1;
    T_CHECK(pt_vss_probe(pt_read_mem, &m, VOL) == 0);
    T_CHECK(pt_vss_probe(pt_read_mem, &m, 0x1e00) == 0);
    free(d);
}

static void snapshots(void)
{
    uint8_t *d = build(), buf[BLK];
    pt_mem_t m = { d, VOL };
    pt_vss_t *v = NULL;
    pt_err_t err = { 0, "" };

    T_CHECK(pt_vss_open(pt_read_mem, &m, VOL, &v, &err) == PT_OK);
    if (!v) {
        printf("#   %s\n", err.msg);
        free(d);
        return;
    }
    T_CHECK(pt_vss_count(v) == 2);
    T_CHECK(pt_vss_size(v, 0) == VOL);
    T_CHECK(pt_vss_created(v, 0) == 1765526400);  /* 2025-12-12 08:00:00 UTC */
    T_CHECK(pt_vss_created(v, 1) == 1765526400 + 86400);
    T_STREQ(pt_vss_describe(v, 0), "Volume Shadow Copy 1 of 2, created 2025-12-12 08:00:00 UTC, store "
            "{00000050-0000-0000-0000-000000000000}, 2 blocks of 16 KiB kept");
    /* snapshot 1 (older): its own two blocks; 0x70000 falls through to
     * store 2; every other block is the volume's */
    static const struct { uint32_t off; uint8_t want[2]; } at[] = {
        { 0x20000, { 0x10, 0x7f } }, { 0x30000, { 0x10, 0x11 } }, { 0x70000, { 0x11, 0x11 } },
        { 0x40000, { 0x7f, 0x7f } }, { 0x10000, { 0x7f, 0x7f } },
    };
    for (size_t i = 0; i < sizeof at / sizeof at[0]; i++)
        for (int k = 0; k < 2; k++) {
            memset(buf, 0, sizeof buf);
            T_CHECK(pt_vss_read(v, k, at[i].off, buf, BLK, &err) == (ssize_t)BLK);
            T_CHECK(buf[0] == at[i].want[k] && buf[BLK - 1] == at[i].want[k]);
        }
    T_CHECK(pt_vss_read(v, 0, VOL, buf, 16, &err) == 0);
    T_CHECK(pt_vss_read(v, 2, 0, buf, 16, &err) < 0 && strstr(err.msg, "no snapshot 3"));
    pt_vss_close(v);
    free(d);
}

static void damage(void)
{
    pt_err_t err = { 0, "" };
    pt_vss_t *v = NULL;
    uint8_t *d = build();
    pt_mem_t m = { d, VOL };

    d[CAT] ^= 0xff; /* the catalog's identifier */
    T_CHECK(pt_vss_open(pt_read_mem, &m, VOL, &v, &err) == PT_EFORMAT && !v);
    T_CHECK(strstr(err.msg, "shadow copy catalog not read") != NULL);
    free(d);
    /* a boot sector saying 0 bytes per sector: libvshadow divides by it
     * (SIGFPE before the check; found by fuzz_readers) */
    d = build();
    m.p = d;
    d[11] = d[12] = 0;
    T_CHECK(pt_vss_open(pt_read_mem, &m, VOL, &v, &err) == PT_EFORMAT && !v);
    T_CHECK(strstr(err.msg, "NTFS boot sector is damaged (0 bytes per sector") != NULL);
    free(d);
    /* random damage to the catalog and the stores' metadata: opened or
     * refused, every read stays inside the volume */
    uint32_t r = 11;
    for (int n = 0; n < 300; n++) {
        d = build();
        m.p = d;
        for (int j = 0; j < 4; j++) {
            r = r * 1103515245u + 12345u;
            uint32_t region = (r >> 4) % 3 == 0 ? CAT : STORE((r >> 6) % 2) + ((r >> 8) % 3) * BLK;
            d[region + (r >> 12) % 512] = (uint8_t)(r >> 20);
        }
        if (pt_vss_open(pt_read_mem, &m, VOL, &v, &err) == PT_OK) {
            uint8_t buf[4096];
            for (int k = 0; k < pt_vss_count(v); k++)
                for (uint64_t o = 0; o < VOL; o += 0x13000)
                    (void)pt_vss_read(v, k, o, buf, sizeof buf, &err);
            pt_vss_close(v);
        }
        free(d);
    }
}

int main(void)
{
    T_RUN(probe);
    T_RUN(snapshots);
    T_RUN(damage);
    return t_done();
}
