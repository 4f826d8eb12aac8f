/* Unit tests for gpt.c: a backup GPT written here by the UEFI layout
 * (zlib's CRC-32), read with 512- and 4096-byte sectors; partitions sorted
 * by start, names from UTF-16 with hostile characters; each damage (header
 * CRC, entry CRC, misplaced header, absurd counts, extents past the disk)
 * refused or skipped with a reason; random bytes never read past the disk. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "gpt.h"
#include "testlib.h"

#define LBAS 2048u

static void seal(uint8_t *d, unsigned ss, uint32_t count, uint32_t esize)
{
    uint8_t *h = d + (size_t)(LBAS - 1) * ss;
    uint64_t elba = LBAS - 1 - (count * esize + ss - 1) / ss;

    t_put_le32(h + 88, (uint32_t)crc32(0L, d + elba * ss, count * esize));
    t_put_le32(h + 16, 0);
    t_put_le32(h + 16, (uint32_t)crc32(0L, h, 92));
}

/* A disk of LBAS sectors of ss bytes with a backup GPT only. */
static uint8_t *disk(unsigned ss)
{
    uint8_t *d = calloc(LBAS, ss), *h = d + (size_t)(LBAS - 1) * ss, *e;
    uint32_t count = 128, esize = 128;
    uint64_t elba = LBAS - 1 - (count * esize + ss - 1) / ss;

    memcpy(h, "EFI PART", 8);
    t_put_le32(h + 8, 0x10000);
    t_put_le32(h + 12, 92);
    t_put_le64(h + 24, LBAS - 1);
    t_put_le64(h + 32, 1);
    t_put_le64(h + 40, 34);
    t_put_le64(h + 48, elba - 1);
    memcpy(h + 56, "\x33\x22\x11\x00\x55\x44\x77\x66\x88\x99\xaa\xbb\xcc\xdd\xee\xff", 16);
    t_put_le64(h + 72, elba);
    t_put_le32(h + 80, count);
    t_put_le32(h + 84, esize);
    e = d + elba * ss;
    /* entry 1 starts after entry 3: the list comes out sorted */
    memcpy(e, "\xa2\xa0\xd0\xeb\xe5\xb9\x33\x44\x87\xc0\x68\xb6\xb7\x26\x99\xc7", 16);
    memset(e + 16, 1, 16);
    t_put_le64(e + 32, 600);
    t_put_le64(e + 40, 799);
    const char *nm = "Data\x01<x>";
    for (int i = 0; nm[i]; i++)
        e[56 + 2 * i] = (uint8_t)nm[i];
    e[56 + 2 * 8] = 0xe9; /* U+00E9 */
    e += 2 * esize;
    memcpy(e, "\xaf\x3d\xc6\x0f\x83\x84\x72\x47\x8e\x79\x3d\x69\xd8\x47\x7d\xe4", 16);
    t_put_le64(e + 32, 40);
    t_put_le64(e + 40, 599);
    seal(d, ss, count, esize);
    return d;
}

static void reads(void)
{
    for (unsigned ss = 512; ss <= 4096; ss *= 8) {
        uint8_t *d = disk(ss);
        pt_mem_t m = { d, (size_t)LBAS * ss };
        pt_gpt_t *g = malloc(sizeof *g);
        pt_err_t err = { 0, "" };
        T_CHECK(pt_gpt_read_backup(pt_read_mem, &m, m.n, g, &err) == PT_OK);
        T_CHECK(g->sector_size == ss && g->n == 2 && g->header_lba == LBAS - 1);
        T_STREQ(g->disk_guid, "00112233-4455-6677-8899-AABBCCDDEEFF");
        T_CHECK(g->part[0].first_lba == 40 && g->part[0].last_lba == 599 && g->part[0].index == 3);
        T_STREQ(g->part[0].type, "0FC63DAF-8483-4772-8E79-3D69D8477DE4");
        T_STREQ(g->part[0].name, "");
        T_CHECK(g->part[1].first_lba == 600 && g->part[1].index == 1);
        T_STREQ(g->part[1].type, "EBD0A0A2-B9E5-4433-87C0-68B6B72699C7");
        T_STREQ(g->part[1].name, "Data?<x>\xc3\xa9");
        /* the primary at LBA 1 is absent */
        char why[160];
        pt_gpt_primary_problem(pt_read_mem, &m, ss, why, sizeof why);
        T_STREQ(why, "no 'EFI PART' signature at LBA 1");
        /* the disk cut by a sector: the header is no longer in the last sector */
        pt_mem_t longer = { d, m.n - ss };
        T_CHECK(pt_gpt_read_backup(pt_read_mem, &longer, longer.n, g, &err) == PT_EFORMAT);
        free(g);
        free(d);
    }
}

