/* Unit tests for crypto.c, decode.c and classify.c on synthetic buffers
 * (the real tools' outputs are tested end to end in tests/e2e). */
#include <brotli/encode.h>
#include <bzlib.h>
#include <lzma.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <time.h>
#include <zlib.h>
#include <zstd.h>

#include "bytes.h"
#include "classify.h"
#include "crypto.h"
#include "decode.h"
#include "layer.h"
#include "testlib.h"

static uint8_t *prng(size_t n, uint32_t seed)
{
    uint8_t *p = malloc(n);
    uint64_t x = seed * 0x9E3779B97F4A7C15ull + 1;
    size_t i;
    for (i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        p[i] = (uint8_t)(x >> 32);
    }
    return p;
}

static int detect(const uint8_t *p, size_t n, pt_crypto_match_t *m)
{
    pt_crypto_view_t v = { p, n, p, n, n };
    return pt_crypto_detect(&v, m);
}

static void luks_headers(void)
{
    uint8_t *b = calloc(1, 8192);
    pt_crypto_match_t m;
    int i;

    memcpy(b, "LUKS\xba\xbe\x00\x01", 8);
    strcpy((char *)b + 8, "aes");
    strcpy((char *)b + 40, "xts-plain64");
    strcpy((char *)b + 72, "sha256");
    b[108 + 3] = 64;
    for (i = 0; i < 8; i++)
        memcpy(b + 208 + 48 * i, i == 0 ? "\x00\xac\x71\xf3" : "\x00\x00\xde\xad", 4);
    T_CHECK(detect(b, 8192, &m) == 1);
    T_STREQ(m.format, "luks1");
    T_CHECK(strstr(m.reason, "aes-xts-plain64") && strstr(m.reason, "1 of 8"));
    memcpy(b + 208 + 48 * 3, "\x12\x34\x56\x78", 4); /* not a key-slot state */
    T_CHECK(detect(b, 8192, &m) == 0);

    memset(b, 0, 8192);
    memcpy(b, "LUKS\xba\xbe\x00\x02", 8);
    b[8 + 5] = 0x40; /* hdr_size 16384 */
    strcpy((char *)b + 72, "sha256");
    strcpy((char *)b + 4096, "{\"keyslots\":{\"0\":{\"type\":\"luks2\"}},\"segments\":{\"0\":{\"type\":\"crypt\","
                              "\"encryption\":\"serpent-xts-plain64\"}}}");
    T_CHECK(detect(b, 8192, &m) == 1);
    T_STREQ(m.format, "luks2");
    T_CHECK(strstr(m.reason, "serpent-xts-plain64") && strstr(m.reason, "1 key slot"));
    free(b);
}

static void volume_and_database_headers(void)
{
    uint8_t b[1024];
    pt_crypto_match_t m;

    memset(b, 0, sizeof b);
    b[0] = 0xeb; b[1] = 0x58; b[2] = 0x90;
    memcpy(b + 3, "-FVE-FS-", 8);
    b[11] = 0x00; b[12] = 0x02; /* 512 bytes per sector */
    b[510] = 0x55; b[511] = 0xaa;
    T_CHECK(detect(b, sizeof b, &m) && strcmp(m.format, "bitlocker") == 0);
    b[12] = 0x03; /* 768 bytes per sector: not a boot record */
    T_CHECK(!detect(b, sizeof b, &m));

    memset(b, 0, sizeof b);
    memcpy(b, "\x03\xd9\xa2\x9a\x67\xfb\x4b\xb5\x01\x00\x04\x00", 12);
    T_CHECK(detect(b, sizeof b, &m) && strcmp(m.format, "kdbx") == 0 && strstr(m.reason, "KDBX 4.1"));
    memcpy(b, "encrcdsa\x00\x00\x00\x02", 12);
    T_CHECK(detect(b, sizeof b, &m) && strcmp(m.format, "dmg-encrypted") == 0);
    /* a plain UDIF image by its trailer: named, not encrypted */
    memset(b, 0, sizeof b);
    memcpy(b + 512, "koly\0\0\0\x04\0\0\x02\0", 12);
    T_CHECK(detect(b, sizeof b, &m) && strcmp(m.format, "dmg") == 0 && !m.encrypted);
    b[512 + 7] = 3; /* another version: nothing */
    T_CHECK(!detect(b, sizeof b, &m));
    /* a hibernation file's header: named, not encrypted; without the page size, nothing */
    memset(b, 0, sizeof b);
    memcpy(b, "HIBR", 4);
    b[0x15] = 0x10;
    T_CHECK(detect(b, sizeof b, &m) && strcmp(m.format, "windows-hibernation") == 0 && !m.encrypted &&
            strstr(m.reason, "'HIBR'"));
    b[0x15] = 0x20;
    T_CHECK(!detect(b, sizeof b, &m));
    /* Linux swap (a /swapfile): named, not encrypted, with what it may hold */
    uint8_t *sw = calloc(1, 8192);
    memcpy(sw + 4086, "SWAPSPACE2", 10);
    sw[1024] = 1;
    T_CHECK(detect(sw, 8192, &m) && strcmp(m.format, "linux-swap") == 0 && !m.encrypted &&
            strstr(m.reason, "memory"));
    T_CHECK(!detect(sw, 4000, &m)); /* the signature not in what was read */
    free(sw);
}

static void archive_headers(void)
{
    /* RAR5: signature, then an archive encryption header (type 4) */
    static const uint8_t rar5[] = { 'R', 'a', 'r', '!', 0x1a, 0x07, 0x01, 0x00, 0, 0, 0, 0, 0x05, 0x04, 0x00,
                                    0x00, 0x0f, 0x00, 0x00 };
    /* RAR4: marker block, then a main header whose flags say "encrypted headers" */
    static const uint8_t rar4[] = { 'R', 'a', 'r', '!', 0x1a, 0x07, 0x00, 0, 0, 0x73, 0x80, 0x00, 0x0d, 0x00,
                                    0, 0, 0, 0, 0, 0 };
    pt_crypto_match_t m;

    T_CHECK(detect(rar5, sizeof rar5, &m) && strcmp(m.format, "rar5-encrypted") == 0);
    T_CHECK(detect(rar4, sizeof rar4, &m) && strcmp(m.format, "rar4-encrypted") == 0);
    T_CHECK(detect((const uint8_t *)"Salted__12345678abcdefghabcdefgh", 32, &m) &&
            strcmp(m.format, "openssl-salted") == 0);
    T_CHECK(detect((const uint8_t *)"age-encryption.org/v1\n-> scrypt abc 18\n", 39, &m) &&
            strstr(m.reason, "scrypt"));
}

/* Every detector on every prefix of a sample: no read past the view. */
static void all_prefixes(const uint8_t *p, size_t n)
{
    pt_crypto_match_t m;
    size_t i;

    for (i = 0; i <= n; i++)
        (void)detect(p, i, &m);
}

static size_t pgp_key_packet(uint8_t *b, const uint8_t *secret, size_t sn)
{
    static const uint8_t pub[] = { 4, 0x6b, 0x15, 0x4d, 0x0a, 1, /* v4, time, RSA */
                                   0x00, 0x10, 0xc1, 0x23,       /* MPI n, 16 bits */
                                   0x00, 0x11, 0x01, 0x00, 0x01 }; /* MPI e = 65537 */
    b[0] = 0xc5; /* new-format tag 5 */
    b[1] = (uint8_t)(sizeof pub + sn);
    memcpy(b + 2, pub, sizeof pub);
    memcpy(b + 2 + sizeof pub, secret, sn);
    return 2 + sizeof pub + sn;
}

