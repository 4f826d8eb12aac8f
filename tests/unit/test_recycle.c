/* Unit tests for recycle.c: $R to $I names, version 1 and 2 records, and
 * every cut and random damage of a record read without a crash. */
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

int main(void)
{
    T_RUN(partner);
    T_RUN(records);
    return t_done();
}
