/* item.c - helpers for pt_item_t.  Owns nothing. */
#include "item.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

void pt_item_init(pt_item_t *it)
{
    memset(it, 0, sizeof *it);
    it->allocated = -1;
    it->attr_type = -1;
    it->attr_id = -1;
    it->kind = PT_KIND_UNKNOWN;
    it->path = "";
}

void pt_item_add_error(pt_item_t *it, const char *severity, const char *fmt, ...)
{
    size_t used = strlen(it->error);
    va_list ap;

    if (used > 0 && used + 2 < sizeof it->error) {
        memcpy(it->error + used, "; ", 3);
        used += 2;
    }
    if (used + 1 < sizeof it->error) {
        va_start(ap, fmt);
        vsnprintf(it->error + used, sizeof it->error - used, fmt, ap);
        va_end(ap);
    }
    if (!it->error_severity || strcmp(severity, "error") == 0)
        it->error_severity = severity;
}

const char *pt_item_kind_of_mode(unsigned mode)
{
    switch (mode & S_IFMT) {
    case S_IFREG: return PT_KIND_FILE;
    case S_IFDIR: return PT_KIND_DIR;
    case S_IFLNK: return PT_KIND_SYMLINK;
    case S_IFIFO: return PT_KIND_FIFO;
    case S_IFSOCK: return PT_KIND_SOCKET;
    case S_IFCHR:
    case S_IFBLK: return PT_KIND_DEVICE;
    default: return PT_KIND_OTHER;
    }
}

int pt_item_path_set(char **path, size_t *cap, size_t at, const char *name, pt_err_t *err)
{
    size_t need = at + 1 + strlen(name) + 1;

    if (need > *cap) {
        char *p = realloc(*path, need * 2);
        if (!p)
            return pt_err_set(err, PT_ENOMEM, "out of memory");
        *path = p;
        *cap = need * 2;
    }
    (*path)[at] = '/';
    strcpy(*path + at + 1, name);
    return PT_OK;
}

void pt_item_limit(pt_item_t *it, uint64_t max_item_size, uint64_t fs_bytes)
{
    uint64_t limit = max_item_size ? max_item_size : fs_bytes;

    if (limit && it->size > limit) {
        it->read_limit = limit;
        pt_item_add_error(it, "error", "size claims %" PRIu64 " bytes, more than %s (%" PRIu64 "): read stopped "
                          "there, no hash (use --max-item-size to read further)", it->size,
                          max_item_size ? "--max-item-size" : "the filesystem holds", limit);
    }
}
