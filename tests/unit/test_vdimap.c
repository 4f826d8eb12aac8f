/* Unit tests for vdimap.c: block states of a VDI 1.1 image written here
 * after VirtualBox's VDICore.h (stored, never written, zeroed, past the
 * end of the file), the header checks that refuse an image, and random
 * damage without an overread (the e2e test compares whole disks written by
 * qemu with the raw disk). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "testlib.h"
#include "vdimap.h"

#define BLOCK 4096
#define NBLOCKS 4
#define DATA 0x400
#define FILE_SIZE (DATA + 2 * BLOCK) /* two blocks stored */

static uint8_t *image(void)
{
    uint8_t *d = calloc(1, FILE_SIZE);

    memcpy(d, "<<< Oracle VM VirtualBox Disk Image >>>\n", 40);
    t_put_le32(d + 0x40, 0xbeda107fu);
    t_put_le32(d + 0x44, 0x00010001u);
    t_put_le32(d + 0x48, 0x190);
    t_put_le32(d + 0x4c, 1);                  /* dynamic */
    t_put_le32(d + 0x154, 0x200);             /* block map */
    t_put_le32(d + 0x158, DATA);
    t_put_le64(d + 0x170, (uint64_t)NBLOCKS * BLOCK);
    t_put_le32(d + 0x178, BLOCK);
    t_put_le32(d + 0x180, NBLOCKS);
    t_put_le32(d + 0x184, 2);
    t_put_le32(d + 0x200, 1);                 /* block 0: data block 1 */
    t_put_le32(d + 0x204, 0xffffffffu);       /* block 1: never written */
    t_put_le32(d + 0x208, 0);                 /* block 2: data block 0 */
    t_put_le32(d + 0x20c, 0xfffffffeu);       /* block 3: zeroed */
    return d;
}

static int open_mem(uint8_t *d, size_t n, pt_vdimap_t **m, char *desc, pt_err_t *err)
{
    pt_mem_t mem = { d, n };
    return pt_vdimap_open(pt_read_mem, &mem, n, m, desc, 200, err);
}

static void states(void)
{
    uint8_t *d = image();
    pt_vdimap_t *m = NULL;
    pt_err_t err = { 0, "" };
    uint64_t run = 0, host = 0;
    char desc[200];

    T_CHECK(pt_vdimap_is_vdi(d, FILE_SIZE));
    T_CHECK(open_mem(d, FILE_SIZE, &m, desc, &err) == PT_OK && m);
    T_CHECK(strstr(desc, "Oracle VM VirtualBox Disk Image), dynamic") && strstr(desc, "2 of 4 blocks"));
    T_CHECK(pt_vdimap_disk_size(m) == NBLOCKS * BLOCK);
    T_CHECK(pt_vdimap_state(m, 100, &run, &host, &err) == PT_MAP_DATA && run == BLOCK - 100 &&
            host == DATA + BLOCK + 100);
    T_CHECK(pt_vdimap_state(m, BLOCK, &run, &host, &err) == PT_MAP_ZERO && run == BLOCK && host == UINT64_MAX);
    T_CHECK(pt_vdimap_state(m, 2 * BLOCK + 1, &run, &host, &err) == PT_MAP_DATA && host == DATA + 1);
    T_CHECK(pt_vdimap_state(m, 3 * BLOCK, &run, &host, &err) == PT_MAP_ZERO);
    pt_vdimap_free(m);
    /* cut the file inside block 0's data (data block 1): that block is an
     * error, the other stored block is still read */
    T_CHECK(open_mem(d, FILE_SIZE - 10, &m, NULL, &err) == PT_OK);
    T_CHECK(pt_vdimap_state(m, 0, &run, &host, &err) == -1 && strstr(err.msg, "past the end"));
    T_CHECK(pt_vdimap_state(m, 2 * BLOCK, &run, &host, &err) == PT_MAP_DATA);
    pt_vdimap_free(m);
    free(d);
}

/* A snapshot: never-written blocks are the parent's, zeroed ones zeros;
 * the parent is named by its creation UUID (a little-endian GUID). */
