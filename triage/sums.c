/* sums.c - SHA256SUMS of a case directory.  Owns nothing beyond one call;
 * reads only the output directory, never evidence. */
#include "sums.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "hash.h"

#define SUMS "SHA256SUMS"

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int pt_sums_write(const char *outdir, pt_err_t *err)
{
    DIR *d = opendir(outdir);
    struct dirent *de;
    char **names = NULL, path[4096], tmp[4096];
    size_t n = 0, cap = 0, i;
    FILE *f = NULL;
    int rc = PT_OK;

    if (!d)
        return pt_err_set(err, PT_EIO, "%s: %s", outdir, strerror(errno));
    while ((de = readdir(d)) != NULL) {
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", outdir, de->d_name);
        /* SHA256SUMS itself and its signature files come after the sums */
        if (de->d_name[0] == '.' || strncmp(de->d_name, SUMS, strlen(SUMS)) == 0 || strstr(de->d_name, ".tmp") ||
            lstat(path, &st) != 0 || !S_ISREG(st.st_mode))
            continue;
        if (n == cap) {
            char **nn = realloc(names, (cap = cap ? cap * 2 : 16) * sizeof *names);
            if (!nn)
                break;
            names = nn;
        }
        if (!(names[n] = strdup(de->d_name)))
            break;
        n++;
    }
    closedir(d);
    if (n)
        qsort(names, n, sizeof *names, cmp_names);
    snprintf(tmp, sizeof tmp, "%s/%s.tmp", outdir, SUMS);
    if (!(f = fopen(tmp, "w"))) {
        rc = pt_err_set(err, PT_EIO, "%s: %s", tmp, strerror(errno));
        goto out;
    }
    for (i = 0; i < n; i++) {
        char h[65];
        snprintf(path, sizeof path, "%s/%s", outdir, names[i]);
        if (pt_hash_file_sha256(path, h, NULL) != PT_OK) {
            rc = pt_err_set(err, PT_EIO, "%s: cannot hash", path);
            goto out;
        }
        fprintf(f, "%s  %s\n", h, names[i]);
    }
    if (fclose(f) != 0) {
        f = NULL;
        rc = pt_err_set(err, PT_EIO, "%s: %s", tmp, strerror(errno));
        goto out;
    }
    f = NULL;
    snprintf(path, sizeof path, "%s/%s", outdir, SUMS);
    if (rename(tmp, path) != 0)
        rc = pt_err_set(err, PT_EIO, "%s: %s", path, strerror(errno));
out:
    if (f) {
        fclose(f);
        remove(tmp);
    }
    for (i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return rc;
}

int pt_sums_verify(const char *outdir, void (*fn)(const char *, const char *, void *), void *arg, pt_err_t *err)
{
    char path[8192], line[4352];
    FILE *f;
    int problems = 0, lines = 0;

    snprintf(path, sizeof path, "%s/%s", outdir, SUMS);
    if (!(f = fopen(path, "r")))
        return pt_err_set(err, PT_ENOENT, "%s: %s", path, strerror(errno));
    while (fgets(line, sizeof line, f)) {
        char *name, h[65];
        size_t len = strlen(line);
        if (len && line[len - 1] == '\n')
            line[--len] = '\0';
        if (len < 67 || line[64] != ' ' || line[65] != ' ' || strchr(line + 66, '/')) {
            fn(line, "malformed line in SHA256SUMS", arg);
            problems++;
            continue;
        }
        lines++;
        name = line + 66;
        snprintf(path, sizeof path, "%s/%s", outdir, name);
        if (pt_hash_file_sha256(path, h, NULL) != PT_OK)
            fn(name, "missing or unreadable", arg), problems++;
        else if (strncmp(h, line, 64) != 0)
            fn(name, "SHA-256 differs: the file was changed", arg), problems++;
    }
    fclose(f);
    if (lines == 0)
        fn(SUMS, "lists no files", arg), problems++;
    return problems;
}
