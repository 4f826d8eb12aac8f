/* Unit tests for vhdxmap.c: a differencing VHDX built here after [MS-VHDX]
 * (headers and region tables with CRC-32C, metadata, a parent locator, a
 * BAT with a fully present, a partly present, a zero and an absent block,
 * and the chunk's sector bitmap); the state of every sector; each damage
 * refused with its reason; cuts and random damage never read outside the
 * file. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crc32c.h"
#include "testlib.h"
#include "vhdxmap.h"

#define MIB (1u << 20)
#define FSIZE (6u * MIB)

/* GUIDs as [MS-VHDX] writes them, laid out as on disk (the first three
 * fields little-endian) by guid() */
#define G_BAT "2DC27766-F623-4200-9D64-115E9BFD4A08"
#define G_META "8B7CA206-4790-4B9A-B8FE-575F050F886E"
#define G_PARAMS "CAA16737-FA36-4D43-B3B6-33F0AA44E76B"
#define G_SIZE "2FA54224-CD1B-4876-B211-5DBED83BF4B8"
#define G_LSS "8141BF1D-A96F-4709-BA47-F233A8FAAB5F"
#define G_PARENT "A8D35F2D-B30B-454D-ABF7-D3D84834AB0C"

static void guid(uint8_t *out, const char *s)
{
    static const int at[16] = { 3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15 };
    unsigned v;

    for (int i = 0, k = 0; i < 16; i++, k += 2) {
        if (s[k] == '-')
            k++;
        sscanf(s + k, "%2x", &v);
        out[at[i]] = (uint8_t)v;
    }
}

static void le64(uint8_t *p, uint64_t v) { t_put_le32(p, (unsigned long)(v & 0xffffffffu)); t_put_le32(p + 4, (unsigned long)(v >> 32)); }

static void seal(uint8_t *b, size_t len)
{
    memset(b + 4, 0, 4);
    t_put_le32(b + 4, pt_crc32c(b, len));
}

static size_t utf16(uint8_t *p, const char *s)
{
    size_t n = 0;
    for (; *s; s++, n += 2)
        p[n] = (uint8_t)*s, p[n + 1] = 0;
    return n;
}

/* 4 MiB disk, 1 MiB blocks: 0 full (at 3 MiB), 1 partial (at 4 MiB, bitmap
 * at 5 MiB: sectors 8..15 and 100 present), 2 zero, 3 the parent's */
static uint8_t *build(void)
{
    uint8_t *d = calloc(1, FSIZE), *rt = d + 192 * 1024, *m = d + MIB, *bat = d + 2 * MIB;
    const char *keys[][2] = { { "parent_linkage", "{01020304-0506-0708-090a-0b0c0d0e0f10}" },
                              { "relative_path", ".\\base.vhdx" },
                              { "parent_linkage2", "{a1a2a3a4-b1b2-c1c2-d1d2-e1e2e3e4e5e6}" } };

    memcpy(d, "vhdxfile", 8);
    for (int h = 0; h < 2; h++) {
        uint8_t *p = d + (64 + 64 * h) * 1024;
        memcpy(p, "head", 4);
        le64(p + 8, 5 + (uint64_t)h);
        p[66] = 1;
        seal(p, 4096);
    }
    memcpy(rt, "regi", 4);
    t_put_le32(rt + 8, 2);
    guid(rt + 16, G_BAT), le64(rt + 32, 2 * MIB), t_put_le32(rt + 40, MIB), t_put_le32(rt + 44, 1);
    guid(rt + 48, G_META), le64(rt + 64, MIB), t_put_le32(rt + 72, MIB), t_put_le32(rt + 76, 1);
    seal(rt, 64 * 1024);
    memcpy(d + 256 * 1024, rt, 64 * 1024);
    memcpy(m, "metadata", 8);
    m[10] = 4;
    const char *ids[] = { G_PARAMS, G_SIZE, G_LSS, G_PARENT };
    uint32_t at = 64 * 1024;
    for (int i = 0; i < 4; i++) {
        uint8_t *e = m + 32 + 32 * i, *it = m + at;
        uint32_t len;
        guid(e, ids[i]);
        if (i == 0)
            t_put_le32(it, MIB), t_put_le32(it + 4, 2), len = 8;
        else if (i == 1)
            le64(it, 4 * MIB), len = 8;
        else if (i == 2)
            t_put_le32(it, 512), len = 4;
        else {
            uint32_t kv = 20 + 12 * 3;
            it[18] = 3;
            for (int k = 0; k < 3; k++) {
                uint8_t *x = it + 20 + 12 * k;
                size_t kl = utf16(it + kv, keys[k][0]);
                size_t vl = utf16(it + kv + kl, keys[k][1]);
                t_put_le32(x, kv), t_put_le32(x + 4, kv + (uint32_t)kl);
                x[8] = (uint8_t)kl, x[10] = (uint8_t)vl;
                kv += (uint32_t)(kl + vl);
            }
            len = kv;
        }
        t_put_le32(e + 16, at), t_put_le32(e + 20, len), t_put_le32(e + 24, 4);
        at += (len + 7) / 8 * 8;
    }
    /* chunk ratio 4096: entries 0..3 payload, 4096 the sector bitmap */
    le64(bat + 0, (3ull << 20) | 6);
    le64(bat + 8, (4ull << 20) | 7);
    le64(bat + 16, 2);
    le64(bat + 8 * 4096, (5ull << 20) | 6);
    uint8_t *bm = d + 5 * MIB + 2048 / 8; /* block 1's sectors follow block 0's 2048 bits */
    bm[1] = 0xff;                         /* sectors 8..15 */
    bm[100 / 8] |= 1 << (100 % 8);
    for (uint32_t i = 0; i < 2 * MIB; i++)
        d[3 * MIB + i] = (uint8_t)(i * 7 + 1);
    return d;
}

