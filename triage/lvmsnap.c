/* lvmsnap.c - LVM2 metadata's snapshot segments, and the snapshot's view
 * rebuilt from the origin and dm-snapshot's exception store (after lvm2's
 * lib/format_text and the kernel's dm-snap-persistent.c layouts). */
#include "lvmsnap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TEXT_MAX (4u << 20)
#define SNAP_MAGIC 0x70416E53u /* "SnAp" */

static uint64_t le(const uint8_t *p, int n)
{
    uint64_t v = 0;
    while (n--)
        v = v << 8 | p[n];
    return v;
}

/* ---- the volume group's text metadata ---- */

typedef struct lex {
    const char *p, *end;
    char tok[128];  /* LVM names are at most 127 bytes */
    int kind;   /* 0 end, 'w' word or number, 's' string, else the character */
} lex_t;

static void next(lex_t *x)
{
    size_t n = 0;

    for (;;) {
        while (x->p < x->end && (*x->p == ' ' || *x->p == '\t' || *x->p == '\n' || *x->p == '\r'))
            x->p++;
        if (x->p < x->end && *x->p == '#') {
            while (x->p < x->end && *x->p != '\n')
                x->p++;
            continue;
        }
        break;
    }
    x->tok[0] = '\0';
    if (x->p >= x->end || !*x->p) {
        x->kind = 0;
        return;
    }
    if (*x->p == '"') {
        for (x->p++; x->p < x->end && *x->p && *x->p != '"'; x->p++) {
            if (*x->p == '\\' && x->p + 1 < x->end)
                x->p++;
            if (n + 1 < sizeof x->tok)
                x->tok[n++] = *x->p;
        }
        if (x->p < x->end && *x->p == '"')
            x->p++;
        x->tok[n] = '\0';
        x->kind = 's';
        return;
    }
    if (strchr("{}[]=,", *x->p)) {
        x->kind = *x->p++;
        return;
    }
    while (x->p < x->end && *x->p && !strchr(" \t\r\n{}[]=,\"#", *x->p)) {
        if (n + 1 < sizeof x->tok)
            x->tok[n++] = *x->p;
        x->p++;
    }
    x->tok[n] = '\0';
    x->kind = 'w';
}

/* Reads the logical_volumes section: each LV, and what its segments say. */
static int parse(const char *text, size_t len, pt_lvm_lv_t *lv, int max)
{
    lex_t x = { text, text + len, "", 0 };
    char stack[8][128];
    int depth = 0, lvs_at = -1, n = 0, i;
    uint64_t extent_sectors = 0, extents[PT_LVMSNAP_MAX] = { 0 };

    next(&x);
    while (x.kind) {
        if (x.kind == 'w' || x.kind == 's') {
            char name[128];
            snprintf(name, sizeof name, "%s", x.tok);
            next(&x);
            if (x.kind == '{') {
                if (depth < 8)
                    snprintf(stack[depth], sizeof stack[depth], "%s", name);
                if (lvs_at < 0 && strcmp(name, "logical_volumes") == 0)
                    lvs_at = depth;
                else if (lvs_at >= 0 && depth == lvs_at + 1 && n < max) {
                    memset(&lv[n], 0, sizeof lv[n]);
                    snprintf(lv[n].name, sizeof lv[n].name, "%s", name);
                    n++;
                }
                depth++;
                next(&x);
            } else if (x.kind == '=') {
                next(&x);
                /* a segment's settings: logical_volumes { LV { segmentN { k = v } } } */
                if (lvs_at < 0 && depth == 1 && strcmp(name, "extent_size") == 0 && x.kind == 'w')
                    extent_sectors = strtoull(x.tok, NULL, 10);
                if (lvs_at >= 0 && depth == lvs_at + 3 && n > 0 && (x.kind == 's' || x.kind == 'w')) {
                    pt_lvm_lv_t *l = &lv[n - 1];
                    if (strcmp(name, "type") == 0) {
                        if (!l->seg_type[0])
                            snprintf(l->seg_type, sizeof l->seg_type, "%.31s", x.tok);
                        l->snapshot |= strcmp(x.tok, "snapshot") == 0;
                        l->thin_pool |= strcmp(x.tok, "thin-pool") == 0;
                        l->thin |= strcmp(x.tok, "thin") == 0;
                    } else if (strcmp(name, "extent_count") == 0 && n <= PT_LVMSNAP_MAX) {
                        extents[n - 1] += strtoull(x.tok, NULL, 10);
                    } else if (strcmp(name, "pool") == 0 || strcmp(name, "thin_pool") == 0) {
                        snprintf(l->pool, sizeof l->pool, "%s", x.tok);
                    } else if (strcmp(name, "metadata") == 0) {
                        snprintf(l->meta, sizeof l->meta, "%s", x.tok);
                    } else if (strcmp(name, "external_origin") == 0) {
                        snprintf(l->external, sizeof l->external, "%s", x.tok);
                    } else if (strcmp(name, "device_id") == 0) {
                        l->device_id = (uint32_t)strtoul(x.tok, NULL, 10);
                    } else if (strcmp(name, "origin") == 0)
                        snprintf(l->origin, sizeof l->origin, "%s", x.tok);
                    else if (strcmp(name, "cow_store") == 0)
                        snprintf(l->cow, sizeof l->cow, "%s", x.tok);
                    else if (strcmp(name, "chunk_size") == 0)
                        l->chunk_sectors = (uint32_t)strtoul(x.tok, NULL, 10);
                }
                if (x.kind == '[') {
                    /* a list: skipped, but for a RAID or mirror segment's
                     * images (raids = [rmeta_0, rimage_0, ...]) */
                    int images = lvs_at >= 0 && depth == lvs_at + 3 && n > 0 &&
                                 (strcmp(name, "raids") == 0 || strcmp(name, "mirrors") == 0);
                    while (x.kind && x.kind != ']') {
                        next(&x);
                        if (images && x.kind == 's' && !strstr(x.tok, "_rmeta_")) {
                            if (!lv[n - 1].images++)
                                snprintf(lv[n - 1].image0, sizeof lv[n - 1].image0, "%s", x.tok);
                        }
                    }
                }
                next(&x);
            }
        } else if (x.kind == '}') {
            if (depth == 0)
                break;
            if (--depth == lvs_at)
                lvs_at = -2; /* the section ended */
            next(&x);
        } else {
            next(&x);
        }
    }
    for (i = 0; i < n && i < PT_LVMSNAP_MAX; i++)
        lv[i].bytes = extent_sectors && extents[i] <= UINT64_MAX / 512 / extent_sectors
                          ? extents[i] * extent_sectors * 512 : 0; /* 0: unusable */
    return n;
}

