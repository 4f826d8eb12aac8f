/* Unit tests for simgmap.c on sparse images built here by hand: raw, fill,
 * don't-care and CRC32 chunks read back across chunk boundaries as
 * simg2img would expand them; a short image, a damaged chunk header and
 * blocks that overrun the disk refused with the reason. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "simgmap.h"
#include "reader.h"
#include "testlib.h"

#define BLK 1024u

static void t_put_le16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static uint8_t img[64 * 1024];
static uint8_t disk[16 * BLK]; /* what the image expands to */

static size_t chunk(size_t at, unsigned type, unsigned blocks, const void *data, size_t dlen)
{
    t_put_le16(img + at, type);
    t_put_le16(img + at + 2, 0);
    t_put_le32(img + at + 4, blocks);
    t_put_le32(img + at + 8, (unsigned long)(12 + dlen));
    if (dlen) /* a don't-care chunk has no data (and data is NULL) */
        memcpy(img + at + 12, data, dlen);
    return at + 12 + dlen;
}

/* 16 blocks: 3 raw, 2 fill 0xdeadbeef, a CRC32 chunk, 4 don't care, 5 raw;
 * the last block given by no chunk (zeros). */
static size_t build(void)
{
    static const uint8_t fill[4] = { 0xef, 0xbe, 0xad, 0xde }, crc[4] = { 1, 2, 3, 4 };
    size_t at, i;

    memset(img, 0, sizeof img);
    memset(disk, 0, sizeof disk);
    for (i = 0; i < 3 * BLK; i++)
        disk[i] = (uint8_t)(i * 7 + 1);
    for (i = 3 * BLK; i < 5 * BLK; i++)
        disk[i] = fill[i % 4];
    for (i = 9 * BLK; i < 14 * BLK; i++)
        disk[i] = (uint8_t)(i * 13 + 5);
    t_put_le32(img, 0xed26ff3aul);
    t_put_le16(img + 4, 1);
    t_put_le16(img + 6, 0);
    t_put_le16(img + 8, 28);
    t_put_le16(img + 10, 12);
    t_put_le32(img + 12, BLK);
    t_put_le32(img + 16, 16);
    t_put_le32(img + 20, 5);
    at = chunk(28, 0xcac1, 3, disk, 3 * BLK);
    at = chunk(at, 0xcac2, 2, fill, 4);
    at = chunk(at, 0xcac4, 0, crc, 4);
    at = chunk(at, 0xcac3, 4, NULL, 0);
    return chunk(at, 0xcac1, 5, disk + 9 * BLK, 5 * BLK);
}

static void reads(void)
{
    size_t n = build(), off, len;
    pt_mem_t m = { img, n };
    pt_simgmap_t *s = NULL;
    pt_err_t e = { 0, "" };
    char desc[300];
    uint8_t buf[16 * BLK];

    T_CHECK(pt_simgmap_is_simg(img, n));
    T_CHECK(pt_simgmap_open(pt_read_mem, &m, n, &s, desc, sizeof desc, &e) == PT_OK);
    if (!s)
        return;
    T_CHECK(pt_simgmap_disk_size(s) == 16 * BLK);
    T_CHECK(strstr(desc, "5 chunks: 2 raw, 1 fill, 1 never written") != NULL);
    T_CHECK(strstr(desc, "CRC32") != NULL && strstr(desc, "the rest reads as zeros") != NULL);
    T_CHECK(pt_simgmap_read(s, 0, buf, sizeof buf, &e) == (ssize_t)sizeof buf && memcmp(buf, disk, sizeof buf) == 0);
    /* every window of odd offsets and lengths, across chunk boundaries */
    for (off = 1; off < 16 * BLK; off += 777)
        for (len = 1; off + len <= 16 * BLK; len += 1531) {
            memset(buf, 0x55, len);
            T_CHECK(pt_simgmap_read(s, off, buf, len, &e) == (ssize_t)len && memcmp(buf, disk + off, len) == 0);
        }
    T_CHECK(pt_simgmap_read(s, 16 * BLK, buf, 10, &e) == 0);
    pt_simgmap_free(s);
}

static void refuse(size_t n, const char *why)
{
    pt_mem_t m = { img, n };
    pt_simgmap_t *s = NULL;
    pt_err_t e = { 0, "" };

    T_CHECK(pt_simgmap_open(pt_read_mem, &m, n, &s, NULL, 0, &e) == PT_EFORMAT && s == NULL);
    T_HAS(e.msg, why);
}

static void damage(void)
{
    size_t n = build();

    refuse(n - 100, "past the file's end");
    refuse(40, "5 chunks in a file of 40 bytes");
    build();
    t_put_le16(img + 4, 2);
    refuse(n, "version 2.0");
    build();
    t_put_le16(img + 28, 0xcac9);
    refuse(n, "type 0xcac9");
    build();
    t_put_le32(img + 16, 10); /* the chunks give more blocks than the disk has */
    refuse(n, "runs past the disk's 10 blocks");
    build();
    t_put_le32(img + 12, 1022); /* not a multiple of 4 */
    refuse(n, "implausible");
    build();
    t_put_le32(img + 20, 0x7fffffff);
    refuse(n, "implausible");
    build();
    t_put_le32(img + 28 + 8, 12 + 3 * BLK + 1); /* the raw chunk's size disagrees with its blocks */
    refuse(n, "chunk 1");
}

int main(void)
{
    T_RUN(reads);
    T_RUN(damage);
    return t_done();
}
