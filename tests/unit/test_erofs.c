/* Unit tests for erofs.c on images mkfs.erofs writes (erofs-utils, run by
 * the test): a file of whole blocks and a tail, a compressible one, an
 * empty one and a sparse one read back byte for byte by node number (as
 * dump.erofs gives it) in the flat, chunk-based and LZ4 layouts; a
 * damaged superblock (magic, block size, metadata past the end, checksum)
 * refused or named; a node past the end and a directory refused; a file of
 * 256 KiB physical clusters read whole decodes each cluster once. */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "erofs.h"
#include "reader.h"
#include "testlib.h"

static char dir[] = "/tmp/pt-erofs-XXXXXX";

/* blocks.bin: 3 blocks and a 1,000-byte tail of a pattern; text.txt:
 * compressible lines; empty; sparse.bin: 5 MiB with bytes at 2 MiB. */
static int make_tree(void)
{
    char path[256];
    FILE *f;
    size_t i;

    if (!t_scratch(dir))
        return 0;
    snprintf(path, sizeof path, "%s/src/blocks.bin", dir);
    if (!(f = fopen(path, "wb")))
        return 0;
    for (i = 0; i < 3 * 4096 + 1000; i++)
        fputc(t_pattern(i), f);
    fclose(f);
    snprintf(path, sizeof path, "%s/src/text.txt", dir);
    if (!(f = fopen(path, "wb")))
        return 0;
    for (i = 0; i < 20000; i++)
        fprintf(f, "line %zu of the ledger, invoice %zu\n", i, i % 97);
    fclose(f);
    snprintf(path, sizeof path, "%s/src/empty", dir);
    if (!(f = fopen(path, "wb")))
        return 0;
    fclose(f);
    snprintf(path, sizeof path, "%s/src/sparse.bin", dir);
    if (!(f = fopen(path, "wb")))
        return 0;
    fseek(f, 2 << 20, SEEK_SET);
    fputs("middle", f);
    fseek(f, (5 << 20) - 3, SEEK_SET);
    fputs("end", f);
    fclose(f);
    return 1;
}

static uint64_t nid_of(const char *img, const char *path)
{
    char cmd[512], line[256];
    uint64_t nid = 0;
    FILE *p;

    snprintf(cmd, sizeof cmd, "dump.erofs --path=%s %s 2>/dev/null", path, img);
    if (!(p = popen(cmd, "r")))
        return 0;
    while (fgets(line, sizeof line, p))
        if (sscanf(line, "NID: %" SCNu64, &nid) == 1)
            break;
    pclose(p);
    return nid;
}

static void layouts(void)
{
    static const char *const opts[] = { "", "--chunksize=8192", "-zlz4", "-zlz4hc -C16384 -Eztailpacking",
                                        "-zlz4 -Elegacy-compress" };
    static const char *const files[] = { "/blocks.bin", "/text.txt", "/empty", "/sparse.bin" };
    size_t k, j;

    for (k = 0; k < sizeof opts / sizeof opts[0]; k++) {
        char cmd[512], img[128], src[160];
        uint8_t *data;
        size_t n;
        pt_mem_t m;
        pt_erofs_t *e = NULL;
        pt_err_t err = { 0, "" };

        snprintf(img, sizeof img, "%s/%zu.img", dir, k);
        snprintf(cmd, sizeof cmd, "mkfs.erofs --quiet %s %s %s/src >/dev/null 2>&1", opts[k], img, dir);
        T_CHECK(system(cmd) == 0);
        if (!(data = t_slurp(img, &n)))
            continue;
        m = (pt_mem_t){ data, n };
        T_CHECK(pt_erofs_is(data, n));
        T_CHECK(pt_erofs_open(pt_read_mem, &m, n, &e, &err) == PT_OK);
        if (e) {
            T_CHECK(strstr(pt_erofs_describe(e), "EROFS, 4096-byte blocks") != NULL);
            T_CHECK(strstr(pt_erofs_describe(e), "checksum") == NULL);
            for (j = 0; j < sizeof files / sizeof files[0]; j++) {
                pt_read_fn fn;
                void *fsrc;
                uint64_t size = 0;
                size_t want_n = 0;
                uint8_t *want, *got;
                snprintf(src, sizeof src, "%s/src%s", dir, files[j]);
                want = t_slurp(src, &want_n);
                T_CHECK(pt_erofs_open_inode(e, nid_of(img, files[j]), &fn, &fsrc, &size, &err) == PT_OK);
                T_CHECK(size == want_n);
                got = want_n ? (uint8_t *)pt_read_alloc(fn, fsrc, want_n, &n) : NULL;
                if (want_n && (!got || memcmp(got, want, want_n) != 0))
                    printf("#   %s in layout '%s' differs: %s\n", files[j], opts[k], err.msg);
                T_CHECK(!want_n || (got && memcmp(got, want, want_n) == 0));
                free(got);
                free(want);
            }
            /* the root directory is no file; a node past the end is none */
            T_CHECK(pt_erofs_open_inode(e, nid_of(img, "/"), &(pt_read_fn){ 0 }, &(void *){ 0 }, &(uint64_t){ 0 },
                                        &err) == PT_EFORMAT && strstr(err.msg, "not a regular file"));
            T_CHECK(pt_erofs_open_inode(e, (uint64_t)1 << 40, &(pt_read_fn){ 0 }, &(void *){ 0 },
                                        &(uint64_t){ 0 }, &err) == PT_EFORMAT && strstr(err.msg, "past the"));
            pt_erofs_close(e);
        }
        free(data);
    }
}