static void damage(void)
{
    const unsigned ss = 512;
    pt_gpt_t *g = malloc(sizeof *g);
    struct { size_t off; uint32_t v; int reseal; const char *why; } t[] = {
        { 100, 7, 0, "header CRC-32 fails" },                        /* a byte the CRC covers: +100 is unused */
        { 16, 1, 0, "header CRC-32 fails" },
        { 24, 5, 1, "names itself at LBA 5" },
        { 80, 0x10000000, 1, "out of range" },                       /* entries */
        { 84, 100, 1, "out of range" },                              /* entry size not 128+ */
        { 12, 20, 1, "header size out of range" },
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        uint8_t *d = disk(ss), *h = d + (size_t)(LBAS - 1) * ss;
        pt_mem_t m = { d, (size_t)LBAS * ss };
        pt_err_t err = { 0, "" };
        if (t[i].off == 100)
            h[12] = 93; /* header size 93: byte 92 joins the CRC */
        else
            t_put_le32(h + t[i].off, t[i].v);
        if (t[i].reseal) {
            uint32_t hs = h[12] | h[13] << 8;
            t_put_le32(h + 16, 0);
            t_put_le32(h + 16, (uint32_t)crc32(0L, h, hs >= 92 && hs <= ss ? hs : 92));
        }
        T_CHECK(pt_gpt_read_backup(pt_read_mem, &m, m.n, g, &err) == PT_EFORMAT);
        T_CHECK(strstr(err.msg, t[i].why) != NULL);
        free(d);
    }
    /* an entry changed after sealing: the array's CRC fails */
    uint8_t *d = disk(ss);
    pt_mem_t m = { d, (size_t)LBAS * ss };
    pt_err_t err = { 0, "" };
    d[(LBAS - 33) * ss + 40] ^= 1;
    T_CHECK(pt_gpt_read_backup(pt_read_mem, &m, m.n, g, &err) == PT_EFORMAT);
    T_CHECK(strstr(err.msg, "entry array: CRC-32 fails") != NULL);
    /* an entry past the disk's end is skipped, sealed or not */
    d[(LBAS - 33) * ss + 40] ^= 1;
    t_put_le64(d + (LBAS - 33) * ss + 40, LBAS + 5);
    seal(d, ss, 128, 128);
    T_CHECK(pt_gpt_read_backup(pt_read_mem, &m, m.n, g, &err) == PT_OK && g->n == 1);
    free(d);
    /* random bytes, and every short disk, never read past the end */
    d = malloc((size_t)LBAS * ss);
    unsigned seed = 3;
    for (size_t i = 0; i < (size_t)LBAS * ss; i++) {
        seed = seed * 1103515245u + 12345u;
        d[i] = (uint8_t)(seed >> 16);
    }
    for (size_t len = 0; len < 5000; len += 499) {
        pt_mem_t r = { d, len };
        T_CHECK(pt_gpt_read_backup(pt_read_mem, &r, len, g, &err) == PT_EFORMAT);
    }
    free(d);
    free(g);
}

/* Types by name; the primary header read the same way when it is the one
 * in place (the backup's copy moved to LBA 1, naming itself there). */
static void types(void)
{
    pt_gpt_t *g = malloc(sizeof *g);
    pt_err_t err = { 0, "" };
    char d[200];

    T_STREQ(pt_gpt_type_name("E6D6D379-F507-44C2-A23C-238F2A3DF928"), "Linux LVM");
    T_STREQ(pt_gpt_type_name("E75CAF8F-F680-4CEE-AFA3-B001E56EFC2D"), "Windows Storage Spaces");
    T_CHECK(pt_gpt_type_name("01234567-89AB-CDEF-0123-456789ABCDEF") == NULL);
    uint8_t *disk512 = disk(512);
    pt_mem_t m = { disk512, (size_t)LBAS * 512 };
    T_CHECK(pt_gpt_read_backup(pt_read_mem, &m, m.n, g, &err) == PT_OK && g->n == 2);
    pt_gpt_describe(&g->part[0], d, sizeof d);
    T_STREQ(d, "Linux filesystem");
    pt_gpt_describe(&g->part[1], d, sizeof d);
    T_CHECK(strncmp(d, "Data", 4) == 0 && strstr(d, "(Microsoft basic data)") != NULL);
    /* no primary header at LBA 1: refused with the reason */
    T_CHECK(pt_gpt_read_primary(pt_read_mem, &m, m.n, 512, g, &err) == PT_EFORMAT &&
            strstr(err.msg, "primary GPT header (LBA 1") != NULL);
    memcpy(disk512 + 512, disk512 + (size_t)(LBAS - 1) * 512, 512);
    t_put_le64(disk512 + 512 + 24, 1);
    t_put_le32(disk512 + 512 + 16, 0);
    t_put_le32(disk512 + 512 + 16, (uint32_t)crc32(0L, disk512 + 512, 92));
    T_CHECK(pt_gpt_read_primary(pt_read_mem, &m, m.n, 512, g, &err) == PT_OK && g->n == 2 && g->header_lba == 1);
    free(disk512);
    free(g);
}

int main(void)
{
    T_RUN(reads);
    T_RUN(damage);
    T_RUN(types);
    return t_done();
}