static void key_files(void)
{
    static const uint8_t prot[] = { 254, 9, 3, 8, 1, 2, 3, 4, 5, 6, 7, 8, 0x60, 0xaa, 0xbb };
    static const uint8_t clear[] = { 0, 0x00, 0x08, 0x77, 0x12, 0x34 };
    static const uint8_t stub[] = { 255, 0, 101, 0, 'G', 'N', 'U', 1 };
    static const uint8_t bad_cipher[] = { 254, 77, 3, 8 };
    static const uint8_t p12[] = { 0x30, 0x30, 0x02, 0x01, 0x03, 0x30, 0x2b, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86,
                                   0xf7, 0x0d, 0x01, 0x07, 0x01, 0xa0, 0x1e, 0x04, 0x1c, 0x30, 0x1a, 0x30, 0x18,
                                   0x06, 0x0b, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x0c, 0x0a, 0x01, 0x02,
                                   0xa0, 0x09, 0x30, 0x07, 0x30, 0x03, 0x06, 0x01, 0x00, 0x04, 0x00, 0x00, 0x00 };
    const char *agent = "(21:protected-private-key(3:rsa(1:n3:abc)(9:protected25:openpgp-s2k3-sha1-aes-cbc((4:";
    const char *agent_nv = "Created: 20261206T115641\nKey: (private-key (ecc (curve Ed25519)(q #40#)(d #01#)))\n";
    const char *not_agent = "a note about keys\nKey: (private-key (rsa))\n";
    uint8_t b[256], q[sizeof p12];
    pt_crypto_match_t m;
    size_t n;

    n = pgp_key_packet(b, prot, sizeof prot);
    T_CHECK(detect(b, n, &m) && strcmp(m.format, "pgp-secret-key") == 0 && m.encrypted &&
            strstr(m.reason, "AES-256"));
    all_prefixes(b, n);
    n = pgp_key_packet(b, clear, sizeof clear);
    T_CHECK(detect(b, n, &m) && strcmp(m.format, "pgp-secret-key") == 0 && !m.encrypted);
    n = pgp_key_packet(b, stub, sizeof stub);
    T_CHECK(detect(b, n, &m) && !m.encrypted && strstr(m.reason, "GnuPG stub"));
    n = pgp_key_packet(b, bad_cipher, sizeof bad_cipher);
    T_CHECK(!detect(b, n, &m));
    n = pgp_key_packet(b, prot, sizeof prot);
    b[8] = 0x7f; /* an MPI longer than the packet */
    T_CHECK(!detect(b, n, &m));

    T_CHECK(detect((const uint8_t *)agent, strlen(agent), &m) && strcmp(m.format, "gpg-agent-key") == 0 &&
            m.encrypted && strstr(m.reason, "openpgp-s2k3-sha1-aes-cbc"));
    all_prefixes((const uint8_t *)agent, strlen(agent));
    T_CHECK(detect((const uint8_t *)agent_nv, strlen(agent_nv), &m) && strcmp(m.format, "gpg-agent-key") == 0 &&
            !m.encrypted);
    T_CHECK(!detect((const uint8_t *)not_agent, strlen(not_agent), &m));

    T_CHECK(detect(p12, sizeof p12, &m) && strcmp(m.format, "pkcs12-encrypted") == 0 && m.encrypted &&
            strstr(m.reason, "1 encrypted private key"));
    all_prefixes(p12, sizeof p12);
    memcpy(q, p12, sizeof q);
    q[38] = 0x01; /* keyBag instead of pkcs8ShroudedKeyBag */
    T_CHECK(detect(q, sizeof q, &m) && strcmp(m.format, "pkcs12") == 0 && !m.encrypted);
    q[4] = 0x02; /* version 2 is not a PFX */
    T_CHECK(!detect(q, sizeof q, &m));
}

/* A JKS with a trusted certificate, then a private key; a JCEKS secret key;
 * a macOS keychain header. */
static void java_and_mac_key_stores(void)
{
    static const uint8_t cert[] = {
        0xfe, 0xed, 0xfe, 0xed, 0, 0, 0, 2, 0, 0, 0, 1,          /* JKS v2, one entry */
        0, 0, 0, 2, 0, 1, 't', 0, 0, 0, 0, 0, 0, 0, 1,         /* trusted certificate "t", date */
        0, 5, 'X', '.', '5', '0', '9', 0, 0, 0, 2, 0x30, 0x00, /* type, 2 bytes of DER */
    };
    static const uint8_t key[] = {
        0xfe, 0xed, 0xfe, 0xed, 0, 0, 0, 2, 0, 0, 0, 1,
        0, 0, 0, 1, 0, 1, 'k', 0, 0, 0, 0, 0, 0, 0, 1,         /* private key "k" */
        0, 0, 0, 3, 0xaa, 0xbb, 0xcc,                          /* 3 bytes of protected key */
        0, 0, 0, 1, 0, 5, 'X', '.', '5', '0', '9', 0, 0, 0, 1, 0x30, /* a chain of one certificate */
    };
    static const uint8_t secret[] = {
        0xce, 0xce, 0xce, 0xce, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 3, 0, 1, 's', 0, 0, 0, 0, 0, 0, 0, 1, 0xac, 0xed,
    };
    static const uint8_t bad[] = { 0xfe, 0xed, 0xfe, 0xed, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 9, 0, 0 };
    static const uint8_t kych[] = { 'k', 'y', 'c', 'h', 0, 1, 0, 0, 0, 0, 0, 0x10, 0, 0, 0, 0x14 };
    pt_crypto_match_t m;

    T_CHECK(detect(cert, sizeof cert, &m) && strcmp(m.format, "java-keystore") == 0 && !m.encrypted &&
            strstr(m.reason, "1 trusted certificate and no key"));
    T_CHECK(detect(key, sizeof key, &m) && m.encrypted && strstr(m.reason, "JKS): 1 private key"));
    T_CHECK(detect(secret, sizeof secret, &m) && m.encrypted && strstr(m.reason, "JCEKS") &&
            strstr(m.reason, "1 secret key"));
    T_CHECK(!detect(bad, sizeof bad, &m));
    T_CHECK(detect(kych, sizeof kych, &m) && strcmp(m.format, "macos-keychain") == 0 && m.encrypted);
    all_prefixes(key, sizeof key);
    all_prefixes(cert, sizeof cert);
}

