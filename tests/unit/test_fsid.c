/* Unit tests for fsid.c: each signature named, swap headers in both byte
 * orders and every page size, a hibernation image told from swap, labels
 * with hostile bytes shown as '?', and every prefix of each sample read
 * without overread (run under ASan by make check). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fsid.h"
#include "testlib.h"

#define SZ (20u << 20) /* past VMFS's descriptor at 19 MiB */

static uint8_t *vol(void)
{
    return calloc(1, SZ);
}

static const char *name(const uint8_t *d, size_t len, char *out, size_t n)
{
    return pt_fsid_name_buf(d, len, SZ, out, n);
}

/* every prefix length at the offsets that matter: never reads past it */
static void prefixes(const uint8_t *d, const char *want)
{
    static const size_t cut[] = { 0, 1, 10, 1023, 1024, 1030, 4095, 4096, 4120, 8191, 32768, 65535, 65600,
                                  0x100003, 0x1300003 };
    char out[1024];
    size_t i;

    for (i = 0; i < sizeof cut / sizeof cut[0]; i++) {
        uint8_t *copy = malloc(cut[i] ? cut[i] : 1);
        const char *got;
        memcpy(copy, d, cut[i]);
        got = pt_fsid_name_buf(copy, cut[i], SZ, out, sizeof out);
        T_CHECK(!got || strcmp(got, want) == 0);
        free(copy);
    }
}

static void swap_versions(void)
{
    static const unsigned pages[] = { 4096, 8192, 16384, 65536 };
    char out[1024];

    for (size_t i = 0; i < 4; i++) {
        for (int be = 0; be < 2; be++) {
            uint8_t *d = vol();
            memcpy(d + pages[i] - 10, "SWAPSPACE2", 10);
            if (be) {
                d[1027] = 1;
                d[1031] = 0xff; /* last_page 0xff */
            } else {
                t_put_le32(d + 1024, 1);
                t_put_le32(d + 1028, 2047);
            }
            memcpy(d + 1036, "\x11\x22\x33\x44\x55\x66\x77\x88\x99\xaa\xbb\xcc\xdd\xee\xff\x00", 16);
            memcpy(d + 1052, "my<swap>\x01'", 10);
            T_STREQ(name(d, SZ, out, sizeof out), "linux-swap");
            T_CHECK(strstr(out, be ? "256 pages, big-endian" : "2048 pages") != NULL);
            T_CHECK(strstr(out, "11223344-5566-7788-99aa-bbccddeeff00") != NULL);
            T_CHECK(strstr(out, "label 'my<swap>?" "?'") != NULL);
            char want[32];
            snprintf(want, sizeof want, "%u-byte pages", pages[i]);
            T_CHECK(strstr(out, want) != NULL);
            prefixes(d, "linux-swap");
            free(d);
        }
    }
    uint8_t *d = vol();
    memcpy(d + 4086, "SWAP-SPACE", 10);
    T_STREQ(name(d, SZ, out, sizeof out), "linux-swap");
    T_CHECK(strstr(out, "version 0") != NULL);
    memcpy(d + 4086, "S1SUSPEND\0", 10);
    t_put_le32(d + 1024, 1);
    T_STREQ(name(d, SZ, out, sizeof out), "linux-hibernation");
    T_CHECK(strstr(out, "hibernation image") != NULL);
    /* a signature at a page size it cannot have: not swap */
    memset(d + 4086, 0, 10);
    memcpy(d + 6000, "SWAPSPACE2", 10);
    T_CHECK(name(d, SZ, out, sizeof out) == NULL && out[0] == '\0');
    free(d);
}

