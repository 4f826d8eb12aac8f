/* file.h - reading one of our own files whole (an output, a signature, a
 * key), and making output directories: never evidence, which is read only
 * through the reader and reopen.c. */
#ifndef PT_FILE_H
#define PT_FILE_H

#include <stddef.h>
#include <stdio.h>
#include "err.h"

/* fopen(path, "r") of a regular file only: a FIFO or a device named in
 * case.conf would block the scan before it starts.  NULL with errno set
 * (EINVAL: not a regular file). */
FILE *pt_file_open_regular(const char *path);
/* Reads path into *buf (malloc'd, NUL-terminated; caller frees) and *len.
 * Returns PT_OK, PT_ENOENT when it does not exist, PT_EIO (also for what is
 * not a regular file), PT_ENOMEM. */
int pt_file_read_all(const char *path, char **buf, size_t *len, pt_err_t *err);

/* Creates dir and its parents (0755); 0 or -1 with errno. */
int pt_file_mkdir_p(const char *dir);
/* 1 when dir does not exist or holds nothing. */
int pt_file_dir_is_empty(const char *dir);

/* A temporary file in dir that never has a name there (O_TMPFILE, else
 * created and unlinked at once): gone when closed, even after a crash.
 * Read-write descriptor, or -1 with err set. */
int pt_file_spool(const char *dir, pt_err_t *err);

#endif