static void application_containers(void)
{
    const char *vault = "$ANSIBLE_VAULT;1.1;AES256\n"
                        "6232396637646361363762383863363761656135386461663436393732306264656365313764653"
                        "0\n6566366135643835\n";
    const char *vault_bad = "$ANSIBLE_VAULT;1.1;AES256\nthis is not hex at all, it is a note\n";
    const char *ab = "ANDROID BACKUP\n5\n1\nAES-256\n0011AABB\n";
    const char *ab_plain = "ANDROID BACKUP\n5\n0\nnone\nxxxx";
    const char *ab_bad = "ANDROID BACKUP\nfive\n1\nAES-256\n";
    uint8_t e[8192 + 64];
    pt_crypto_match_t m;

    T_CHECK(detect((const uint8_t *)vault, strlen(vault), &m) && strcmp(m.format, "ansible-vault") == 0 &&
            m.encrypted);
    T_CHECK(!detect((const uint8_t *)vault_bad, strlen(vault_bad), &m));
    all_prefixes((const uint8_t *)vault, strlen(vault));
    T_CHECK(detect((const uint8_t *)ab, strlen(ab), &m) && strcmp(m.format, "android-backup") == 0 && m.encrypted &&
            strstr(m.reason, "AES-256"));
    T_CHECK(detect((const uint8_t *)ab_plain, strlen(ab_plain), &m) && !m.encrypted);
    T_CHECK(!detect((const uint8_t *)ab_bad, strlen(ab_bad), &m));
    all_prefixes((const uint8_t *)ab, strlen(ab));

    /* eCryptfs: plaintext size, marker halves XOR 0x3c81b7f5, version 3,
     * one 8192-byte header extent, a tag 3 packet */
    memset(e, 0x5a, sizeof e);
    memcpy(e, "\0\0\0\0\0\0\0\x40" "\x12\x34\xab\xcd" "\x2e\xb5\x1c\x38" "\x03\0\0\x02" "\0\0\x20\0" "\0\x01\x8c",
           27);
    T_CHECK(detect(e, sizeof e, &m) && strcmp(m.format, "ecryptfs") == 0 && m.encrypted &&
            strstr(m.reason, "64 bytes of plaintext"));
    all_prefixes(e, 64);
    e[15] ^= 1; /* the marker's halves no longer agree */
    T_CHECK(!detect(e, sizeof e, &m));
    e[15] ^= 1;
    e[7] = 0xff, e[6] = 0xff; /* more plaintext than the file holds */
    T_CHECK(!detect(e, sizeof e, &m));
}

/* Borg segments by the key type of their first object, scrypt(1) files by
 * their header checksum, AES Crypt and Password Safe by their markers. */
static void backup_and_tool_files(void)
{
    uint8_t b[200], *r = prng(4096, 9);
    pt_crypto_match_t m;
    unsigned char md[32];
    unsigned len = 0;

    memset(b, 0, sizeof b);
    memcpy(b, "BORG_SEG", 8);
    t_put_le32(b + 12, 9 + 32 + 60); /* a PUT of a 60-byte object */
    b[16] = 0;
    memcpy(b + 49, r, 60);
    b[49] = 3; /* repokey */
    T_CHECK(detect(b, sizeof b, &m) && strcmp(m.format, "borg-encrypted") == 0 && m.encrypted);
    b[49] = 7; /* authenticated only */
    T_CHECK(detect(b, sizeof b, &m) && strcmp(m.format, "borg-segment") == 0 && !m.encrypted);
    b[49] = 9; /* no such key type: the segment is named, nothing more */
    T_CHECK(detect(b, sizeof b, &m) && !m.encrypted);
    all_prefixes(b, sizeof b);

    memset(b, 0, sizeof b);
    memcpy(b, "scrypt\0\x0e\0\0\0\x08\0\0\0\x01", 16);
    memcpy(b + 16, r, 32);
    EVP_Digest(b, 48, md, &len, EVP_sha256(), NULL);
    memcpy(b + 48, md, 16);
    T_CHECK(detect(b, 96, &m) && strcmp(m.format, "scrypt-encrypted") == 0 && strstr(m.reason, "N=2^14, r=8"));
    b[50] ^= 1; /* the checksum no longer holds */
    T_CHECK(!detect(b, 96, &m) || strcmp(m.format, "scrypt-encrypted") != 0);

    memcpy(r, "AES\x02\0", 5);
    T_CHECK(detect(r, 4096, &m) && strcmp(m.format, "aescrypt") == 0);
    r[3] = 9;
    T_CHECK(!detect(r, 4096, &m) || strcmp(m.format, "aescrypt") != 0);
    memcpy(r, "PWS3", 4);
    memcpy(r + 4096 - 48, "PWS3-EOFPWS3-EOF", 16);
    T_CHECK(detect(r, 4096, &m) && strcmp(m.format, "psafe3") == 0 && m.encrypted);
    r[4096 - 40] ^= 1; /* no EOF marker before the HMAC */
    T_CHECK(!detect(r, 4096, &m) || strcmp(m.format, "psafe3") != 0);

    /* memory captures are named, not ciphertext */
    memcpy(r, "EMiL\x01\0\0\0\0\0\0\0\0\0\0\0\xff\xff\x09\0\0\0\0\0", 24);
    T_CHECK(detect(r, 4096, &m) && strcmp(m.format, "lime-memory") == 0 && !m.encrypted &&
            strstr(m.reason, "0x0-0x9ffff"));
    r[16] = 0, r[17] = 0, r[18] = 0, r[8] = 1; /* start after end: not LiME */
    T_CHECK(!detect(r, 4096, &m) || strcmp(m.format, "lime-memory") != 0);
    memcpy(r, "PAGEDU64", 8);
    T_CHECK(detect(r, 4096, &m) && strcmp(m.format, "windows-crash-dump") == 0 && strstr(m.reason, "64-bit"));
    free(r);
}

static void corestorage_header(void)
{
    uint8_t b[4096];
    pt_crypto_match_t m;

    memset(b, 0, sizeof b);
    b[8] = 1;                /* version 1 */
    b[10] = 0x10;            /* block type */
    b[88] = 'C', b[89] = 'S';
    b[90] = 1;               /* checksum method */
    b[97] = 0x10;            /* 4096-byte blocks */
    b[168] = 16;             /* key data size */
    b[172] = 2;              /* AES-XTS */
    b[304] = 0xab;
    T_CHECK(detect(b, sizeof b, &m) && strcmp(m.format, "corestorage-fvde") == 0 && m.encrypted &&
            strstr(m.reason, "4096-byte blocks") && strstr(m.reason, "ab000000-"));
    b[172] = 0;
    T_CHECK(detect(b, sizeof b, &m) && strcmp(m.format, "corestorage") == 0 && !m.encrypted);
    b[10] = 0x11;            /* another block type: not a physical volume header */
    T_CHECK(!detect(b, sizeof b, &m));
}

static void random_bytes_match_nothing(void)
{
    int k, hits = 0;
    pt_crypto_match_t m;

    for (k = 0; k < 2000; k++) {
        uint8_t *p = prng(4096, (uint32_t)k + 1);
        hits += detect(p, 4096, &m);
        free(p);
    }
    T_CHECK(hits == 0);
}

