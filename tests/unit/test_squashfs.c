/* Unit tests for squashfs.c on images mksquashfs writes (squashfs-tools,
 * run by the test): a file of whole blocks and a fragment tail, one that
 * is all fragment, an empty one and a sparse one read back byte for byte
 * with each compressor; a damaged superblock (magic, version, block size,
 * compressor, a size past the image's end, tables out of order) refused
 * with the reason; an inode no directory names refused. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "squashfs.h"
#include "reader.h"
#include "testlib.h"

static char dir[] = "/tmp/pt-squashfs-XXXXXX";

static int make_tree(void)
{
    char path[256];
    FILE *f;
    size_t i;

    if (!t_scratch(dir))
        return 0;
    snprintf(path, sizeof path, "%s/src/blocks.bin", dir); /* 2 whole blocks and a 5,000-byte tail */
    if (!(f = fopen(path, "wb")))
        return 0;
    for (i = 0; i < 2 * 131072 + 5000; i++)
        fputc(t_pattern(i), f);
    fclose(f);
    snprintf(path, sizeof path, "%s/src/small.txt", dir);
    if (!(f = fopen(path, "wb")))
        return 0;
    fputs("a small file, all of it in a fragment\n", f);
    fclose(f);
    snprintf(path, sizeof path, "%s/src/empty", dir);
    if (!(f = fopen(path, "wb")))
        return 0;
    fclose(f);
    snprintf(path, sizeof path, "%s/src/sparse", dir);
    if (!(f = fopen(path, "wb")) || fseek(f, 3 * 131072, SEEK_SET) != 0 || fputs("end\n", f) < 0)
        return 0;
    fclose(f);
    return 1;
}

static uint8_t *build(const char *opts, size_t *n)
{
    char cmd[512], path[256];
    uint8_t *buf = NULL;
    FILE *f;
    long len;

    snprintf(path, sizeof path, "%s/img.sqfs", dir);
    unlink(path);
    snprintf(cmd, sizeof cmd, "mksquashfs %s/src %s %s -quiet -no-progress >/dev/null 2>&1", dir, path, opts);
    if (system(cmd) != 0 || !(f = fopen(path, "rb")))
        return NULL;
    fseek(f, 0, SEEK_END);
    len = ftell(f);
    fseek(f, 0, SEEK_SET);
    if (len > 0 && (buf = malloc((size_t)len)) && fread(buf, 1, (size_t)len, f) != (size_t)len) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *n = (size_t)len;
    return buf;
}

/* Reads every inode number from 1 to 8 that is a file; checks the ones
 * whose size says which they are.  Returns how many matched. */
static int read_back(pt_squashfs_t *q)
{
    static const char small[] = "a small file, all of it in a fragment\n";
    uint8_t *buf = malloc(4 * 131072 + 8);
    int matched = 0;
    uint64_t ino;

    if (!buf)
        return 0;
    for (ino = 1; ino <= 8; ino++) {
        pt_read_fn fn;
        void *src;
        uint64_t size = 0, off = 0, i;
        pt_err_t e = { 0, "" };
        ssize_t got;
        if (pt_squashfs_open_inode(q, ino, &fn, &src, &size, &e) != PT_OK)
            continue;
        /* in uneven pieces, across block and fragment boundaries */
        while (off < size && (got = fn(src, off, buf + off, off % 3 ? 77777 : 4096, &e)) > 0)
            off += (uint64_t)got;
        T_CHECK(off == size);
        if (size == 2 * 131072 + 5000) {
            for (i = 0; i < size && buf[i] == t_pattern((size_t)i); i++)
                ;
            T_CHECK(i == size);
            matched++;
        } else if (size == sizeof small - 1) {
            T_CHECK(memcmp(buf, small, size) == 0);
            matched++;
        } else if (size == 3 * 131072 + 4) {
            for (i = 0; i < 3 * 131072 && buf[i] == 0; i++)
                ;
            T_CHECK(i == 3 * 131072 && memcmp(buf + i, "end\n", 4) == 0);
            matched++;
        } else if (size == 0) {
            matched++;
        }
        T_CHECK(fn(src, size, buf, 10, &e) == 0); /* at the end: nothing more */
    }
    free(buf);
    return matched;
}