int pt_lvmsnap_list(pt_read_fn fn, void *src, uint64_t size, pt_lvm_lv_t *lv, int max)
{
    uint8_t sec[512], mda[512];
    pt_err_t err = { 0, "" };
    uint64_t mda_off = 0, start, area, off, tlen, pos;
    char *text;
    int s, n;

    /* the label lies in one of the first four sectors */
    for (s = 0; s < 4; s++)
        if (pt_read_exact(fn, src, (uint64_t)s * 512, sec, sizeof sec, &err) == PT_OK && memcmp(sec, "LABELONE", 8) == 0)
            break;
    if (s == 4)
        return -1;
    {
        uint32_t at = (uint32_t)le(sec + 20, 4);
        size_t k;
        if (at < 32 || at > 400)
            return -1;
        /* uuid (32), device size (8), then data areas and metadata areas, each list ending in zeros */
        k = at + 40;
        while (k + 16 <= sizeof sec && (le(sec + k, 8) || le(sec + k + 8, 8)))
            k += 16;
        k += 16;
        /* the first metadata area; offsets are from the device's start */
        if (k + 16 > sizeof sec || !(mda_off = le(sec + k, 8)))
            return -1;
    }
    if (mda_off >= size || pt_read_exact(fn, src, mda_off, mda, sizeof mda, &err) != PT_OK ||
        memcmp(mda + 4, " LVM2 x[5A%r0N*>", 16) != 0)
        return -1;
    start = le(mda + 24, 8);
    area = le(mda + 32, 8);
    off = le(mda + 40, 8);
    tlen = le(mda + 48, 8);
    if (start != mda_off || area < 1024 || off < 512 || off >= area || tlen == 0 || tlen > TEXT_MAX)
        return -1;
    if (!(text = malloc(tlen + 1)))
        return -1;
    /* the text may wrap around the end of the circular area */
    for (pos = 0; pos < tlen;) {
        uint64_t at = off + pos >= area ? 512 + (off + pos - area) : off + pos;
        uint64_t chunk = at < area ? area - at : 0;
        if (chunk > tlen - pos)
            chunk = tlen - pos;
        if (!chunk || pt_read_exact(fn, src, start + at, (uint8_t *)text + pos, (size_t)chunk, &err) != PT_OK) {
            free(text);
            return -1;
        }
        pos += chunk;
    }
    text[tlen] = '\0';
    n = parse(text, strlen(text), lv, max);
    free(text);
    return n;
}

/* ---- the snapshot's view ---- */

typedef struct exc {
    uint64_t old, new_;
} exc_t;

struct pt_lvmsnap {
    pt_read_fn ofn, cfn;
    void *osrc, *csrc;
    uint64_t size, chunk;
    exc_t *e;
    size_t n;
};

static int cmp_exc(const void *a, const void *b)
{
    uint64_t x = ((const exc_t *)a)->old, y = ((const exc_t *)b)->old;
    return x < y ? -1 : x > y;
}

/* by chunk, then by store chunk: of two exceptions for one chunk (the table
 * only grows) the later, higher store chunk comes last */
static int cmp_exc_new(const void *a, const void *b)
{
    int c = cmp_exc(a, b);
    uint64_t x = ((const exc_t *)a)->new_, y = ((const exc_t *)b)->new_;
    return c ? c : x < y ? -1 : x > y;
}

