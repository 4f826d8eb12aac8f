/* floor - the reference for ptriage's hash-only speed: every byte of a file
 * (the image) read once in 1 MiB blocks and put through SHA-256 and a byte
 * histogram on one thread and MD5 on another, with OpenSSL EVP.  No walk,
 * no per-file work: the floor the issue "Fast at terabyte scale" sets.
 * usage: floor FILE   (prints bytes, seconds and GB/s) */
#include <openssl/evp.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BLOCK (1u << 20)

typedef struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    const uint8_t *job;
    size_t len;
    int stop;
    EVP_MD_CTX *md5;
} helper_t;

static void *helper(void *arg)
{
    helper_t *h = arg;

    pthread_mutex_lock(&h->mu);
    for (;;) {
        while (!h->job && !h->stop)
            pthread_cond_wait(&h->cv, &h->mu);
        if (!h->job)
            break;
        pthread_mutex_unlock(&h->mu);
        EVP_DigestUpdate(h->md5, h->job, h->len);
        pthread_mutex_lock(&h->mu);
        h->job = NULL;
        pthread_cond_broadcast(&h->cv);
    }
    pthread_mutex_unlock(&h->mu);
    return NULL;
}

int main(int argc, char **argv)
{
    static uint8_t buf[2][BLOCK];
    uint64_t hist[256] = { 0 }, total = 0;
    helper_t h = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, NULL, 0, 0, EVP_MD_CTX_new() };
    EVP_MD_CTX *sha = EVP_MD_CTX_new();
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned n;
    struct timespec t0, t1;
    pthread_t th;
    int fd, k = 0;
    ssize_t got;
    double s;

    if (argc != 2 || (fd = open(argv[1], O_RDONLY)) < 0) {
        fprintf(stderr, "usage: floor FILE\n");
        return 2;
    }
    EVP_DigestInit_ex(sha, EVP_sha256(), NULL);
    EVP_DigestInit_ex(h.md5, EVP_md5(), NULL);
    pthread_create(&th, NULL, helper, &h);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    while ((got = read(fd, buf[k], BLOCK)) > 0) {
        pthread_mutex_lock(&h.mu);
        while (h.job) /* the previous block's MD5 */
            pthread_cond_wait(&h.cv, &h.mu);
        h.job = buf[k];
        h.len = (size_t)got;
        pthread_cond_broadcast(&h.cv);
        pthread_mutex_unlock(&h.mu);
        EVP_DigestUpdate(sha, buf[k], (size_t)got);
        for (ssize_t i = 0; i < got; i++)
            hist[buf[k][i]]++;
        total += (uint64_t)got;
        k ^= 1; /* the helper may still hash this block: read into the other */
    }
    pthread_mutex_lock(&h.mu);
    while (h.job)
        pthread_cond_wait(&h.cv, &h.mu);
    h.stop = 1;
    pthread_cond_broadcast(&h.cv);
    pthread_mutex_unlock(&h.mu);
    pthread_join(th, NULL);
    EVP_DigestFinal_ex(sha, md, &n);
    EVP_DigestFinal_ex(h.md5, md, &n);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("%llu bytes in %.2f s = %.2f GB/s (SHA-256 + histogram, MD5 on a second thread)\n",
           (unsigned long long)total, s, (double)total / s / 1e9);
    close(fd);
    return 0;
}