/* A DPAPI blob of the shape Windows writes (AES-256, SHA-512), at b. */
static size_t dpapi_blob(uint8_t *b, uint32_t cipher)
{
    static const uint8_t hdr[20] = { 1, 0, 0, 0, 0xd0, 0x8c, 0x9d, 0xdf, 0x01, 0x15, 0xd1, 0x11, 0x8c, 0x7a, 0x00,
                                     0xc0, 0x4f, 0xc2, 0x97, 0xeb };
    size_t o = 0;

    memcpy(b, hdr, 20);
    o = 20;
    t_put_le32(b + o, 1);
    memset(b + o + 4, 0xab, 16); /* the master key's GUID */
    t_put_le32(b + o + 20, 0);
    t_put_le32(b + o + 24, 4);
    memcpy(b + o + 28, "A\0\0\0", 4);
    o += 32;
    t_put_le32(b + o, cipher);
    t_put_le32(b + o + 4, 256);
    t_put_le32(b + o + 8, 16);
    memset(b + o + 12, 0x5a, 16);
    t_put_le32(b + o + 28, 0);
    t_put_le32(b + o + 32, 0x800e);
    t_put_le32(b + o + 36, 512);
    t_put_le32(b + o + 40, 0);
    t_put_le32(b + o + 44, 16);
    memset(b + o + 48, 0x77, 16);
    t_put_le32(b + o + 64, 0);
    return o + 68;
}

static void windows_secrets(void)
{
    static const uint8_t axguid[16] = { 0xc0, 0xb9, 0x07, 0x2e, 0x4f, 0x93, 0xf1, 0x46,
                                        0xa0, 0x15, 0x79, 0x2c, 0xa1, 0xd9, 0xe8, 0x21 };
    uint8_t b[1024], c[1024];
    char text[1200];
    pt_crypto_match_t m;
    size_t n, i, k;

    /* AxCrypt: GUID, preamble (21 bytes), version block (10 bytes) */
    memset(b, 0, sizeof b);
    memcpy(b, axguid, 16);
    t_put_le32(b + 16, 21);
    b[20] = 2;
    t_put_le32(b + 37, 10);
    b[41] = 3;
    memcpy(b + 42, "\x04\x00\x02\x01\x05", 5);
    T_CHECK(detect(b, 200, &m) && strcmp(m.format, "axcrypt") == 0 && m.encrypted);
    T_CHECK(strstr(m.reason, "format 4.0 (AxCrypt 2: AES-256), written by AxCrypt 2.1.5") != NULL);
    all_prefixes(b, 60);
    b[20] = 9; /* not a preamble: the GUID alone decides nothing */
    T_CHECK(!detect(b, 200, &m) || strcmp(m.format, "axcrypt") != 0);

    /* a bare DPAPI blob, then inside a Credential Manager file */
    memset(b, 0, sizeof b);
    n = dpapi_blob(b, 0x6610);
    T_CHECK(detect(b, n, &m) && strcmp(m.format, "dpapi-blob") == 0 && m.encrypted);
    T_CHECK(strstr(m.reason, "master key abababab-abab-abab-abab-abababababab, \"A\", AES-256 and SHA-512") != NULL);
    all_prefixes(b, n);
    memset(c, 0, sizeof c);
    t_put_le32(c, 1);
    t_put_le32(c + 4, (uint32_t)n);
    memcpy(c + 12, b, n);
    T_CHECK(detect(c, n + 12, &m) && strcmp(m.format, "dpapi-blob") == 0 && strstr(m.reason, "Credential Manager"));
    T_CHECK(!detect(c, n + 13, &m) || strcmp(m.format, "dpapi-blob") != 0); /* the size field must agree */
    n = dpapi_blob(b, 0x1234); /* no such cipher */
    T_CHECK(!detect(b, n, &m) || strcmp(m.format, "dpapi-blob") != 0);

    /* hex in text, lower and upper case; a corrupt blob is not counted */
    for (k = 0; k < 2; k++) {
        n = dpapi_blob(b, 0x6610);
        strcpy(text, "password 51:b:");
        for (i = 0; i < n; i++)
            sprintf(text + strlen(text), k ? "%02X" : "%02x", b[i]);
        strcat(text, "\nfull address:s:10.0.0.5\n");
        T_CHECK(detect((const uint8_t *)text, strlen(text), &m) && strcmp(m.format, "dpapi-blob") == 0);
        T_CHECK(strstr(m.reason, "holds 1 DPAPI-protected secret in hex") != NULL);
    }
    memcpy(strstr(text, "51:b:") + 5 + 2 * 52, "3412", 4); /* the cipher field */
    T_CHECK(!detect((const uint8_t *)text, strlen(text), &m) || strcmp(m.format, "dpapi-blob") != 0);

    /* a master key file */
    memset(b, 0, sizeof b);
    t_put_le32(b, 2);
    for (i = 0; i < 36; i++)
        b[12 + 2 * i] = (uint8_t)(i == 8 || i == 13 || i == 18 || i == 23 ? '-' : "0123456789abcdef"[i % 16]);
    t_put_le32(b + 96, 176);
    t_put_le32(b + 128, 2);
    t_put_le32(b + 148, 8000);
    t_put_le32(b + 152, 0x8009);
    t_put_le32(b + 156, 0x6603);
    T_CHECK(detect(b, 400, &m) && strcmp(m.format, "dpapi-masterkey") == 0);
    T_CHECK(strstr(m.reason, "8000 rounds, HMAC-SHA-1, 3DES") != NULL);
    all_prefixes(b, 170);
    b[12 + 2 * 8] = 'x'; /* not a GUID */
    T_CHECK(!detect(b, 400, &m) || strcmp(m.format, "dpapi-masterkey") != 0);
}

