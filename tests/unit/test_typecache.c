/* Unit tests for typecache.c: answers by (SHA-256, head length), only for
 * real digests, replacement in a full table, bounded MIME table, threads. */
#include "typecache.h"
#include "testlib.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

static const char *A = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
static const char *B = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

static void same_digest_same_head(void)
{
    pt_typecache_t *c = pt_typecache_new(1024);
    char mime[128] = "";
    unsigned long long found, put;

    T_CHECK(c != NULL);
    if (!c)
        return;
    T_CHECK(!pt_typecache_get(c, A, 10, mime, sizeof mime));
    pt_typecache_put(c, A, 10, "text/plain");
    T_CHECK(pt_typecache_get(c, A, 10, mime, sizeof mime));
    T_STREQ(mime, "text/plain");
    T_CHECK(!pt_typecache_get(c, A, 11, mime, sizeof mime)); /* another head length: libmagic saw other bytes */
    T_CHECK(!pt_typecache_get(c, B, 10, mime, sizeof mime));
    T_CHECK(!pt_typecache_get(c, A, 0, mime, sizeof mime));  /* length 0 is not "empty slot" */
    pt_typecache_put(c, A, 0, "application/x-empty");
    T_CHECK(pt_typecache_get(c, A, 0, mime, sizeof mime));
    T_STREQ(mime, "application/x-empty");
    pt_typecache_counts(c, &found, &put);
    T_CHECK(found == 2 && put == 2);
    pt_typecache_free(c);
}

static void only_sha256_hex(void)
{
    pt_typecache_t *c = pt_typecache_new(16);
    char mime[128] = "none";
    char upper[65];

    if (!c)
        return;
    /* an MD5, an empty digest, upper case, a truncated digest: never cached */
    pt_typecache_put(c, "d41d8cd98f00b204e9800998ecf8427e", 5, "text/plain");
    pt_typecache_put(c, "", 5, "text/plain");
    pt_typecache_put(c, NULL, 5, "text/plain");
    snprintf(upper, sizeof upper, "%s", B);
    upper[0] = 'F';
    pt_typecache_put(c, upper, 5, "text/plain");
    T_CHECK(!pt_typecache_get(c, "d41d8cd98f00b204e9800998ecf8427e", 5, mime, sizeof mime));
    T_CHECK(!pt_typecache_get(c, "", 5, mime, sizeof mime));
    T_CHECK(!pt_typecache_get(c, NULL, 5, mime, sizeof mime));
    T_CHECK(!pt_typecache_get(c, upper, 5, mime, sizeof mime));
    T_STREQ(mime, "none");
    T_CHECK(pt_typecache_new(1000) == NULL); /* not a power of two */
    pt_typecache_free(c);
}

/* A one-slot table: a new digest replaces the old, which is then asked again. */
static void replacement(void)
{
    pt_typecache_t *c = pt_typecache_new(1);
    char mime[128];

    if (!c)
        return;
    pt_typecache_put(c, A, 1, "image/png");
    pt_typecache_put(c, B, 1, "image/gif");
    T_CHECK(!pt_typecache_get(c, A, 1, mime, sizeof mime));
    T_CHECK(pt_typecache_get(c, B, 1, mime, sizeof mime));
    T_STREQ(mime, "image/gif");
    pt_typecache_free(c);
}

/* More distinct MIME types than the table holds: the rest are not cached, never mistyped. */
static void many_mimes(void)
{
    pt_typecache_t *c = pt_typecache_new(4096);
    char digest[65], mime[128], want[64];
    int i, ok = 1;

    if (!c)
        return;
    for (i = 0; i < 2000; i++) {
        snprintf(digest, sizeof digest, "%08x%056x", i, 0);
        snprintf(want, sizeof want, "x-test/type-%d", i);
        pt_typecache_put(c, digest, 7, want);
    }
    for (i = 0; i < 2000; i++) {
        snprintf(digest, sizeof digest, "%08x%056x", i, 0);
        snprintf(want, sizeof want, "x-test/type-%d", i);
        if (pt_typecache_get(c, digest, 7, mime, sizeof mime) && strcmp(mime, want) != 0)
            ok = 0;
    }
    T_CHECK(ok);
    snprintf(digest, sizeof digest, "%08x%056x", 5, 0);
    T_CHECK(pt_typecache_get(c, digest, 7, mime, sizeof mime));
    snprintf(digest, sizeof digest, "%08x%056x", 1999, 0);
    T_CHECK(!pt_typecache_get(c, digest, 7, mime, sizeof mime));
    pt_typecache_free(c);
}

static void *hammer(void *arg)
{
    pt_typecache_t *c = arg;
    char digest[65], mime[128], want[64];
    int i;
    long bad = 0;

    for (i = 0; i < 20000; i++) {
        snprintf(digest, sizeof digest, "%08x%056x", i % 3000, 0);
        snprintf(want, sizeof want, "x-test/t%d", (i % 3000) % 7); /* a function of the digest */
        if (pt_typecache_get(c, digest, 1, mime, sizeof mime)) {
            if (strcmp(mime, want) != 0)
                bad++;
        } else {
            pt_typecache_put(c, digest, 1, want);
        }
    }
    return (void *)bad;
}

static void threads(void)
{
    pt_typecache_t *c = pt_typecache_new(1024);
    pthread_t th[4];
    void *bad;
    int i, sum = 0;

    if (!c)
        return;
    for (i = 0; i < 4; i++)
        pthread_create(&th[i], NULL, hammer, c);
    for (i = 0; i < 4; i++) {
        pthread_join(th[i], &bad);
        sum += (int)(long)bad;
    }
    T_CHECK(sum == 0);
    pt_typecache_free(c);
}

int main(void)
{
    T_RUN(same_digest_same_head);
    T_RUN(only_sha256_hex);
    T_RUN(replacement);
    T_RUN(many_mimes);
    T_RUN(threads);
    return t_done();
}
