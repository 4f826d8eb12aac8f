/* fsid.c - names volumes that no library here reads, by signature.
 * Reads a few small blocks at fixed offsets; owns nothing. */
#include "fsid.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "bytes.h"

typedef int (*fetch_fn)(void *ctx, uint64_t off, uint8_t *buf, size_t len);

typedef struct {
    pt_read_fn fn;
    void *src;
    uint64_t size;
} rd_t;

typedef struct {
    const uint8_t *buf;
    size_t len;
} mem_t;

static int fetch_read(void *ctx, uint64_t off, uint8_t *buf, size_t len)
{
    rd_t *r = ctx;
    pt_err_t err = { 0, "" };
    if (off > r->size || len > r->size - off) /* never past the volume, into the next */
        return 0;
    return pt_read_exact(r->fn, r->src, off, buf, len, &err) == PT_OK;
}

static int fetch_mem(void *ctx, uint64_t off, uint8_t *buf, size_t len)
{
    mem_t *m = ctx;
    if (off > m->len || len > m->len - off)
        return 0;
    memcpy(buf, m->buf + off, len);
    return 1;
}


/* A label as printable ASCII ('?' for anything else), at most n bytes,
 * stopping at NUL: labels are the suspect's text. */
static void label(char *out, size_t size, const uint8_t *p, size_t n)
{
    size_t i, k = 0;

    for (i = 0; i < n && p[i] && k + 1 < size; i++)
        out[k++] = p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\'' ? (char)p[i] : '?';
    out[k] = '\0';
}

static void uuid(char *out, size_t size, const uint8_t *u)
{
    snprintf(out, size, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0], u[1], u[2],
             u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14], u[15]);
}

/* Linux swap: the signature ends the first page, whatever the page size;
 * swsusp and uswsusp replace it while a hibernation image is stored. */
static const char *swap(fetch_fn f, void *c, uint64_t size, char *out, size_t n)
{
    static const unsigned pages[] = { 4096, 8192, 16384, 32768, 65536 };
    uint8_t sig[10], h[44];
    char lab[20], id[40];
    size_t i;

    for (i = 0; i < sizeof pages / sizeof pages[0]; i++) {
        unsigned ps = pages[i];
        if (size < ps || !f(c, ps - 10, sig, sizeof sig))
            continue;
        if (memcmp(sig, "SWAP-SPACE", 10) == 0) {
            snprintf(out, n, "Linux swap space (version 0, %u-byte pages): no filesystem; it can hold pages of "
                     "the running system's memory (passwords, keys, fragments of documents)", ps);
            return "linux-swap";
        }
        int hib = memcmp(sig, "S1SUSPEND", 9) == 0 || memcmp(sig, "S2SUSPEND", 9) == 0 ||
                  memcmp(sig, "ULSUSPEND", 9) == 0 || memcmp(sig, "LINHIB0001", 10) == 0;
        if (memcmp(sig, "SWAPSPACE2", 10) != 0 && !hib)
            continue;
        if (!f(c, 1024, h, sizeof h)) {
            snprintf(out, n, "Linux swap space (%u-byte pages)", ps);
            return "linux-swap";
        }
        /* the header is in the writing machine's byte order */
        int be = le32(h) != 1 && be32(h) == 1;
        uint64_t last = be ? be32(h + 4) : le32(h + 4);
        label(lab, sizeof lab, h + 28, 16);
        uuid(id, sizeof id, h + 12);
        if (hib)
            snprintf(out, n, "Linux swap space holding a hibernation image (signature '%.9s'): a copy of the "
                     "system's memory when it was suspended (open files, passwords, keys); %u-byte pages, "
                     "UUID %s%s%s%s", (const char *)sig, ps, id, lab[0] ? ", label '" : "", lab, lab[0] ? "'" : "");
        else
            snprintf(out, n, "Linux swap space (version 1, %u-byte pages, %" PRIu64 " pages%s, UUID %s%s%s%s): no "
                     "filesystem; it can hold pages of the running system's memory (passwords, keys, fragments "
                     "of documents)", ps, last + 1, be ? ", big-endian" : "", id, lab[0] ? ", label '" : "", lab,
                     lab[0] ? "'" : "");
        return hib ? "linux-hibernation" : "linux-swap";
    }
    return NULL;
}

