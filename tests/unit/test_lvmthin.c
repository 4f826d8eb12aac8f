/* Unit tests for lvmthin.c: a thin pool's metadata built by hand (a
 * superblock, the top-level and device-details trees, a two-level map),
 * read through: mapped chunks from the data LV, unmapped ones as zeros,
 * reads across chunks; damage (checksums, a block naming another, a loop,
 * a map pointing outside the data, an unknown device, a chunk size the
 * volume group does not give) refused with a reason, never a crash.  The
 * end-to-end test reads metadata written by thin_restore. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crc32c.h"
#include "lvmthin.h"
#include "testlib.h"

#define BLK 4096u
#define NMETA 8u
#define CHUNK (64u << 10)
#define NDATA 8u
#define VSIZE (102ull * CHUNK)

static void seal(uint8_t *b, uint32_t x)
{
    t_put_le32(b, ~pt_crc32c(b + 4, BLK - 4) ^ x);
}

/* A B-tree node at block blk: n keys, values of vsize bytes (the first 8 given). */
static void node(uint8_t *meta, uint32_t blk, int leaf, uint32_t vsize, int n, const uint64_t *keys,
                 const uint64_t *vals)
{
    uint8_t *b = meta + (size_t)blk * BLK;
    uint32_t max = 126;

    memset(b, 0, BLK);
    t_put_le32(b + 4, leaf ? 2 : 1);
    t_put_le64(b + 8, blk);
    t_put_le32(b + 16, (unsigned long)n);
    t_put_le32(b + 20, max);
    t_put_le32(b + 24, leaf ? vsize : 8);
    for (int i = 0; i < n; i++) {
        t_put_le64(b + 32 + 8 * i, keys[i]);
        t_put_le64(b + 32 + 8 * max + (leaf ? vsize : 8) * (uint32_t)i, vals[i]);
    }
    seal(b, 121107);
}

static uint8_t *metadata(void)
{
    uint8_t *m = calloc(NMETA, BLK), *sb = m;
    uint64_t top_k[] = { 1, 2, 3 }, top_v[] = { 3, 6, 7 };
    uint64_t det_k[] = { 1, 2 }, det_v[] = { 5, 1 };
    uint64_t in_k[] = { 0, 100 }, in_v[] = { 4, 5 };
    uint64_t l1_k[] = { 0, 2, 3 }, l1_v[] = { 7ull << 24, 1ull << 24 | 1, 2ull << 24 };
    uint64_t l2_k[] = { 100, 101 }, l2_v[] = { 3ull << 24, 4ull << 24 };
    uint64_t d2_k[] = { 0 }, d2_v[] = { 9ull << 24 };
    uint64_t loop_k[] = { 0 }, loop_v[] = { 7 };

    t_put_le64(sb + 32, 27022010);
    t_put_le32(sb + 40, 2);
    t_put_le64(sb + 48, 3);
    t_put_le64(sb + 64, NDATA); /* data space map: blocks, allocated */
    t_put_le64(sb + 72, 5);
    t_put_le64(sb + 320, 1);
    t_put_le64(sb + 328, 2);
    t_put_le32(sb + 336, CHUNK / 512);
    t_put_le32(sb + 340, 8);
    t_put_le64(sb + 344, NMETA);
    seal(sb, 160774);
    node(m, 1, 1, 8, 3, top_k, top_v);
    node(m, 2, 1, 24, 2, det_k, det_v);
    node(m, 3, 0, 8, 2, in_k, in_v);
    node(m, 4, 1, 8, 3, l1_k, l1_v);
    node(m, 5, 1, 8, 2, l2_k, l2_v);
    node(m, 6, 1, 8, 1, d2_k, d2_v);
    node(m, 7, 0, 8, 1, loop_k, loop_v); /* points at itself */
    return m;
}

static uint8_t *data(void)
{
    uint8_t *d = malloc(NDATA * CHUNK);

    for (uint32_t i = 0; i < NDATA; i++)
        memset(d + i * CHUNK, 0x40 + (int)i, CHUNK);
    return d;
}

static int all(const uint8_t *p, size_t n, uint8_t v)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != v)
            return 0;
    return 1;
}

