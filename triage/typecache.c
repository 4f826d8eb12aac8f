/* typecache.c - see typecache.h.  One mutex: a lookup costs well under a
 * microsecond against libmagic's hundreds, so the workers do not contend. */
#include "typecache.h"
#include "hash.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MIMES 1024     /* distinct MIME types remembered; more are not cached */
#define MIME_LEN 128

typedef struct slot {
    uint8_t key[32];   /* the SHA-256 */
    uint32_t len;      /* the head length libmagic saw, + 1 (0: empty slot) */
    uint16_t mime;     /* index into mimes */
} slot_t;

struct pt_typecache {
    pthread_mutex_t mu;
    slot_t *slot;
    unsigned shift;    /* 64 - log2(slots) */
    char (*mimes)[MIME_LEN];
    size_t nmimes;
    unsigned long long found, put;
};

pt_typecache_t *pt_typecache_new(size_t slots)
{
    pt_typecache_t *c = calloc(1, sizeof *c);

    if (!c || slots == 0 || (slots & (slots - 1)) || !(c->slot = calloc(slots, sizeof *c->slot)) ||
        !(c->mimes = calloc(MIMES, sizeof *c->mimes))) {
        if (c)
            free(c->slot);
        free(c);
        return NULL;
    }
    for (c->shift = 64; slots > 1; slots >>= 1)
        c->shift--;
    pthread_mutex_init(&c->mu, NULL);
    return c;
}

void pt_typecache_free(pt_typecache_t *c)
{
    if (!c)
        return;
    pthread_mutex_destroy(&c->mu);
    free(c->slot);
    free(c->mimes);
    free(c);
}

/* Only ptriage's own form of a SHA-256: 64 lower-case hex digits. */
static int unhex(const char *h, uint8_t key[32])
{
    return h && strspn(h, "0123456789abcdef") == 64 && h[64] == '\0' && pt_hash_unhex(h, 32, key);
}

static size_t index_of(const pt_typecache_t *c, const uint8_t key[32])
{
    uint64_t v;

    memcpy(&v, key, sizeof v);
    /* Fibonacci hashing: the top bits, mixed from all 64 */
    return c->shift == 64 ? 0 : (size_t)((v * 0x9E3779B97F4A7C15ull) >> c->shift);
}

int pt_typecache_get(pt_typecache_t *c, const char *sha256_hex, size_t head_len, char *mime, size_t mime_size)
{
    uint8_t key[32];
    slot_t *s;
    int hit;

    if (!c || head_len >= UINT32_MAX || !unhex(sha256_hex, key))
        return 0;
    pthread_mutex_lock(&c->mu);
    s = &c->slot[index_of(c, key)];
    hit = s->len == (uint32_t)head_len + 1 && memcmp(s->key, key, 32) == 0;
    if (hit) {
        snprintf(mime, mime_size, "%s", c->mimes[s->mime]);
        c->found++;
    }
    pthread_mutex_unlock(&c->mu);
    return hit;
}

void pt_typecache_put(pt_typecache_t *c, const char *sha256_hex, size_t head_len, const char *mime)
{
    uint8_t key[32];
    size_t m;
    slot_t *s;

    if (!c || head_len >= UINT32_MAX || strlen(mime) >= MIME_LEN || !unhex(sha256_hex, key))
        return;
    pthread_mutex_lock(&c->mu);
    for (m = 0; m < c->nmimes && strcmp(c->mimes[m], mime) != 0; m++)
        ;
    if (m == c->nmimes && m < MIMES)
        memcpy(c->mimes[c->nmimes++], mime, strlen(mime) + 1);
    if (m < c->nmimes) {
        s = &c->slot[index_of(c, key)];
        memcpy(s->key, key, 32);
        s->len = (uint32_t)head_len + 1;
        s->mime = (uint16_t)m;
        c->put++;
    }
    pthread_mutex_unlock(&c->mu);
}

void pt_typecache_counts(pt_typecache_t *c, unsigned long long *found, unsigned long long *put)
{
    pthread_mutex_lock(&c->mu);
    *found = c->found;
    *put = c->put;
    pthread_mutex_unlock(&c->mu);
}