static const char *at1024(fetch_fn f, void *c, char *out, size_t n)
{
    uint8_t h[160];
    char lab[40];

    if (!f(c, 1024, h, sizeof h))
        return NULL;
    if (h[0] == 'B' && h[1] == 'D') {
        /* classic HFS; a wrapper around HFS+ ("H+" embedded) is libtsk's */
        label(lab, sizeof lab, h + 37, h[36] < 28 ? h[36] : 27);
        if (h[124] == 'H' && h[125] == '+')
            snprintf(out, n, "an HFS wrapper around an HFS+ volume ('%s') that The Sleuth Kit could not open", lab);
        else
            snprintf(out, n, "an HFS (Mac OS Standard) volume '%s': The Sleuth Kit reads HFS+ and HFSX, not HFS",
                     lab);
        return "hfs";
    }
    if (le16(h + 56) == 0xEF53) {
        /* libtsk read no ext superblock here: say what it holds and, for
         * the features The Sleuth Kit 4.11 does not read, why */
        uint32_t compat = le32(h + 92), incompat = le32(h + 96), ro = le32(h + 100);
        const char *ver = (incompat & 0x2c0u) ? "ext4" : (compat & 0x4u) ? "ext3" : "ext2";
        label(lab, sizeof lab, h + 120, 16);
        uint32_t lb = le32(h + 24), lc = le32(h + 28);
        if ((ro & 0x200u) && lb < 16 && lc >= lb && lc < 32)
            snprintf(out, n, "an %s filesystem '%s' with bigalloc (clusters of %u blocks of %u bytes): The Sleuth Kit "
                     "4.11 does not read bigalloc", ver, lab, 1u << (lc - lb), 1024u << lb);
        else
            snprintf(out, n, "an %s superblock ('%s'; features compat 0x%x, incompat 0x%x, ro_compat 0x%x) that The "
                     "Sleuth Kit could not open: a damaged superblock or group descriptors", ver, lab, compat, incompat,
                     ro);
        return "ext";
    }
    if (le32(h) == 0xF2F52010u) {
        snprintf(out, n, "an F2FS filesystem (version %u.%u): The Sleuth Kit does not read F2FS", le16(h + 4),
                 le16(h + 6));
        return "f2fs";
    }
    if (le32(h) == 0xE0F5E1E2u) {
        snprintf(out, n, "an EROFS filesystem (read-only, as in Android and container images): The Sleuth Kit "
                 "does not read EROFS");
        return "erofs";
    }
    if (le16(h + 6) == 0x3434 && le32(h) == 2) {
        snprintf(out, n, "a NILFS2 filesystem: The Sleuth Kit does not read NILFS2");
        return "nilfs2";
    }
    if (le32(h) == 0xA501FCF5u) {
        snprintf(out, n, "a Veritas VxFS filesystem (version %" PRIu32 "): The Sleuth Kit does not read VxFS",
                 le32(h + 4));
        return "vxfs";
    }
    return NULL;
}

static const char *at0(fetch_fn f, void *c, char *out, size_t n)
{
    uint8_t h[64];
    char lab[40];

    if (!f(c, 0, h, sizeof h))
        return NULL;
    if (memcmp(h + 3, "ReFS\0\0\0\0", 8) == 0 && memcmp(h + 16, "FSRS", 4) == 0) {
        snprintf(out, n, "a ReFS filesystem (Windows Resilient File System, version %u.%u): The Sleuth Kit does "
                 "not read ReFS", h[40], h[41]);
        return "refs";
    }
    if (memcmp(h, "hsqs", 4) == 0 || memcmp(h, "sqsh", 4) == 0) {
        snprintf(out, n, "a SquashFS filesystem (version %u.%u; compressed and read-only, as in firmware and "
                 "live systems): The Sleuth Kit does not read SquashFS", h[0] == 'h' ? le16(h + 28) : h[28] << 8 | h[29],
                 h[0] == 'h' ? le16(h + 30) : h[30] << 8 | h[31]);
        return "squashfs";
    }
    if (le32(h) == 0x28CD3D45u && memcmp(h + 16, "Compressed ROMFS", 16) == 0) {
        label(lab, sizeof lab, h + 48, 16);
        snprintf(out, n, "a CramFS filesystem '%s' (compressed, read-only): The Sleuth Kit does not read CramFS", lab);
        return "cramfs";
    }
    if (memcmp(h, "-rom1fs-", 8) == 0) {
        label(lab, sizeof lab, h + 16, 32);
        snprintf(out, n, "a ROMFS filesystem '%s': The Sleuth Kit does not read ROMFS", lab);
        return "romfs";
    }
    return NULL;
}

