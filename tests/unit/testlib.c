/* testlib.c - runs unit tests and counts them. */
#include "testlib.h"

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
