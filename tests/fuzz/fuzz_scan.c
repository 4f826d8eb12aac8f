/* fuzz_scan.c - libFuzzer target: a whole scan (volumes, filesystems,
 * walk, read, classification, archives, nested images, every report) of an
 * image made of the input, into a fresh case directory each time.  An
 * input that starts "PTSPARS1" is a sparse image (sparse.h), written as a
 * sparse file: seeds of filesystems larger than -max_len (NTFS, ext4, XFS,
 * Btrfs, F2FS, HFS+, LVM) fit. */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "sparse.h"

#include "scan.h"

int LLVMFuzzerTestOneInput(const unsigned char *d, size_t n);

#define SPARSE_MAX (256u << 20)

/* The image: the input, or the sparse image it describes. */
static void write_image(FILE *f, const uint8_t *d, size_t n)
{
    static uint8_t fill[64 << 10];
    const uint8_t *p = d + 12, *end = d + n;
    sparse_rec_t r;
    uint64_t size;

    if (n < 12 || memcmp(d, "PTSPARS1", 8) != 0) {
        fwrite(d, 1, n, f);
        return;
    }
    size = sparse_le32(d + 8) < SPARSE_MAX ? sparse_le32(d + 8) : SPARSE_MAX;
    if (ftruncate(fileno(f), (off_t)size) != 0)
        return;
    while (sparse_next(&p, end, &r))
        for (uint64_t at = r.at, stop = r.at + r.len < size ? r.at + r.len : size; at < stop;) {
            size_t len = stop - at < sizeof fill ? (size_t)(stop - at) : sizeof fill;
            if (r.fill)
                memset(fill, *r.data, len);
            if (pwrite(fileno(f), r.fill ? fill : r.data + (at - r.at), len, (off_t)at) != (ssize_t)len)
                return;
            at += len;
        }
}

/* A tmpfs with room for the largest sparse image and its case, else /tmp. */
static const char *work_root(void)
{
    struct statvfs v;

    if (statvfs("/dev/shm", &v) == 0 && (uint64_t)v.f_bavail * v.f_frsize >= (1ull << 30) &&
        access("/dev/shm", W_OK) == 0)
        return "/dev/shm";
    return "/tmp";
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    if (remove(path) != 0)
        abort(); /* the scan left something it should not have */
    return 0;
}

int LLVMFuzzerTestOneInput(const unsigned char *d, size_t n)
{
    /* tmpfs when there is one: the case database's syncs cost nothing there.
     * Removed in-process: forking a shell from an ASan process (its shadow
     * mappings) cost more than the scan itself. */
    char dir[64], img[96], out[96];
    char *ev[1];
    pt_scan_opts_t o;
    pt_scan_counts_t c;
    pt_err_t err = { 0, "" };
    FILE *f;

    snprintf(dir, sizeof dir, "%s/ptriage-fuzz-XXXXXX", work_root());
    if (!mkdtemp(dir))
        return 0;
    snprintf(img, sizeof img, "%s/e.img", dir);
    snprintf(out, sizeof out, "%s/case", dir);
    if ((f = fopen(img, "wb")) != NULL) {
        write_image(f, d, n);
        fclose(f);
        pt_scan_opts_defaults(&o);
        ev[0] = img;
        o.evidence = ev;
        o.n_evidence = 1;
        o.outdir = out;
        o.hash_mask = 0;
        o.quiet = 1;
        o.jobs = 1;
        o.yara_max = 1 << 20;
        o.yara_timeout = 5;
        o.max_item_size = 64 << 20; /* sizes claimed by damaged metadata: read no further */
        o.archive_depth = 3;
        o.archive_max_bytes = 64 << 20;
        o.archive_max_ratio = 1000;
        o.archive_max_members = 1000;
        o.free_sample = 64;
        o.command_line = "fuzz";
        (void)pt_scan_run(&o, &c, &err);
    }
    (void)nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
    return 0;
}
