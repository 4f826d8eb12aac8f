/* recycle.c - $I records of the Windows recycle bin. */
#include "recycle.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "text.h"

#define FILETIME_UNIX 116444736000000000ULL

static uint64_t le64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

/* "/x/.local/share/Trash/files/NAME" (or a Trash folder of a removable
 * drive, "/.Trash-1000/files/NAME"): its info/NAME.trashinfo. */
static int trash_partner(const char *path, char *out, size_t size)
{
    const char *last = strrchr(path, '/'), *files;
    size_t dir;

    if (!last || last == path || !last[1] || last - path < 6 || strncmp(last - 6, "/files", 6) != 0)
        return 0;
    files = last - 6;
    dir = (size_t)(files - path);
    /* the folder holding files/ is a trash: "Trash" or ".Trash-UID" */
    if (!((dir >= 6 && strncmp(files - 6, "/Trash", 6) == 0) || memmem(path, dir, "/.Trash-", 8)))
        return 0;
    if ((size_t)snprintf(out, size, "%.*s/info/%s.trashinfo", (int)dir, path, last + 1) >= size)
        return 0;
    return 1;
}

int pt_recycle_partner(const char *path, char *out, size_t size)
{
    const char *bin = NULL, *p, *last = strrchr(path, '/');
    size_t len;

    /* a bin's name on NTFS is $Recycle.Bin; on FAT and exFAT, $RECYCLE.BIN */
    for (p = path; (p = strchr(p, '/')) != NULL; p++)
        if (strncasecmp(p, "/$Recycle.Bin/", 14) == 0)
            bin = p;
    if (!bin)
        return trash_partner(path, out, size);
    if (!last || last < bin + 14 || strncmp(last, "/$R", 3) != 0 || last[3] == '\0')
        return 0;
    /* $R files lie directly in the SID folder */
    p = strchr(bin + 14, '/');
    if (p != last || (len = strlen(path)) >= size)
        return 0;
    memcpy(out, path, len + 1);
    out[last - path + 2] = 'I';
    return 1;
}

int pt_recycle_describe(const uint8_t *b, size_t n, char *out, size_t size)
{
    uint64_t version, bytes, ft, chars;
    const uint8_t *name;
    char path[1600], when[64] = "at an unknown time";

    if (n < 24)
        return 0;
    version = le64(b);
    bytes = le64(b + 8);
    ft = le64(b + 16);
    if (version == 1) {
        name = b + 24;
        chars = n >= 24 + 520 ? 260 : (n - 24) / 2;
    } else if (version == 2 && n >= 28) {
        chars = (uint64_t)(b[24] | b[25] << 8 | b[26] << 16 | (uint64_t)b[27] << 24);
        name = b + 28;
        if (chars == 0 || chars > 32768 || 28 + chars * 2 > n)
            return 0;
    } else {
        return 0;
    }
    if (pt_text_utf16_to_utf8(name, (size_t)chars * 2, 0, path, sizeof path) == 0)
        return 0;
    if (ft > FILETIME_UNIX) {
        time_t t = (time_t)((ft - FILETIME_UNIX) / 10000000ULL);
        struct tm tm;
        if (gmtime_r(&t, &tm))
            strftime(when, sizeof when, "at %Y-%m-%d %H:%M:%S UTC", &tm);
    }
    snprintf(out, size, "deleted from %s %s (%llu bytes)", path, when, (unsigned long long)bytes);
    return 1;
}

static int hexval(int c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* The value of "key=" on a line of b, percent-decoded, control characters
 * as '?', into out.  0 when there is no such line. */
static int ini_value(const uint8_t *b, size_t n, const char *key, char *out, size_t size)
{
    size_t kl = strlen(key), i = 0, o = 0;

    while (i < n) {
        const uint8_t *line = b + i, *end = memchr(line, '\n', n - i);
        size_t ll = end ? (size_t)(end - line) : n - i;
        i += ll + 1;
        if (ll <= kl || memcmp(line, key, kl) != 0 || line[kl] != '=')
            continue;
        for (size_t k = kl + 1; k < ll && o + 1 < size; k++) {
            int c = line[k];
            if (c == '%' && k + 2 < ll && hexval(line[k + 1]) >= 0 && hexval(line[k + 2]) >= 0) {
                c = hexval(line[k + 1]) << 4 | hexval(line[k + 2]);
                k += 2;
            } else if (c == '\r' && k + 1 == ll) {
                break;
            }
            out[o++] = c < 0x20 || c == 0x7f ? '?' : (char)c;
        }
        out[o] = '\0';
        return 1;
    }
    return 0;
}

int pt_recycle_describe_trashinfo(const uint8_t *b, size_t n, char *out, size_t size)
{
    char path[1600], when[64];

    if (n < 12 || memcmp(b, "[Trash Info]", 12) != 0 || !ini_value(b, n, "Path", path, sizeof path) || !path[0])
        return 0;
    if (!ini_value(b, n, "DeletionDate", when, sizeof when) || !when[0])
        snprintf(when, sizeof when, "an unknown time");
    snprintf(out, size, "deleted from %s at %s (the machine's local time)", path, when);
    return 1;
}