static void others(void)
{
    static const struct { const char *want; size_t off; const char *sig; size_t len; } t[] = {
        { "refs", 3, "ReFS\0\0\0\0\0\0\0\0\0FSRS", 17 },
        { "squashfs", 0, "hsqs", 4 },
        { "squashfs", 0, "sqsh", 4 },
        { "cramfs", 0, "\x45\x3d\xcd\x28\0\0\0\0\0\0\0\0\0\0\0\0Compressed ROMFS", 32 },
        { "romfs", 0, "-rom1fs-", 8 },
        { "hfs", 1024, "BD", 2 },
        { "f2fs", 1024, "\x10\x20\xf5\xf2", 4 },
        { "erofs", 1024, "\xe2\xe1\xf5\xe0", 4 },
        { "nilfs2", 1024, "\x02\0\0\0\0\0\x34\x34", 8 },
        { "vxfs", 1024, "\xf5\xfc\x01\xa5", 4 },
        { "bcachefs", 4120, "\xc6\x85\x73\xf6\x66\xce\x90\xa9\xd9\x6a\x60\xcf\x80\x3d\xf7\xef", 16 },
        { "bcache", 4120, "\xc6\x85\x73\xf6\x4e\x1a\x45\xca\x82\x65\xf5\x7f\x48\xba\x6d\x81", 16 },
        { "ocfs2", 8192, "OCFSV2", 6 },
        { "jfs", 32768, "JFS1", 4 },
        { "reiserfs", 65536 + 52, "ReIsEr2Fs", 9 },
        { "gfs2", 65536, "\x01\x16\x19\x70\0\0\0\x01", 8 },
        { "vmfs", 0x100000, "\x0d\xd0\x01\xc0", 4 },
        { "vmfs", 0x1300000, "\x5e\xf1\xab\x2f", 4 },
    };
    char out[1024];

    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        uint8_t *d = vol();
        memcpy(d + t[i].off, t[i].sig, t[i].len);
        T_STREQ(name(d, SZ, out, sizeof out), t[i].want);
        T_CHECK(strlen(out) > 20);
        prefixes(d, t[i].want);
        free(d);
    }
    /* UDF: BEA01 then NSR03 in the recognition sequence */
    uint8_t *d = vol();
    memcpy(d + 32768 + 1, "BEA01", 5);
    memcpy(d + 32768 + 2048 + 1, "NSR03", 5);
    T_STREQ(name(d, SZ, out, sizeof out), "udf");
    /* HFS's name: a Pascal string whose length byte lies */
    memset(d, 0, SZ);
    memcpy(d + 1024, "BD", 2);
    d[1024 + 36] = 200;
    memset(d + 1024 + 37, 'A', 100);
    T_STREQ(name(d, SZ, out, sizeof out), "hfs");
    T_CHECK(strstr(out, "'AAAAAAAAAAAAAAAAAAAAAAAAAAA'") != NULL);
    /* an ext superblock libtsk did not open: bigalloc named as the reason */
    memset(d, 0, SZ);
    d[1024 + 56] = 0x53;
    d[1024 + 57] = 0xef;
    d[1024 + 24] = 2;            /* 4 KiB blocks */
    d[1024 + 28] = 6;            /* 64 KiB clusters */
    d[1024 + 96] = 0x40;         /* extents: ext4 */
    d[1024 + 101] = 0x02;        /* ro_compat bigalloc (0x200) */
    memcpy(d + 1024 + 120, "media", 5);
    T_STREQ(name(d, SZ, out, sizeof out), "ext");
    T_CHECK(strstr(out, "an ext4 filesystem 'media' with bigalloc (clusters of 16 blocks of 4096 bytes)") != NULL);
    d[1024 + 101] = 0;
    d[1024 + 96] = 0;
    d[1024 + 92] = 0x04;         /* has_journal: ext3 */
    T_STREQ(name(d, SZ, out, sizeof out), "ext");
    T_CHECK(strstr(out, "an ext3 superblock ('media'; features compat 0x4") != NULL &&
            strstr(out, "damaged superblock") != NULL);
    /* zeros, and random bytes, are nothing */
    memset(d, 0, SZ);
    T_CHECK(name(d, SZ, out, sizeof out) == NULL);
    unsigned seed = 7;
    for (size_t i = 0; i < SZ; i++) {
        seed = seed * 1103515245u + 12345u;
        d[i] = (uint8_t)(seed >> 16);
    }
    T_CHECK(name(d, SZ, out, sizeof out) == NULL);
    /* a volume smaller than the buffer: offsets past its size are not read */
    memset(d, 0, SZ);
    memcpy(d + 65536 + 52, "ReIsErFs", 8);
    T_CHECK(pt_fsid_name_buf(d, SZ, 65536, out, sizeof out) == NULL);
    free(d);
}

int main(void)
{
    T_RUN(swap_versions);
    T_RUN(others);
    return t_done();
}
