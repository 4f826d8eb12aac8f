/* Unit tests for qcowmap.c: cluster states of a qcow2 image written here by
 * hand after qemu's docs/interop/qcow2.txt (data, zero with and without a
 * host cluster, compressed, left to the backing file at L2 and at L1),
 * version 2 against 3, refused features, and random damage without an
 * overread (the e2e test compares whole disks with qemu's). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "qcowmap.h"
#include "testlib.h"

#define CB 9                   /* 512-byte clusters: 64 L2 entries, 32 KiB per L1 entry */
#define FILE_SIZE 4096

/* header at 0, L1 (2 entries) at 512, one L2 table at 1024, data at 1536+ */
static uint8_t *image(uint32_t version)
{
    uint8_t *d = calloc(1, FILE_SIZE);

    memcpy(d, "QFI\xfb", 4);
    t_put_be32(d + 4, version);
    t_put_be32(d + 20, CB);
    t_put_be64(d + 24, 65536);                   /* virtual size: two L1 entries' worth */
    t_put_be32(d + 36, 2);                       /* L1 entries */
    t_put_be64(d + 40, 512);
    t_put_be32(d + 100, 104);                    /* v3 header length */
    t_put_be64(d + 512, 1024 | 1ULL << 63);      /* L1[0] -> L2 at 1024; L1[1] = 0 */
    t_put_be64(d + 1024 + 0 * 8, 1536 | 1ULL << 63);
    t_put_be64(d + 1024 + 1 * 8, 0);             /* the backing file's */
    t_put_be64(d + 1024 + 2 * 8, 1);             /* zeros, no host cluster */
    t_put_be64(d + 1024 + 3 * 8, 2048 | 1);      /* zeros over a preallocated cluster */
    t_put_be64(d + 1024 + 4 * 8, 1ULL << 62 | 2560);
    t_put_be64(d + 1024 + 5 * 8, 2048);
    return d;
}

static int state(pt_qcowmap_t *m, uint64_t off, uint64_t *run)
{
    pt_err_t err = { 0, "" };
    return pt_qcowmap_state(m, off, run, NULL, &err);
}

static void states(void)
{
    for (uint32_t v = 2; v <= 3; v++) {
        uint8_t *d = image(v);
        pt_mem_t m = { d, FILE_SIZE };
        pt_qcowmap_t *q = NULL;
        pt_err_t err = { 0, "" };
        uint64_t run = 0;

        T_CHECK(pt_qcowmap_open(pt_read_mem, &m, FILE_SIZE, &q, &err) == PT_OK);
        if (!q) {
            free(d);
            continue;
        }
        T_CHECK(state(q, 0, &run) == PT_MAP_DATA && run == 512);
        uint64_t host = 0;
        T_CHECK(pt_qcowmap_state(q, 100, &run, &host, &err) == PT_MAP_DATA && host == 1536 + 100);
        T_CHECK(pt_qcowmap_state(q, 2048, &run, &host, &err) == PT_MAP_DATA && host == UINT64_MAX); /* compressed */
        T_CHECK(state(q, 100, &run) == PT_MAP_DATA && run == 412);
        T_CHECK(state(q, 512, &run) == PT_MAP_PARENT);
        /* the zero flag exists from version 3 on; in version 2 the bit is
         * reserved and the entry's offset alone decides */
        T_CHECK(state(q, 1024, &run) == (v == 3 ? PT_MAP_ZERO : PT_MAP_PARENT));
        T_CHECK(state(q, 1536, &run) == (v == 3 ? PT_MAP_ZERO : PT_MAP_DATA));
        T_CHECK(state(q, 2048, &run) == PT_MAP_DATA);  /* compressed */
        T_CHECK(state(q, 2560, &run) == PT_MAP_DATA);
        T_CHECK(state(q, 3072, &run) == PT_MAP_PARENT);
        T_CHECK(state(q, 32768 + 512, &run) == PT_MAP_PARENT && run == 512);  /* no L2 table */
        T_CHECK(state(q, 1 << 20, &run) == PT_MAP_PARENT);                   /* past the L1 table */
        pt_qcowmap_free(q);
        free(d);
    }
}

static int refused(uint8_t *d, const char *why)
{
    pt_mem_t m = { d, FILE_SIZE };
    pt_qcowmap_t *q = NULL;
    pt_err_t err = { 0, "" };
    int rc = pt_qcowmap_open(pt_read_mem, &m, FILE_SIZE, &q, &err);

    pt_qcowmap_free(q);
    if (rc == PT_OK || !strstr(err.msg, why)) {
        fprintf(stdout, "#   expected \"%s\", got %d \"%s\"\n", why, rc, err.msg);
        return 0;
    }
    return 1;
}

/* 1 when the cluster at off of image d cannot be read, with why in the
 * message, while the cluster at ok_off still answers */
static int fails_at(uint8_t *d, uint64_t off, const char *why, uint64_t ok_off)
{
    pt_mem_t m = { d, FILE_SIZE };
    pt_qcowmap_t *q = NULL;
    pt_err_t err = { 0, "" };
    uint64_t run;
    int yes;

    if (pt_qcowmap_open(pt_read_mem, &m, FILE_SIZE, &q, &err) != PT_OK)
        return 0;
    yes = pt_qcowmap_state(q, off, &run, NULL, &err) == -1 && strstr(err.msg, why) &&
          state(q, ok_off, &run) == PT_MAP_DATA;
    pt_qcowmap_free(q);
    return yes;
}