static void decoders_explain_compressed(void)
{
    size_t n = 200000, i;
    uint8_t *text = malloc(n), *out = malloc(n * 2), *rnd = prng(65536, 7);
    pt_decode_result_t r;
    z_stream z;
    size_t clen;

    for (i = 0; i < n; i++)
        text[i] = (uint8_t)("the quick brown fox jumps over the lazy dog; "[i % 45] ^ (i % 7 == 0 ? 1 : 0));
    /* raw deflate */
    memset(&z, 0, sizeof z);
    deflateInit2(&z, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY);
    z.next_in = text;
    z.avail_in = (uInt)n;
    z.next_out = out;
    z.avail_out = (uInt)(n * 2);
    deflate(&z, Z_FINISH);
    clen = z.total_out;
    deflateEnd(&z);
    T_CHECK(pt_decode_explains(out, clen, &r) == 1);
    T_STREQ(r.decoder, "deflate");
    /* zstd with its magic stripped */
    clen = ZSTD_compress(out, n * 2, text, n, 3);
    T_CHECK(pt_decode_explains(out + 4, clen - 4, &r) == 1);
    T_STREQ(r.decoder, "zstd");
    /* raw LZMA2 */
    {
        lzma_options_lzma opt;
        lzma_filter f[2];
        size_t pos = 0;
        lzma_lzma_preset(&opt, 6);
        f[0].id = LZMA_FILTER_LZMA2;
        f[0].options = &opt;
        f[1].id = LZMA_VLI_UNKNOWN;
        T_CHECK(lzma_raw_buffer_encode(f, NULL, text, n, out, &pos, n * 2) == LZMA_OK);
        T_CHECK(pt_decode_explains(out, pos, &r) == 1);
        T_STREQ(r.decoder, "lzma");
    }
    /* bzip2 without "BZh9" */
    {
        unsigned int blen = (unsigned int)(n * 2);
        T_CHECK(BZ2_bzBuffToBuffCompress((char *)out, &blen, (char *)text, (unsigned)n, 9, 0, 0) == BZ_OK);
        T_CHECK(pt_decode_explains(out + 4, blen - 4, &r) == 1);
        T_STREQ(r.decoder, "bzip2");
    }
    /* brotli (no magic number): a whole stream at the web's usual quality,
     * and the first 64 KiB of a longer one, as the head of a file shows it */
    {
        static const int q[] = { 11, 5 };
        size_t k;
        for (k = 0; k < 2; k++) {
            size_t blen = n * 2;
            T_CHECK(BrotliEncoderCompress(q[k], 22, BROTLI_MODE_TEXT, n, text, &blen, out));
            T_CHECK(pt_decode_explains(out, blen, &r) == 1);
            T_STREQ(r.decoder, "brotli");
        }
    }
    {
        uint8_t *big = prng(400000, 11), *bout = malloc(500000);
        size_t blen = 500000;
        for (i = 0; i < 400000; i++)
            big[i] = (uint8_t)('a' + big[i] % 26); /* letters: 4.7 bits a byte, compressible */
        T_CHECK(BrotliEncoderCompress(11, 22, BROTLI_MODE_GENERIC, 400000, big, &blen, bout));
        T_CHECK(blen > 65536);
        T_CHECK(pt_decode_explains(bout, 65536, &r) == 1);
        T_STREQ(r.decoder, "brotli");
        T_CHECK(strstr(r.reason, "brotli stream (65536 bytes") != NULL);
        /* brotli over random bytes stores them in uncompressed meta-blocks:
         * the decode copies ciphertext through, which explains nothing */
        free(big);
        big = prng(65536, 12);
        blen = 500000;
        T_CHECK(BrotliEncoderCompress(11, 22, BROTLI_MODE_GENERIC, 65536, big, &blen, bout));
        T_CHECK(pt_decode_explains(bout, blen, &r) == 0);
        free(big);
        free(bout);
    }
    /* zstd without magic whose first compressed block runs past the head:
     * libzstd decodes nothing of it, so its literals are decoded from a block
     * rebuilt around them where they lie in the head; else only their header
     * can be checked */
    {
        size_t zn = 600000, zl, k;
        uint8_t *src = malloc(zn), *zc = malloc(zn);
        uint8_t *pick = prng(zn, 21);
        /* per 16 bytes, 4 letters and 12 copied from a random earlier place:
         * a first block of about 50 KB whose literals take about 20 */
        for (k = 0; k < zn; k += 16) {
            size_t q, from = k >= 4096 ? k - 16 - (pick[k] | pick[k + 1] << 8) % 4000 : 0;
            for (q = 0; q < 4; q++)
                src[k + q] = (uint8_t)('a' + pick[k + 2 + q] % 26);
            for (q = 4; q < 16; q++)
                src[k + q] = k >= 4096 ? src[from + q] : (uint8_t)('a' + pick[k + q] % 26);
        }
        free(pick);
        zl = ZSTD_compress(zc, zn, src, zn, 19);
        T_CHECK(!ZSTD_isError(zl) && zl > 100000);
        T_CHECK(pt_decode_explains(zc + 4, 32768, &r) == 1);
        T_STREQ(r.decoder, "zstd");
        T_CHECK(strstr(r.reason, "its Huffman-coded literals decode") != NULL);
        T_CHECK(pt_decode_explains(zc + 4, 700, &r) == 1); /* a short fragment: the header only */
        T_CHECK(strstr(r.reason, "literals decode") == NULL);
        free(src);
        free(zc);
    }
    {
        uint8_t *zf = prng(4096, 13);
        uint32_t bh = (100000u << 3) | (2u << 1); /* compressed, 100,000 bytes */
        zf[0] = 0x00;                             /* descriptor: window byte follows */
        zf[1] = 0x38;                             /* 128 KiB window */
        zf[2] = (uint8_t)bh;
        zf[3] = (uint8_t)(bh >> 8);
        zf[4] = (uint8_t)(bh >> 16);
        zf[5] = 0x02 | 0x04 | 0x50;               /* compressed literals, 4 streams, sizes inside the head */
        zf[6] = 0x01;
        T_CHECK(pt_decode_explains(zf, 4096, &r) == 0); /* random bytes do not decode as Huffman literals */
        zf[5] = 0x03 | 0x04 | 0x50; /* treeless: the first block has no table to reuse */
        T_CHECK(pt_decode_explains(zf, 4096, &r) == 0);
        zf[5] = 0x00 | 0x0c | 0xf0; /* raw literals: incompressible, no evidence */
        T_CHECK(pt_decode_explains(zf, 4096, &r) == 0);
        free(zf);
    }
    /* random bytes: nothing explains them */
    T_CHECK(pt_decode_explains(rnd, 65536, &r) == 0);
    T_CHECK(r.decoder == NULL && strstr(r.reason, "no decoder"));
    free(text);
    free(out);
    free(rnd);
}

static void verdicts(void)
{
    size_t n = 1 << 20, i;
    uint8_t *rnd = prng(n, 3), *flat = malloc(n);
    pt_entropy_t e;
    pt_entropy_stats_t st;
    pt_item_t it;
    pt_classify_in_t in;

    pt_entropy_init(&e);
    pt_entropy_update(&e, rnd, n);
    pt_entropy_stats(&e, &st);
    memset(&in, 0, sizeof in);
    in.view.head = rnd;
    in.view.head_len = 65536;
    in.view.size = n;
    in.stats = &st;
    in.mime = "application/octet-stream";
    pt_item_init(&it);
    pt_classify(&in, &it);
    T_STREQ(it.encryption, "suspected");
    T_STREQ(it.encryption_format, "random-data");
    T_STREQ(it.category, "encrypted");
    T_CHECK(strstr(it.encryption_reason, "chi-square p=") != NULL);
    /* a strong libmagic type explains high entropy */
    in.mime = "image/jpeg";
    pt_item_init(&it);
    pt_classify(&in, &it);
    T_STREQ(it.encryption, "none");
    /* a weak one does not */
    in.mime = "application/x-dosexec";
    pt_item_init(&it);
    pt_classify(&in, &it);
    T_STREQ(it.encryption, "suspected");
    /* perfectly flat histogram (a lookup table): too uniform to be random */
    for (i = 0; i < n; i++)
        flat[i] = (uint8_t)(i * 167);
    pt_entropy_init(&e);
    pt_entropy_update(&e, flat, n);
    pt_entropy_stats(&e, &st);
    in.view.head = flat;
    in.mime = "application/octet-stream";
    pt_item_init(&it);
    pt_classify(&in, &it);
    T_STREQ(it.encryption, "none");
    T_NEAR(st.shannon, 8.0, 1e-9);
    /* a BitLocker To Go cover file: ciphertext by its place, whatever its bytes */
    in.fs_encrypted = PT_BDE_COVER;
    pt_item_init(&it);
    pt_classify(&in, &it);
    T_STREQ(it.encryption, "encrypted");
    T_STREQ(it.encryption_format, "bitlocker");
    free(rnd);
    free(flat);
}

static int detect_text(const char *t, pt_crypto_match_t *m)
{
    return detect((const uint8_t *)t, strlen(t), m);
}