int pt_lvmsnap_open(pt_read_fn origin, void *osrc, uint64_t size, pt_read_fn cow, void *csrc, uint64_t cow_size,
                    uint32_t chunk_sectors, pt_lvmsnap_t **out, pt_err_t *err)
{
    pt_lvmsnap_t *s;
    uint8_t h[16], *area = NULL;
    uint64_t chunk, chunks, per_area, a;
    size_t cap = 0;
    int rc;

    *out = NULL;
    if ((rc = pt_read_exact(cow, csrc, 0, h, sizeof h, err)) != PT_OK) {
        pt_err_prefix(err, "snapshot store");
        return rc;
    }
    if (le(h, 4) != SNAP_MAGIC)
        return pt_err_set(err, PT_EFORMAT, "the snapshot's store has no exception-store header (SnAp)");
    if (le(h + 4, 4) != 1)
        return pt_err_set(err, PT_EFORMAT, "the snapshot is marked invalid (its store overflowed, or it was "
                          "dropped): the view it gave is lost");
    if (le(h + 8, 4) != 1)
        return pt_err_set(err, PT_EFORMAT, "exception store version %u is not 1", (unsigned)le(h + 8, 4));
    chunk = le(h + 12, 4) * 512;
    if (chunk < 4096 || chunk > (1u << 19) || (chunk & (chunk - 1)) || (chunk_sectors && chunk != chunk_sectors * 512ull))
        return pt_err_set(err, PT_EFORMAT, "exception store chunk of %llu bytes (the metadata says %u sectors)",
                          (unsigned long long)chunk, chunk_sectors);
    if (!(s = calloc(1, sizeof *s)) || !(area = malloc(chunk))) {
        free(s);
        return pt_err_set(err, PT_ENOMEM, "out of memory");
    }
    s->ofn = origin, s->osrc = osrc, s->cfn = cow, s->csrc = csrc, s->size = size, s->chunk = chunk;
    chunks = cow_size / chunk;
    per_area = chunk / 16;
    /* area a sits at chunk 1 + a * (per_area + 1), its data chunks after it */
    for (a = 0;; a++) {
        uint64_t at = 1 + a * (per_area + 1), k;
        int done = 0;
        if (at >= chunks)
            break;
        if ((rc = pt_read_exact(cow, csrc, at * chunk, area, (size_t)chunk, err)) != PT_OK) {
            pt_err_prefix(err, "exception table, area %llu", (unsigned long long)a);
            goto fail;
        }
        for (k = 0; k < per_area; k++) {
            uint64_t old = le(area + 16 * k, 8), nw = le(area + 16 * k + 8, 8);
            if (nw == 0) {
                done = 1;
                break;
            }
            if (nw >= chunks || nw <= at || old >= (size + chunk - 1) / chunk) {
                rc = pt_err_set(err, PT_EFORMAT, "exception %llu of area %llu maps chunk %llu to chunk %llu, "
                                "outside the origin or the store", (unsigned long long)k, (unsigned long long)a,
                                (unsigned long long)old, (unsigned long long)nw);
                goto fail;
            }
            if (s->n == cap) {
                exc_t *g = realloc(s->e, (cap = cap ? cap * 2 : 256) * sizeof *g);
                if (!g) {
                    rc = pt_err_set(err, PT_ENOMEM, "out of memory");
                    goto fail;
                }
                s->e = g;
            }
            s->e[s->n].old = old;
            s->e[s->n++].new_ = nw;
        }
        if (done || k < per_area)
            break;
    }
    free(area);
    if (s->n) {
        size_t i, j;
        qsort(s->e, s->n, sizeof *s->e, cmp_exc_new);
        for (i = 0, j = 0; i < s->n; i++) {
            if (j && s->e[j - 1].old == s->e[i].old)
                j--;
            s->e[j++] = s->e[i];
        }
        s->n = j;
    }
    *out = s;
    return PT_OK;
fail:
    free(area);
    pt_lvmsnap_close(s);
    return rc;
}

uint64_t pt_lvmsnap_changed(const pt_lvmsnap_t *s)
{
    return s->n;
}

ssize_t pt_lvmsnap_read(void *src, uint64_t off, uint8_t *buf, size_t len, pt_err_t *err)
{
    pt_lvmsnap_t *s = src;
    size_t done = 0;

    if (off >= s->size)
        return 0;
    if (len > s->size - off)
        len = (size_t)(s->size - off);
    while (done < len) {
        uint64_t pos = off + done, c = pos / s->chunk, in = pos % s->chunk;
        size_t n = (size_t)(s->chunk - in < len - done ? s->chunk - in : len - done);
        exc_t key = { c, 0 }, *hit = s->n ? bsearch(&key, s->e, s->n, sizeof *s->e, cmp_exc) : NULL;
        int rc = hit ? pt_read_exact(s->cfn, s->csrc, hit->new_ * s->chunk + in, buf + done, n, err)
                     : pt_read_exact(s->ofn, s->osrc, pos, buf + done, n, err);
        if (rc != PT_OK)
            return -1;
        done += n;
    }
    return (ssize_t)done;
}

void pt_lvmsnap_close(pt_lvmsnap_t *s)
{
    if (!s)
        return;
    free(s->e);
    free(s);
}
