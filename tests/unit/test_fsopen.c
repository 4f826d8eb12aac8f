/* Unit tests for pt_source_fs_open (source.c): libtsk's filesystem
 * detection without YAFFS2 finds what TSK_FS_TYPE_DETECT finds (ext4 at an
 * offset, FAT), names nothing on a disk of text and zeros, and reads
 * 192 KiB of it where the detection with YAFFS2 reads half of it (1.5 GB
 * of a 1 GB image: each probe of the filesystem search, or of a virtual
 * disk claiming petabytes). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "source.h"
#include "testlib.h"

#define DISK (64u << 20)

static char dir[] = "/tmp/pt-fsopen-XXXXXX";

typedef struct {
    uint8_t *p;
    uint64_t read; /* bytes handed to libtsk */
} disk_t;

static ssize_t disk_read(void *src, uint64_t off, uint8_t *buf, size_t len, pt_err_t *err)
{
    disk_t *d = src;

    (void)err;
    if (off >= DISK)
        return 0;
    if (len > DISK - off)
        len = (size_t)(DISK - off);
    memcpy(buf, d->p + off, len);
    d->read += len;
    return (ssize_t)len;
}

/* A 64 MiB disk of text with the filesystem mkfs (a shell command on
 * FILE) made copied in at byte at. */
static disk_t *make(const char *mkfs, uint64_t at)
{
    disk_t *d = calloc(1, sizeof *d);
    char cmd[1024], path[64];
    size_t n = 0;
    uint8_t *fs;

    if (!d || !(d->p = malloc(DISK)))
        return NULL;
    /* text, then zeros (a disk used a little): what the YAFFS2 test reads through */
    memset(d->p, 0, DISK);
    for (size_t i = 0; i < (1u << 20); i++)
        d->p[i] = (uint8_t)("invoice 2012-03 paid in full\n"[i % 29]);
    if (!mkfs)
        return d;
    snprintf(path, sizeof path, "%s/fs.img", dir);
    snprintf(cmd, sizeof cmd, "rm -f %s && truncate -s 8M %s && %s %s >/dev/null 2>&1", path, path, mkfs, path);
    if (system(cmd) != 0 || !(fs = t_slurp(path, &n))) {
        printf("# %s failed\n", cmd);
        return d;
    }
    memcpy(d->p + at, fs, n);
    free(fs);
    return d;
}

static void drop(disk_t *d)
{
    if (d)
        free(d->p);
    free(d);
}

static void finds_what_detect_finds(void)
{
    static const struct { const char *mkfs; uint64_t at; TSK_FS_TYPE_ENUM want; } cases[] = {
        { "mkfs.ext4 -q -F", 1u << 20, TSK_FS_TYPE_EXT4 },
        { "mkfs.vfat", 63 * 512, TSK_FS_TYPE_FAT12 },
    };

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        disk_t *d = make(cases[i].mkfs, cases[i].at);
        TSK_IMG_INFO *img = d ? pt_source_img_over(disk_read, d, DISK) : NULL;
        TSK_FS_INFO *a = img ? pt_source_fs_open(img, cases[i].at, 0) : NULL;
        TSK_FS_INFO *b = img ? tsk_fs_open_img(img, (TSK_OFF_T)cases[i].at, TSK_FS_TYPE_DETECT) : NULL;
        T_CHECK(a && b && a->ftype == cases[i].want && b->ftype == a->ftype && a->block_count == b->block_count);
        if (a && b)
            printf("# %s at byte %llu: %s, %llu blocks\n", cases[i].mkfs, (unsigned long long)cases[i].at,
                   tsk_fs_type_toname(a->ftype), (unsigned long long)a->block_count);
        if (a)
            tsk_fs_close(a);
        if (b)
            tsk_fs_close(b);
        if (img)
            tsk_img_close(img);
        drop(d);
    }
}

static void text_read_little(void)
{
    disk_t *d = make(NULL, 0);
    TSK_IMG_INFO *img = d ? pt_source_img_over(disk_read, d, DISK) : NULL;
    TSK_FS_INFO *fs;
    const char *why;

    if (!img) {
        T_CHECK(0);
        drop(d);
        return;
    }
    fs = pt_source_fs_open(img, 0, 0);
    why = tsk_error_get();
    T_CHECK(!fs && why && strstr(why, "Cannot determine file system type"));
    printf("# without YAFFS2: %llu bytes read\n", (unsigned long long)d->read);
    T_CHECK(d->read < (1u << 20));
    tsk_error_reset();
    tsk_img_close(img);
    /* libtsk's own detection, on a fresh image (no cache): the YAFFS2 test
     * reads through the disk */
    d->read = 0;
    img = pt_source_img_over(disk_read, d, DISK);
    fs = img ? tsk_fs_open_img(img, 0, TSK_FS_TYPE_DETECT) : NULL;
    printf("# TSK_FS_TYPE_DETECT: %llu bytes read\n", (unsigned long long)d->read);
    T_CHECK(!fs && d->read >= DISK / 4); /* half of it here; 1.5 GB of a 1 GB image */
    tsk_error_reset();
    if (img)
        tsk_img_close(img);
    drop(d);
}

int main(void)
{
    if (!t_scratch(dir))
        return 1;
    T_RUN(finds_what_detect_finds);
    T_RUN(text_read_little);
    return t_done();
}