static void mapped_reads(void)
{
    uint8_t *m = metadata(), *d = data(), *buf = malloc(2 * CHUNK);
    pt_mem_t mm = { m, NMETA * BLK }, dm = { d, NDATA * CHUNK };
    pt_lvmthin_pool_info_t info;
    pt_lvmthin_t *t = NULL;
    pt_err_t err = { 0, "" };

    T_CHECK(pt_lvmthin_pool(pt_read_mem, &mm, NMETA * BLK, &info, &err) == PT_OK);
    T_CHECK(info.chunk == CHUNK && info.data_blocks == NDATA && info.data_allocated == 5 && info.transaction == 3);
    T_CHECK(pt_lvmthin_open(pt_read_mem, &mm, NMETA * BLK, pt_read_mem, &dm, NDATA * CHUNK, CHUNK / 512, 1, VSIZE,
                            &t, &err) == PT_OK);
    if (!t) {
        printf("#   %s\n", err.msg);
        goto out;
    }
    T_CHECK(pt_lvmthin_mapped(t) == 5);
    T_CHECK(pt_lvmthin_read(t, 0, buf, CHUNK, &err) == CHUNK && all(buf, CHUNK, 0x47));
    /* across a chunk boundary: chunk 0 (data 7), chunk 1 never written */
    T_CHECK(pt_lvmthin_read(t, CHUNK - 10, buf, 20, &err) == 20 && all(buf, 10, 0x47) && all(buf + 10, 10, 0));
    T_CHECK(pt_lvmthin_read(t, 2 * CHUNK + 5, buf, CHUNK, &err) == CHUNK && all(buf, CHUNK - 5, 0x41) &&
            all(buf + CHUNK - 5, 5, 0x42));
    /* chunk 99 sorts into the first leaf, 100 and 101 into the second */
    T_CHECK(pt_lvmthin_read(t, 99 * CHUNK, buf, 2 * CHUNK, &err) == 2 * CHUNK && all(buf, CHUNK, 0) &&
            all(buf + CHUNK, CHUNK, 0x43));
    T_CHECK(pt_lvmthin_read(t, 101 * CHUNK, buf, 2 * CHUNK, &err) == CHUNK && all(buf, CHUNK, 0x44)); /* the end */
    T_CHECK(pt_lvmthin_read(t, 50 * CHUNK, buf, 100, &err) == 100 && all(buf, 100, 0));
    T_CHECK(pt_lvmthin_read(t, VSIZE, buf, 100, &err) == 0);
    pt_lvmthin_close(t);
out:
    free(buf);
    free(m);
    free(d);
}

