/* qcowmap.c - qcow2 cluster states from the L1/L2 tables (the layout of
 * qemu's docs/interop/qcow2.txt).  Every table offset is checked against
 * the file before it is read. */
#include "qcowmap.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "bytes.h"

#define L1_MAX_BYTES (32u << 20)     /* qemu's own limit on the L1 table */
#define L2_CACHE 8                   /* L2 tables kept: 8 x 512 MiB of disk at 64 KiB clusters */
#define OFFSET_MASK 0x00fffffffffffe00ULL
#define COMPRESSED (1ULL << 62)
#define ZERO_FLAG 1ULL

/* incompatible features ptriage maps (dirty, corrupt, compression type:
 * zstd images are refused by layer.c before they get here);
 * external data files (bit 2) and extended L2 entries (bit 4) it does not */
#define INCOMPAT_KNOWN ((1ULL << 0) | (1ULL << 1) | (1ULL << 3))

struct pt_qcowmap {
    pt_read_fn fn;
    void *src;
    uint64_t file_size, disk_size;
    unsigned cluster_bits, l2_bits;
    uint32_t version;
    uint64_t *l1;                    /* host order */
    uint32_t l1_size;
    pthread_mutex_t lock;
    struct {
        int64_t l1_index;            /* -1: empty */
        uint64_t *l2;
    } cache[L2_CACHE];
};

void pt_qcowmap_free(pt_qcowmap_t *m)
{
    int i;

    if (!m)
        return;
    for (i = 0; i < L2_CACHE; i++)
        free(m->cache[i].l2);
    free(m->l1);
    pthread_mutex_destroy(&m->lock);
    free(m);
}

/* Reads a table of n big-endian 64-bit entries at off into host order. */
static int read_table(pt_qcowmap_t *m, uint64_t off, uint64_t *t, uint64_t n, const char *what, pt_err_t *err)
{
    uint64_t i;
    int rc;

    if (off > m->file_size || n * 8 > m->file_size - off)
        return pt_err_set(err, PT_EFORMAT, "qcow2 %s at byte %llu lies outside the %llu-byte file", what,
                          (unsigned long long)off, (unsigned long long)m->file_size);
    if ((rc = pt_read_exact(m->fn, m->src, off, (uint8_t *)t, (size_t)n * 8, err)) != PT_OK)
        return rc;
    for (i = 0; i < n; i++)
        t[i] = be64((const uint8_t *)&t[i]);
    return PT_OK;
}

