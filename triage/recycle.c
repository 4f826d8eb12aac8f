/* recycle.c - $I records of the Windows recycle bin. */
#include "recycle.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "bytes.h"
#include "text.h"

#define FILETIME_UNIX 116444736000000000ULL

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

long pt_recycle_info2_index(const char *name)
{
    long v = 0;
    int digits = 0;

    if ((name[0] != 'D' && name[0] != 'd') || !((name[1] >= 'a' && name[1] <= 'z') || (name[1] >= 'A' && name[1] <= 'Z')))
        return -1;
    for (name += 2; *name >= '0' && *name <= '9' && digits < 9; name++, digits++)
        v = v * 10 + (*name - '0');
    return digits && (*name == '.' || *name == '\0') ? v : -1;
}

/* "/RECYCLER/S-1-5-.../Dc12.doc" or "/RECYCLED/Dc12.doc": the INFO2 beside it. */
static int info2_partner(const char *path, char *out, size_t size)
{
    const char *last = strrchr(path, '/'), *p, *bin = NULL;

    for (p = path; (p = strchr(p, '/')) != NULL; p++)
        if (strncasecmp(p, "/RECYCLER/", 10) == 0 || strncasecmp(p, "/RECYCLED/", 10) == 0)
            bin = p;
    if (!bin || !last || pt_recycle_info2_index(last + 1) < 0)
        return 0;
    /* directly in the bin (9x) or in its SID folder (NT) */
    p = strchr(bin + 10, '/');
    if (p && p != last)
        return 0;
    return (size_t)snprintf(out, size, "%.*s/INFO2", (int)(last - path), path) < size;
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
        return trash_partner(path, out, size) || info2_partner(path, out, size);
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

/* "deleted from PATH at TIME UTC (N bytes)"; ft a FILETIME (0: unknown). */
static void deleted(const char *path, uint64_t ft, uint64_t bytes, char *out, size_t size)
{
    char when[64] = "at an unknown time";

    if (ft > FILETIME_UNIX) {
        time_t t = (time_t)((ft - FILETIME_UNIX) / 10000000ULL);
        struct tm tm;
        if (gmtime_r(&t, &tm))
            strftime(when, sizeof when, "at %Y-%m-%d %H:%M:%S UTC", &tm);
    }
    snprintf(out, size, "deleted from %s %s (%llu bytes)", path, when, (unsigned long long)bytes);
}

int pt_recycle_describe(const uint8_t *b, size_t n, char *out, size_t size)
{
    uint64_t version, bytes, ft, chars;
    const uint8_t *name;
    char path[1600];

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
    deleted(path, ft, bytes, out, size);
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

int pt_recycle_describe_info2(const uint8_t *b, size_t n, long index, char *out, size_t size)
{
    uint32_t recsize;
    size_t off;
    char path[1600];

    if (n < 20 || index < 0)
        return 0;
    recsize = (uint32_t)(b[12] | b[13] << 8 | b[14] << 16 | (uint32_t)b[15] << 24);
    if (recsize != 800 && recsize != 280)
        return 0;
    for (off = 20; off + recsize <= n; off += recsize) {
        const uint8_t *r = b + off;
        uint32_t idx = (uint32_t)(r[260] | r[261] << 8 | r[262] << 16 | (uint32_t)r[263] << 24);
        uint32_t bytes = (uint32_t)(r[276] | r[277] << 8 | r[278] << 16 | (uint32_t)r[279] << 24);
        size_t k;
        if ((long)idx != index)
            continue;
        /* the UTF-16 path; else the ANSI one, whose code page is unknown
         * here, so bytes past ASCII are '?' */
        if (!(recsize == 800 && pt_text_utf16_to_utf8(r + 280, 520, 0, path, sizeof path) > 0)) {
            for (k = 0; k < 260 && r[k] && k + 1 < sizeof path; k++)
                path[k] = r[k] >= 0x20 && r[k] < 0x7f ? (char)r[k] : '?';
            path[k] = '\0';
            if (!k)
                return 0;
        }
        deleted(path, le64(r + 268), bytes, out, size);
        return 1;
    }
    return 0;
}