static void refusals(void)
{
    uint8_t *d = image(1);
    T_CHECK(refused(d, "qcow version 1"));
    free(d);
    d = image(3);
    t_put_be64(d + 72, 1ULL << 2);
    T_CHECK(refused(d, "external data file"));
    t_put_be64(d + 72, 1ULL << 4);
    T_CHECK(refused(d, "extended L2"));
    t_put_be64(d + 72, 1ULL << 9);
    T_CHECK(refused(d, "unknown incompatible features 0x200"));
    t_put_be64(d + 72, 1ULL << 0 | 1ULL << 3);   /* dirty, zstd: the map is the same */
    {
        pt_mem_t m = { d, FILE_SIZE };
        pt_qcowmap_t *q = NULL;
        pt_err_t err = { 0, "" };
        T_CHECK(pt_qcowmap_open(pt_read_mem, &m, FILE_SIZE, &q, &err) == PT_OK);
        pt_qcowmap_free(q);
    }
    t_put_be32(d + 20, 30);
    T_CHECK(refused(d, "cluster size 2^30"));
    t_put_be32(d + 20, CB);
    t_put_be32(d + 36, 1);                       /* one entry for a 64 KiB disk */
    T_CHECK(refused(d, "L1 table of 1 entries"));
    t_put_be32(d + 36, 0x10000000);
    T_CHECK(refused(d, "L1 table of 268435456 entries"));
    t_put_be32(d + 36, 2);
    t_put_be64(d + 40, FILE_SIZE - 8);            /* L1 table runs off the file */
    T_CHECK(refused(d, "outside the 4096-byte file"));
    free(d);

    /* a cluster cut by the end of the file, a compressed one past it: refused,
     * not handed to libqcow (which copied a whole cluster out of a short read) */
    d = image(3);
    t_put_be64(d + 1024 + 5 * 8, FILE_SIZE);
    t_put_be64(d + 1024 + 4 * 8, 1ULL << 62 | (FILE_SIZE + 512));
    T_CHECK(fails_at(d, 2560, "runs past the end", 0));
    T_CHECK(fails_at(d, 2048, "compressed", 0));
    free(d);

    /* an L2 table outside the file: that cluster's read fails, others answer */
    d = image(3);
    t_put_be64(d + 512, 1ULL << 40);
    t_put_be64(d + 520, 1024);
    T_CHECK(fails_at(d, 0, "L2 table", 32768));
    free(d);
}

/* random bytes over the header and tables, magic kept: refused, or every
 * query answered without reading outside the file (ASan, valgrind) */
static void random_bytes(void)
{
    uint8_t *d = image(3);
    unsigned seed = 7;
    int opened = 0;

    for (int k = 0; k < 20000; k++) {
        pt_mem_t m = { d, FILE_SIZE };
        pt_qcowmap_t *q = NULL;
        pt_err_t err = { 0, "" };
        uint64_t run;
        for (int j = 0; j < 3; j++) {
            seed = seed * 1103515245u + 12345u;
            size_t at = 4 + (seed >> 8) % (1536 - 4);
            d[at] = (uint8_t)(seed >> 24);
        }
        if (k % 50 == 0) { /* start again from an intact image now and then */
            free(d);
            d = image(3);
            m.p = d;
        }
        if (pt_qcowmap_open(pt_read_mem, &m, FILE_SIZE, &q, &err) != PT_OK)
            continue;
        opened++;
        for (uint64_t off = 0; off < 65536; off += 256) {
            int st = pt_qcowmap_state(q, off, &run, NULL, &err);
            T_CHECK(st == -1 || st == PT_MAP_DATA || st == PT_MAP_ZERO || st == PT_MAP_PARENT);
            T_CHECK(run >= 1 && run <= (1u << 21));
        }
        pt_qcowmap_free(q);
    }
    T_CHECK(opened > 100);
    free(d);
}

/* a cluster compressed as qemu compresses it (raw deflate, 4 KiB window) */
static void compressed(void)
{
    uint8_t *d = image(3), plain[512], out[512];
    pt_mem_t m = { d, FILE_SIZE };
    pt_qcowmap_t *q = NULL;
    pt_err_t err = { 0, "" };
    z_stream z;

    for (int i = 0; i < 512; i++)
        plain[i] = (uint8_t)("ledger "[i % 7]);
    memset(&z, 0, sizeof z);
    T_CHECK(deflateInit2(&z, 6, Z_DEFLATED, -12, 9, Z_DEFAULT_STRATEGY) == Z_OK);
    z.next_in = plain;
    z.avail_in = sizeof plain;
    z.next_out = d + 2560;
    z.avail_out = 512;
    T_CHECK(deflate(&z, Z_FINISH) == Z_STREAM_END);
    deflateEnd(&z);
    T_CHECK(pt_qcowmap_open(pt_read_mem, &m, FILE_SIZE, &q, &err) == PT_OK);
    if (q) {
        T_CHECK(pt_qcowmap_cluster(q) == 512);
        T_CHECK(pt_qcowmap_read_compressed(q, 2048 + 17, out, &err) == PT_OK && memcmp(out, plain, 512) == 0);
        T_CHECK(pt_qcowmap_read_compressed(q, 0, out, &err) == PT_EFORMAT);          /* not compressed */
        d[2560] = 0x07;                        /* a block of the reserved type 3: not deflate */
        T_CHECK(pt_qcowmap_read_compressed(q, 2048, out, &err) == PT_EIO && strstr(err.msg, "decompress"));
        pt_qcowmap_free(q);
    }
    free(d);
}

int main(void)
{
    T_RUN(compressed);
    T_RUN(states);
    T_RUN(refusals);
    T_RUN(random_bytes);
    return t_done();
}
