/* validate.c - the known-answer validation run.  Writes only under DIR;
 * runs mkfs.ext4, fls and sha256sum as child processes (their absence is a
 * failed check, not a crash). */
#include "validate.h"

#include <errno.h>
#include <openssl/evp.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "scan.h"
#include "text.h"
#include "version.h"

typedef struct known {
    const char *path;   /* under the evidence root */
    size_t size;
    int pattern;        /* 0 zeros, 1 text, 2 pseudo-random */
} known_t;

static const known_t files[] = {
    { "/empty.txt", 0, 1 },
    { "/docs/report.txt", 10000, 1 },
    { "/docs/name with spaces, and a comma.txt", 4097, 1 },
    { "/data/random.bin", 1536 * 1024 + 7, 2 },   /* crosses the 1 MiB read block */
    { "/data/zeros.bin", 2 * 1024 * 1024 + 1, 0 },
    { "/deep/a/b/c/d/e/f/g/leaf.txt", 513, 1 },
};
#define NFILES (sizeof files / sizeof files[0])

static void fill(const known_t *k, unsigned char *buf)
{
    uint64_t x = 0x9e3779b97f4a7c15ULL ^ k->size;
    size_t i;

    for (i = 0; i < k->size; i++) {
        if (k->pattern == 0) {
            buf[i] = 0;
        } else if (k->pattern == 1) {
            buf[i] = (unsigned char)("The quick brown fox jumps over the lazy dog 0123456789\n"[i % 55]);
        } else {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17; /* xorshift64 */
            buf[i] = (unsigned char)(x >> 24);
        }
    }
}