int pt_qcowmap_open(pt_read_fn fn, void *src, uint64_t size, pt_qcowmap_t **out, pt_err_t *err)
{
    uint8_t h[104];
    pt_qcowmap_t *m;
    uint64_t l1_off, per_l1, need, incompat = 0;
    int rc, i;

    *out = NULL;
    if ((rc = pt_read_exact(fn, src, 0, h, 72, err)) != PT_OK)
        return rc;
    if (memcmp(h, "QFI\xfb", 4) != 0)
        return pt_err_set(err, PT_EFORMAT, "not a qcow image");
    if (be32(h + 4) < 2 || be32(h + 4) > 3)
        return pt_err_set(err, PT_EFORMAT, "qcow version %u has no cluster map ptriage reads", be32(h + 4));
    if (be32(h + 4) == 3) {
        if ((rc = pt_read_exact(fn, src, 72, h + 72, 32, err)) != PT_OK)
            return rc;
        incompat = be64(h + 72);
        if (incompat & (1ULL << 2))
            return pt_err_set(err, PT_EFORMAT, "qcow2 image keeps its data in an external data file");
        if (incompat & (1ULL << 4))
            return pt_err_set(err, PT_EFORMAT, "qcow2 image with extended L2 entries (subclusters)");
        if (incompat & ~INCOMPAT_KNOWN)
            return pt_err_set(err, PT_EFORMAT, "qcow2 image with unknown incompatible features 0x%llx",
                              (unsigned long long)(incompat & ~INCOMPAT_KNOWN));
    }
    if (be32(h + 20) < 9 || be32(h + 20) > 21)
        return pt_err_set(err, PT_EFORMAT, "qcow2 cluster size 2^%u is outside 512 B to 2 MiB", be32(h + 20));
    if (!(m = calloc(1, sizeof *m)))
        return pt_err_set(err, PT_ENOMEM, "out of memory");
    pthread_mutex_init(&m->lock, NULL);
    m->fn = fn;
    m->src = src;
    m->file_size = size;
    m->version = be32(h + 4);
    m->cluster_bits = be32(h + 20);
    m->l2_bits = m->cluster_bits - 3;
    m->disk_size = be64(h + 24);
    m->l1_size = be32(h + 36);
    l1_off = be64(h + 40);
    for (i = 0; i < L2_CACHE; i++)
        m->cache[i].l1_index = -1;
    per_l1 = 1ULL << (m->cluster_bits + m->l2_bits);
    need = m->disk_size / per_l1 + (m->disk_size % per_l1 != 0);
    if ((uint64_t)m->l1_size * 8 > L1_MAX_BYTES || m->l1_size < need) {
        pt_qcowmap_free(m);
        return pt_err_set(err, PT_EFORMAT, "qcow2 L1 table of %u entries does not fit a %llu-byte disk",
                          be32(h + 36), (unsigned long long)be64(h + 24));
    }
    if (m->l1_size && (!(m->l1 = malloc((size_t)m->l1_size * 8)) ||
                       (rc = read_table(m, l1_off, m->l1, m->l1_size, "L1 table", err)) != PT_OK)) {
        rc = m->l1 ? rc : pt_err_set(err, PT_ENOMEM, "out of memory");
        pt_qcowmap_free(m);
        return rc;
    }
    *out = m;
    return PT_OK;
}

/* The L2 table of L1 entry i, from the cache or the file (lock held). */
static const uint64_t *l2_table(pt_qcowmap_t *m, uint64_t i, uint64_t l2_off, pt_err_t *err)
{
    int slot = (int)(i % L2_CACHE);
    uint64_t n = 1ULL << m->l2_bits;

    if (m->cache[slot].l1_index == (int64_t)i)
        return m->cache[slot].l2;
    if (!m->cache[slot].l2 && !(m->cache[slot].l2 = malloc((size_t)n * 8))) {
        pt_err_set(err, PT_ENOMEM, "out of memory");
        return NULL;
    }
    m->cache[slot].l1_index = -1;
    if (read_table(m, l2_off, m->cache[slot].l2, n, "L2 table", err) != PT_OK)
        return NULL;
    m->cache[slot].l1_index = (int64_t)i;
    return m->cache[slot].l2;
}

int pt_qcowmap_state(pt_qcowmap_t *m, uint64_t off, uint64_t *run, uint64_t *host_off, pt_err_t *err)
{
    uint64_t cluster = 1ULL << m->cluster_bits, i, l2_off, e;
    const uint64_t *l2;
    int state;

    *run = cluster - (off & (cluster - 1));
    if (host_off)
        *host_off = UINT64_MAX;
    i = off >> (m->cluster_bits + m->l2_bits);
    if (i >= m->l1_size)
        return PT_MAP_PARENT;
    l2_off = m->l1[i] & OFFSET_MASK;
    if (!l2_off)
        return PT_MAP_PARENT;
    pthread_mutex_lock(&m->lock);
    if (!(l2 = l2_table(m, i, l2_off, err))) {
        pthread_mutex_unlock(&m->lock);
        return -1;
    }
    e = l2[(off >> m->cluster_bits) & ((1ULL << m->l2_bits) - 1)];
    pthread_mutex_unlock(&m->lock);
    if (e & COMPRESSED) {
        uint64_t host = e & ((1ULL << (62 - (m->cluster_bits - 8))) - 1);
        if (host >= m->file_size)
            return pt_err_set(err, PT_EIO, "qcow2 compressed cluster for disk offset %llu at byte %llu, past "
                              "the end of the %llu-byte image file", (unsigned long long)off,
                              (unsigned long long)host, (unsigned long long)m->file_size), -1;
        state = PT_MAP_DATA;
    } else if (m->version >= 3 && (e & ZERO_FLAG)) {
        state = PT_MAP_ZERO;   /* even with a host cluster behind it (preallocated) */
    } else if (e & OFFSET_MASK) {
        /* libqcow copies a whole cluster out of what it could read: a
         * cluster cut by the end of the file would be read past its buffer */
        uint64_t host = e & OFFSET_MASK;
        if (host > m->file_size || cluster > m->file_size - host)
            return pt_err_set(err, PT_EIO, "qcow2 cluster for disk offset %llu at byte %llu runs past the end "
                              "of the %llu-byte image file (truncated?)", (unsigned long long)off,
                              (unsigned long long)host, (unsigned long long)m->file_size), -1;
        if (host_off)
            *host_off = host + (off & (cluster - 1));
        state = PT_MAP_DATA;
    } else {
        state = PT_MAP_PARENT;
    }
    return state;
}

