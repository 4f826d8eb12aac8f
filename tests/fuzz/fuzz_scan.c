/* fuzz_scan.c - libFuzzer target: a whole scan (volumes, filesystems,
 * walk, read, classification, archives, nested images, every report) of an
 * image made of the input, into a fresh case directory each time. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scan.h"

int LLVMFuzzerTestOneInput(const unsigned char *d, size_t n);

int LLVMFuzzerTestOneInput(const unsigned char *d, size_t n)
{
    char dir[] = "/tmp/ptriage-fuzz-XXXXXX", img[64], out[64], cmd[128];
    char *ev[1];
    pt_scan_opts_t o;
    pt_scan_counts_t c;
    pt_err_t err = { 0, "" };
    FILE *f;

    if (!mkdtemp(dir))
        return 0;
    snprintf(img, sizeof img, "%s/e.img", dir);
    snprintf(out, sizeof out, "%s/case", dir);
    if ((f = fopen(img, "wb")) != NULL) {
        fwrite(d, 1, n, f);
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
        o.archive_depth = 3;
        o.archive_max_bytes = 64 << 20;
        o.archive_max_ratio = 1000;
        o.archive_max_members = 1000;
        o.free_sample = 64;
        o.command_line = "fuzz";
        (void)pt_scan_run(&o, &c, &err);
    }
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        abort();
    return 0;
}