static const char *further(fetch_fn f, void *c, uint64_t size, char *out, size_t n)
{
    static const uint8_t bcachefs[16] = { 0xc6, 0x85, 0x73, 0xf6, 0x66, 0xce, 0x90, 0xa9,
                                          0xd9, 0x6a, 0x60, 0xcf, 0x80, 0x3d, 0xf7, 0xef };
    static const uint8_t bcache[16] = { 0xc6, 0x85, 0x73, 0xf6, 0x4e, 0x1a, 0x45, 0xca,
                                        0x82, 0x65, 0xf5, 0x7f, 0x48, 0xba, 0x6d, 0x81 };
    static const uint64_t ocfs2[] = { 1024, 2048, 4096, 8192 };
    uint8_t h[16];
    size_t i;

    if (f(c, 4096 + 24, h, 16) && memcmp(h, bcachefs, 16) == 0) {
        snprintf(out, n, "a bcachefs filesystem member: The Sleuth Kit does not read bcachefs");
        return "bcachefs";
    }
    if (f(c, 4096 + 24, h, 16) && memcmp(h, bcache, 16) == 0) {
        snprintf(out, n, "a bcache device (a cache or backing device of a Linux block cache; the backing "
                 "device's data starts after its 8 KiB header): not opened");
        return "bcache";
    }
    for (i = 0; i < sizeof ocfs2 / sizeof ocfs2[0]; i++)
        if (f(c, ocfs2[i] * 2, h, 6) && memcmp(h, "OCFSV2", 6) == 0) {
            snprintf(out, n, "an OCFS2 cluster filesystem: The Sleuth Kit does not read OCFS2");
            return "ocfs2";
        }
    if (f(c, 32768, h, 4) && memcmp(h, "JFS1", 4) == 0) {
        snprintf(out, n, "a JFS filesystem: The Sleuth Kit does not read JFS");
        return "jfs";
    }
    for (i = 0; i < 16; i++) { /* UDF's volume recognition sequence */
        if (!f(c, 32768 + 2048 * i, h, 6) || h[0] != 0)
            break;
        if (memcmp(h + 1, "NSR02", 5) == 0 || memcmp(h + 1, "NSR03", 5) == 0) {
            snprintf(out, n, "a UDF filesystem (optical discs and some USB media): The Sleuth Kit reads ISO "
                     "9660 but not UDF");
            return "udf";
        }
    }
    {
        static const uint64_t rfs[] = { 65536 + 52, 8192 + 52 };
        uint8_t r[10];
        for (i = 0; i < 2; i++)
            if (f(c, rfs[i], r, sizeof r) && (memcmp(r, "ReIsErFs", 8) == 0 || memcmp(r, "ReIsEr2Fs", 9) == 0 ||
                                              memcmp(r, "ReIsEr3Fs", 9) == 0)) {
                snprintf(out, n, "a ReiserFS filesystem: The Sleuth Kit does not read ReiserFS");
                return "reiserfs";
            }
    }
    if (f(c, 65536, h, 8) && be32(h) == 0x01161970u && be32(h + 4) == 1) {
        snprintf(out, n, "a GFS2 cluster filesystem: The Sleuth Kit does not read GFS2");
        return "gfs2";
    }
    /* VMFS: the LVM header at 1 MiB, the filesystem descriptor at 19 MiB */
    if (size > 0x100000 && ((f(c, 0x100000, h, 4) && le32(h) == 0xC001D00Du) ||
                            (f(c, 0x1300000, h, 4) && le32(h) == 0x2FABF15Eu))) {
        snprintf(out, n, "a VMware VMFS datastore (ESXi): The Sleuth Kit does not read VMFS, so the virtual "
                 "machines' disks in it are not reached");
        return "vmfs";
    }
    return NULL;
}

static const char *identify(fetch_fn f, void *c, uint64_t size, char *out, size_t n)
{
    const char *name;

    out[0] = '\0';
    if ((name = swap(f, c, size, out, n)) || (name = at0(f, c, out, n)) || (name = at1024(f, c, out, n)) ||
        (name = further(f, c, size, out, n)))
        return name;
    out[0] = '\0';
    return NULL;
}

const char *pt_fsid_name(pt_read_fn fn, void *src, uint64_t size, char *out, size_t n)
{
    rd_t r = { fn, src, size };
    return identify(fetch_read, &r, size, out, n);
}

const char *pt_fsid_name_buf(const uint8_t *buf, size_t len, uint64_t size, char *out, size_t n)
{
    mem_t m = { buf, len < size ? len : (size_t)size };
    return identify(fetch_mem, &m, size, out, n);
}