/* The image as a source that counts the bytes read from it. */
typedef struct counted {
    pt_mem_t m;
    uint64_t bytes;
} counted_t;

static ssize_t read_counted(void *src, uint64_t off, uint8_t *buf, size_t len, pt_err_t *err)
{
    counted_t *c = src;
    ssize_t got = pt_read_mem(&c->m, off, buf, len, err);

    if (got > 0)
        c->bytes += (uint64_t)got;
    return got;
}

/* A 256 KiB physical cluster of text holds about 60 logical clusters of
 * 4 KiB.  Decoding it again from its head for each of them read 23 MB
 * of this 168 KB image (and a scan of a 500 KB image took 5 s); each
 * cluster is now read and decoded once, whether the file is read whole or
 * in 4 KiB pieces. */
static void big_clusters_read_once(void)
{
    char cmd[512], img[128], src[160];
    uint8_t *data, *want, *got;
    size_t n, want_n = 0, step, at;
    counted_t c;
    pt_erofs_t *e = NULL;
    pt_err_t err = { 0, "" };

    snprintf(img, sizeof img, "%s/big.img", dir);
    snprintf(cmd, sizeof cmd, "mkfs.erofs --quiet -zlz4hc -C262144 %s %s/src >/dev/null 2>&1", img, dir);
    T_CHECK(system(cmd) == 0);
    snprintf(src, sizeof src, "%s/src/text.txt", dir);
    if (!(data = t_slurp(img, &n)) || !(want = t_slurp(src, &want_n)))
        return;
    c = (counted_t){ { data, n }, 0 };
    T_CHECK(pt_erofs_open(read_counted, &c, n, &e, &err) == PT_OK);
    for (int whole = 0; e && whole < 2; whole++) {
        pt_read_fn fn;
        void *fsrc;
        uint64_t size = 0;
        step = whole ? want_n : 4096;
        T_CHECK(pt_erofs_open_inode(e, nid_of(img, "/text.txt"), &fn, &fsrc, &size, &err) == PT_OK);
        if (!(got = malloc(want_n)))
            break;
        c.bytes = 0;
        for (at = 0; at < want_n; at += step)
            T_CHECK(fn(fsrc, at, got + at, want_n - at < step ? want_n - at : step, &err) ==
                    (ssize_t)(want_n - at < step ? want_n - at : step));
        T_CHECK(memcmp(got, want, want_n) == 0);
        /* the clusters once, and their indexes */
        T_CHECK(c.bytes < n);
        printf("#   %zu-byte reads: %" PRIu64 " bytes of a %zu-byte image read for a %zu-byte file\n", step, c.bytes,
               n, want_n);
        free(got);
    }
    pt_erofs_close(e);
    free(want);
    free(data);
}

static void superblock(void)
{
    char img[128];
    uint8_t *data;
    size_t n;
    pt_mem_t m;
    pt_erofs_t *e = NULL;
    pt_err_t err = { 0, "" };

    snprintf(img, sizeof img, "%s/0.img", dir);
    if (!(data = t_slurp(img, &n)))
        return;
    m = (pt_mem_t){ data, n };
    data[1024 + 12] = 20; /* blocks of 1 MiB */
    T_CHECK(!pt_erofs_is(data, n) && pt_erofs_open(pt_read_mem, &m, n, &e, &err) == PT_EFORMAT);
    data[1024 + 12] = 12;
    t_put_le32(data + 1024 + 40, 0x7fffffff); /* metadata far past the end */
    T_CHECK(pt_erofs_open(pt_read_mem, &m, n, &e, &err) == PT_EFORMAT && strstr(err.msg, "metadata at byte"));
    free(data);
    data = t_slurp(img, &n);
    m = (pt_mem_t){ data, n };
    data[1024 + 64] = 'X'; /* the volume name changed: the checksum no longer matches */
    T_CHECK(pt_erofs_open(pt_read_mem, &m, n, &e, &err) == PT_OK && e &&
            strstr(pt_erofs_describe(e), "superblock checksum does not match"));
    pt_erofs_close(e);
    data[1024] = 0;
    T_CHECK(!pt_erofs_is(data, n) && pt_erofs_open(pt_read_mem, &m, n, &e, &err) == PT_EFORMAT);
    m = (pt_mem_t){ data, 1000 };
    T_CHECK(pt_erofs_open(pt_read_mem, &m, 1000, &e, &err) == PT_EFORMAT);
    free(data);
}

int main(void)
{
    int rc;

    if (!make_tree())
        return 1;
    T_RUN(layouts);
    T_RUN(big_clusters_read_once);
    T_RUN(superblock);
    rc = t_done();
    if (!t_rmtree(dir))
        rc = 1;
    return rc;
}
