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

int pt_recycle_partner(const char *path, char *out, size_t size)
{
    const char *bin = NULL, *p, *last = strrchr(path, '/');
    size_t len;

    /* a bin's name on NTFS is $Recycle.Bin; on FAT and exFAT, $RECYCLE.BIN */
    for (p = path; (p = strchr(p, '/')) != NULL; p++)
        if (strncasecmp(p, "/$Recycle.Bin/", 14) == 0)
            bin = p;
    if (!bin || !last || last < bin + 14 || strncmp(last, "/$R", 3) != 0 || last[3] == '\0')
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