static void differencing(void)
{
    uint8_t *d = image();
    pt_vdimap_t *m = NULL;
    pt_err_t err = { 0, "" };
    uint64_t run = 0, host = 0;
    char desc[200], id[40];
    pt_mem_t mem = { d, FILE_SIZE };

    t_put_le32(d + 0x4c, 4);
    memcpy(d + 0x188, "\x01\x00\x00\x00\x02\x00\x03\x00\x04\x05\x06\x07\x08\x09\x0a\x0b", 16);
    memcpy(d + 0x1a8, "\x33\x22\x11\x00\x55\x44\x77\x66\x88\x99\xaa\xbb\xcc\xdd\xee\xff", 16);
    T_CHECK(open_mem(d, FILE_SIZE, &m, desc, &err) == PT_OK && m);
    T_STREQ(pt_vdimap_parent(m), "{00112233-4455-6677-8899-aabbccddeeff}");
    T_STREQ(pt_vdimap_uuid(m), "{00000001-0002-0003-0405-060708090a0b}");
    T_CHECK(strstr(desc, "differencing over the disk {00112233-") != NULL);
    T_CHECK(pt_vdimap_state(m, BLOCK, &run, &host, &err) == PT_MAP_PARENT);
    T_CHECK(pt_vdimap_state(m, 3 * BLOCK, &run, &host, &err) == PT_MAP_ZERO);
    T_CHECK(pt_vdimap_state(m, 0, &run, &host, &err) == PT_MAP_DATA);
    T_CHECK(pt_vdimap_read_uuid(pt_read_mem, &mem, FILE_SIZE, id) && strcmp(id, pt_vdimap_uuid(m)) == 0);
    pt_vdimap_free(m);
    free(d);
}

static void refused(void)
{
    uint8_t *d = image();
    pt_vdimap_t *m = NULL;
    pt_err_t err = { 0, "" };

    t_put_le32(d + 0x4c, 3); /* undo: not written since VirtualBox 1 */
    T_CHECK(open_mem(d, FILE_SIZE, &m, NULL, &err) == PT_EFORMAT && !m && strstr(err.msg, "type 3"));
    t_put_le32(d + 0x4c, 1);
    t_put_le32(d + 0x44, 0x00010000u); /* version 1.0 */
    T_CHECK(open_mem(d, FILE_SIZE, &m, NULL, &err) == PT_EFORMAT && strstr(err.msg, "version 1.0"));
    t_put_le32(d + 0x44, 0x00010001u);
    t_put_le32(d + 0x178, 3000); /* not a power of two */
    T_CHECK(open_mem(d, FILE_SIZE, &m, NULL, &err) == PT_EFORMAT && strstr(err.msg, "header damaged"));
    t_put_le32(d + 0x178, BLOCK);
    t_put_le32(d + 0x208, 7); /* a data block beyond the count */
    T_CHECK(open_mem(d, FILE_SIZE, &m, NULL, &err) == PT_EFORMAT && strstr(err.msg, "block 2 points to"));
    t_put_le32(d + 0x208, 0);
    t_put_le32(d + 0x154, FILE_SIZE - 8); /* the map runs past the end */
    T_CHECK(open_mem(d, FILE_SIZE, &m, NULL, &err) == PT_EFORMAT);
    T_CHECK(!pt_vdimap_is_vdi((const uint8_t *)"<<< not a disk >>>", 18));
    free(d);
}

static void random_damage(void)
{
    uint8_t *d = image(), *c = malloc(FILE_SIZE);
    uint32_t x = 12345;
    int trial, i;

    for (trial = 0; trial < 2000; trial++) {
        pt_vdimap_t *m = NULL;
        pt_err_t err = { 0, "" };
        memcpy(c, d, FILE_SIZE);
        for (i = 0; i < 4; i++) {
            x = x * 1103515245u + 12345u;
            c[0x44 + (x >> 8) % (0x210 - 0x44)] = (uint8_t)(x >> 3);
        }
        if (open_mem(c, FILE_SIZE, &m, NULL, &err) == PT_OK) {
            uint64_t off, run, host;
            for (off = 0; off < pt_vdimap_disk_size(m) && off < (1u << 20); off += 1024) {
                int st = pt_vdimap_state(m, off, &run, &host, &err);
                T_CHECK(st == -1 || st == PT_MAP_ZERO || (st == PT_MAP_DATA && host < FILE_SIZE));
            }
            pt_vdimap_free(m);
        }
    }
    free(c);
    free(d);
}

int main(void)
{
    T_RUN(states);
    T_RUN(differencing);
    T_RUN(refused);
    T_RUN(random_damage);
    return t_done();
}