static void states(void)
{
    uint8_t *d = build();
    pt_mem_t m = { d, FSIZE };
    pt_vhdxmap_t *x = NULL;
    pt_err_t err = { 0, "" };
    uint64_t run, host;
    char desc[512], g[40];

    T_CHECK(pt_vhdxmap_is_differencing(pt_read_mem, &m, FSIZE, &err) == 1);
    T_CHECK(pt_vhdxmap_open(pt_read_mem, &m, FSIZE, &x, desc, sizeof desc, &err) == PT_OK);
    if (!x)
        return free(d);
    T_CHECK(pt_vhdxmap_disk_size(x) == 4 * MIB);
    T_STREQ(pt_vhdxmap_parent(x), "./base.vhdx");
    pt_vhdxmap_guid_str(pt_vhdxmap_parent_linkage(x), g);
    T_STREQ(g, "01020304-0506-0708-090a-0b0c0d0e0f10");
    static const uint8_t l1[16] = { 4, 3, 2, 1, 6, 5, 8, 7, 9, 10, 11, 12, 13, 14, 15, 16 };
    static const uint8_t l2[16] = { 0xa4, 0xa3, 0xa2, 0xa1, 0xb2, 0xb1, 0xc2, 0xc1,
                                    0xd1, 0xd2, 0xe1, 0xe2, 0xe3, 0xe4, 0xe5, 0xe6 };
    uint8_t other[16] = { 0 };
    T_CHECK(pt_vhdxmap_links_to(x, l1) && pt_vhdxmap_links_to(x, l2) && !pt_vhdxmap_links_to(x, other));
    T_CHECK(strstr(desc, "over parent './base.vhdx'") != NULL);
    T_CHECK(pt_vhdxmap_state(x, 1000, &run, &host, &err) == PT_MAP_DATA && host == 3 * MIB + 1000 &&
            run == MIB - 1000);
    T_CHECK(pt_vhdxmap_state(x, MIB, &run, &host, &err) == PT_MAP_PARENT && run == 8 * 512);
    T_CHECK(pt_vhdxmap_state(x, MIB + 8 * 512 + 3, &run, &host, &err) == PT_MAP_DATA &&
            host == 4 * MIB + 8 * 512 + 3 && run == 8 * 512 - 3);
    T_CHECK(pt_vhdxmap_state(x, MIB + 16 * 512, &run, &host, &err) == PT_MAP_PARENT && run == 84 * 512);
    T_CHECK(pt_vhdxmap_state(x, MIB + 100 * 512, &run, &host, &err) == PT_MAP_DATA && run == 512);
    T_CHECK(pt_vhdxmap_state(x, MIB + 101 * 512, &run, &host, &err) == PT_MAP_PARENT &&
            run == MIB - 101 * 512);
    T_CHECK(pt_vhdxmap_state(x, 2 * MIB + 5, &run, &host, &err) == PT_MAP_ZERO && run == MIB - 5);
    T_CHECK(pt_vhdxmap_state(x, 3 * MIB, &run, &host, &err) == PT_MAP_PARENT);
    pt_vhdxmap_free(x);

    /* a plain VHDX is not differencing; its DataWriteGuid is still read */
    d[MIB + 64 * 1024 + 4] = 0;
    uint8_t guid[16];
    T_CHECK(pt_vhdxmap_is_differencing(pt_read_mem, &m, FSIZE, &err) == 0);
    T_CHECK(pt_vhdxmap_data_guid(pt_read_mem, &m, FSIZE, guid, &err) == 1);
    free(d);
}

