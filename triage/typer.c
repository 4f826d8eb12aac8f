/* typer.c - a bounded ring of jobs and a pool of threads, each with its own
 * libmagic handle (magic_t is not thread-safe).  Owns the jobs' copies of
 * paths and buffers.  The main thread alone submits and collects. */
#include "typer.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "filetype.h"
#include "mbox.h"
#include "reader.h"
#include "typecache.h"

#define QUEUE PT_TYPER_QUEUE

typedef struct job {
    pt_item_t it;
    char *path, *link;          /* owned copies */
    uint8_t *head, *tail;       /* owned copies (NULL when not sampled) */
    size_t head_len, tail_len;
    uint8_t *content;           /* owned whole content, for the scope rules */
    size_t content_len;
    pt_scope_result_t res;      /* rule matches */
    int scanned;                /* res came with the item (streamed scan) */
    int state;                  /* 0 queued, 1 being typed, 2 done */
} job_t;

struct pt_typer {
    job_t ring[QUEUE];
    size_t first, count;        /* oldest job and jobs in the ring */
    size_t next_work;           /* ring index of the next job to hand out */
    size_t unclaimed;           /* queued jobs no worker has taken */
    pthread_mutex_t mu;
    pthread_cond_t work, done;
    pthread_t *threads;
    pt_filetype_t **ft;         /* one per thread, or one for inline typing */
    int nft;                    /* entries of ft, asked, hash and scope */
    unsigned long long *asked;  /* libmagic calls, per thread (each writes its own) */
    pt_typecache_t *types;      /* answers by content, shared (NULL: none) */
    int hash_only;              /* not typed or classified */
    pt_hash_t **hash;           /* one per worker, for deferred items (or NULL) */
    pt_scope_t **scope;         /* likewise, when there are rules */
    const pt_policy_t *policy;
    size_t inflight;            /* content bytes held by queued jobs */
    int nthreads, stop;
    job_t out;                  /* returned by pt_typer_next, freed on the next call */
};

static void classify_job(pt_typer_t *t, int k, job_t *j);

/* Type, verdict, scope rules and disposition of one job; runs without the lock. */
static void type_job(pt_typer_t *t, int k, job_t *j)
{
    pt_item_t *it = &j->it;

    if (it->resumed) /* its verdicts are the interrupted run's, copied */
        return;
    if (it->hash_deferred) {
        pt_err_t herr = { 0, "" };
        if (!t->hash || !j->content || pt_reader_digest(t->hash[k], it, j->content, j->content_len, t->hash_only, &herr) != PT_OK) {
            it->hash_deferred = 0;
            it->content_read = 0;
            pt_item_add_error(it, "error", "not hashed: %s", herr.msg[0] ? herr.msg : "content lost");
        }
    }
    if (!t->hash_only)
        classify_job(t, k, j);
    if (t->scope && t->scope[k] && !j->scanned) {
        /* items without content (directories, links) meet the rules too,
         * as empty data: rules on paths and metadata apply to them */
        pt_scope_vars_t vars = { it->evidence_label, it->volume_label, it->owner,
                                 pt_mbox_looks_like(j->head, j->head_len) ? "mailbox" : NULL };
        const uint8_t *data = j->content ? j->content : j->head;
        size_t len = j->content ? j->content_len : j->head_len;
        if (it->sampled && !j->content && it->size > j->head_len)
            pt_item_add_error(it, "note", "scope rules saw only the first %zu of %llu bytes (content not "
                              "read completely)", j->head_len, (unsigned long long)it->size);
        pt_scope_scan(t->scope[k], it, &vars, data, len, &j->res);
    }
    if (t->policy)
        pt_decide(t->policy, t->scope ? &j->res : NULL, it);
    free(j->content); /* the rules have seen it: release memory early */
    j->content = NULL;
}

/* The MIME type: remembered for identical content, else libmagic's. */
static void identify(pt_typer_t *t, int k, job_t *j)
{
    pt_item_t *it = &j->it;
    const char *digest = it->content_read && !it->error[0] ? it->hash.sha256 : NULL;
    pt_err_t ferr = { 0, "" };

    if (pt_typecache_get(t->types, digest, j->head_len, it->mime, sizeof it->mime))
        return;
    t->asked[k]++;
    if (pt_filetype_identify(t->ft[k], j->head ? j->head : (const uint8_t *)"", j->head_len, it->mime,
                             sizeof it->mime, &ferr) != PT_OK)
        pt_item_add_error(it, "error", "type: %s", ferr.msg);
    else
        pt_typecache_put(t->types, digest, j->head_len, it->mime);
}