static void server_stores(void)
{
    pt_crypto_match_t m;

    T_CHECK(detect_text("HBEGIN:oc_encryption_module:OC_DEFAULT_MODULE:cipher:AES-256-CTR:signed:true:HEND-----", &m));
    T_STREQ(m.format, "nextcloud-encrypted");
    T_CHECK(m.encrypted && strstr(m.reason, "(OC_DEFAULT_MODULE, AES-256-CTR, signed)") != NULL);
    T_CHECK(detect_text("HBEGIN:cipher:AES-256-CTR:keyFormat:hash2:encoding:binary:HEND0123456789", &m));
    T_STREQ(m.format, "nextcloud-key");
    /* legacy ownCloud: the cipher alone names a file */
    T_CHECK(detect_text("HBEGIN:cipher:AES-256-CFB:HEND0123456789", &m));
    T_CHECK(strcmp(m.format, "nextcloud-encrypted") == 0 && strstr(m.reason, "(legacy ownCloud, "
                                                                            "AES-256-CFB)") != NULL);
    T_CHECK(!detect_text("HBEGIN:oc_encryption_module:OC_DEFAULT_MODULE:cipher:AES-256-CTR:signed:true", &m));
    T_CHECK(!detect_text("HBEGIN:cipher::HEND and more text here", &m));
    T_CHECK(!detect_text("HBEGIN:oc_encryption_module:OC\x01MODULE:cipher:AES-256-CTR:HEND", &m));

    T_CHECK(detect((const uint8_t *)"\0GITCRYPT\0" "0123456789abcdef0123456789", 36, &m));
    T_STREQ(m.format, "git-crypt");
    T_CHECK(detect((const uint8_t *)"\0GITCRYPTKEY\0\0\0\2\0\0\0\0", 20, &m) && !m.encrypted);
    T_CHECK(strstr(m.reason, "not encrypted") != NULL);

    T_CHECK(detect_text("a: ENC[AES256_GCM,data:YQ==,iv:Yg==,tag:Yw==,type:str]\nsops:\n    version: 3.8.1\n", &m));
    T_STREQ(m.format, "sops");
    T_CHECK(strstr(m.reason, "its 1 value is encrypted") != NULL);
    T_CHECK(!detect_text("a: ENC[AES256_GCM,data:YQ==,iv:Yg==,tag:Yw==,type:str]\nno metadata here at all\n", &m));
    T_CHECK(!detect_text("# sops: decrypt with sops -d\npassword: changeme\nmore: text to be long enough\n", &m));
}

static void bitlocker_to_go(void)
{
    uint8_t b[512];
    static const uint8_t guid[16] = { 0x3b, 0xd6, 0x67, 0x49, 0x29, 0x2e, 0xd8, 0x4a,
                                      0x83, 0x99, 0xf6, 0xa3, 0x39, 0xe3, 0xd0, 0x01 };

    memset(b, 0, sizeof b);
    memcpy(b, "\xeb\x58\x90MSWIN4.1", 11);
    b[510] = 0x55; b[511] = 0xaa;
    T_CHECK(!pt_layer_is_bitlocker_to_go(b, sizeof b)); /* a plain FAT32 boot sector */
    memcpy(b + 0x1a8, guid, 16);
    T_CHECK(pt_layer_is_bitlocker_to_go(b, sizeof b));
    T_CHECK(!pt_layer_is_bitlocker_to_go(b, 511));
    b[511] = 0;
    T_CHECK(!pt_layer_is_bitlocker_to_go(b, sizeof b));
    T_CHECK(pt_layer_is_bitlocker_cover("COV 0000. ER"));
    T_CHECK(pt_layer_is_bitlocker_cover("COV 0013. ER"));
    T_CHECK(pt_layer_is_bitlocker_cover("cov0001.er"));
    T_CHECK(!pt_layer_is_bitlocker_cover("COV 0000. BL")); /* 32 KiB beside them, not the volume */
    T_CHECK(!pt_layer_is_bitlocker_cover("COVER. ER"));
    T_CHECK(!pt_layer_is_bitlocker_cover("COV 0000. ERX"));
    T_CHECK(!pt_layer_is_bitlocker_cover("COV"));
    T_CHECK(!pt_layer_is_bitlocker_cover(""));
}

static void statistics_of_random_data(void)
{
    size_t n = 4 << 20;
    uint8_t *rnd = prng(n, 11);
    pt_entropy_t e;
    pt_entropy_stats_t st;

    pt_entropy_init(&e);
    pt_entropy_update(&e, rnd, 1000);
    pt_entropy_update(&e, rnd + 1000, n - 1000); /* odd split: pending Monte Carlo bytes */
    pt_entropy_stats(&e, &st);
    T_CHECK(st.shannon > 7.9999);
    T_CHECK(st.chi2_p > 1e-4 && st.chi2_p < 1 - 1e-4);
    T_CHECK(st.serial_z < 5.0);
    T_CHECK(st.pi_err < 0.5);
    T_NEAR(st.mean, 127.5, 0.5);
    T_CHECK(st.windows == 64 && st.win_min > 7.99);
    T_CHECK(pt_entropy_chi2_p(255.0, 255.0) > 0.45 && pt_entropy_chi2_p(255.0, 255.0) < 0.55);
    T_CHECK(pt_entropy_chi2_p(400.0, 255.0) < 1e-6);
    free(rnd);
}

/* A piece from the middle of a raw deflate stream of text: no block header
 * in it, so no decoder can start; byte statistics pass, the bits do not. */
static void carved_deflate_fails_the_bit_serial_test(void)
{
    size_t n = 1 << 20, i, clen, w = 0;
    uint8_t *text = malloc(n), *out = malloc(n), *rnd = prng(16384, 5);
    static const char *const words[] = {"account ", "ledger ", "payment ", "invoice ", "the ", "total ",
                                        "customer ", "order ", "tax ", "report.\n"};
    uint64_t x = 99;
    z_stream z;
    pt_entropy_t e;
    pt_entropy_stats_t st;
    pt_item_t it;
    pt_classify_in_t in;
    int m;

    while (w < n) { /* word text, as the accuracy corpus makes it */
        const char *wd;
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        wd = words[(x >> 33) % 10];
        for (i = 0; wd[i] && w < n; i++)
            text[w++] = (uint8_t)wd[i];
    }
    memset(&z, 0, sizeof z);
    deflateInit2(&z, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY);
    z.next_in = text;
    z.avail_in = (uInt)n;
    z.next_out = out;
    z.avail_out = (uInt)n;
    deflate(&z, Z_FINISH);
    clen = z.total_out;
    deflateEnd(&z);
    T_CHECK(clen > 60000);
    T_CHECK(pt_entropy_bit_serial(out + clen / 3, 12000, &m) < 1e-4 / 3);
    /* random bytes pass it, at every size */
    T_CHECK(pt_entropy_bit_serial(rnd, 16384, &m) > 1e-3 && m == 12);
    T_CHECK(pt_entropy_bit_serial(rnd, 3000, &m) > 1e-3 && m == 8);
    T_CHECK(pt_entropy_bit_serial(rnd, 100, &m) > 1e-3 && m == 4);
    T_CHECK(pt_entropy_bit_serial(rnd, 8, &m) == 1.0 && m == 0);
    /* the exact chi-square tail against known values */
    T_NEAR(pt_entropy_chi2_p(8.0, 8.0), 0.43347, 1e-4);
    T_NEAR(pt_entropy_chi2_p(26.12, 8.0), 0.001, 1e-5);
    T_NEAR(pt_entropy_chi2_p(2000.0, 2048.0), 0.772016, 1e-5);
    /* the verdict: none, with the reason */
    pt_entropy_init(&e);
    pt_entropy_update(&e, out + clen / 3, 12000);
    pt_entropy_stats(&e, &st);
    memset(&in, 0, sizeof in);
    in.view.head = out + clen / 3;
    in.view.head_len = 12000;
    in.view.size = 12000;
    in.stats = &st;
    in.mime = "application/octet-stream";
    pt_item_init(&it);
    pt_classify(&in, &it);
    T_STREQ(it.encryption, "none");
    T_CHECK(strstr(it.encryption_reason, "NIST serial test") != NULL);
    free(text);
    free(out);
    free(rnd);
}

