/* Unit tests for vmdkmap.c: grain states of a hosted sparse extent written
 * here after VMware's Virtual Disk Format 5.0 (allocated, zeroed with and
 * without the header flag, unallocated at the table and the directory),
 * extents of other kinds left to libvmdk, and random damage without an
 * overread (the e2e test compares whole disks with qemu's). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "testlib.h"
#include "vmdkmap.h"

#define FILE_SIZE 16384
#define GRAIN 4096            /* 8 sectors */
#define GTES 4                /* 4 grains per table: 16 KiB of disk each */

/* 32 KiB of disk: GD (2 entries) at sector 2, one GT at sector 3 */
static uint8_t *extent(uint32_t flags)
{
    uint8_t *d = calloc(1, FILE_SIZE);

    memcpy(d, "KDMV", 4);
    t_put_le32(d + 4, 1);
    t_put_le32(d + 8, flags);
    t_put_le64(d + 12, 64);          /* capacity, sectors */
    t_put_le64(d + 20, GRAIN / 512);
    t_put_le32(d + 44, GTES);
    t_put_le64(d + 56, 2);           /* grain directory at sector 2 */
    t_put_le32(d + 1024, 3);         /* GD[0] -> GT at sector 3; GD[1] = 0 */
    t_put_le32(d + 1536 + 0, 8);     /* grain 0 at sector 8 */
    t_put_le32(d + 1536 + 4, 0);     /* the parent's */
    t_put_le32(d + 1536 + 8, 1);     /* zeroed (when flagged) */
    t_put_le32(d + 1536 + 12, 12);
    return d;
}

static int state(pt_vmdkmap_t *m, uint64_t off, uint64_t *run)
{
    pt_err_t err = { 0, "" };
    return pt_vmdkmap_state(m, off, run, &err);
}

static void states(void)
{
    for (int zeroed = 0; zeroed <= 1; zeroed++) {
        uint8_t *d = extent(zeroed ? 1u << 2 : 3);
        pt_mem_t mem = { d, FILE_SIZE };
        pt_vmdkmap_t *m = pt_vmdkmap_new(65536);
        pt_err_t err = { 0, "" };
        uint64_t run = 0;

        /* disk bytes 0-32 KiB are this extent, the rest a flat extent */
        T_CHECK(pt_vmdkmap_add_extent(m, 0, 32768, pt_read_mem, &mem, FILE_SIZE, &err) == PT_OK);
        T_CHECK(state(m, 0, &run) == PT_MAP_DATA && run == GRAIN);
        T_CHECK(state(m, 100, &run) == PT_MAP_DATA && run == GRAIN - 100);
        T_CHECK(state(m, GRAIN, &run) == PT_MAP_PARENT);
        T_CHECK(state(m, 2 * GRAIN, &run) == (zeroed ? PT_MAP_ZERO : PT_MAP_DATA));
        T_CHECK(state(m, 3 * GRAIN, &run) == PT_MAP_DATA);
        T_CHECK(state(m, 4 * GRAIN, &run) == PT_MAP_PARENT && run == GRAIN);   /* no grain table */
        T_CHECK(state(m, 40000, &run) == PT_MAP_DATA && run == 65536 - 40000); /* no extent mapped */
        pt_vmdkmap_free(m);
        free(d);
    }
    /* a flat extent (no KDMV header) is libvmdk's throughout */
    uint8_t flat[4096] = { 0 };
    pt_mem_t mem = { flat, sizeof flat };
    pt_vmdkmap_t *m = pt_vmdkmap_new(8192);
    pt_err_t err = { 0, "" };
    uint64_t run;
    T_CHECK(pt_vmdkmap_add_extent(m, 4096, 4096, pt_read_mem, &mem, sizeof flat, &err) == PT_OK);
    T_CHECK(state(m, 0, &run) == PT_MAP_DATA && run == 4096);
    T_CHECK(state(m, 5000, &run) == PT_MAP_DATA && run == 3192);
    pt_vmdkmap_free(m);
}

static void damage(void)
{
    uint8_t *d = extent(4);
    pt_mem_t mem = { d, FILE_SIZE };
    pt_vmdkmap_t *m = pt_vmdkmap_new(32768);
    pt_err_t err = { 0, "" };
    uint64_t run;

    t_put_le64(d + 20, 3);           /* a grain of 3 sectors */
    T_CHECK(pt_vmdkmap_add_extent(m, 0, 32768, pt_read_mem, &mem, FILE_SIZE, &err) == PT_EFORMAT &&
            strstr(err.msg, "grain of 1536 bytes"));
    t_put_le64(d + 20, GRAIN / 512);
    t_put_le64(d + 56, 100);         /* grain directory past the file */
    T_CHECK(pt_vmdkmap_add_extent(m, 0, 32768, pt_read_mem, &mem, FILE_SIZE, &err) == PT_EFORMAT &&
            strstr(err.msg, "grain directory at sector 100"));
    t_put_le64(d + 56, 2);
    t_put_le32(d + 1536 + 12, 30);   /* a grain cut by the end of the file */
    pt_vmdkmap_t *cut = pt_vmdkmap_new(32768);
    T_CHECK(pt_vmdkmap_add_extent(cut, 0, 32768, pt_read_mem, &mem, FILE_SIZE, &err) == PT_OK);
    T_CHECK(pt_vmdkmap_state(cut, 3 * GRAIN, &run, &err) == -1 && strstr(err.msg, "runs past the end"));
    pt_vmdkmap_free(cut);
    t_put_le32(d + 1024, 1000);      /* a grain table past the file: that query fails */
    T_CHECK(pt_vmdkmap_add_extent(m, 0, 32768, pt_read_mem, &mem, FILE_SIZE, &err) == PT_OK);
    T_CHECK(pt_vmdkmap_state(m, 0, &run, &err) == -1 && strstr(err.msg, "grain table"));
    T_CHECK(state(m, 16384, &run) == PT_MAP_PARENT);
    pt_vmdkmap_free(m);
    free(d);
}

static void random_bytes(void)
{
    uint8_t *d = extent(4);
    unsigned seed = 11;
    int added = 0;

    for (int k = 0; k < 20000; k++) {
        pt_mem_t mem = { d, FILE_SIZE };
        pt_vmdkmap_t *m = pt_vmdkmap_new(1 << 20);
        pt_err_t err = { 0, "" };
        uint64_t run;
        for (int j = 0; j < 3; j++) {
            seed = seed * 1103515245u + 12345u;
            d[4 + (seed >> 8) % (2048 - 4)] = (uint8_t)(seed >> 24);
        }
        if (k % 50 == 0) {
            free(d);
            d = extent(4);
            mem.p = d;
        }
        if (pt_vmdkmap_add_extent(m, 0, 32768, pt_read_mem, &mem, FILE_SIZE, &err) == PT_OK) {
            added++;
            for (uint64_t off = 0; off < (1 << 20); off += 1024) {
                int st = pt_vmdkmap_state(m, off, &run, &err);
                T_CHECK(st == -1 || st == PT_MAP_DATA || st == PT_MAP_ZERO || st == PT_MAP_PARENT);
                T_CHECK(run >= 1);
            }
        }
        pt_vmdkmap_free(m);
    }
    T_CHECK(added > 100);
    free(d);
}

int main(void)
{
    T_RUN(states);
    T_RUN(damage);
    T_RUN(random_bytes);
    return t_done();
}