static void damage(void)
{
    struct { size_t off; uint8_t v; const char *why; } t[] = {
        { 0, 'X', "no file identifier" },
        { MIB, 'X', "metadata region damaged" },
    };
    pt_err_t err = { 0, "" };
    pt_vhdxmap_t *x = NULL;
    uint64_t run, host;

    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        uint8_t *d = build();
        pt_mem_t m = { d, FSIZE };
        d[t[i].off] = t[i].v;
        T_CHECK(pt_vhdxmap_open(pt_read_mem, &m, FSIZE, &x, NULL, 0, &err) == PT_EFORMAT);
        T_CHECK(strstr(err.msg, t[i].why) != NULL);
        free(d);
    }
    /* both headers, both region tables: their checksums */
    uint8_t *d = build();
    pt_mem_t m = { d, FSIZE };
    d[64 * 1024 + 20] ^= 1;
    T_CHECK(pt_vhdxmap_open(pt_read_mem, &m, FSIZE, &x, NULL, 0, &err) == PT_OK); /* the other header */
    pt_vhdxmap_free(x);
    d[128 * 1024 + 20] ^= 1;
    T_CHECK(pt_vhdxmap_open(pt_read_mem, &m, FSIZE, &x, NULL, 0, &err) == PT_EFORMAT &&
            strstr(err.msg, "neither header"));
    free(d);
    d = build();
    m.p = d;
    d[192 * 1024 + 20] ^= 1;
    d[256 * 1024 + 20] ^= 1;
    T_CHECK(pt_vhdxmap_open(pt_read_mem, &m, FSIZE, &x, NULL, 0, &err) == PT_EFORMAT &&
            strstr(err.msg, "region table"));
    free(d);
    /* a BAT state the specification does not define; a bitmap not present; past the end */
    d = build();
    m.p = d;
    d[2 * MIB + 16] = 4;
    d[2 * MIB + 8 * 4096] = 0;
    le64(d + 2 * MIB, (9ull << 20) | 6);
    T_CHECK(pt_vhdxmap_open(pt_read_mem, &m, FSIZE, &x, NULL, 0, &err) == PT_OK);
    if (x) {
        T_CHECK(pt_vhdxmap_state(x, 2 * MIB, &run, &host, &err) == -1 && strstr(err.msg, "BAT state 4"));
        T_CHECK(pt_vhdxmap_state(x, MIB, &run, &host, &err) == -1 && strstr(err.msg, "sector bitmap is not"));
        T_CHECK(pt_vhdxmap_state(x, 0, &run, &host, &err) == -1 && strstr(err.msg, "past the end of the VHDX"));
        pt_vhdxmap_free(x);
    }
    free(d);
    /* every cut, and random damage of the structures: never outside the file */
    d = build();
    for (size_t cut = 0; cut < FSIZE; cut += 4096 * 3 + 1) {
        pt_mem_t c = { d, cut };
        if (pt_vhdxmap_open(pt_read_mem, &c, cut, &x, NULL, 0, &err) == PT_OK) {
            for (uint64_t o = 0; o < 4 * MIB; o += 512 * 37)
                if (pt_vhdxmap_state(x, o, &run, &host, &err) == PT_MAP_DATA)
                    T_CHECK(host < cut && run > 0);
            pt_vhdxmap_free(x);
        }
    }
    free(d);
    uint32_t r = 7;
    for (int k = 0; k < 200; k++) {
        d = build();
        m.p = d;
        for (int j = 0; j < 6; j++) {
            r = r * 1103515245u + 12345u;
            size_t at = k % 2 ? MIB + (r >> 8) % (64 * 1024 + 512) : 2 * MIB + (r >> 8) % 32;
            d[at] = (uint8_t)(r >> 3);
        }
        if (pt_vhdxmap_open(pt_read_mem, &m, FSIZE, &x, NULL, 0, &err) == PT_OK) {
            for (uint64_t o = 0; o < pt_vhdxmap_disk_size(x) && o < (64ull << 20); o += 4096 * 33)
                if (pt_vhdxmap_state(x, o, &run, &host, &err) == PT_MAP_DATA)
                    T_CHECK(host < FSIZE && run > 0);
            pt_vhdxmap_free(x);
        }
        free(d);
    }
}

int main(void)
{
    T_RUN(states);
    T_RUN(damage);
    return t_done();
}
