/* file.c - whole-file reads of ptriage's own files.  Owns nothing after the
 * call; the buffer belongs to the caller. */
#include "file.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

FILE *pt_file_open_regular(const char *path)
{
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK), e;
    FILE *f;

    if (fd < 0)
        return NULL;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || fcntl(fd, F_SETFL, 0) != 0 || !(f = fdopen(fd, "r"))) {
        e = fstat(fd, &st) == 0 && !S_ISREG(st.st_mode) ? EINVAL : errno;
        close(fd);
        errno = e;
        return NULL;
    }
    return f;
}

int pt_file_read_all(const char *path, char **buf, size_t *len, pt_err_t *err)
{
    FILE *f = pt_file_open_regular(path);
    long n;

    *buf = NULL;
    *len = 0;
    if (!f)
        return pt_err_set(err, errno == ENOENT ? PT_ENOENT : PT_EIO, "%s: %s", path,
                          errno == EINVAL ? "not a regular file" : strerror(errno));
    if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
        fclose(f);
        return pt_err_set(err, PT_EIO, "%s: cannot read", path);
    }
    if (!(*buf = malloc((size_t)n + 1))) {
        fclose(f);
        return pt_err_set(err, PT_ENOMEM, "out of memory");
    }
    if (fread(*buf, 1, (size_t)n, f) != (size_t)n) {
        fclose(f);
        free(*buf);
        *buf = NULL;
        return pt_err_set(err, PT_EIO, "%s: cannot read", path);
    }
    fclose(f);
    (*buf)[n] = '\0';
    *len = (size_t)n;
    return PT_OK;
}

int pt_file_mkdir_p(const char *dir)
{
    char buf[PATH_MAX], *p;

    if (snprintf(buf, sizeof buf, "%s", dir) >= (int)sizeof buf)
        return -1;
    for (p = buf + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            if (mkdir(buf, 0755) != 0 && errno != EEXIST)
                return -1;
            *p = '/';
        }
    }
    return mkdir(buf, 0755) != 0 && errno != EEXIST ? -1 : 0;
}

int pt_file_dir_is_empty(const char *dir)
{
    struct stat st;
    int empty = 1;
    DIR *d;
    struct dirent *de;

    if (stat(dir, &st) != 0)
        return 1;
    if (!(d = opendir(dir)))
        return 0;
    while ((de = readdir(d)) != NULL)
        if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
            empty = 0;
    closedir(d);
    return empty;
}

int pt_file_spool(const char *dir, pt_err_t *err)
{
    char path[PATH_MAX];
    int fd;

#ifdef O_TMPFILE
    if ((fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600)) >= 0)
        return fd;
#endif
    /* a filesystem without O_TMPFILE */
    if (snprintf(path, sizeof path, "%s/.ptriage-spool-XXXXXX", dir) >= (int)sizeof path) {
        pt_err_set(err, PT_EINVAL, "%s: path too long for a temporary file", dir);
        return -1;
    }
    if ((fd = mkstemp(path)) < 0) {
        pt_err_set(err, PT_EIO, "%s: cannot create a temporary file: %s", dir, strerror(errno));
        return -1;
    }
    unlink(path);
    return fd;
}
