/* testlib.c - runs unit tests and counts them. */
#include "testlib.h"

#include <stdlib.h>
#include <sys/stat.h>

int t_failed_checks;
static int t_n, t_failed;

void t_run(const char *name, void (*fn)(void))
{
    int before = t_failed_checks;

    fn();
    t_n++;
    if (t_failed_checks != before) {
        t_failed++;
        printf("not ok %d - %s\n", t_n, name);
    } else {
        printf("ok %d - %s\n", t_n, name);
    }
    fflush(stdout);
}

int t_done(void)
{
    printf("1..%d\n", t_n);
    return t_failed ? 1 : 0;
}

unsigned char *t_slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    unsigned char *b = NULL;
    long len;

    *n = 0;
    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
        (b = malloc((size_t)len + 1)) != NULL) {
        if (fread(b, 1, (size_t)len, f) == (size_t)len) {
            *n = (size_t)len;
        } else {
            free(b);
            b = NULL;
        }
    }
    fclose(f);
    return b;
}

int t_scratch(char *tmpl)
{
    char src[512];

    if (!mkdtemp(tmpl))
        return 0;
    snprintf(src, sizeof src, "%s/src", tmpl);
    return mkdir(src, 0755) == 0;
}

int t_rmtree(const char *dir)
{
    char cmd[600];

    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0;
}
