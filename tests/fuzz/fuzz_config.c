/* fuzz_config.c - libFuzzer target: the case.conf parser (inih underneath)
 * and the hash-set parsers (md5sum/sha256sum, hashdeep, NSRL RDS), fed the
 * input as a file (they read files by name), and the Turtle reader of AFF4
 * volumes' information.turtle, fed it as text. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "decide.h"
#include "hashset.h"
#include "turtle.h"

int LLVMFuzzerTestOneInput(const unsigned char *d, size_t n);

int LLVMFuzzerTestOneInput(const unsigned char *d, size_t n)
{
    char path[64];
    int fd = memfd_create("fuzz", MFD_CLOEXEC);
    pt_err_t err = { 0, "" };
    pt_policy_t p;
    pt_hashset_t *h = NULL;

    if (fd < 0)
        return 0;
    if (write(fd, d, n) != (ssize_t)n) {
        close(fd);
        return 0;
    }
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    pt_policy_defaults(&p);
    (void)pt_policy_load(&p, path, &err);
    pt_policy_free(&p);
    if (pt_hashset_load(path, "fuzz", &h, &err) == 0)
        pt_hashset_free(h);
    close(fd);
    {
        pt_turtle_t *t = NULL;
        if (pt_turtle_parse((const char *)d, n, &t, &err) == PT_OK) {
            const char *s = pt_turtle_subject_of_type(t, "http://aff4.org/Schema#Image", 0);
            if (s)
                (void)pt_turtle_value(t, s, "http://aff4.org/Schema#dataStream");
            pt_turtle_free(t);
        }
    }
    return 0;
}