static void refused(void)
{
    uint8_t *m = metadata(), *d = data(), buf[64];
    pt_mem_t mm = { m, NMETA * BLK }, dm = { d, NDATA * CHUNK };
    pt_lvmthin_pool_info_t info;
    pt_lvmthin_t *t = NULL;
    pt_err_t err = { 0, "" };

    /* a device the pool does not have; a chunk size the volume group does not say */
    T_CHECK(pt_lvmthin_open(pt_read_mem, &mm, NMETA * BLK, pt_read_mem, &dm, NDATA * CHUNK, CHUNK / 512, 9, VSIZE,
                            &t, &err) == PT_EFORMAT && !t);
    T_CHECK(strstr(err.msg, "thin device 9 is not in the pool's metadata") != NULL);
    T_CHECK(pt_lvmthin_open(pt_read_mem, &mm, NMETA * BLK, pt_read_mem, &dm, NDATA * CHUNK, 256, 1, VSIZE, &t,
                            &err) == PT_EFORMAT && strstr(err.msg, "chunks of 128 sectors in its metadata, 256"));
    /* a map pointing past the data LV */
    T_CHECK(pt_lvmthin_open(pt_read_mem, &mm, NMETA * BLK, pt_read_mem, &dm, NDATA * CHUNK, CHUNK / 512, 2, VSIZE,
                            &t, &err) == PT_OK);
    T_CHECK(t && pt_lvmthin_read(t, 0, buf, sizeof buf, &err) == -1 && strstr(err.msg, "outside the pool's 8"));
    pt_lvmthin_close(t);
    /* an internal node pointing at itself */
    t = NULL;
    T_CHECK(pt_lvmthin_open(pt_read_mem, &mm, NMETA * BLK, pt_read_mem, &dm, NDATA * CHUNK, CHUNK / 512, 3, VSIZE,
                            &t, &err) == PT_OK);
    T_CHECK(t && pt_lvmthin_read(t, 0, buf, sizeof buf, &err) == -1 && strstr(err.msg, "deeper than"));
    pt_lvmthin_close(t);
    /* a damaged leaf: its chunks fail, the others still read */
    t = NULL;
    m[5 * BLK + 40] ^= 1;
    T_CHECK(pt_lvmthin_open(pt_read_mem, &mm, NMETA * BLK, pt_read_mem, &dm, NDATA * CHUNK, CHUNK / 512, 1, VSIZE,
                            &t, &err) == PT_OK);
    T_CHECK(t && pt_lvmthin_read(t, 100 * CHUNK, buf, sizeof buf, &err) == -1 &&
            strstr(err.msg, "block 5 fails its checksum"));
    T_CHECK(t && pt_lvmthin_read(t, 0, buf, sizeof buf, &err) == (ssize_t)sizeof buf && all(buf, sizeof buf, 0x47));
    pt_lvmthin_close(t);
    /* a valid node in the wrong block */
    free(m);
    m = metadata();
    mm.p = m;
    t = NULL;
    t_put_le64(m + 4 * BLK + 8, 6);
    seal(m + 4 * BLK, 121107);
    T_CHECK(pt_lvmthin_open(pt_read_mem, &mm, NMETA * BLK, pt_read_mem, &dm, NDATA * CHUNK, CHUNK / 512, 1, VSIZE,
                            &t, &err) == PT_OK);
    T_CHECK(t && pt_lvmthin_read(t, 0, buf, sizeof buf, &err) == -1 && strstr(err.msg, "names another block"));
    pt_lvmthin_close(t);
    /* the superblock */
    m[33] ^= 1;
    T_CHECK(pt_lvmthin_pool(pt_read_mem, &mm, NMETA * BLK, &info, &err) == PT_EFORMAT &&
            strstr(err.msg, "no dm-thin superblock"));
    m[33] ^= 1;
    m[100] ^= 1;
    T_CHECK(pt_lvmthin_pool(pt_read_mem, &mm, NMETA * BLK, &info, &err) == PT_EFORMAT &&
            strstr(err.msg, "fails its checksum"));
    free(m);
    free(d);
}

/* Random damage to the metadata, resealed so that the structure checks
 * (not only the checksums) meet it: a volume that reads or a reason. */
static void damage(void)
{
    uint8_t *d = data(), buf[512];
    pt_mem_t dm = { d, NDATA * CHUNK };
    uint32_t r = 11;

    for (int k = 0; k < 2000; k++) {
        uint8_t *m = metadata();
        pt_mem_t mm = { m, NMETA * BLK };
        pt_lvmthin_t *t = NULL;
        pt_err_t err = { 0, "" };
        uint32_t blk;
        for (int j = 0; j < 4; j++) {
            r = r * 1103515245u + 12345u;
            blk = (r >> 8) % NMETA;
            r = r * 1103515245u + 12345u;
            m[blk * BLK + 4 + (r >> 8) % 1100] = (uint8_t)(r >> 20);
            if (k % 4)
                seal(m + blk * BLK, blk ? 121107 : 160774);
        }
        if (pt_lvmthin_open(pt_read_mem, &mm, NMETA * BLK, pt_read_mem, &dm, NDATA * CHUNK, CHUNK / 512,
                            1 + k % 3, VSIZE, &t, &err) == PT_OK) {
            for (uint64_t c = 0; c < 102; c += 7)
                if (pt_lvmthin_read(t, c * CHUNK, buf, sizeof buf, &err) < 0)
                    T_CHECK(err.msg[0] != '\0');
            pt_lvmthin_close(t);
        } else {
            T_CHECK(err.msg[0] != '\0');
        }
        free(m);
    }
    free(d);
}

int main(void)
{
    T_RUN(mapped_reads);
    T_RUN(refused);
    T_RUN(damage);
    return t_done();
}
