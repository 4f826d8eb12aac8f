/* Unit tests for recycle.c: $R to $I names, version 1 and 2 records, the
 * freedesktop trash's files/ to info/NAME.trashinfo and its percent-encoded
 * paths, and every cut and random damage of a record read without a
 * crash. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "recycle.h"
#include "testlib.h"

#define FT_2025 134100000000000000ULL /* 2025-12-12 08:00:00 UTC */

static size_t record(uint8_t *b, int version, const char *path, unsigned long long size)
{
    size_t n = strlen(path), at;

    memset(b, 0, 1200);
    t_put_le64(b, (unsigned long long)version);
    t_put_le64(b + 8, size);
    t_put_le64(b + 16, FT_2025);
    if (version == 2) {
        t_put_le32(b + 24, (unsigned long)n + 1);
        at = 28;
    } else {
        at = 24;
    }
    for (size_t i = 0; i < n; i++)
        b[at + 2 * i] = (uint8_t)path[i];
    return version == 1 ? 24 + 520 : at + 2 * (n + 1);
}

static void partner(void)
{
    char out[256];

    T_CHECK(pt_recycle_partner("/$Recycle.Bin/S-1-5-21-1-2-3-1001/$RAB12CD.docx", out, sizeof out));
    T_STREQ(out, "/$Recycle.Bin/S-1-5-21-1-2-3-1001/$IAB12CD.docx");
    T_CHECK(pt_recycle_partner("/$RECYCLE.BIN/S-1-5-18/$R0", out, sizeof out));
    T_STREQ(out, "/$RECYCLE.BIN/S-1-5-18/$I0");
    T_CHECK(!pt_recycle_partner("/$Recycle.Bin/S-1-5-18/$IAB.txt", out, sizeof out));   /* the record itself */
    T_CHECK(!pt_recycle_partner("/$Recycle.Bin/S-1-5-18/$RAB/inner.txt", out, sizeof out)); /* inside a folder */
    T_CHECK(!pt_recycle_partner("/$Recycle.Bin/$RAB.txt", out, sizeof out));
    T_CHECK(!pt_recycle_partner("/Users/a/$RAB.txt", out, sizeof out));
    T_CHECK(!pt_recycle_partner("/$Recycle.Bin/S-1-5-18/$R", out, sizeof out));
    T_CHECK(!pt_recycle_partner("/$Recycle.Bin/S-1-5-18/$RAB.txt", out, 10));
}

static void records(void)
{
    uint8_t b[1200];
    char out[2048];
    size_t n;

    n = record(b, 2, "C:\\Users\\alice\\report.docx", 1234);
    T_CHECK(pt_recycle_describe(b, n, out, sizeof out));
    T_STREQ(out, "deleted from C:\\Users\\alice\\report.docx at 2025-12-12 08:00:00 UTC (1234 bytes)");
    n = record(b, 1, "D:\\data\\x.txt", 7);
    T_CHECK(pt_recycle_describe(b, n, out, sizeof out));
    T_STREQ(out, "deleted from D:\\data\\x.txt at 2025-12-12 08:00:00 UTC (7 bytes)");
    n = record(b, 3, "C:\\x", 1);
    T_CHECK(!pt_recycle_describe(b, n, out, sizeof out));
    /* a version 2 length past the record's end */
    n = record(b, 2, "C:\\x", 1);
    t_put_le32(b + 24, 5000);
    T_CHECK(!pt_recycle_describe(b, n, out, sizeof out));
    /* every cut, and random damage: parsed or refused, never past the bytes */
    for (int v = 1; v <= 2; v++) {
        n = record(b, v, "C:\\Users\\bob\\Desktop\\notes.txt", 99);
        for (size_t cut = 0; cut < n; cut++) {
            uint8_t *c = malloc(cut ? cut : 1);
            memcpy(c, b, cut);
            (void)pt_recycle_describe(c, cut, out, sizeof out);
            free(c);
        }
    }
    uint32_t r = 3;
    for (int k = 0; k < 2000; k++) {
        n = record(b, 1 + k % 2, "C:\\Users\\bob\\Desktop\\notes.txt", 99);
        for (int j = 0; j < 4; j++) {
            r = r * 1103515245u + 12345u;
            b[(r >> 8) % n] = (uint8_t)(r >> 20);
        }
        uint8_t *c = malloc(n);
        memcpy(c, b, n);
        (void)pt_recycle_describe(c, n, out, sizeof out);
        free(c);
    }
}