/* Every prefix of a sample in a buffer of exactly its size (ASan sees a
 * read past the view); returns how many prefixes matched. */
static int exact_prefixes(const uint8_t *p, size_t n)
{
    pt_crypto_match_t m;
    size_t i;
    int hits = 0;

    for (i = 1; i <= n; i++) {
        uint8_t *q = malloc(i);
        memcpy(q, p, i);
        hits += detect(q, i, &m);
        free(q);
    }
    return hits;
}

/* EnvelopedData, BER indefinite lengths as `openssl smime` streams it:
 * version 0, one key-transport recipient, AES-256-CBC */
static const uint8_t env[] = {
    0x30, 0x80, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x03, 0xa0, 0x80, 0x30, 0x80,
    0x02, 0x01, 0x00, 0x31, 0x0a, 0x30, 0x08, 0x02, 0x01, 0x00, 0x30, 0x00, 0x04, 0x01, 0x55,
    0x30, 0x80, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01,
    0x30, 0x1d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x01, 0x2a, 0x04, 0x10,
    1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
    0xa0, 0x80, 0x04, 0x04, 0xde, 0xad, 0xbe, 0xef, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00 };

/* CMS/PKCS#7 in DER and BER, and e-mail whose content is encrypted. */
static void cms_and_mail(void)
{
    /* SignedData, version 1, around plain data */
    static const uint8_t sig[] = { 0x30, 0x1a, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02,
                                   0xa0, 0x0d, 0x30, 0x0b, 0x02, 0x01, 0x01, 0x31, 0x00, 0x30, 0x04, 0x06, 0x02,
                                   0x2a, 0x03 };
    static const char mail[] = "Received: from x\r\nFrom: a@example.org\r\nTo: b@example.org\r\nSubject: s\r\n"
                               "MIME-Version: 1.0\r\nContent-Type: application/pkcs7-mime; smime-type=enveloped-data;\r\n"
                               " name=\"smime.p7m\"\r\nContent-Transfer-Encoding: base64\r\n\r\n";
    pt_crypto_match_t m;
    uint8_t deep[600], b[1024];
    char text[2048];
    size_t i, n;
    int hits;

    T_CHECK(detect(env, sizeof env, &m) && strcmp(m.format, "cms-encrypted") == 0 && m.encrypted);
    T_CHECK(strstr(m.reason, "enveloped data, version 0, 1 recipient, AES-256-CBC") != NULL);
    T_CHECK(detect(sig, sizeof sig, &m) && strcmp(m.format, "cms-signed") == 0 && !m.encrypted);
    memcpy(b, env, sizeof env);
    b[19] = 1; /* EnvelopedData has no version 1 */
    T_CHECK(!detect(b, sizeof env, &m));
    /* cut anywhere: recognised by its first 20 bytes, no read past the view */
    hits = exact_prefixes(env, sizeof env);
    T_CHECK(hits == (int)sizeof env - 19);
    /* BER nested deeper than the parser follows: recognised, details stop */
    memcpy(deep, env, 20);
    deep[20] = 0xa0, deep[21] = 0x80; /* originatorInfo, indefinite, nesting on */
    for (i = 22; i + 2 <= sizeof deep; i += 2)
        deep[i] = 0x30, deep[i + 1] = 0x80;
    T_CHECK(detect(deep, sizeof deep, &m) && strcmp(m.format, "cms-encrypted") == 0);

    /* the same content as an S/MIME message's base64 body */
    n = (size_t)snprintf(text, sizeof text, "%s", mail);
    n += (size_t)EVP_EncodeBlock((unsigned char *)text + n, env, sizeof env);
    T_CHECK(detect((const uint8_t *)text, n, &m) && strcmp(m.format, "smime-encrypted") == 0 &&
            strstr(m.reason, "AES-256-CBC"));
    T_CHECK(exact_prefixes((const uint8_t *)text, n) > 0);
    /* the declaration alone, the body cut away, still says it */
    T_CHECK(detect((const uint8_t *)mail, strlen(mail), &m) && strcmp(m.format, "smime-encrypted") == 0 &&
            strstr(m.reason, "not in the sampled head"));
    /* the same words in a message's text are not a declaration */
    n = (size_t)snprintf(text, sizeof text, "From: a@x\nSubject: how it works\n\nContent-Type: application/pkcs7-mime;"
                         " smime-type=enveloped-data\n\n");
    n += (size_t)EVP_EncodeBlock((unsigned char *)text + n, env, sizeof env);
    T_CHECK(!detect((const uint8_t *)text, n, &m));
    /* header-like lines that are not a message (a Debian control file) */
    n = (size_t)snprintf(text, sizeof text, "Package: x\nVersion: 1\nContent-Type: application/pkcs7-mime; "
                         "smime-type=enveloped-data\n\nabc");
    T_CHECK(!detect((const uint8_t *)text, n, &m));
    /* wallets: a JSON that merely mentions a KDF is not a keystore; an
     * Electrum-like base64 prefix must decode to BIE1 and a public key */
    n = (size_t)snprintf(text, sizeof text, "{\"kdf\": \"scrypt\", \"ciphertext\": \"00\"}");
    T_CHECK(!detect((const uint8_t *)text, n, &m));
    n = (size_t)snprintf(text, sizeof text, "{\"crypto\":{\"cipher\":\"aes-128-ctr\",\"ciphertext\":\"ab\","
                         "\"cipherparams\":{\"iv\":\"00\"},\"kdf\":\"pbkdf2\",\"mac\":\"cd\"},\"version\":3}");
    T_CHECK(detect((const uint8_t *)text, n, &m) && strcmp(m.format, "ethereum-keystore") == 0 &&
            strstr(m.reason, "address not recorded") && strstr(m.reason, "pbkdf2"));
    T_CHECK(exact_prefixes((const uint8_t *)text, n) > 0);
    n = (size_t)snprintf(text, sizeof text, "QklFMQ%s", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    T_CHECK(!detect((const uint8_t *)text, n, &m)); /* BIE1 then 0x00: no public key */
    memcpy(b, "BIE1\x03", 5);
    memset(b + 5, 0x5a, 59);
    n = (size_t)EVP_EncodeBlock((unsigned char *)text, b, 64);
    T_CHECK(detect((const uint8_t *)text, n, &m) && strcmp(m.format, "electrum-wallet") == 0);
    /* a Berkeley DB file without wallet records is not a wallet */
    memset(b, 0, sizeof b);
    memcpy(b + 12, "\x62\x31\x05\x00", 4);
    memcpy(b + 600, "\x03key", 4);
    T_CHECK(!detect(b, sizeof b, &m));
    memcpy(b + 700, "\x04" "ckey\x21\x02", 7);
    T_CHECK(detect(b, sizeof b, &m) && strcmp(m.format, "bitcoin-wallet") == 0 && m.encrypted);

    /* PGP/MIME declared, its armoured part beyond the head */
    n = (size_t)snprintf(text, sizeof text, "From: a@x\nTo: b@y\nContent-Type: multipart/encrypted;\n\tprotocol="
                         "\"application/pgp-encrypted\"; boundary=\"b\"\n\n--b\n");
    T_CHECK(detect((const uint8_t *)text, n, &m) &&
            strcmp(m.format, "pgp-mail") == 0 && strstr(m.reason, "not in the sampled head"));
}

/* GELI metadata in the last sector, MD5-sealed; Android's crypto footer. */
static void geli_and_android_fde(void)
{
    size_t size = 64 * 1024;
    uint8_t *b = prng(size, 77), *md = b + size - 512;
    pt_crypto_match_t m;
    unsigned int len;

    memset(md, 0, 512);
    memcpy(md, "GEOM::ELI", 9);
    t_put_le32(md + 16, 7);
    md[24] = 22;     /* AES-XTS */
    md[27] = 1;      /* 256-bit key */
    t_put_le32(md + 30, (uint32_t)size);
    t_put_le32(md + 38, 4096);
    md[42] = 1;
    EVP_Digest(md, 495, md + 495, &len, EVP_md5(), NULL);
    T_CHECK(detect(b, size, &m) && strcmp(m.format, "geli") == 0 && m.encrypted &&
            strstr(m.reason, "AES-XTS, 256-bit key, 4096-byte sectors, 65536 bytes,"));
    md[200] ^= 1; /* the MD5 no longer matches: not GELI (random data otherwise) */
    T_CHECK(!detect(b, size, &m));
    md[200] ^= 1;
    md[24] = 16;     /* the NULL cipher: named, not encrypted */
    EVP_Digest(md, 495, md + 495, &len, EVP_md5(), NULL);
    T_CHECK(detect(b, size, &m) && strcmp(m.format, "geli-null") == 0 && !m.encrypted);

    memset(md, 0, 512);
    md = b + size - 16384;
    memset(md, 0, 104);
    t_put_le32(md, 0xD0B5B1C4u);
    md[4] = 1, md[6] = 2, md[8] = 104, md[16] = 32;
    strcpy((char *)md + 36, "aes-xts");
    T_CHECK(detect(b, size, &m) && strcmp(m.format, "android-fde") == 0 && strstr(m.reason, "aes-xts, 256-bit"));
    md[16] = 24; /* no such key size */
    T_CHECK(!detect(b, size, &m));
    free(b);
}

/* Outlook messages (MS-OXMSG compound files, tests/fixtures/mkcfb.py):
 * S/MIME by its attachment, Rights Management, a plain message; every
 * truncation read within its bounds; a looping directory tree and a
 * looping directory chain end. */
static void outlook_messages(void)
{
    char dir[] = "/tmp/pt-msg-XXXXXX", cmd[512], path[256];
    pt_crypto_match_t m;
    uint8_t *b;
    size_t n, i, d;
    FILE *f;
    int ok = t_scratch(dir);

    T_CHECK(ok);
    if (!ok)
        return;
    snprintf(path, sizeof path, "%s/env.der", dir);
    if ((f = fopen(path, "wb")) != NULL) {
        fwrite(env, 1, sizeof env, f);
        fclose(f);
    }
    snprintf(cmd, sizeof cmd,
             "python3 tests/fixtures/mkcfb.py msg-smime %s/s.msg %s && python3 tests/fixtures/mkcfb.py msg-irm %s/i.msg "
             "&& python3 tests/fixtures/mkcfb.py msg-plain %s/p.msg", dir, path, dir, dir);
    if (system(cmd) != 0) {
        T_CHECK(!"mkcfb.py wrote the messages");
        goto out;
    }
    snprintf(path, sizeof path, "%s/s.msg", dir);
    b = t_slurp(path, &n);
    T_CHECK(b != NULL);
    if (b) {
        T_CHECK(detect(b, n, &m) && strcmp(m.format, "smime-encrypted") == 0 && m.encrypted &&
                strstr(m.reason, "IPM.Note.SMIME") && strstr(m.reason, "AES-256-CBC"));
        for (i = 1; i < n; i += i < 4096 ? 1 : 61) { /* cut anywhere: ASan catches a read past the view */
            uint8_t *q = malloc(i);
            memcpy(q, b, i);
            detect(q, i, &m);
            free(q);
        }
        /* a tree whose first child is its own sibling on both sides, and a
         * directory chain whose FAT entry names itself: both end, quickly */
        d = ((size_t)le32(b + 0x30) + 1) * 512;
        T_CHECK(le16(b + d + 64) == 22 && b[d + 66] == 5); /* "Root Entry" */
        {
            uint32_t first = le32(b + d + 76), ds = le32(b + 0x30), fat0 = le32(b + 0x4c);
            uint8_t *c = malloc(n);
            struct timespec t0, t1;
            memcpy(c, b, n);
            t_put_le32(c + d + 128 * first + 68, first);
            t_put_le32(c + d + 128 * first + 72, first);
            t_put_le32(b + (fat0 + 1) * 512 + 4 * ds, ds);
            clock_gettime(CLOCK_MONOTONIC, &t0);
            for (i = 0; i < 10; i++) {
                detect(c, n, &m);
                detect(b, n, &m);
            }
            clock_gettime(CLOCK_MONOTONIC, &t1);
            T_CHECK((double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9 < 2.0);
            free(c);
        }
        free(b);
    }
    snprintf(path, sizeof path, "%s/i.msg", dir);
    T_CHECK((b = t_slurp(path, &n)) != NULL);
    if (b) {
        T_CHECK(detect(b, n, &m) && strcmp(m.format, "outlook-irm") == 0 && m.encrypted);
        free(b);
    }
    snprintf(path, sizeof path, "%s/p.msg", dir);
    T_CHECK((b = t_slurp(path, &n)) != NULL);
    if (b) {
        T_CHECK(detect(b, n, &m) && strcmp(m.format, "msg") == 0 && !m.encrypted);
        free(b);
    }
out:
    t_rmtree(dir);
}

int main(void)
{
    T_RUN(luks_headers);
    T_RUN(volume_and_database_headers);
    T_RUN(archive_headers);
    T_RUN(key_files);
    T_RUN(corestorage_header);
    T_RUN(application_containers);
    T_RUN(backup_and_tool_files);
    T_RUN(java_and_mac_key_stores);
    T_RUN(windows_secrets);
    T_RUN(random_bytes_match_nothing);
    T_RUN(cms_and_mail);
    T_RUN(outlook_messages);
    T_RUN(geli_and_android_fde);
    T_RUN(decoders_explain_compressed);
    T_RUN(verdicts);
    T_RUN(bitlocker_to_go);
    T_RUN(server_stores);
    T_RUN(statistics_of_random_data);
    T_RUN(carved_deflate_fails_the_bit_serial_test);
    return t_done();
}
