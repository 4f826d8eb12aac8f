/* Unit tests for ext4ext.c on an ext4 image mke2fs writes (run by the test)
 * holding a file of 420 islands of data in holes, whose extent tree is
 * two levels deep: libtsk 4.11 fails to read it, ext4ext.c reads it byte
 * for byte as the source, at every offset tried, and maps its data
 * blocks; a file of a filesystem that is not ext4 extents is not its to
 * read (-2). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <tsk/libtsk.h>

#include "ext4ext.h"
#include "testlib.h"

#define ISLANDS 420
#define STRIDE 20000
#define ISLAND 1500

static char dir[] = "/tmp/pt-ext4ext-XXXXXX";
static uint8_t *want;
static size_t want_n;

static uint8_t pattern(size_t i)
{
    return (uint8_t)(t_pattern(i) | 1); /* never zero: holes are told apart */
}

static int build(void)
{
    char path[256], cmd[512];
    FILE *f;
    size_t i, k;

    if (!t_scratch(dir))
        return 0;
    want_n = (size_t)(ISLANDS - 1) * STRIDE + ISLAND;
    if (!(want = calloc(1, want_n)))
        return 0;
    snprintf(path, sizeof path, "%s/src/frag.bin", dir);
    if (!(f = fopen(path, "wb")))
        return 0;
    for (i = 0; i < ISLANDS; i++) {
        fseek(f, (long)(i * STRIDE), SEEK_SET);
        for (k = 0; k < ISLAND; k++) {
            uint8_t b = pattern(i * STRIDE + k);
            want[i * STRIDE + k] = b;
            fputc(b, f);
        }
    }
    fclose(f);
    snprintf(cmd, sizeof cmd, "mkfs.ext4 -q -F -b 1024 -d %s/src %s/fs.img 32M >/dev/null 2>&1", dir, dir);
    return system(cmd) == 0;
}

typedef struct runs {
    TSK_FS_INFO *fs;
    uint8_t *data; /* the runs' blocks, read from the image, in order */
    size_t len, cap;
} runs_t;

static int add_run(void *ctx, uint64_t first, uint64_t count)
{
    runs_t *r = ctx;
    size_t n = (size_t)count * r->fs->block_size;

    if (r->len + n > r->cap)
        return 1;
    if (tsk_fs_read(r->fs, (TSK_OFF_T)(first * r->fs->block_size), (char *)r->data + r->len, n) != (ssize_t)n)
        return 1;
    r->len += n;
    return 0;
}

/* pt_ext4ext_map: its runs, read from the image in order, are the file's
 * blocks that hold data (every other block is a hole), byte for byte. */
static void map_runs(TSK_FS_FILE *f)
{
    size_t bs = f->fs_info->block_size, k, nb = (want_n + bs - 1) / bs, n = 0;
    uint8_t *expect = calloc(nb, bs);
    runs_t r = { f->fs_info, calloc(nb, bs), 0, nb * bs };
    pt_err_t err = { 0, "" };

    T_CHECK(expect && r.data);
    if (!expect || !r.data)
        goto out;
    for (k = 0; k < nb; k++) {
        size_t at = k * bs, m = want_n - at < bs ? want_n - at : bs, i;
        for (i = 0; i < m && !want[at + i]; i++)
            ;
        if (i < m)
            memcpy(expect + bs * n++, want + at, m); /* a data block; past the end, zeros */
    }
    T_CHECK(pt_ext4ext_map(f, add_run, &r, &err) == PT_OK);
    T_CHECK(r.len == n * bs && memcmp(r.data, expect, r.len) == 0);
    T_CHECK(n > ISLANDS && n < nb / 4);
    T_CHECK(pt_ext4ext_map(NULL, add_run, &r, &err) == -2);
out:
    free(expect);
    free(r.data);
}

static void deep(void)
{
    char path[256];
    TSK_IMG_INFO *img;
    TSK_FS_INFO *fs;
    TSK_FS_FILE *f;
    pt_err_t err = { 0, "" };
    uint8_t *got = malloc(want_n), buf[5000];
    size_t off;

    snprintf(path, sizeof path, "%s/fs.img", dir);
    img = tsk_img_open_utf8_sing(path, TSK_IMG_TYPE_RAW, 0);
    fs = img ? tsk_fs_open_img(img, 0, TSK_FS_TYPE_DETECT) : NULL;
    f = fs ? tsk_fs_file_open(fs, NULL, "/frag.bin") : NULL;
    T_CHECK(got && f);
    if (!got || !f)
        goto out;
    /* libtsk itself cannot read it (this test is moot once it can) */
    T_CHECK(tsk_fs_file_read(f, 0, (char *)buf, sizeof buf, TSK_FS_FILE_READ_FLAG_NONE) < 0);
    tsk_error_reset();
    T_CHECK(pt_ext4ext_read(f, 0, got, want_n, &err) == (ssize_t)want_n && memcmp(got, want, want_n) == 0);
    for (off = 7; off < want_n; off += 123457) {
        size_t n = want_n - off < sizeof buf ? want_n - off : sizeof buf;
        T_CHECK(pt_ext4ext_read(f, off, buf, sizeof buf, &err) == (ssize_t)n && memcmp(buf, want + off, n) == 0);
    }
    T_CHECK(pt_ext4ext_read(f, want_n, buf, 10, &err) == 0);
    /* no file: not ext4's to read */
    T_CHECK(pt_ext4ext_read(NULL, 0, buf, 10, &err) == -2);
    map_runs(f);
out:
    free(got);
    if (f)
        tsk_fs_file_close(f);
    if (fs)
        tsk_fs_close(fs);
    if (img)
        tsk_img_close(img);
}

int main(void)
{
    int rc;

    if (!build()) {
        printf("not ok 1 - build (mkfs.ext4 -d)\n");
        return 1;
    }
    T_RUN(deep);
    rc = t_done();
    free(want);
    if (!t_rmtree(dir))
        rc = 1;
    return rc;
}