static void trash(void)
{
    static const char info[] = "[Trash Info]\nPath=/home/alice/My%20Docs/r%C3%A9sum%C3%A9.odt\r\n"
                               "DeletionDate=2025-12-12T08:00:00\n";
    char out[2048];

    T_CHECK(pt_recycle_partner("/home/alice/.local/share/Trash/files/report.odt", out, sizeof out));
    T_STREQ(out, "/home/alice/.local/share/Trash/info/report.odt.trashinfo");
    T_CHECK(pt_recycle_partner("/.Trash-1000/files/x", out, sizeof out));
    T_STREQ(out, "/.Trash-1000/info/x.trashinfo");
    T_CHECK(!pt_recycle_partner("/home/alice/files/x", out, sizeof out));
    T_CHECK(!pt_recycle_partner("/home/alice/.local/share/Trash/files/", out, sizeof out));
    T_CHECK(!pt_recycle_partner("/home/alice/.local/share/Trash/info/x.trashinfo", out, sizeof out));
    T_CHECK(pt_recycle_describe_trashinfo((const uint8_t *)info, sizeof info - 1, out, sizeof out));
    T_STREQ(out, "deleted from /home/alice/My Docs/r\xc3\xa9sum\xc3\xa9.odt at 2025-12-12T08:00:00 (the machine's "
            "local time)");
    static const char nl[] = "[Trash Info]\nPath=/tmp/a%0Ab%2\n";
    T_CHECK(pt_recycle_describe_trashinfo((const uint8_t *)nl, sizeof nl - 1, out, sizeof out));
    T_STREQ(out, "deleted from /tmp/a?b%2 at an unknown time (the machine's local time)");
    T_CHECK(!pt_recycle_describe_trashinfo((const uint8_t *)"Path=/x\n", 8, out, sizeof out));
    T_CHECK(!pt_recycle_describe_trashinfo((const uint8_t *)"[Trash Info]\nPath=\n", 19, out, sizeof out));
    for (size_t cut = 0; cut < sizeof info - 1; cut++) {
        uint8_t *c = malloc(cut ? cut : 1);
        memcpy(c, info, cut);
        (void)pt_recycle_describe_trashinfo(c, cut, out, sizeof out);
        free(c);
    }
}

static void info2(void)
{
    static uint8_t b[20 + 3 * 800];
    char out[2048];
    const char *wide = "C:\\Documents and Settings\\alice\\My Documents\\q1.xls";

    memset(b, 0, sizeof b);
    t_put_le32(b, 5);
    t_put_le32(b + 12, 800);
    for (int r = 0; r < 3; r++) {
        uint8_t *rec = b + 20 + 800 * r;
        snprintf((char *)rec, 260, "C:\\OLD\\f%d.txt", r);
        t_put_le32(rec + 260, (unsigned long)(r + 1));
        t_put_le32(rec + 264, 2);
        t_put_le64(rec + 268, FT_2025);
        t_put_le32(rec + 276, 4096);
        if (r == 1)
            for (size_t i = 0; wide[i]; i++)
                rec[280 + 2 * i] = (uint8_t)wide[i];
    }
    T_CHECK(pt_recycle_describe_info2(b, sizeof b, 2, out, sizeof out));
    T_STREQ(out, "deleted from C:\\Documents and Settings\\alice\\My Documents\\q1.xls at 2025-12-12 08:00:00 UTC "
            "(4096 bytes)");
    T_CHECK(pt_recycle_describe_info2(b, sizeof b, 3, out, sizeof out));   /* no UTF-16 path: the ANSI one */
    T_STREQ(out, "deleted from C:\\OLD\\f2.txt at 2025-12-12 08:00:00 UTC (4096 bytes)");
    T_CHECK(!pt_recycle_describe_info2(b, sizeof b, 9, out, sizeof out));
    T_CHECK(!pt_recycle_describe_info2(b, 20 + 800 + 799, 2, out, sizeof out)); /* record cut */
    t_put_le32(b + 12, 123);
    T_CHECK(!pt_recycle_describe_info2(b, sizeof b, 1, out, sizeof out));
    T_CHECK(pt_recycle_info2_index("Dc12.doc") == 12 && pt_recycle_info2_index("DC3") == 3);
    T_CHECK(pt_recycle_info2_index("desktop.ini") == -1 && pt_recycle_info2_index("Dc.doc") == -1 &&
            pt_recycle_info2_index("INFO2") == -1);
    T_CHECK(pt_recycle_partner("/RECYCLER/S-1-5-21-1-2-3-1003/Dc1.xls", out, sizeof out));
    T_STREQ(out, "/RECYCLER/S-1-5-21-1-2-3-1003/INFO2");
    T_CHECK(pt_recycle_partner("/RECYCLED/Dc2.txt", out, sizeof out));
    T_STREQ(out, "/RECYCLED/INFO2");
    T_CHECK(!pt_recycle_partner("/RECYCLER/S-1-5-21-1-2-3-1003/desktop.ini", out, sizeof out));
    T_CHECK(!pt_recycle_partner("/RECYCLER/S-1/Dc1/inner.txt", out, sizeof out));
}

int main(void)
{
    T_RUN(partner);
    T_RUN(info2);
    T_RUN(records);
    T_RUN(trash);
    return t_done();
}
