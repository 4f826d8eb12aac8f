/* osinfo.c - os-release parsing (freedesktop.org's format: KEY=value lines,
 * values optionally quoted) and the Windows product name through libhivex,
 * the one adapter for its calls (0/NULL on failure). */
#include "osinfo.h"

#include <hivex.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plist.h"

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

int pt_osinfo_parse_macos(const char *text, size_t len, char *out, size_t size)
{
    char name[128], version[64], build[64];

    out[0] = '\0';
    if (!pt_plist_string((const uint8_t *)text, len, "ProductName", name, sizeof name))
        return 0;
    pt_plist_string((const uint8_t *)text, len, "ProductVersion", version, sizeof version);
    pt_plist_string((const uint8_t *)text, len, "ProductBuildVersion", build, sizeof build);
    snprintf(out, size, "%s%s%s%s%s%s", name, version[0] ? " " : "", version, build[0] ? " (build " : "", build,
             build[0] ? ")" : "");
    return 1;
}

/* The hive in fd (libhivex opens files by name: /proc/self/fd/N) and the
 * key at path under its root (0 when absent). */
static hive_h *hive_at(int fd, const char *const *path, size_t n, hive_node_h *node)
{
    char name[64];
    hive_h *h;
    size_t i;

    snprintf(name, sizeof name, "/proc/self/fd/%d", fd);
    *node = 0;
    if (!(h = hivex_open(name, 0)))
        return NULL;
    *node = hivex_root(h);
    for (i = 0; *node && i < n; i++)
        *node = hivex_node_get_child(h, *node, path[i]);
    return h;
}

int pt_osinfo_windows(int fd, char *out, size_t size)
{
    static const char *const path[] = { "Microsoft", "Windows NT", "CurrentVersion" };
    hive_h *h;
    hive_node_h node;
    hive_value_h v;
    char *product = NULL, *build = NULL;
    size_t i;

    out[0] = '\0';
    if (!(h = hive_at(fd, path, sizeof path / sizeof path[0], &node)))
        return 0;
    if (node && (v = hivex_node_get_value(h, node, "ProductName")) != 0)
        product = hivex_value_string(h, v);
    if (node && (v = hivex_node_get_value(h, node, "CurrentBuild")) != 0)
        build = hivex_value_string(h, v);
    if (product && *product) {
        if (build && *build)
            snprintf(out, size, "%s (build %s)", product, build);
        else
            snprintf(out, size, "%s", product);
        for (i = 0; out[i]; i++) /* one line of text from a suspect's hive */
            if ((unsigned char)out[i] < 0x20)
                out[i] = ' ';
    }
    free(product);
    free(build);
    hivex_close(h);
    return out[0] != '\0';
}

/* "name" made one line of text (a suspect's hive). */
static void one_line(char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == '\t')
            *s = ' ';
}

size_t pt_osinfo_windows_profiles(int fd, char **text, size_t *len)
{
    static const char *const path[] = { "Microsoft", "Windows NT", "CurrentVersion", "ProfileList" };
    hive_h *h;
    hive_node_h node, *kids = NULL;
    size_t i, n = 0;

    if (!(h = hive_at(fd, path, sizeof path / sizeof path[0], &node)))
        return 0;
    if (node)
        kids = hivex_node_children(h, node);
    for (i = 0; kids && kids[i] && i < 10000; i++) {
        char *sid = hivex_node_name(h, kids[i]), *img = NULL, *base, *grown;
        hive_value_h v = hivex_node_get_value(h, kids[i], "ProfileImagePath");
        if (v)
            img = hivex_value_string(h, v);
        if (sid && img) {
            base = strrchr(img, '\\') ? strrchr(img, '\\') + 1 : img;
            one_line(base);
            one_line(sid);
            if (*base && (grown = realloc(*text, *len + strlen(sid) + strlen(base) + 3)) != NULL) {
                *text = grown;
                *len += (size_t)sprintf(grown + *len, "%s\t%s\n", sid, base);
                n++;
            }
        }
        free(sid);
        free(img);
    }
    free(kids);
    hivex_close(h);
    return n;
}

size_t pt_osinfo_windows_sam(int fd, char **text, size_t *len)
{
    static const char *const path[] = { "SAM", "Domains", "Account" };
    char domain[80];
    hive_h *h;
    hive_node_h node, names = 0, *kids = NULL;
    hive_value_h v;
    hive_type t;
    size_t i, n = 0, vlen = 0;
    char *vbuf = NULL;

    if (!(h = hive_at(fd, path, sizeof path / sizeof path[0], &node)))
        return 0;
    /* the machine SID, S-1-5-21-a-b-c, ends the V value (24 bytes) */
    if (node && (v = hivex_node_get_value(h, node, "V")) != 0)
        vbuf = hivex_value_value(h, v, &t, &vlen);
    if (vbuf && vlen >= 24) {
        const uint8_t *d = (const uint8_t *)vbuf + vlen - 24;
        static const uint8_t head[12] = { 1, 4, 0, 0, 0, 0, 0, 5, 21, 0, 0, 0 };
        if (memcmp(d, head, sizeof head) == 0) {
            uint32_t a[3];
            for (int k = 0; k < 3; k++)
                a[k] = (uint32_t)d[12 + 4 * k] | (uint32_t)d[13 + 4 * k] << 8 | (uint32_t)d[14 + 4 * k] << 16 |
                       (uint32_t)d[15 + 4 * k] << 24;
            snprintf(domain, sizeof domain, "S-1-5-21-%u-%u-%u", a[0], a[1], a[2]);
            if ((names = hivex_node_get_child(h, node, "Users")) != 0)
                names = hivex_node_get_child(h, names, "Names");
        }
    }
    free(vbuf);
    if (names)
        kids = hivex_node_children(h, names);
    for (i = 0; kids && kids[i] && i < 10000; i++) {
        char *user = hivex_node_name(h, kids[i]), *grown;
        size_t dl = 0;
        hive_type rid = 0;
        v = hivex_node_get_value(h, kids[i], ""); /* the default value: its type is the RID */
        if (user && v && hivex_value_type(h, v, &rid, &dl) == 0 && rid > 0 && *user &&
            (grown = realloc(*text, *len + strlen(domain) + strlen(user) + 16)) != NULL) {
            one_line(user);
            *text = grown;
            *len += (size_t)sprintf(grown + *len, "%s-%u\t%s\n", domain, (unsigned)rid, user);
            n++;
        }
        free(user);
    }
    free(kids);
    hivex_close(h);
    return n;
}
