/* item.c - helpers for pt_item_t.  Owns nothing. */
#include "item.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

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
