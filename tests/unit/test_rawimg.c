/* Unit tests for rawimg.c: split raw segments joined in order, reads across
 * segment edges, more segments than descriptors kept open, access times
 * untouched, and the source probe choosing it for raw images. */
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rawimg.h"
#include "source.h"
#include "testlib.h"

static char dir[] = "/tmp/pt-rawimg-XXXXXX";

static uint8_t byte_at(uint64_t off)
{
    return (uint8_t)(off * 31 + (off >> 11));
}

/* n segments of the given sizes, named x.001...; returns the names */
static char **make_split(const size_t *sizes, int n)
{
    char **names = calloc((size_t)n, sizeof *names);
    uint64_t off = 0;

    for (int i = 0; i < n; i++) {
        FILE *f;
        names[i] = malloc(strlen(dir) + 16);
        sprintf(names[i], "%s/x.%03d", dir, i + 1);
        f = fopen(names[i], "wb");
        for (size_t k = 0; k < sizes[i]; k++, off++)
            fputc(byte_at(off), f);
        fclose(f);
        /* an old access time: any read without O_NOATIME would move it */
        struct timespec ts[2] = {{1600000000, 0}, {1600000000, 0}};
        utimensat(AT_FDCWD, names[i], ts, 0);
    }
    return names;
}

static void free_names(char **names, int n)
{
    for (int i = 0; i < n; i++) {
        unlink(names[i]);
        free(names[i]);
    }
    free(names);
}

/* Through libtsk's cache, and straight (pt_rawimg_read): the same bytes. */
static int same(TSK_IMG_INFO *img, uint64_t off, size_t len)
{
    char *buf = malloc(len), *direct = malloc(len);
    pt_err_t err = {0};
    ssize_t got = tsk_img_read(img, (TSK_OFF_T)off, buf, len);
    int ok = got == (ssize_t)len && pt_rawimg_read(img, off, (uint8_t *)direct, len, &err) == got &&
             memcmp(buf, direct, len) == 0;

    for (size_t i = 0; ok && i < len; i++)
        ok = (uint8_t)buf[i] == byte_at(off + i);
    free(buf);
    free(direct);
    return ok;
}

static void joins_segments_in_order(void)
{
    size_t sizes[] = {5000, 1, 70000, 4096};
    char **names = make_split(sizes, 4);
    pt_err_t err = {0};
    TSK_IMG_INFO *img = pt_rawimg_open((const char *const *)names, 4, 512, &err);

    T_CHECK(img != NULL);
    if (img) {
        T_CHECK(img->size == 5000 + 1 + 70000 + 4096);
        T_CHECK(same(img, 0, 512));
        T_CHECK(same(img, 4990, 20));          /* across the 1-byte segment */
        T_CHECK(same(img, 4999, 2));
        T_CHECK(same(img, 0, (size_t)img->size));
        T_CHECK(same(img, (uint64_t)img->size - 7, 7));
        char c;
        T_CHECK(tsk_img_read(img, img->size, &c, 1) <= 0); /* past the end */
        T_CHECK(pt_rawimg_read(img, (uint64_t)img->size, (uint8_t *)&c, 1, &err) == 0);
        T_CHECK(pt_rawimg_noatime(img) == (geteuid() == 0));
        tsk_img_close(img);
    }
    for (int i = 0; i < 4; i++) {
        struct stat st;
        T_CHECK(stat(names[i], &st) == 0 && st.st_atime == 1600000000);
    }
    free_names(names, 4);
}

static void more_segments_than_open_descriptors(void)
{
    enum { N = 150 };
    size_t sizes[N];
    char **names;
    pt_err_t err = {0};
    TSK_IMG_INFO *img;

    for (int i = 0; i < N; i++)
        sizes[i] = 1000 + (size_t)i;
    names = make_split(sizes, N);
    img = pt_rawimg_open((const char *const *)names, N, 512, &err);
    T_CHECK(img != NULL);
    if (img) {
        T_CHECK(same(img, 0, (size_t)img->size));  /* every segment, in order */
        T_CHECK(same(img, 3000, 100));            /* back to the start after eviction */
        T_CHECK(same(img, (uint64_t)img->size / 2, 5000));
        /* a segment gone since the set was opened (its descriptor was
         * closed): a read of it is an error that names it */
        uint8_t b[10];
        T_CHECK(same(img, 0, 10));
        unlink(names[N - 1]);
        T_CHECK(pt_rawimg_read(img, (uint64_t)img->size - 10, b, 10, &err) < 0 &&
                strstr(err.msg, names[N - 1]) != NULL);
        tsk_img_close(img);
    }
    free_names(names, N);
}

static void missing_segment_is_an_error(void)
{
    const char *names[] = {"/nonexistent/x.001"};
    pt_err_t err = {0};

    T_CHECK(pt_rawimg_open(names, 1, 512, &err) == NULL);
    T_CHECK(err.code == PT_EIO && strstr(err.msg, "/nonexistent/x.001"));
}

static void source_reads_split_raw_through_it(void)
{
    size_t sizes[] = {65536, 65536, 1000};
    char **names = make_split(sizes, 3);
    pt_source_t *src = NULL;
    pt_err_t err = {0};

    T_CHECK(pt_source_open(names[0], &src, &err) == PT_OK);
    if (src) {
        T_STREQ(src->format, "raw");
        T_CHECK(src->segments == 3 && src->size == 65536 * 2 + 1000);
        T_CHECK(pt_rawimg_noatime(src->img) == (geteuid() == 0));
        T_CHECK(same(src->img, 65530, 20));
        pt_source_close(src);
    }
    for (int i = 0; i < 3; i++) {
        struct stat st;
        T_CHECK(stat(names[i], &st) == 0 && st.st_atime == 1600000000);
    }
    free_names(names, 3);
}

int main(void)
{
    if (!mkdtemp(dir))
        return 1;
    T_RUN(joins_segments_in_order);
    T_RUN(more_segments_than_open_descriptors);
    T_RUN(missing_segment_is_an_error);
    T_RUN(source_reads_split_raw_through_it);
    rmdir(dir);
    return t_done();
}
