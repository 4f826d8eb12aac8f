/* Unit tests for f2fs.c on an image mkfs.f2fs and sload.f2fs write (run by
 * the test): an inline file, a file past the inode's own block addresses
 * and a sparse one read back byte for byte by inode number; the root is no
 * file; the superblock's copy read when the first is damaged; both
 * checkpoint packs damaged, or a NAT bitmap too short, refused with the
 * reason. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "f2fs.h"
#include "reader.h"
#include "testlib.h"

static char dir[] = "/tmp/pt-f2fs-XXXXXX";

static int put(const char *name, size_t n, size_t hole_at)
{
    char path[256];
    FILE *f;
    size_t i;

    snprintf(path, sizeof path, "%s/src/%s", dir, name);
    if (!(f = fopen(path, "wb")))
        return 0;
    for (i = 0; i < n; i++) {
        if (hole_at && i == hole_at) {
            fseek(f, (long)(3 << 20), SEEK_CUR); /* a hole of 3 MiB */
            i += 3 << 20;
        }
        fputc(t_pattern(i), f);
    }
    fclose(f);
    return 1;
}

static uint8_t *img;
static size_t img_n;

static int build(void)
{
    char cmd[512], path[256];

    if (!t_scratch(dir))
        return 0;
    if (!put("inline.txt", 300, 0) || !put("big.bin", 5 << 20, 0) ||
        !put("sparse.bin", 20000, 9000)) {
        printf("# the source tree not written under %s\n", dir);
        return 0;
    }
    snprintf(cmd, sizeof cmd, "cd %s && truncate -s 128M f.img && mkfs.f2fs -q f.img >/dev/null 2>&1 && "
             "sload.f2fs -f src -t / f.img >/dev/null 2>&1", dir);
    if (system(cmd) != 0) {
        printf("# %s failed\n", cmd);
        return 0;
    }
    snprintf(path, sizeof path, "%s/f.img", dir);
    return (img = t_slurp(path, &img_n)) != NULL;
}

static void files(void)
{
    static const char *const names[] = { "inline.txt", "big.bin", "sparse.bin" };
    pt_mem_t m = { img, img_n };
    pt_f2fs_t *f = NULL;
    pt_err_t err = { 0, "" };
    size_t k, found = 0;
    uint64_t ino;

    T_CHECK(pt_f2fs_is(img, img_n));
    T_CHECK(pt_f2fs_open(pt_read_mem, &m, img_n, &f, &err) == PT_OK);
    if (!f)
        return;
    T_CHECK(strstr(pt_f2fs_describe(f), "cleanly unmounted") != NULL);
    T_CHECK(pt_f2fs_open_inode(f, 3, &(pt_read_fn){ 0 }, &(void *){ 0 }, &(uint64_t){ 0 }, &err) == PT_EFORMAT &&
            strstr(err.msg, "not a regular file"));
    /* sload gives the files the next inode numbers: find each by its size */
    for (k = 0; k < 3; k++) {
        char path[256];
        size_t want_n = 0, got_n = 0;
        uint8_t *want, *got;
        snprintf(path, sizeof path, "%s/src/%s", dir, names[k]);
        want = t_slurp(path, &want_n);
        for (ino = 4; ino < 64 && want; ino++) {
            pt_read_fn fn;
            void *src;
            uint64_t size = 0;
            if (pt_f2fs_open_inode(f, ino, &fn, &src, &size, &err) != PT_OK || size != want_n)
                continue;
            got = (uint8_t *)pt_read_alloc(fn, src, want_n, &got_n);
            if (got && got_n == want_n && memcmp(got, want, want_n) == 0)
                found++;
            free(got);
            break;
        }
        free(want);
    }
    T_CHECK(found == 3);
    pt_f2fs_close(f);
}

static void damage(void)
{
    uint8_t *b = malloc(img_n);
    pt_mem_t m = { b, img_n };
    pt_f2fs_t *f = NULL;
    pt_err_t err = { 0, "" };
    uint32_t cp, bps;

    if (!b)
        return;
    /* the first superblock gone: the copy in the second block */
    memcpy(b, img, img_n);
    memset(b + 1024, 0, 4);
    T_CHECK(!pt_f2fs_is(b, img_n));
    T_CHECK(pt_f2fs_open(pt_read_mem, &m, img_n, &f, &err) == PT_OK && f &&
            strstr(pt_f2fs_describe(f), "its copy read"));
    pt_f2fs_close(f);
    f = NULL;
    /* both checkpoint packs damaged */
    memcpy(b, img, img_n);
    cp = (uint32_t)b[1024 + 76] | (uint32_t)b[1024 + 77] << 8 | (uint32_t)b[1024 + 78] << 16;
    bps = 1u << b[1024 + 20];
    b[(size_t)cp * 4096 + 300] ^= 0xff;
    b[(size_t)(cp + bps) * 4096 + 300] ^= 0xff;
    T_CHECK(pt_f2fs_open(pt_read_mem, &m, img_n, &f, &err) == PT_EFORMAT && strstr(err.msg, "neither checkpoint"));
    /* a volume cut before its checkpoint */
    m = (pt_mem_t){ img, 6000 };
    T_CHECK(pt_f2fs_open(pt_read_mem, &m, 6000, &f, &err) != PT_OK && f == NULL);
    free(b);
}

int main(void)
{
    int rc;

    if (!build()) {
        printf("not ok 1 - build (mkfs.f2fs, sload.f2fs)\n");
        return 1;
    }
    T_RUN(files);
    T_RUN(damage);
    rc = t_done();
    free(img);
    if (!t_rmtree(dir))
        rc = 1;
    return rc;
}
