/* Unit tests for btrfs.c on the image the Linux kernel wrote
 * (tests/fixtures/btrfs-kernel.img.xz, made by mkbtrfs-kernel.sh): files
 * of both subvolumes read through zstd, zlib and LZO extents, inline,
 * sparse and preallocated ones, each equal to what the kernel read back
 * (btrfs-kernel.sums); a damaged superblock (magic, checksum, sizes, the
 * system chunk array) refused with the reason; an inode that is not there
 * named.  Run from the repository's root. */
#include <lzma.h>
#include <openssl/evp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "btrfs.h"
#include "crc32c.h"
#include "testlib.h"

#define FIX "tests/fixtures/btrfs-kernel"
#define SB 65536u

static uint8_t *img;
static size_t img_len;

static int load(void)
{
    FILE *f = fopen(FIX ".img.xz", "rb");
    lzma_stream z = LZMA_STREAM_INIT;
    uint8_t in[65536];
    size_t cap = 160u << 20;
    lzma_ret r = LZMA_OK;

    if (!f || !(img = malloc(cap)) || lzma_stream_decoder(&z, UINT64_MAX, 0) != LZMA_OK) {
        if (f)
            fclose(f);
        return 0;
    }
    z.next_out = img;
    z.avail_out = cap;
    while (r == LZMA_OK) {
        if (z.avail_in == 0) {
            z.next_in = in;
            z.avail_in = fread(in, 1, sizeof in, f);
        }
        r = lzma_code(&z, z.avail_in ? LZMA_RUN : LZMA_FINISH);
    }
    img_len = cap - z.avail_out;
    lzma_end(&z);
    fclose(f);
    return r == LZMA_STREAM_END;
}

static void sha256_hex(pt_read_fn fn, void *src, uint64_t size, char out[65])
{
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    uint8_t buf[65536], md[32];
    uint64_t off = 0;
    unsigned n = 0;

    EVP_DigestInit_ex(c, EVP_sha256(), NULL);
    while (off < size) {
        pt_err_t e = { 0, "" };
        ssize_t got = fn(src, off, buf, sizeof buf, &e);
        if (got <= 0)
            break;
        EVP_DigestUpdate(c, buf, (size_t)got);
        off += (uint64_t)got;
    }
    EVP_DigestFinal_ex(c, md, &n);
    EVP_MD_CTX_free(c);
    for (unsigned i = 0; i < 32; i++)
        sprintf(out + 2 * i, "%02x", md[i]);
    if (off != size)
        strcpy(out, "short");
}

/* 1 when the sums file lists this subvolume's file with hash sha. */
static int listed(const char *sub, const char *sha)
{
    FILE *f = fopen(FIX ".sums", "r");
    char line[1024], want[600];
    int hit = 0;

    snprintf(want, sizeof want, "%s\t", sub);
    while (f && !hit && fgets(line, sizeof line, f))
        hit = strncmp(line, want, strlen(want)) == 0 && strstr(line, sha) != NULL;
    if (f)
        fclose(f);
    return hit;
}

static void files(void)
{
    pt_mem_t m = { img, img_len };
    pt_btrfs_t *b = NULL;
    pt_err_t err = { 0, "" };
    int matched[2] = { 0, 0 }, missing = 0;

    T_CHECK(pt_btrfs_open(pt_read_mem, &m, img_len, &b, &err) == PT_OK);
    if (!b) {
        printf("#   %s\n", err.msg);
        return;
    }
    T_CHECK(strstr(pt_btrfs_describe(b), "Btrfs 'kernel-made'") != NULL);
    T_CHECK(strstr(pt_btrfs_describe(b), "3 subvolumes besides the top level") != NULL);
    /* subvolume 256 (@) holds the logs, 257 (@home) ann's files: every
     * regular file among the low inodes reads as the kernel read it */
    for (int s = 0; s < 2; s++) {
        uint64_t first = s ? 850 : 256, last = s ? 880 : 270;
        for (uint64_t ino = first; ino <= last; ino++) {
            pt_read_fn fn;
            void *src;
            uint64_t size = 0;
            char hex[65];
            if (pt_btrfs_open_inode(b, s ? 257 : 256, ino, &fn, &src, &size, &err) != PT_OK)
                continue;
            sha256_hex(fn, src, size, hex);
            if (listed(s ? "@home" : "@", hex))
                matched[s]++;
            else if (size > 0 && strcmp(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"))
                missing++; /* directories give their size but no content */
        }
    }
    /* @: passwd, hostname, reflinked.txt, zlib.log, lzo.log; @home: at
     * least report.txt (and its hard link), random.bin, sparse.img,
     * prealloc.bin, inline.txt */
    T_CHECK(matched[0] >= 5);
    T_CHECK(matched[1] >= 5);
    printf("#   matched %d and %d files, %d unmatched contents\n", matched[0], matched[1], missing);
    T_CHECK(pt_btrfs_open_inode(b, 257, 99999, &(pt_read_fn){ 0 }, &(void *){ 0 }, &(uint64_t){ 0 }, &err) ==
                PT_EFORMAT &&
            strstr(err.msg, "inode 99999 of subvolume 257 is gone"));
    pt_btrfs_close(b);
}

/* The superblock changed at off (a byte xored), resealed unless told not to. */
static void refused_with(size_t off, uint8_t x, int seal, const char *why)
{
    uint8_t *c = malloc(img_len);
    pt_mem_t m = { c, img_len };
    pt_btrfs_t *b = NULL;
    pt_err_t err = { 0, "" };
    uint32_t sum;

    memcpy(c, img, img_len);
    c[SB + off] ^= x;
    if (seal) {
        sum = pt_crc32c(c + SB + 32, 4096 - 32);
        memcpy(c + SB, &sum, 4);
    }
    T_CHECK(pt_btrfs_open(pt_read_mem, &m, img_len, &b, &err) != PT_OK && !b);
    if (!strstr(err.msg, why)) {
        printf("#   at %zu: \"%s\" lacks \"%s\"\n", off, err.msg, why);
        T_CHECK(0);
    }
    free(c);
}

static void superblock(void)
{
    refused_with(0x40, 1, 1, "no Btrfs superblock at 64 KiB");
    refused_with(0x70, 1, 0, "superblock fails its checksum");
    refused_with(0x94 + 1, 0x40, 1, "implausible sizes");
    refused_with(0xa0, 0x7f, 1, "system chunk array is truncated");
    /* the system chunk's stripe moved past the device's end */
    refused_with(0x32b + 17 + 48 + 8 + 7, 0x10, 1, "past the end of the device");
}

int main(void)
{
    if (!load()) {
        printf("not ok 1 - load %s.img.xz (run from the repository's root)\n", FIX);
        return 1;
    }
    T_RUN(files);
    T_RUN(superblock);
    free(img);
    return t_done();
}