static void classify_job(pt_typer_t *t, int k, job_t *j)
{
    pt_item_t *it = &j->it;
    pt_classify_in_t in;

    if (!it->sampled)
        return;
    identify(t, k, j);
    it->category = pt_filetype_category(it->mime);
    if (j->head_len == 0 && !it->has_stats)
        return;
    memset(&in, 0, sizeof in);
    in.view.head = j->head;
    in.view.head_len = j->head_len;
    in.view.tail = it->has_stats ? j->tail : NULL;
    in.view.tail_len = it->has_stats ? j->tail_len : 0;
    in.view.size = it->size;
    in.stats = it->has_stats ? &it->stats : NULL;
    in.mime = it->mime;
    in.is_volume = strcmp(it->kind, PT_KIND_VOLUME) == 0;
    in.fs_encrypted = it->fs_encrypted;
    pt_classify(&in, it);
}

static void *worker(void *arg)
{
    pt_typer_t *t = ((void **)arg)[0];
    int k = (int)(intptr_t)((void **)arg)[1];

    free(arg);
    pthread_mutex_lock(&t->mu);
    for (;;) {
        job_t *j;
        while (!t->stop && t->unclaimed == 0)
            pthread_cond_wait(&t->work, &t->mu);
        if (t->stop && t->unclaimed == 0)
            break;
        j = &t->ring[t->next_work];
        t->next_work = (t->next_work + 1) % QUEUE;
        t->unclaimed--;
        j->state = 1;
        pthread_mutex_unlock(&t->mu);
        type_job(t, k, j);
        pthread_mutex_lock(&t->mu);
        t->inflight -= j->content_len;
        j->content_len = 0;
        j->state = 2;
        pthread_cond_broadcast(&t->done);
    }
    pthread_mutex_unlock(&t->mu);
    return NULL;
}

void pt_typer_hash_only(pt_typer_t *t)
{
    t->hash_only = 1;
}

int pt_typer_hash_in_workers(pt_typer_t *t, unsigned mask, pt_err_t *err)
{
    int i, n = t->nft;

    if (!(t->hash = calloc((size_t)n, sizeof *t->hash)))
        return pt_err_set(err, PT_ENOMEM, "out of memory");
    for (i = 0; i < n; i++)
        if (!(t->hash[i] = pt_hash_new(mask, err)))
            return err->code;
    return PT_OK;
}

static void free_job(job_t *j)
{
    free(j->path);
    free(j->link);
    free(j->head);
    free(j->tail);
    free(j->content);
    pt_scope_result_free(&j->res);
    memset(j, 0, sizeof *j);
}

pt_typer_t *pt_typer_new(int threads, pt_rules_t *rules, const pt_policy_t *policy, int timeout_s,
                         pt_err_t *err)
{
    pt_typer_t *t = calloc(1, sizeof *t);
    int i, nft = threads > 1 ? threads : 1;

    if (!t || !(t->ft = calloc((size_t)nft, sizeof *t->ft)) || !(t->asked = calloc((size_t)nft, sizeof *t->asked)) ||
        !(t->types = pt_typecache_new(PT_TYPECACHE_SLOTS)) ||
        (rules && !(t->scope = calloc((size_t)nft, sizeof *t->scope)))) {
        if (t) {
            free(t->ft);
            free(t->asked);
            pt_typecache_free(t->types);
        }
        free(t);
        pt_err_set(err, PT_ENOMEM, "out of memory");
        return NULL;
    }
    t->nft = nft;
    t->policy = policy;
    pthread_mutex_init(&t->mu, NULL);
    pthread_cond_init(&t->work, NULL);
    pthread_cond_init(&t->done, NULL);
    for (i = 0; i < nft; i++) {
        if (!(t->ft[i] = pt_filetype_open(err)) || (rules && !(t->scope[i] = pt_scope_new(rules, timeout_s, err)))) {
            pt_typer_free(t);
            return NULL;
        }
    }
    if (threads > 1) {
        if (!(t->threads = calloc((size_t)threads, sizeof *t->threads))) {
            pt_typer_free(t);
            pt_err_set(err, PT_ENOMEM, "out of memory");
            return NULL;
        }
        for (i = 0; i < threads; i++) {
            void **arg = malloc(2 * sizeof *arg);
            if (!arg) {
                pt_typer_free(t);
                pt_err_set(err, PT_ENOMEM, "out of memory");
                return NULL;
            }
            arg[0] = t;
            arg[1] = (void *)(intptr_t)i;
            if (pthread_create(&t->threads[i], NULL, worker, arg) != 0) {
                free(arg);
                pt_typer_free(t);
                pt_err_set(err, PT_ELIB, "cannot start a worker thread");
                return NULL;
            }
            t->nthreads++;
        }
    }
    return t;
}

