/* Unit tests for mdraid.c: version-1 md superblocks at their three places,
 * the kernel's checksum, and damage (bad checksum, misplaced superblock,
 * data past the member's end, random bytes) refused without overreads. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mdraid.h"
#include "testlib.h"


/* calc_sb_1_csum, written out again from the kernel's definition */
static void seal(uint8_t *sb, uint32_t max_dev)
{
    uint64_t sum = 0;
    size_t size = 256 + (size_t)max_dev * 2, i;

    t_put_le32(sb + 216, 0);
    for (i = 0; i + 4 <= size; i += 4)
        sum += (uint32_t)sb[i] | (uint32_t)sb[i + 1] << 8 | (uint32_t)sb[i + 2] << 16 | (uint32_t)sb[i + 3] << 24;
    if (size - i == 2)
        sum += (uint32_t)sb[i] | (uint32_t)sb[i + 1] << 8;
    t_put_le32(sb + 216, (uint32_t)((sum & 0xffffffffu) + (sum >> 32)));
}

/* A member of size bytes with a superblock 1.minor of a level-`level` array. */
static uint8_t *member(size_t size, int minor, int32_t level, uint64_t data_sectors, uint32_t max_dev)
{
    uint8_t *d = calloc(1, size), *sb;
    uint64_t at = minor == 0 ? ((size - 8192) & ~(uint64_t)4095) : minor == 1 ? 0 : 4096;

    sb = d + at;
    t_put_le32(sb, 0xa92b4efc);
    t_put_le32(sb + 4, 1);
    memcpy(sb + 32, "srv:0\x01", 6); /* a control byte in the name is shown as '?' */
    t_put_le32(sb + 72, (uint32_t)level);
    t_put_le32(sb + 92, 2);
    t_put_le64(sb + 128, minor == 0 ? 0 : 2048);
    t_put_le64(sb + 136, data_sectors);
    t_put_le64(sb + 144, at / 512);
    t_put_le32(sb + 160, 1);                 /* dev_number */
    t_put_le32(sb + 220, max_dev);
    sb[256 + 2] = 1;                    /* dev_roles[1] = 1 */
    seal(sb, max_dev);
    return d;
}

static void versions(void)
{
    for (int minor = 0; minor <= 2; minor++) {
        size_t size = 4 << 20;
        uint8_t *d = member(size, minor, 1, 2048, 3); /* max_dev odd: the 2-byte tail is summed */
        pt_mem_t m = { d, size };
        pt_md_info_t md;
        pt_err_t err = { 0, "" };
        char desc[200];

        T_CHECK(pt_md_read(pt_read_mem, &m, size, &md, &err) == PT_OK);
        T_CHECK(md.minor == minor && md.level == 1 && md.raid_disks == 2 && md.role == 1);
        T_CHECK(md.data_offset == (minor == 0 ? 0 : 1048576) && md.data_size == 1048576);
        T_STREQ(md.name, "srv:0?");
        pt_md_describe(&md, desc, sizeof desc);
        T_CHECK(strstr(desc, "RAID 1 member (md superblock 1.") == desc && strstr(desc, "slot 1 of 2"));
        free(d);
    }
}

static void damage(void)
{
    size_t size = 4 << 20;
    uint8_t *d = member(size, 2, 5, 2048, 2);
    pt_mem_t m = { d, size };
    pt_md_info_t md;
    pt_err_t err = { 0, "" };

    d[4096 + 40] ^= 1; /* a byte of the name: the checksum no longer matches */
    T_CHECK(pt_md_read(pt_read_mem, &m, size, &md, &err) == PT_EFORMAT && strstr(err.msg, "checksum"));
    free(d);

    d = member(size, 2, 1, 1 << 20, 2); /* 512 MiB of data on a 4 MiB member */
    m.p = d;
    T_CHECK(pt_md_read(pt_read_mem, &m, size, &md, &err) == PT_EFORMAT && strstr(err.msg, "truncated"));
    t_put_le64(d + 4096 + 144, 16); /* says it is at sector 16 */
    seal(d + 4096, 2);
    T_CHECK(pt_md_read(pt_read_mem, &m, size, &md, &err) == PT_EFORMAT && strstr(err.msg, "not where"));
    t_put_le64(d + 4096 + 144, 8);
    t_put_le32(d + 4096 + 220, 0xffffffffu); /* max_dev */
    T_CHECK(pt_md_read(pt_read_mem, &m, size, &md, &err) == PT_EFORMAT && strstr(err.msg, "devices"));
    free(d);

    m.n = 100; /* shorter than any superblock */
    T_CHECK(pt_md_read(pt_read_mem, &m, 100, &md, &err) == PT_EFORMAT);
}

/* random bytes over a valid superblock, magic kept: refused or parsed,
 * never read outside the buffer (valgrind/ASan would say) */
static void random_bytes(void)
{
    size_t size = 1 << 20;
    uint8_t *d = member(size, 2, 1, 1024, 4);
    pt_mem_t m = { d, size };
    unsigned seed = 1;
    int parsed = 0;

    for (int k = 0; k < 20000; k++) {
        uint8_t *sb = d + 4096;
        pt_md_info_t md;
        pt_err_t err = { 0, "" };
        for (int j = 0; j < 4; j++) {
            seed = seed * 1103515245u + 12345u;
            sb[8 + (seed >> 8) % 4088] = (uint8_t)(seed >> 24);
        }
        if (k % 2)
            seal(sb, (uint32_t)(sb[220] | sb[221] << 8) % 1900);
        if (pt_md_read(pt_read_mem, &m, size, &md, &err) == PT_OK) {
            parsed++;
            T_CHECK(md.data_offset <= size && md.data_size <= size - md.data_offset);
        }
    }
    free(d);
}

int main(void)
{
    T_RUN(versions);
    T_RUN(damage);
    T_RUN(random_bytes);
    return t_done();
}