static int make_tree(const char *root, char sums[][65], pt_err_t *err)
{
    char path[4096];
    size_t i;

    for (i = 0; i < NFILES; i++) {
        unsigned char *buf = malloc(files[i].size + 1), md[32];
        unsigned len = 0, j;
        char *slash;
        FILE *f;
        if (!buf)
            return pt_err_set(err, PT_ENOMEM, "out of memory");
        fill(&files[i], buf);
        EVP_Digest(buf, files[i].size, md, &len, EVP_sha256(), NULL);
        for (j = 0; j < 32; j++)
            snprintf(sums[i] + 2 * j, 3, "%02x", md[j]);
        snprintf(path, sizeof path, "%s%s", root, files[i].path);
        for (slash = strchr(path + strlen(root) + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
            *slash = '\0';
            mkdir(path, 0755);
            *slash = '/';
        }
        if (!(f = fopen(path, "wbx")) || fwrite(buf, 1, files[i].size, f) != files[i].size || fclose(f) != 0) {
            free(buf);
            return pt_err_set(err, PT_EIO, "%s: %s", path, strerror(errno));
        }
        free(buf);
    }
    return PT_OK;
}

/* Runs a shell command with paths single-quoted by the caller. */
static int sh(const char *cmd)
{
    int rc = system(cmd);
    return rc == 0 ? 0 : -1;
}

static void check(FILE *out, int *failed, int ok, const char *what, const char *detail)
{
    fprintf(out, "%s  %s%s%s\n", ok ? "PASS" : "FAIL", what, detail && *detail ? ": " : "", detail ? detail : "");
    if (!ok)
        (*failed)++;
}

/* "fls -r -p" of the image: the number of lines and whether each known path is among them. */
static int fls_check(const char *img, FILE *out, int *failed, long long items)
{
    char cmd[4400], line[8192], detail[256];
    long long n = 0;
    size_t found = 0, i;
    FILE *p;

    snprintf(cmd, sizeof cmd, "fls -r -p '%s' 2>/dev/null", img);
    if (!(p = popen(cmd, "r"))) {
        check(out, failed, 0, "fls -r -p lists the same names", "fls could not be run");
        return -1;
    }
    while (fgets(line, sizeof line, p)) {
        char *tab = strchr(line, '\t');
        n++;
        if (!tab)
            continue;
        tab[strcspn(tab, "\n")] = '\0';
        for (i = 0; i < NFILES; i++)
            if (strcmp(tab + 1, files[i].path + 1) == 0)
                found++;
    }
    pclose(p);
    snprintf(detail, sizeof detail, "fls lists %lld names, ptriage %lld items; %zu of %zu known files in fls's list",
             n, items, found, NFILES);
    check(out, failed, n == items && found == NFILES, "The Sleuth Kit's fls -r -p lists the same number of names",
          detail);
    return 0;
}

int pt_validate_run(const char *dir, pt_err_t *err)
{
    char root[4096], img[4200], casedir[4200], cmd[9000], libs[512], when[40], rec[4200], detail[2048];
    char *ev[2], sums[NFILES][65];
    pt_scan_opts_t o;
    pt_scan_counts_t counts;
    pt_err_t serr = { 0, "" };
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    FILE *out;
    int failed = 0, rc, have_img;
    size_t i, k;

    if (strchr(dir, '\'') || mkdir(dir, 0755) != 0)
        return pt_err_set(err, PT_EEXIST, "%s: %s (validate needs a new directory, without quotes in its name)",
                          dir, errno ? strerror(errno) : "quote in path");
    snprintf(root, sizeof root, "%s/known", dir);
    snprintf(img, sizeof img, "%s/known.ext4", dir);
    snprintf(casedir, sizeof casedir, "%s/case", dir);
    snprintf(rec, sizeof rec, "%s/validation.txt", dir);
    if (mkdir(root, 0755) != 0 || (rc = make_tree(root, sums, err)) != PT_OK)
        return err->code ? err->code : PT_EIO;
    if (!(out = fopen(rec, "wx")))
        return pt_err_set(err, PT_EIO, "%s: %s", rec, strerror(errno));
    pt_scan_libraries(libs, sizeof libs);
    pt_text_iso8601((long long)time(NULL), when, sizeof when);
    fprintf(out, "ptriage validation record\ntool: ptriage %s (build %s)\nlibraries: %s\ndate: %s\n"
                 "known files: %zu, SHA-256 computed from the bytes as generated\n\n",
            PT_VERSION, PT_BUILD_ID, libs, when, NFILES);
    snprintf(cmd, sizeof cmd, "mkfs.ext4 -q -F -E root_owner=0:0 -b 1024 -d '%s' '%s' 16M >/dev/null 2>&1", root, img);
    have_img = sh(cmd) == 0;
    check(out, &failed, have_img, "an ext4 image of the known files was made with mkfs.ext4 -d", NULL);
    ev[0] = root;
    ev[1] = img;
    pt_scan_opts_defaults(&o);
    o.evidence = ev;
    o.n_evidence = have_img ? 2 : 1;
    o.outdir = casedir;
    o.hash_mask = 0;
    o.quiet = 1;
    o.jobs = 1;
    o.command_line = "ptriage validate";
    rc = pt_scan_run(&o, &counts, &serr);
    snprintf(detail, sizeof detail, "exit status %d%s%s", rc, serr.msg[0] ? ", " : "", serr.msg);
    check(out, &failed, rc == 0, "the scan of the known files completed without errors", detail);
    snprintf(cmd, sizeof cmd, "%s/case.db", casedir);
    if (rc != 2 && sqlite3_open_v2(cmd, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(db, "SELECT i.sha256 FROM items i JOIN evidence e ON e.id = i.evidence_id"
                               " WHERE e.id = ? AND i.path = ?", -1, &st, NULL) == SQLITE_OK) {
        for (k = 0; k < (size_t)o.n_evidence; k++) {
            for (i = 0; i < NFILES; i++) {
                const char *got = NULL;
                sqlite3_reset(st);
                sqlite3_bind_int64(st, 1, (sqlite3_int64)k + 1);
                sqlite3_bind_text(st, 2, files[i].path, -1, SQLITE_STATIC);
                if (sqlite3_step(st) == SQLITE_ROW)
                    got = (const char *)sqlite3_column_text(st, 0);
                snprintf(detail, sizeof detail, "%s %s: expected %s, got %s", k ? "ext4 image" : "directory",
                         files[i].path, sums[i], got ? got : "(not listed)");
                check(out, &failed, got && strcmp(got, sums[i]) == 0, "SHA-256 of a known file", detail);
            }
        }
        if (have_img) {
            sqlite3_stmt *c;
            long long items = -1;
            if (sqlite3_prepare_v2(db, "SELECT count(*) FROM items WHERE evidence_id = 2", -1, &c, NULL) == SQLITE_OK &&
                sqlite3_step(c) == SQLITE_ROW)
                items = sqlite3_column_int64(c, 0);
            sqlite3_finalize(c);
            fls_check(img, out, &failed, items);
        }
    } else {
        check(out, &failed, 0, "the case database can be read", sqlite3_errmsg(db));
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    /* sha256sum, an independent implementation, over the same files */
    for (i = 0; i < NFILES; i++) {
        char line[256] = "";
        FILE *p;
        snprintf(cmd, sizeof cmd, "sha256sum '%s%s' 2>/dev/null", root, files[i].path);
        if ((p = popen(cmd, "r")) != NULL) {
            if (!fgets(line, sizeof line, p))
                line[0] = '\0';
            pclose(p);
        }
        snprintf(detail, sizeof detail, "%s", files[i].path);
        check(out, &failed, strncmp(line, sums[i], 64) == 0, "sha256sum agrees with the known SHA-256",
              detail);
    }
    fprintf(out, "\n%s: %d check%s failed\n", failed ? "NOT VALIDATED" : "VALIDATED", failed, failed == 1 ? "" : "s");
    fclose(out);
    return failed;
}