void pt_typer_free(pt_typer_t *t)
{
    int i;

    if (!t)
        return;
    pthread_mutex_lock(&t->mu);
    t->stop = 1;
    pthread_cond_broadcast(&t->work);
    pthread_mutex_unlock(&t->mu);
    for (i = 0; i < t->nthreads; i++)
        pthread_join(t->threads[i], NULL);
    while (t->count > 0) {
        free_job(&t->ring[t->first]);
        t->first = (t->first + 1) % QUEUE;
        t->count--;
    }
    free_job(&t->out);
    for (i = 0; t->hash && i < t->nft; i++)
        pt_hash_free(t->hash[i]);
    free(t->hash);
    for (i = 0; i < t->nft; i++) {
        pt_filetype_close(t->ft[i]);
        if (t->scope)
            pt_scope_free(t->scope[i]);
    }
    free(t->ft);
    free(t->asked);
    pt_typecache_free(t->types);
    free(t->scope);
    free(t->threads);
    pthread_mutex_destroy(&t->mu);
    pthread_cond_destroy(&t->work);
    pthread_cond_destroy(&t->done);
    free(t);
}

static uint8_t *dup_buf(const uint8_t *p, size_t n)
{
    uint8_t *d = malloc(n ? n : 1);
    if (d && n)
        memcpy(d, p, n);
    return d;
}

int pt_typer_submit(pt_typer_t *t, const pt_item_t *it, const uint8_t *head, size_t head_len,
                    const uint8_t *tail, size_t tail_len, uint8_t *content, size_t content_len,
                    const pt_scope_result_t *pre, pt_err_t *err)
{
    job_t j;

    memset(&j, 0, sizeof j);
    if (pre) {
        j.scanned = 1;
        snprintf(j.res.error, sizeof j.res.error, "%s", pre->error);
        snprintf(j.res.note, sizeof j.res.note, "%s", pre->note);
        if (pre->n && (j.res.m = malloc(pre->n * sizeof *pre->m)) != NULL) {
            memcpy(j.res.m, pre->m, pre->n * sizeof *pre->m);
            j.res.n = j.res.cap = pre->n;
        }
    }
    j.content = content; /* owned from here on, even on failure */
    j.content_len = content ? content_len : 0;
    j.it = *it;
    j.path = strdup(it->path ? it->path : "");
    j.link = it->link_target ? strdup(it->link_target) : NULL;
    if (it->sampled) {
        j.head = dup_buf(head, head_len);
        j.head_len = head_len;
        if (tail && tail_len) {
            j.tail = dup_buf(tail, tail_len);
            j.tail_len = tail_len;
        }
    }
    if (!j.path || (it->link_target && !j.link) || (it->sampled && !j.head) || (tail_len && it->sampled && !j.tail)) {
        free_job(&j);
        return pt_err_set(err, PT_ENOMEM, "out of memory");
    }
    j.it.path = j.path;
    j.it.link_target = j.link;
    if (t->nthreads == 0) {
        /* inline: type now; the ring holds one finished job */
        type_job(t, 0, &j);
        j.content_len = 0;
        j.state = 2;
    }
    pthread_mutex_lock(&t->mu);
    if (t->count == QUEUE) {
        pthread_mutex_unlock(&t->mu);
        free_job(&j);
        return pt_err_set(err, PT_EINVAL, "type queue full (collect with pt_typer_next first)");
    }
    {
        size_t slot = (t->first + t->count) % QUEUE;
        t->ring[slot] = j;
        t->ring[slot].it.path = t->ring[slot].path;
        t->ring[slot].it.link_target = t->ring[slot].link;
        t->count++;
        t->inflight += j.content_len;
        if (t->nthreads > 0) {
            t->unclaimed++;
            pthread_cond_signal(&t->work);
        }
    }
    pthread_mutex_unlock(&t->mu);
    return PT_OK;
}

const pt_item_t *pt_typer_next(pt_typer_t *t, int wait, const pt_scope_result_t **matches)
{
    free_job(&t->out);
    pthread_mutex_lock(&t->mu);
    if (t->count == 0) {
        pthread_mutex_unlock(&t->mu);
        return NULL;
    }
    while (t->ring[t->first].state != 2) {
        if (!wait) {
            pthread_mutex_unlock(&t->mu);
            return NULL;
        }
        pthread_cond_wait(&t->done, &t->mu);
    }
    t->out = t->ring[t->first];
    t->out.it.path = t->out.path;
    t->out.it.link_target = t->out.link;
    memset(&t->ring[t->first], 0, sizeof t->ring[t->first]);
    t->first = (t->first + 1) % QUEUE;
    t->count--;
    pthread_mutex_unlock(&t->mu);
    if (matches)
        *matches = &t->out.res;
    return &t->out.it;
}

size_t pt_typer_inflight(pt_typer_t *t)
{
    size_t n;

    pthread_mutex_lock(&t->mu);
    n = t->inflight;
    pthread_mutex_unlock(&t->mu);
    return n;
}

size_t pt_typer_pending(pt_typer_t *t)
{
    size_t n;

    pthread_mutex_lock(&t->mu);
    n = t->count;
    pthread_mutex_unlock(&t->mu);
    return n;
}

void pt_typer_type_counts(pt_typer_t *t, unsigned long long *reused, unsigned long long *asked)
{
    unsigned long long put;
    int i;

    pt_typecache_counts(t->types, reused, &put);
    *asked = 0;
    for (i = 0; i < t->nft; i++)
        *asked += t->asked[i];
}