static void compressors(void)
{
    static const char *const opts[] = { "-comp gzip", "-comp lzo", "-comp lz4", "-comp xz", "-comp zstd",
                                        "-comp lzma", "-noI -noD -noF", "-comp xz -b 4K -no-fragments",
                                        "-comp zstd -b 1M -no-exports" };
    size_t i;

    for (i = 0; i < sizeof opts / sizeof opts[0]; i++) {
        size_t n = 0;
        uint8_t *img = build(opts[i], &n);
        pt_mem_t m = { img, n };
        pt_squashfs_t *q = NULL;
        pt_err_t e = { 0, "" };
        T_CHECK(img != NULL);
        if (!img)
            continue;
        T_CHECK(pt_squashfs_is(img, n));
        T_CHECK(pt_squashfs_open(pt_read_mem, &m, n, &q, &e) == PT_OK);
        if (q) {
            T_CHECK(strstr(pt_squashfs_describe(q), "SquashFS 4.0, ") == pt_squashfs_describe(q));
            T_CHECK(pt_squashfs_bytes_used(q) <= n);
            int matched = read_back(q);
            if (matched != 4)
                printf("#   %s: %d of 4 files read back\n", opts[i], matched);
            T_CHECK(matched == 4);
            {
                pt_read_fn fn;
                void *src;
                uint64_t size;
                T_CHECK(pt_squashfs_open_inode(q, 4000, &fn, &src, &size, &e) == PT_EFORMAT);
                T_CHECK(strstr(e.msg, "named by no directory") != NULL);
            }
            pt_squashfs_close(q);
        } else {
            printf("#   %s: %s\n", opts[i], e.msg);
        }
        free(img);
    }
}

static void refuse(const uint8_t *img, size_t n, size_t at, const void *val, size_t len, const char *why)
{
    uint8_t *b = malloc(n);
    pt_mem_t m = { b, n };
    pt_squashfs_t *q = NULL;
    pt_err_t e = { 0, "" };

    if (!b)
        return;
    memcpy(b, img, n);
    memcpy(b + at, val, len);
    T_CHECK(pt_squashfs_open(pt_read_mem, &m, n, &q, &e) == PT_EFORMAT && q == NULL);
    T_HAS(e.msg, why);
    free(b);
}

static void superblock(void)
{
    size_t n = 0;
    uint8_t *img = build("-comp gzip", &n);
    uint8_t big[8];
    pt_mem_t m = { img, n };
    pt_squashfs_t *q = NULL;
    pt_err_t e = { 0, "" };

    T_CHECK(img != NULL);
    if (!img)
        return;
    refuse(img, n, 0, "sqsh", 4, "no SquashFS magic");
    refuse(img, n, 28, "\x03\x00\x01\x00", 4, "version 3.1");
    refuse(img, n, 12, "\x00\x30\x00\x00", 4, "implausible (block size 12288");
    refuse(img, n, 20, "\x09\x00", 2, "compression 9");
    /* a block log of 32 or more is refused without an undefined shift (UBSan found it) */
    refuse(img, n, 22, "\x28\x00", 2, "block log 40");
    refuse(img, n, 22, "\xff\xff", 2, "block log 65535");
    t_put_le32(big, (unsigned long)n + 4096);
    memset(big + 4, 0, 4);
    refuse(img, n, 40, big, 8, "truncated");
    refuse(img, n, 64, "\xff\xff\xff\x7f\x00\x00\x00\x00", 8, "table offsets are implausible");
    /* a cut image is named as such */
    m.n = n / 2;
    T_CHECK(pt_squashfs_open(pt_read_mem, &m, n / 2, &q, &e) == PT_EFORMAT && strstr(e.msg, "truncated"));
    T_CHECK(!pt_squashfs_is(img, 64));
    free(img);
    /* 4 KiB blocks and a compressed metadata block claiming 5000 bytes (a
     * metadata block may hold 8192): read into a buffer of the block size
     * before (the readers fuzzer's heap overflow); damage now */
    if ((img = build("-comp gzip -b 4K", &n)) != NULL) {
        uint8_t *pad = calloc(1, n + 8192);
        uint64_t ids = t_get_le32(img + 48), at = ids + 8 <= n ? t_get_le32(img + ids) : n; /* the ID table's block */
        if (pad && at + 2 <= n) {
            memcpy(pad, img, n);
            pad[at] = 5000 & 0xff;
            pad[at + 1] = 5000 >> 8;
            t_put_le64(pad + 40, n + 8192); /* bytes used: the 5000 bytes lie inside */
            m = (pt_mem_t){ pad, n + 8192 };
            q = NULL;
            T_CHECK(pt_squashfs_open(pt_read_mem, &m, n + 8192, &q, &e) == PT_EFORMAT && q == NULL);
        } else {
            T_CHECK(!"the ID table's block lies in the image");
        }
        free(pad);
        free(img);
    }
    /* an empty root: no inode is named, asked for one (the readers fuzzer
     * found qsort and bsearch given the NULL map of no names) */
    if (!(img = build("-wildcards -e '*'", &n)))
        return;
    m = (pt_mem_t){ img, n };
    T_CHECK(pt_squashfs_open(pt_read_mem, &m, n, &q, &e) == PT_OK);
    if (q) {
        pt_read_fn fn;
        void *src;
        uint64_t size;
        T_CHECK(pt_squashfs_open_inode(q, 1, &fn, &src, &size, &e) == PT_EFORMAT && strstr(e.msg, "named by no"));
        pt_squashfs_close(q);
    }
    free(img);
}

int main(void)
{

    if (!make_tree()) {
        printf("not ok 1 - make a source tree under /tmp\n");
        return 1;
    }
    T_RUN(compressors);
    T_RUN(superblock);
    if (!t_rmtree(dir))
        printf("# %s not removed\n", dir);
    return t_done();
}