uint64_t pt_qcowmap_cluster(const pt_qcowmap_t *m)
{
    return 1ULL << m->cluster_bits;
}

/* The L2 entry of off (0 when none); -1 with err set. */
static int l2_entry(pt_qcowmap_t *m, uint64_t off, uint64_t *e, pt_err_t *err)
{
    uint64_t i = off >> (m->cluster_bits + m->l2_bits), l2_off;
    const uint64_t *l2;

    *e = 0;
    if (i >= m->l1_size || !(l2_off = m->l1[i] & OFFSET_MASK))
        return 0;
    pthread_mutex_lock(&m->lock);
    if ((l2 = l2_table(m, i, l2_off, err)))
        *e = l2[(off >> m->cluster_bits) & ((1ULL << m->l2_bits) - 1)];
    pthread_mutex_unlock(&m->lock);
    return l2 ? 0 : -1;
}

int pt_qcowmap_read_compressed(pt_qcowmap_t *m, uint64_t off, uint8_t *out, pt_err_t *err)
{
    unsigned x = 62 - (m->cluster_bits - 8);
    uint64_t e, host, csize, cluster = 1ULL << m->cluster_bits;
    uint8_t *in;
    z_stream z;
    int rc, zr;

    if (l2_entry(m, off, &e, err) != 0)
        return err ? err->code : PT_EIO;
    if (!(e & COMPRESSED))
        return pt_err_set(err, PT_EFORMAT, "qcow2 cluster for disk offset %llu is not compressed",
                          (unsigned long long)off);
    host = e & ((1ULL << x) - 1);
    csize = (((e & ~COMPRESSED) >> x) + 1) * 512 - (host & 511);
    if (host >= m->file_size)
        return pt_err_set(err, PT_EIO, "qcow2 compressed cluster at byte %llu, past the end of the file",
                          (unsigned long long)host);
    if (csize > m->file_size - host)
        csize = m->file_size - host;   /* the last one may be cut where the file ends */
    if (!(in = malloc((size_t)csize)))
        return pt_err_set(err, PT_ENOMEM, "out of memory");
    if ((rc = pt_read_exact(m->fn, m->src, host, in, (size_t)csize, err)) != PT_OK) {
        free(in);
        return rc;
    }
    memset(&z, 0, sizeof z);
    if (inflateInit2(&z, -12) != Z_OK) {
        free(in);
        return pt_err_set(err, PT_ENOMEM, "zlib: cannot start");
    }
    z.next_in = in;
    z.avail_in = (uInt)csize;
    z.next_out = out;
    z.avail_out = (uInt)cluster;
    zr = inflate(&z, Z_FINISH);
    inflateEnd(&z);
    free(in);
    /* qemu stops when the cluster is full; the stream may end there or not */
    if ((zr != Z_STREAM_END && zr != Z_OK && zr != Z_BUF_ERROR) || z.avail_out != 0)
        return pt_err_set(err, PT_EIO, "qcow2 compressed cluster for disk offset %llu at byte %llu does not "
                          "decompress to %llu bytes", (unsigned long long)off, (unsigned long long)host,
                          (unsigned long long)cluster);
    return PT_OK;
}
