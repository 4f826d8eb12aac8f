/* testlib.h - minimal assertions for the unit tests.  Each test function is
 * run by T_RUN, prints "ok N - name" or "not ok N - name" (TAP style) with the
 * failing file:line, and t_done() returns the exit status. */
#ifndef PT_TESTLIB_H
#define PT_TESTLIB_H

#include <stdio.h>
#include <string.h>

extern int t_failed_checks;

#define T_CHECK(cond)                                                                   \
    do {                                                                                \
        if (!(cond)) {                                                                  \
            fprintf(stdout, "#   %s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
            t_failed_checks++;                                                          \
        }                                                                               \
    } while (0)

#define T_STREQ(a, b)                                                                        \
    do {                                                                                     \
        const char *t_a = (a), *t_b = (b);                                                   \
        if (!t_a || !t_b || strcmp(t_a, t_b) != 0) {                                         \
            fprintf(stdout, "#   %s:%d: \"%s\" != \"%s\" (%s vs %s)\n", __FILE__, __LINE__,  \
                    t_a ? t_a : "(null)", t_b ? t_b : "(null)", #a, #b);                     \
            t_failed_checks++;                                                               \
        }                                                                                    \
    } while (0)

#define T_NEAR(a, b, eps)                                                                    \
    do {                                                                                     \
        double t_x = (a), t_y = (b);                                                         \
        if (!(t_x - t_y < (eps) && t_y - t_x < (eps))) {                                     \
            fprintf(stdout, "#   %s:%d: %g != %g (%s)\n", __FILE__, __LINE__, t_x, t_y, #a); \
            t_failed_checks++;                                                               \
        }                                                                                    \
    } while (0)

/* The text s contains the words want (a message that names its reason). */
#define T_HAS(s, want)                                                                         \
    do {                                                                                       \
        const char *t_s = (s), *t_w = (want);                                                  \
        if (!t_s || !strstr(t_s, t_w)) {                                                       \
            fprintf(stdout, "#   %s:%d: expected \"%s\" in \"%s\"\n", __FILE__, __LINE__, t_w, \
                    t_s ? t_s : "(null)");                                                     \
            t_failed_checks++;                                                                 \
        }                                                                                      \
    } while (0)

/* Byte i of a file written by a test: varied, and the same wherever read. */
static inline unsigned char t_pattern(size_t i)
{
    return (unsigned char)((i * 2654435761u) >> 13);
}

/* A scratch directory from tmpl ("/tmp/pt-x-XXXXXX", rewritten in place)
 * with an empty src/ in it, for a tree a test builds an image from: 1, or 0
 * when it cannot be made.  t_rmtree removes it again: 1 when it is gone. */
int t_scratch(char *tmpl);
int t_rmtree(const char *dir);

/* A whole file read into a new buffer (*n its bytes); NULL when it cannot
 * be read. */
unsigned char *t_slurp(const char *path, size_t *n);

/* Little-endian field writers for structures built by hand. */
static inline void t_put_le32(unsigned char *p, unsigned long v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static inline void t_put_le64(unsigned char *p, unsigned long long v)
{
    t_put_le32(p, (unsigned long)(v & 0xffffffffu));
    t_put_le32(p + 4, (unsigned long)(v >> 32));
}

static inline unsigned long t_get_le32(const unsigned char *p)
{
    return (unsigned long)p[0] | (unsigned long)p[1] << 8 | (unsigned long)p[2] << 16 | (unsigned long)p[3] << 24;
}

/* Big-endian ones (qcow2, UDIF, VHD, VeraCrypt headers). */
static inline void t_put_be32(unsigned char *p, unsigned long v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (24 - 8 * i));
}

static inline void t_put_be64(unsigned char *p, unsigned long long v)
{
    t_put_be32(p, (unsigned long)(v >> 32));
    t_put_be32(p + 4, (unsigned long)(v & 0xffffffffu));
}

#define T_RUN(fn) t_run(#fn, fn)

void t_run(const char *name, void (*fn)(void));
/* Exit status: 0 when every test passed. */
int t_done(void);

#endif
