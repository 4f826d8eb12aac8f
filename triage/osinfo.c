/* osinfo.c - os-release parsing (freedesktop.org's format: KEY=value lines,
 * values optionally quoted).  Pure function over the caller's buffers. */
#include "osinfo.h"

#include <stdio.h>
#include <string.h>

/* Copies the value of key (unquoted, backslash escapes removed) into out. */
static int value_of(const char *text, size_t len, const char *key, char *out, size_t size)
{
    size_t kl = strlen(key), i = 0;

    while (i < len) {
        const char *line = text + i, *end = memchr(line, '\n', len - i);
        size_t ll = end ? (size_t)(end - line) : len - i, o = 0, j;
        i += ll + 1;
        if (ll <= kl || strncmp(line, key, kl) != 0 || line[kl] != '=')
            continue;
        j = kl + 1;
        char q = (line[j] == '"' || line[j] == '\'') ? line[j++] : 0;
        for (; j < ll && o + 1 < size; j++) {
            if (q && line[j] == q)
                break;
            if (line[j] == '\\' && j + 1 < ll)
                j++;
            if ((unsigned char)line[j] >= 0x20)
                out[o++] = line[j];
        }
        out[o] = '\0';
        return o > 0;
    }
    return 0;
}

int pt_osinfo_parse_release(const char *text, size_t len, char *out, size_t size)
{
    char name[128], version[128];

    out[0] = '\0';
    if (value_of(text, len, "PRETTY_NAME", out, size))
        return 1;
    if (!value_of(text, len, "NAME", name, sizeof name))
        return 0;
    if (value_of(text, len, "VERSION", version, sizeof version))
        snprintf(out, size, "%s %s", name, version);
    else
        snprintf(out, size, "%s", name);
    return 1;
}
