/* crypto.c - structural detectors of encrypted formats.  Pure functions over
 * the head/tail buffers the reader kept; owns no state.  A format parser may
 * run long (see design.md): each detector is small and documents the fields
 * it checks.  Every offset read is bounds-checked through at(). */
#include "crypto.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto_int.h"
#include "fsid.h"

const char *const pt_crypto_formats[] = {
    "luks1", "luks2", "bitlocker", "corestorage-fvde", "dmg-encrypted", "pgp", "age", "openssl-salted",
    "zip-aes", "zip-crypto", "7z-aes", "rar5-encrypted", "rar4-encrypted", "pdf-encrypted",
    "ooxml-encrypted", "kdbx", "kdb", "ssh-key-encrypted", "pem-encrypted", "pkcs8-encrypted", "pgp-secret-key",
    "gpg-agent-key", "pkcs12-encrypted", "java-keystore", "macos-keychain", "ansible-vault", "android-backup", "ecryptfs", "odf-encrypted",
    "doc-encrypted", "xls-encrypted", "ppt-encrypted", "borg-encrypted", "borg-key", "restic-key", "scrypt-encrypted",
    "aescrypt", "psafe3", "gocryptfs-conf", "cryptomator-masterkey", "encfs-config", "nextcloud-encrypted",
    "nextcloud-key", "git-crypt", "sops", "qcow-encrypted", "axcrypt", "dpapi-blob", "dpapi-masterkey",
    "cms-encrypted", "smime-encrypted", "pgp-mail", "ethereum-keystore", "electrum-wallet", "bitcoin-wallet",
    "bitwarden-export", "1password-vault", "geli", "android-fde", "virtualbox-encrypted", "vmware-encrypted-vm",
    "ios-backup-encrypted", "outlook-irm", NULL,
};

/* ---- LUKS ------------------------------------------------------------------ */

static int detect_luks(const pt_crypto_view_t *v, pt_crypto_match_t *m)
{
    const uint8_t *p = at(v, 0, 592);
    char cipher[33], mode[33], hash[33], uuid[41], label[49] = "";

    if (!p || memcmp(p, "LUKS\xba\xbe", 6) != 0)
        return 0;
    if (!cstr(p + 168, 40, uuid, sizeof uuid))
        uuid[0] = '\0';
    if (be16(p + 6) == 1) {
        uint32_t key_bytes = be32(p + 108);
        int i, active = 0;
        if (!cstr(p + 8, 32, cipher, sizeof cipher) || !cstr(p + 40, 32, mode, sizeof mode) ||
            !cstr(p + 72, 32, hash, sizeof hash) || key_bytes == 0 || key_bytes > 128)
            return 0;
        for (i = 0; i < 8; i++) {
            uint32_t st = be32(p + 208 + 48 * i);
            if (st == 0x00AC71F3)
                active++;
            else if (st != 0x0000DEAD)
                return 0; /* not a key slot state: not LUKS1 */
        }
        SET(m, "luks1", 1, "LUKS1 header: cipher %s-%s, %u-bit key, hash %s, %d of 8 key slots active, UUID %s",
            cipher, mode, key_bytes * 8, hash, active, uuid);
        return 1;
    }
    if (be16(p + 6) == 2) {
        uint64_t hdr = be64(p + 8);
        const uint8_t *json, *e;
        size_t jlen;
        int slots = 0;
        if (hdr < 16384 || hdr > 4194304 || (hdr & (hdr - 1)) != 0 || be64(p + 256) != 0 ||
            !cstr(p + 72, 32, hash, sizeof hash))
            return 0;
        cstr(p + 24, 48, label, sizeof label);
        strcpy(cipher, "unknown (JSON area not sampled)");
        if (v->head_len > 4096) {
            json = v->head + 4096;
            jlen = (v->head_len < hdr ? v->head_len : hdr) - 4096;
            if ((e = find(json, jlen, "\"encryption\":\"", 14)) != NULL) {
                size_t i, off = (size_t)(e - json) + 14;
                for (i = 0; i < 32 && off + i < jlen && json[off + i] != '"'; i++)
                    cipher[i] = (char)json[off + i];
                cipher[i] = '\0';
            }
            for (e = json; (e = find(e, jlen - (size_t)(e - json), "\"type\":\"luks2\"", 14)) != NULL; e += 14)
                slots++;
        }
        SET(m, "luks2", 1, "LUKS2 header: cipher %s, %d key slot%s, checksum %s, UUID %s%s%s", cipher, slots,
            slots == 1 ? "" : "s", hash, uuid, label[0] ? ", label " : "", label);
        return 1;
    }
    return 0;
}

/* ---- BitLocker ----------------------------------------------------------------- */

static const uint8_t bitlocker_guid[16] = { 0x3b, 0xd6, 0x67, 0x49, 0x29, 0x2e, 0xd8, 0x4a,
                                            0x83, 0x99, 0xf6, 0xa3, 0x39, 0xe3, 0xd0, 0x01 };

static int detect_bitlocker(const pt_crypto_view_t *v, pt_crypto_match_t *m)
{
    const uint8_t *p = at(v, 0, 512);
    unsigned bps;

    if (!p || p[510] != 0x55 || p[511] != 0xaa)
        return 0;
    bps = le16(p + 11);
    if (bps != 512 && bps != 1024 && bps != 2048 && bps != 4096)
        return 0;
    if (memcmp(p + 3, "-FVE-FS-", 8) == 0) {
        SET(m, "bitlocker", 1, "BitLocker volume boot record (-FVE-FS-), %u bytes per sector, FVE metadata at "
            "offset %llu", bps, (unsigned long long)le64(p + 0x1b0));
        return 1;
    }
    if (memcmp(p + 0x1a8, bitlocker_guid, 16) == 0 || memcmp(p + 0xa0, bitlocker_guid, 16) == 0) {
        SET(m, "bitlocker", 1, "BitLocker To Go volume (BitLocker GUID in the boot record), %u bytes per sector",
            bps);
        return 1;
    }
    return 0;
}

/* ---- FreeBSD GELI ----------------------------------------------------------------- */

/* GELI keeps its metadata in the provider's last sector (512 or 4096
 * bytes): "GEOM::ELI", then little-endian fields and an MD5 of them all
 * (g_eli.h; version 0 lacks the authentication algorithm).  The MD5 makes
 * a chance match impossible. */
static const char *geli_algo(unsigned a)
{
    switch (a) {
    case 2: return "3DES-CBC";
    case 3: return "Blowfish-CBC";
    case 11: return "AES-CBC";
    case 16: return "NULL (not encrypted)";
    case 21: return "Camellia-CBC";
    case 22: return "AES-XTS";
    default: return NULL;
    }
}

static int detect_geli(const pt_crypto_view_t *v, pt_crypto_match_t *m)
{
    static const unsigned sectors[] = { 512, 4096 };
    unsigned char md5[16];
    size_t i;

    for (i = 0; i < 2; i++) {
        const uint8_t *p = v->size >= 2 * sectors[i] ? at(v, v->size - sectors[i], 511) : NULL;
        uint32_t version;
        unsigned ealgo, keylen, old, hashed;
        uint64_t provsize;
        if (!p || memcmp(p, "GEOM::ELI\0", 10) != 0 || (version = le32(p + 16)) > 15)
            continue;
        old = version == 0 ? 2 : 0; /* v0 has no md_aalgo: later fields 2 bytes earlier */
        hashed = 495 - old;
        if (EVP_Digest(p, hashed, md5, NULL, EVP_md5(), NULL) != 1 || memcmp(md5, p + hashed, 16) != 0)
            continue;
        ealgo = le16(p + 24);
        keylen = le16(p + 26);
        provsize = le64(p + 30 - old);
        SET(m, ealgo == 16 ? "geli-null" : "geli", ealgo != 16, "FreeBSD GELI provider (metadata version %u in "
            "its last %u-byte sector, MD5 valid): %s, %u-bit key, %u-byte sectors, %llu bytes%s, %s",
            version, sectors[i], geli_algo(ealgo) ? geli_algo(ealgo) : "unknown cipher", keylen,
            le32(p + 38 - old), (unsigned long long)provsize, provsize == v->size ? "" : " (not this volume's size)",
            le32(p + 20) & 1 ? "one-time keys (swap)" : (p[42 - old] ? "unlocked by a passphrase or key file"
                                                                       : "no key slot in use"));
        return 1;
    }
    return 0;
}

/* ---- Android full-disk encryption (cryptfs, Android 5-9) ------------------------------ */

/* The crypto footer (struct crypt_mnt_ftr): magic 0xD0B5B1C4, version 1.x,
 * the cipher's name; in the last 16 KiB of the userdata partition, or at
 * the start of a separate metadata partition. */
static int detect_android_fde(const pt_crypto_view_t *v, pt_crypto_match_t *m)
{
    const uint64_t offs[2] = { 0, v->size >= 32768 ? v->size - 16384 : 0 };
    char cipher[65];
    size_t i;

    for (i = 0; i < 2; i++) {
        const uint8_t *p = at(v, offs[i], 104);
        uint32_t keysize;
        if (!p || le32(p) != 0xD0B5B1C4u || le16(p + 4) != 1 || le16(p + 6) > 3 || le32(p + 8) < 104 ||
            le32(p + 8) > 4096 || ((keysize = le32(p + 16)) != 16 && keysize != 32 && keysize != 64) ||
            !cstr(p + 36, 64, cipher, sizeof cipher))
            continue;
        if (i == 0 && offs[1] != 0 && v->size > (1u << 24))
            continue; /* a footer at the start: only a small metadata partition */
        SET(m, "android-fde", 1, "Android full-disk encryption crypto footer (cryptfs %u.%u) %s: %s, %u-bit key, "
            "filesystem of %llu sectors; the userdata partition is ciphertext", le16(p + 4), le16(p + 6),
            i ? "in the partition's last 16 KiB" : "(a metadata partition)", cipher, keysize * 8,
            (unsigned long long)le64(p + 24));
        return 1;
    }
    return 0;
}

/* ---- QEMU qcow and qcow2 with encrypted guest data ------------------------------ */

/* The header is plaintext; crypt_method (byte 32 of version 2 and 3,
 * byte 36 of version 1) says the clusters are ciphertext: 1 AES-CBC keyed
 * from a passphrase (legacy), 2 LUKS (the key slots inside the image, at
 * the offset its crypto header extension gives). */
static int detect_qcow(const pt_crypto_view_t *v, pt_crypto_match_t *m)
{
    const uint8_t *p = at(v, 0, 40);
    uint32_t version, method;

    if (!p || memcmp(p, "QFI\xfb", 4) != 0)
        return 0;
    version = be32(p + 4);
    if (version < 1 || version > 3)
        return 0;
    method = be32(p + (version == 1 ? 36 : 32));
    if (method == 0 || method > 2 || (method == 2 && version < 2))
        return 0;
    SET(m, "qcow-encrypted", 1, "QEMU qcow%s image whose guest data is encrypted (%s): its disk opens only with "
        "the %s", version == 1 ? "" : "2", method == 1 ? "legacy AES-CBC" : "LUKS, key slots inside the image",
        method == 1 ? "passphrase it was made with" : "passphrase of one of its key slots (the libvirt or "
        "OpenStack secret)");
    return 1;
}

/* ---- Apple Core Storage (FileVault 2 before APFS, macOS 10.7-10.12) --------- */

/* The physical volume header: version 1, block type 0x10, "CS" at 88,
 * checksum method 1; the cipher (2 = AES-XTS) and key size (16) at 168. */
static int detect_corestorage(const pt_crypto_view_t *v, pt_crypto_match_t *m)
{
    const uint8_t *p = at(v, 0, 512);
    char uuid[40];

    if (!p || p[88] != 'C' || p[89] != 'S' || le16(p + 8) != 1 || le16(p + 10) != 0x10 || le32(p + 90) != 1)
        return 0;
    snprintf(uuid, sizeof uuid, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", p[304],
             p[305], p[306], p[307], p[308], p[309], p[310], p[311], p[312], p[313], p[314], p[315], p[316], p[317],
             p[318], p[319]);
    if (le32(p + 172) == 2 && le32(p + 168) == 16) {
        SET(m, "corestorage-fvde", 1, "Apple Core Storage physical volume encrypted with FileVault 2 (AES-XTS, "
            "128-bit key data), %u-byte blocks, physical volume %s", le32(p + 96), uuid);
        return 1;
    }
    SET(m, "corestorage", 0, "Apple Core Storage physical volume (cipher field %u: not FileVault 2 AES-XTS), "
        "physical volume %s", le32(p + 172), uuid);
    return 1;
}

/* ---- encrypted disk images (Apple) ------------------------------------------------ */

static int detect_dmg(const pt_crypto_view_t *v, pt_crypto_match_t *m)
{
    const uint8_t *p = at(v, 0, 12), *t = v->size >= 8 ? at(v, v->size - 8, 8) : NULL;

    if (p && memcmp(p, "encrcdsa", 8) == 0 && be32(p + 8) >= 1 && be32(p + 8) <= 2) {
        SET(m, "dmg-encrypted", 1, "encrypted Apple disk image (encrcdsa header, version %u)", be32(p + 8));
        return 1;
    }
    if (t && memcmp(t, "cdsaencr", 8) == 0) {
        SET(m, "dmg-encrypted", 1, "encrypted Apple disk image (cdsaencr trailer, version 1)");
        return 1;
    }
    /* a plain UDIF image: compressed chunks (LZFSE ones look random), which
     * the scan walks as a disk */
    if (v->size >= 1024 && (t = at(v, v->size - 512, 512)) != NULL && memcmp(t, "koly", 4) == 0 &&
        be32(t + 4) == 4 && be32(t + 8) == 512) {
        SET(m, "dmg", 0, "Apple disk image (UDIF koly trailer): compressed disk chunks, not ciphertext; its disk "
            "is walked");
        return 1;
    }
    return 0;
}

/* ---- Linux swap (a partition or /swapfile) ----------------------------------------- */

/* Memory pages, not ciphertext: named with fsid.c's words (page size,
 * UUID, label; a hibernation image in it) so that the reason says what it
 * may hold.  dm-crypt swap has no signature and stays with the statistics. */
static int detect_swap(const pt_crypto_view_t *v, pt_crypto_match_t *m)
{
    char what[sizeof m->reason];
    const char *name;

    if (v->head_len < 4096 || !at(v, 4086, 10) ||
        !(name = pt_fsid_name_buf(v->head, v->head_len, v->size, what, sizeof what)) ||
        (strcmp(name, "linux-swap") != 0 && strcmp(name, "linux-hibernation") != 0))
        return 0;
    SET(m, name, 0, "%s", what);
    return 1;
}

/* ---- Windows hibernation file ------------------------------------------------------ */

/* hiberfil.sys (and Fast Startup's): the PO_MEMORY_IMAGE header, its
 * signature and 4096-byte page size, then Xpress-compressed memory that
 * looks random but is not ciphertext.  Windows 8 and later zero the
 * header on resume; the file is then judged by its bytes. */
static int detect_hibernation(const pt_crypto_view_t *v, pt_crypto_match_t *m)
{
    static const char *const sigs[] = { "hibr", "HIBR", "wake", "WAKE", "RSTR", "rstr" };
    const uint8_t *p = at(v, 0, 0x18);
    size_t i;

    if (!p || le32(p + 0x14) != 4096)
        return 0;
    for (i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        if (memcmp(p, sigs[i], 4) == 0) {
            SET(m, "windows-hibernation", 0, "Windows hibernation file (signature '%s', 4096-byte pages): a copy "
                "of the system's memory, Xpress-compressed, not ciphertext", sigs[i]);
            return 1;
        }
    return 0;
}

/* Memory captures, which hold whatever the system had in memory (documents
 * open, passwords, keys): LiME's ranges (magic "EMiL", version 1, a start
 * no greater than the end), and Windows crash dumps ("PAGEDUMP" and
 * "PAGEDU64", full or kernel dumps written by Windows or taken by
 * examiners' tools).  Not ciphertext; the reason says what they are. */
static int detect_memory_image(const pt_crypto_view_t *v, pt_crypto_match_t *m)
{
    const uint8_t *p = at(v, 0, 32);

    if (!p)
        return 0;
    if (le32(p) == 0x4c694d45u && le32(p + 4) == 1 && le64(p + 8) <= le64(p + 16)) {
        SET(m, "lime-memory", 0, "LiME memory capture of a Linux system (first range 0x%llx-0x%llx): a copy of "
            "its memory, not ciphertext", (unsigned long long)le64(p + 8), (unsigned long long)le64(p + 16));
        return 1;
    }
    if (memcmp(p, "PAGEDUMP", 8) == 0 || memcmp(p, "PAGEDU64", 8) == 0) {
        SET(m, "windows-crash-dump", 0, "Windows memory dump (%s, %s-bit): a copy of the system's memory, not "
            "ciphertext", p[7] == '4' ? "PAGEDU64" : "PAGEDUMP", p[7] == '4' ? "64" : "32");
        return 1;
    }
    return 0;
}

/* ---- OpenPGP ------------------------------------------------------------------- */

int pt_crypto_pgp_header(const uint8_t *p, size_t n, pgp_pkt_t *k)
{
    if (n < 2 || !(p[0] & 0x80))
        return 0;
    if (p[0] & 0x40) { /* new format */
        k->tag = p[0] & 0x3f;
        if (p[1] < 192) {
            k->hdr = 2;
            k->body = p[1];
        } else if (p[1] < 224) {
            if (n < 3)
                return 0;
            k->hdr = 3;
            k->body = ((size_t)(p[1] - 192) << 8) + p[2] + 192;
        } else if (p[1] == 255) {
            if (n < 6)
                return 0;
            k->hdr = 6;
            k->body = be32(p + 2);
        } else { /* partial length: a streamed packet */
            k->hdr = 2;
            k->body = (size_t)1 << (p[1] & 0x1f);
        }
    } else { /* old format */
        k->tag = (p[0] >> 2) & 0x0f;
        switch (p[0] & 3) {
        case 0: k->hdr = 2; k->body = p[1]; break;
        case 1: if (n < 3) return 0; k->hdr = 3; k->body = be16(p + 1); break;
        case 2: if (n < 5) return 0; k->hdr = 5; k->body = be32(p + 1); break;
        default: k->hdr = 1; k->body = SIZE_MAX; break;
        }
    }
    return k->tag > 0;
}

static const char *pgp_pk_algo(int a)
{
    switch (a) {
    case 1: case 2: return "RSA";
    case 16: return "Elgamal";
    case 18: return "ECDH";
    case 25: return "X25519";
    case 26: return "X448";
    default: return NULL;
    }
}

static const char *pgp_cipher(int a)
{
    static const char *const names[] = { NULL, "IDEA", "3DES", "CAST5", "Blowfish", NULL, NULL,
                                         "AES-128", "AES-192", "AES-256", "Twofish", "Camellia-128",
                                         "Camellia-192", "Camellia-256" };
    return a > 0 && a < 14 ? names[a] : NULL;
}

/* Checks one encryption-related packet body; writes a description. */
static int pgp_packet_ok(const uint8_t *b, size_t n, int tag, char *desc, size_t dsize)
{
    switch (tag) {
    case 1: /* public-key encrypted session key */
        if (n >= 10 && b[0] == 3 && pgp_pk_algo(b[9])) {
            snprintf(desc, dsize, "public-key encrypted session key (%s, key ID %016llX)", pgp_pk_algo(b[9]),
                     (unsigned long long)be64(b + 1));
            return 1;
        }
        if (n >= 3 && b[0] == 6) {
            snprintf(desc, dsize, "public-key encrypted session key (v6)");
            return 1;
        }
        return 0;
    case 3: /* symmetric-key encrypted session key */
        if (n >= 3 && b[0] == 4 && pgp_cipher(b[1]) && (b[2] == 0 || b[2] == 1 || b[2] == 3)) {
            snprintf(desc, dsize, "passphrase-encrypted session key (%s, S2K type %d)", pgp_cipher(b[1]), b[2]);
            return 1;
        }
        if (n >= 4 && (b[0] == 5 || b[0] == 6) && pgp_cipher(b[b[0] == 6 ? 2 : 1])) {
            snprintf(desc, dsize, "passphrase-encrypted session key (v%d)", b[0]);
            return 1;
        }
        return 0;
    case 18: /* symmetrically encrypted integrity-protected data */
        if (n >= 1 && (b[0] == 1 || b[0] == 2)) {
            snprintf(desc, dsize, "encrypted integrity-protected data (v%d)", b[0]);
            return 1;
        }
        return 0;
    case 20: /* AEAD encrypted data */
        if (n >= 2 && b[0] == 1 && pgp_cipher(b[1])) {
            snprintf(desc, dsize, "AEAD encrypted data (%s)", pgp_cipher(b[1]));
            return 1;
        }
        return 0;
    case 9: /* symmetrically encrypted data, no integrity protection */
        snprintf(desc, dsize, "encrypted data without integrity protection");
        return 1;
    default:
        return 0;
    }
}

int pt_crypto_pgp_stream(const uint8_t *p, size_t n, int strict, char *desc, size_t dsize)
{
    pgp_pkt_t k, k2;
    char d1[128], d2[128];

    if (!pt_crypto_pgp_header(p, n, &k))
        return 0;
    if (k.tag == 1 || k.tag == 3 || k.tag == 18 || k.tag == 20 || (k.tag == 9 && !strict)) {
        size_t avail = n - k.hdr < k.body ? n - k.hdr : k.body;
        if (k.hdr > n || !pgp_packet_ok(p + k.hdr, avail, k.tag, d1, sizeof d1))
            return 0;
        /* Binary data without armour must show a second packet (or end) to
         * rule out a chance match in random bytes. */
        if (k.body != SIZE_MAX && k.hdr + k.body < n) {
            const uint8_t *q = p + k.hdr + k.body;
            size_t m = n - k.hdr - k.body;
            if (!pt_crypto_pgp_header(q, m, &k2) || k2.hdr > m ||
                !pgp_packet_ok(q + k2.hdr, m - k2.hdr < k2.body ? m - k2.hdr : k2.body, k2.tag, d2, sizeof d2))
                return 0;
            snprintf(desc, dsize, "%.90s, then %.90s", d1, d2);
        } else if (strict && k.tag != 18 && k.tag != 20 && k.tag != 9) {
            return 0; /* a lone session-key packet is not a message */
        } else {
            snprintf(desc, dsize, "%s", d1);
        }
        return 1;
    }
    if (k.tag == 8 || k.tag == 4 || k.tag == 2 || k.tag == 11 || k.tag == 6 || k.tag == 5) {
        snprintf(desc, dsize, "first packet tag %d (%s)", k.tag,
                 k.tag == 8 ? "compressed data" : k.tag == 11 ? "literal data" : k.tag == 6 || k.tag == 5 ? "key" : "signature");
        return -1;
    }
    return 0;
}

int pt_crypto_armour_body(const pt_crypto_view_t *v, size_t after, uint8_t *bin, size_t size, size_t *n)
{
    /* armour headers ("Version: ...") end at the first empty line */
    const uint8_t *body = find(v->head + after, v->head_len - after, "\n\n", 2);
    const uint8_t *body_crlf = find(v->head + after, v->head_len - after, "\r\n\r\n", 4);

    if (body_crlf && (!body || body_crlf < body))
        body = body_crlf + 2;
    if (!body)
        return 0;
    body += 2;
    *n = b64_decode(body, v->head_len - (size_t)(body - v->head), bin, size);
    return 1;
}

static int detect_pgp(const pt_crypto_view_t *v, pt_crypto_match_t *m)
{
    char desc[200];
    size_t after;
    int r;

    if (starts_text(v, "-----BEGIN PGP MESSAGE-----", &after)) {
        uint8_t bin[512];
        size_t n;
        if (!pt_crypto_armour_body(v, after, bin, sizeof bin, &n)) {
            SET(m, "pgp", 1, "armoured OpenPGP message (body not in the sampled head)");
            return 1;
        }
        r = pt_crypto_pgp_stream(bin, n, 0, desc, sizeof desc);
        if (r > 0)
            SET(m, "pgp", 1, "armoured OpenPGP message: %s", desc);
        else if (r < 0)
            SET(m, "pgp", 0, "armoured OpenPGP message, not encrypted: %s", desc);
        else
            SET(m, "pgp", 1, "armoured OpenPGP message (packets not decodable)");
        return 1;
    }
    r = pt_crypto_pgp_stream(v->head, v->head_len, 1, desc, sizeof desc);
    if (r > 0) {
        SET(m, "pgp", 1, "OpenPGP message: %s", desc);
        return 1;
    }
    return 0;
}

/* Skips the public-key material of a v3/v4 key packet body (from the
 * algorithm octet); returns its end, or 0 when the fields do not parse. */
static size_t pgp_skip_public(const uint8_t *b, size_t n, size_t off, int algo)
{
    int mpis, i;

    switch (algo) {
    case 1: case 2: case 3: mpis = 2; break;      /* RSA: n, e */
    case 16: case 20: mpis = 3; break;            /* Elgamal: p, g, y */
    case 17: mpis = 4; break;                     /* DSA: p, q, g, y */
    case 18: case 19: case 22:                    /* ECDH, ECDSA, EdDSA: curve OID, point */
        if (off >= n || b[off] == 0 || b[off] == 0xff)
            return 0;
        off += 1 + (size_t)b[off];
        mpis = 1;
        break;
    case 25: return off + 32 <= n ? off + 32 : 0; /* X25519 */
    case 26: return off + 56 <= n ? off + 56 : 0; /* X448 */
    case 27: return off + 32 <= n ? off + 32 : 0; /* Ed25519 */
    case 28: return off + 57 <= n ? off + 57 : 0; /* Ed448 */
    default: return 0;
    }
    for (i = 0; i < mpis; i++) {
        size_t bits;
        if (off + 2 > n)
            return 0;
        bits = be16(b + off);
        off += 2 + (bits + 7) / 8;
    }
    if (algo == 18) { /* KDF parameters */
        if (off >= n || b[off] < 3)
            return 0;
        off += 1 + (size_t)b[off];
    }
    return off <= n ? off : 0;
}

/* A secret-key packet (tag 5) body: version, public part, then the S2K
 * usage octet that says whether the secret part is protected. */
static int pgp_secret_key(const uint8_t *b, size_t n, char *desc, size_t dsize, int *protected_)
{
    size_t off;
    int ver, algo, usage;

    if (n < 8 || (ver = b[0]) < 3 || ver > 6)
        return 0;
    algo = b[ver == 3 ? 7 : 5];
    if (ver == 3)
        off = pgp_skip_public(b, n, 8, algo);
    else if (ver == 4)
        off = pgp_skip_public(b, n, 6, algo);
    else /* v5, v6: the public material's length is given */
        off = n >= 10 && be32(b + 6) < n ? 10 + be32(b + 6) : 0;
    if (!off || off >= n)
        return 0;
    usage = b[off];
    if (usage == 0) {
        *protected_ = 0;
        snprintf(desc, dsize, "OpenPGP secret key (v%d), secret part not protected (S2K usage 0)", ver);
        return 1;
    }
    if (usage == 253 || usage == 254 || usage == 255) {
        size_t c = off + 1 + (ver >= 5 ? 1 : 0); /* v5/v6: a count of the fields that follow */
        const char *cipher = c < n ? pgp_cipher(b[c]) : NULL;
        int s2k = c + 1 < n ? b[c + (usage == 253 ? 3 : 1)] : -1;
        if (s2k == 101 && c + 6 < n && memcmp(b + c + 3, "GNU", 3) == 0) {
            *protected_ = 0;
            snprintf(desc, dsize, "OpenPGP secret key (v%d) without its secret part (GnuPG stub, %s)", ver,
                     b[c + 6] == 2 ? "key on a smartcard" : "key removed");
            return 1;
        }
        if (!cipher)
            return 0;
        *protected_ = 1;
        snprintf(desc, dsize, "OpenPGP secret key (v%d), secret part encrypted with %s (S2K usage %d%s)", ver,
                 cipher, usage, usage == 253 ? ", AEAD" : usage == 254 ? ", SHA-1 check" : "");
        return 1;
    }
    if (!pgp_cipher(usage))
        return 0;
    *protected_ = 1;
    snprintf(desc, dsize, "OpenPGP secret key (v%d), secret part encrypted with %s (legacy S2K usage)", ver,
             pgp_cipher(usage));
    return 1;
}

/* A transferable secret key (gpg --export-secret-keys), binary or armoured. */
static int detect_pgp_secret(const pt_crypto_view_t *v, pt_crypto_match_t *m)
{
    uint8_t bin[4096];
    const uint8_t *p = v->head;
    size_t n = v->head_len, after;
    char desc[200];
    pgp_pkt_t k;
    int prot, armoured = 0;

    if (starts_text(v, "-----BEGIN PGP PRIVATE KEY BLOCK-----", &after)) {
        armoured = 1;
        if (!pt_crypto_armour_body(v, after, bin, sizeof bin, &n))
            return 0;
        p = bin;
    }
    if (!pt_crypto_pgp_header(p, n, &k) || k.tag != 5 || k.body == SIZE_MAX || k.hdr >= n)
        return 0;
    if (!pgp_secret_key(p + k.hdr, n - k.hdr < k.body ? n - k.hdr : k.body, desc, sizeof desc, &prot))
        return 0;
    SET(m, "pgp-secret-key", prot, "%s%s", armoured ? "armoured " : "", desc);
    return 1;
}

/* ---- application containers ------------------------------------------------------------ */

/* Ansible Vault: "$ANSIBLE_VAULT;1.1;AES256" (1.2 adds a vault id), then
 * hex lines. */
static int detect_ansible_vault(const pt_crypto_view_t *v, pt_crypto_match_t *m)
{
    size_t after, i, hex = 0;
    char hdr[80];

    if (!starts_text(v, "$ANSIBLE_VAULT;1.", &after))
        return 0;
    for (i = 0; after + i < v->head_len && i + 1 < sizeof hdr && v->head[after + i] != '\n' &&
                v->head[after + i] != '\r'; i++)
        hdr[i] = (char)v->head[after + i];
    hdr[i] = '\0';
    if (i < 2 || (hdr[0] != '1' && hdr[0] != '2') || hdr[1] != ';')
        return 0;
    for (i = after + i; i < v->head_len && hex < 64; i++) {
        uint8_t c = v->head[i];
        if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))
            hex++;
        else if (c != '\n' && c != '\r')
            return 0;
    }
    if (hex < 64 && v->size > v->head_len)
        return 0;
    SET(m, "ansible-vault", 1, "Ansible Vault file, format 1.%s", hdr);
    return 1;
}

/* Nextcloud and ownCloud server-side encryption: a file (or an encrypted
 * private key) begins "HBEGIN:key:value:...:HEND", the pairs naming the
 * module, cipher, key format and encoding; a file's header is padded with
 * '-' to 8192 bytes, then each 8192-byte block carries its ciphertext,
 * "00iv00" and an IV, and for signed files "00sig00" and an HMAC. */
static int detect_nextcloud(const pt_crypto_view_t *v, pt_crypto_match_t *m)
{
    static const char *const keys[] = { "oc_encryption_module", "cipher", "keyFormat", "encoding", "signed", NULL };
    char val[5][48];
    size_t i = 7, end, k;
    const uint8_t *h = v->head;

    if (v->head_len < 16 || memcmp(h, "HBEGIN:", 7) != 0)
        return 0;
    end = v->head_len < 8192 ? v->head_len : 8192;
    const uint8_t *hend = find(h, end, ":HEND", 5);
    if (!hend)
        return 0;
    end = (size_t)(hend - h);
    memset(val, 0, sizeof val);
    /* key:value pairs, each part printable and without ':' */
    while (i < end) {
        size_t ks = i, ke, vs, ve;
        while (i < end && h[i] != ':')
            i++;
        ke = i++;
        vs = i;
        while (i < end && h[i] != ':')
            i++;
        ve = i++;
        if (ke == ks || ke >= end || ve == vs || ve - vs >= sizeof val[0])
            return 0;
        for (k = ks; k < ve; k++)
            if (h[k] < 0x20 || h[k] > 0x7e)
                return 0;
        for (k = 0; keys[k]; k++)
            if (strlen(keys[k]) == ke - ks && memcmp(h + ks, keys[k], ke - ks) == 0) {
                memcpy(val[k], h + vs, ve - vs);
                val[k][ve - vs] = '\0';
            }
    }
    if (!val[1][0])
        return 0;
    if (!val[0][0]) /* ownCloud 7 and 8 (files_encryption) named the cipher alone */
        snprintf(val[0], sizeof val[0], "legacy ownCloud");
    if (val[2][0]) {
        SET(m, "nextcloud-key", 1, "encrypted private key of Nextcloud/ownCloud server-side encryption (%.16s, "
            "key format %.8s): a master, recovery or user key, opened with config.php's secret or a login password",
            val[1], val[2]);
        return 1;
    }
    SET(m, "nextcloud-encrypted", 1, "Nextcloud/ownCloud server-side encryption (%.24s, %.16s%s): opens only with "
        "its file key (under files_encryption/), itself encrypted to the master key or the users' keys", val[0],
        val[1], strcmp(val[4], "true") == 0 ? ", signed" : "");
    return 1;
}

/* git-crypt: an encrypted file is "\0GITCRYPT\0" and a 12-byte nonce, then
 * AES-256-CTR ciphertext; the repository's symmetric key
 * (.git/git-crypt/keys/NAME) is "\0GITCRYPTKEY" and is NOT encrypted: with
 * it the files open (git-crypt unlock KEYFILE). */
static int detect_git_crypt(const pt_crypto_view_t *v, pt_crypto_match_t *m)
{
    if (v->head_len >= 22 && memcmp(v->head, "\0GITCRYPT\0", 10) == 0) {
        SET(m, "git-crypt", 1, "a file encrypted by git-crypt (AES-256-CTR, nonce in its header): it opens with "
            "the repository's key (.git/git-crypt/keys/, or GPG-encrypted copies under .git-crypt/)");
        return 1;
    }
    if (v->head_len >= 16 && memcmp(v->head, "\0GITCRYPTKEY", 12) == 0) {
        SET(m, "git-crypt-key", 0, "a git-crypt repository key, not encrypted: it decrypts the repository's git-crypt "
            "files (git-crypt unlock KEYFILE)");
        return 1;
    }
    return 0;
}

/* SOPS (Mozilla's secrets editor): a YAML, JSON, INI or .env file whose
 * values are "ENC[AES256_GCM,data:...,iv:...,tag:...,type:...]" and whose
 * "sops" section holds the data key encrypted to KMS, age or PGP keys.  The
 * keys and structure are plaintext; the values are ciphertext. */
static int detect_sops(const pt_crypto_view_t *v, pt_crypto_match_t *m)
{
    size_t left = 0;
    unsigned n;

    if (v->head_len < 40 || !find(v->head, v->head_len, "ENC[AES256_GCM,data:", 20) ||
        !(find_any(v, "sops:", 5, &left) || find_any(v, "\"sops\"", 6, &left) ||
          find_any(v, "sops_version", 12, &left) || find_any(v, "[sops]", 6, &left)))
        return 0;
    n = count_text(v->head, v->head_len, "ENC[AES256_GCM,data:");
    SET(m, "sops", 1, "a SOPS-encrypted file: its %u value%s%s encrypted (AES-256-GCM; the data key in its sops "
        "section, encrypted to KMS, age or PGP keys); the names of the keys are in the clear", n,
        n == 1 ? " is" : "s are", v->size > v->head_len ? " (counted in the head)" : "");
    return 1;
}

/* Android backup (adb backup): "ANDROID BACKUP", version, compression flag,
 * encryption ("none" or "AES-256"). */
static int detect_android_backup(const pt_crypto_view_t *v, pt_crypto_match_t *m)
{
    static const char magic[] = "ANDROID BACKUP\n";
    const uint8_t *p = v->head + sizeof magic - 1, *end = v->head + v->head_len;
    char f[3][16];
    int i;

    if (v->head_len < sizeof magic - 1 || memcmp(v->head, magic, sizeof magic - 1) != 0)
        return 0;
    for (i = 0; i < 3; i++) {
        size_t j = 0;
        while (p < end && *p != '\n' && j + 1 < sizeof f[i])
            f[i][j++] = (char)*p++;
        if (p >= end || *p != '\n')
            return 0;
        f[i][j] = '\0';
        p++;
    }
    if (!f[0][0] || strspn(f[0], "0123456789") != strlen(f[0]) || (strcmp(f[1], "0") != 0 && strcmp(f[1], "1") != 0))
        return 0;
    if (strcmp(f[2], "none") == 0) {
        SET(m, "android-backup", 0, "Android backup, version %s, not encrypted", f[0]);
        return 1;
    }
    SET(m, "android-backup", 1, "Android backup, version %s, encrypted with %s", f[0], f[2]);
    return 1;
}

/* eCryptfs lower file (~/.Private of Ubuntu's encrypted home): plaintext
 * size, then a marker whose two halves XOR to 0x3c81b7f5, file version,
 * header extent size and count, then the key packets. */
static int detect_ecryptfs(const pt_crypto_view_t *v, pt_crypto_match_t *m)
{
    const uint8_t *p = at(v, 0, 27);
    uint64_t plain;
    uint32_t extent;
    unsigned nextents;

    if (!p || (be32(p + 8) ^ be32(p + 12)) != 0x3c81b7f5u)
        return 0;
    plain = be64(p);
    extent = be32(p + 20);
    nextents = be16(p + 24);
    if (p[16] < 1 || p[16] > 4 || extent < 512 || extent > 1048576 || (extent & (extent - 1)) || nextents == 0 ||
        (uint64_t)extent * nextents > v->size || plain > v->size)
        return 0;
    SET(m, "ecryptfs", 1, "eCryptfs encrypted file (version %u, %u-byte header, %llu bytes of plaintext%s)", p[16],
        extent * nextents, (unsigned long long)plain,
        p[26] == 0x8c ? ", passphrase key packet" : p[26] == 0x01 ? ", public-key key packet" : "");
    return 1;
}

/* ---- encrypted backups and files of encryption tools ---------------------------------- */

/* A Borg repository segment (data/N/M): "BORG_SEG", then entries of CRC-32,
 * size (the whole entry), tag (0 PUT, 1 DELETE, 2 COMMIT); a PUT's 32-byte
 * id is followed by the object, whose first byte names the key type that
 * made it (borg 1.x: 0 keyfile, 1 passphrase, 3 repokey, 4 and 5 their
 * BLAKE2b variants encrypt; 2 plaintext, 6 and 7 only authenticate). */
static int detect_borg_segment(const pt_crypto_view_t *v, pt_crypto_match_t *m)
{
    const uint8_t *p = at(v, 0, 8);
    uint64_t off = 8;
    unsigned others = 0;

    if (!p || memcmp(p, "BORG_SEG", 8) != 0)
        return 0;
    while (off + 9 <= v->size) {
        const uint8_t *e = at(v, off, 9);
        uint32_t size;
        if (!e || (size = le32(e + 4)) < 9 || size > v->size - off || e[8] > 2)
            break;
        if (e[8] == 0) {
            const uint8_t *t = size >= 42 ? at(v, off + 41, 1) : NULL;
            static const char *const kinds[] = { "keyfile", "passphrase", "plaintext", "repokey",
                                                 "BLAKE2b keyfile", "BLAKE2b repokey",
                                                 "BLAKE2b authenticated", "authenticated" };
            if (!t || *t > 7)
                break;
            if (*t == 2 || *t >= 6)
                SET(m, "borg-segment", 0, "Borg repository segment, objects not encrypted (%s mode)", kinds[*t]);
            else
                SET(m, "borg-encrypted", 1, "Borg repository segment, objects encrypted (%s mode, AES-CTR with "
                    "HMAC or BLAKE2b)", kinds[*t]);
            return 1;
        }
        others++;
        off += size;
    }
    SET(m, "borg-segment", 0, "Borg repository segment with no data object in the bytes read (%u delete or "
        "commit entries)", others);
    return 1;
}

/* scrypt(1)'s encrypted files (Tarsnap's format): "scrypt", version 0, the
 * key derivation's N, r, p and salt, then the first 16 bytes of the
 * SHA-256 of those 48 bytes, which must match. */
static int detect_scrypt_file(const pt_crypto_view_t *v, pt_crypto_match_t *m)
{
    const uint8_t *p = at(v, 0, 96);
    uint8_t md[32];
    unsigned len = 0;

    if (!p || memcmp(p, "scrypt\0", 7) != 0 || p[7] == 0 || p[7] > 63 || be32(p + 8) == 0 || be32(p + 12) == 0)
        return 0;
    if (!EVP_Digest(p, 48, md, &len, EVP_sha256(), NULL) || memcmp(md, p + 48, 16) != 0)
        return 0;
    SET(m, "scrypt-encrypted", 1, "scrypt(1) encrypted file (AES-256-CTR, key from scrypt with N=2^%u, r=%u, "
        "p=%u; header checksum valid)", p[7], be32(p + 8), be32(p + 12));
    return 1;
}

/* AES Crypt (.aes, a popular Windows and Android tool): "AES", format
 * version 1 to 3, a reserved zero byte. */
static int detect_aescrypt(const pt_crypto_view_t *v, pt_crypto_match_t *m)
{
    const uint8_t *p = at(v, 0, 5);

    if (!p || memcmp(p, "AES", 3) != 0 || p[3] < 1 || p[3] > 3 || p[4] != 0 || v->size < 5 + 16 + 48 + 32)
        return 0;
    SET(m, "aescrypt", 1, "AES Crypt file, format version %u (AES-256-CBC)", p[3]);
    return 1;
}

/* Password Safe v3 databases (.psafe3): "PWS3" and, before the 32-byte
 * HMAC at the end, the EOF marker "PWS3-EOFPWS3-EOF". */
static int detect_psafe3(const pt_crypto_view_t *v, pt_crypto_match_t *m)
{
    const uint8_t *p = at(v, 0, 72), *e = v->size >= 48 + 152 ? at(v, v->size - 48, 16) : NULL;

    if (!p || memcmp(p, "PWS3", 4) != 0 || !e || memcmp(e, "PWS3-EOFPWS3-EOF", 16) != 0)
        return 0;
    SET(m, "psafe3", 1, "Password Safe v3 database (Twofish, key stretched %u times)", le32(p + 36));
    return 1;
}

/* ---- age, OpenSSL ------------------------------------------------------------------ */

static int detect_age(const pt_crypto_view_t *v, pt_crypto_match_t *m)
{
    static const char hdr[] = "age-encryption.org/v1\n-> ";
    char kind[32] = "";
    size_t i;

    if (starts_text(v, "-----BEGIN AGE ENCRYPTED FILE-----", NULL)) {
        SET(m, "age", 1, "armoured age encrypted file");
        return 1;
    }
    if (v->head_len < sizeof hdr - 1 || memcmp(v->head, hdr, sizeof hdr - 1) != 0)
        return 0;
    for (i = 0; i + 1 < sizeof kind && sizeof hdr - 1 + i < v->head_len; i++) {
        uint8_t c = v->head[sizeof hdr - 1 + i];
        if (c == ' ' || c == '\n' || c < 0x21 || c > 0x7e)
            break;
        kind[i] = (char)c;
    }
    kind[i] = '\0';
    SET(m, "age", 1, "age v1 encrypted file, first recipient stanza %s", kind[0] ? kind : "(unknown)");
    return 1;
}

static int detect_openssl(const pt_crypto_view_t *v, pt_crypto_match_t *m)
{
    if (v->head_len >= 16 && v->size >= 17 && memcmp(v->head, "Salted__", 8) == 0) {
        SET(m, "openssl-salted", 1, "OpenSSL enc salted header (Salted__ + 8-byte salt), %llu bytes of ciphertext",
            (unsigned long long)(v->size - 16));
        return 1;
    }
    if (starts_text(v, "U2FsdGVkX1", NULL)) {
        SET(m, "openssl-salted", 1, "base64 of an OpenSSL enc salted file (U2FsdGVkX1 = \"Salted__\")");
        return 1;
    }
    return 0;
}

/* ---- KeePass ----------------------------------------------------------------------------- */

static int detect_keepass(const pt_crypto_view_t *v, pt_crypto_match_t *m)
{
    const uint8_t *p = at(v, 0, 12);
    uint32_t s2;

    if (!p || le32(p) != 0x9AA2D903u)
        return 0;
    s2 = le32(p + 4);
    if (s2 == 0xB54BFB67u || s2 == 0xB54BFB66u) {
        unsigned major = le16(p + 10), minor = le16(p + 8);
        if (major < 2 || major > 4)
            return 0;
        SET(m, "kdbx", 1, "KeePass KDBX %u.%u database (always encrypted)", major, minor);
        return 1;
    }
    if (s2 == 0xB54BFB65u) {
        SET(m, "kdb", 1, "KeePass 1.x KDB database (always encrypted)");
        return 1;
    }
    return 0;
}

/* ---- the table ----------------------------------------------------------------------------- */

static int (*const detectors[])(const pt_crypto_view_t *, pt_crypto_match_t *) = {
    detect_luks, detect_bitlocker, detect_geli, detect_android_fde, detect_qcow, detect_corestorage, detect_dmg, detect_hibernation, detect_memory_image, detect_swap, detect_age, detect_openssl, detect_keepass, pt_crypto_detect_keys,
    detect_pgp, pt_crypto_detect_mail, detect_pgp_secret, detect_ansible_vault, detect_android_backup, detect_ecryptfs,
    detect_borg_segment, detect_scrypt_file, detect_aescrypt, detect_psafe3, pt_crypto_detect_vault_keys,
    detect_nextcloud, detect_git_crypt, detect_sops, pt_crypto_detect_axcrypt, pt_crypto_detect_dpapi,
    pt_crypto_detect_pkcs12, pt_crypto_detect_cms, pt_crypto_detect_gpg_agent, pt_crypto_detect_jks, pt_crypto_detect_keychain, pt_crypto_detect_wallets, pt_crypto_detect_bitcoin,
    pt_crypto_detect_zip, pt_crypto_detect_7z, pt_crypto_detect_rar5, pt_crypto_detect_rar4,
    pt_crypto_detect_pdf, pt_crypto_detect_cfb,
};

int pt_crypto_detect(const pt_crypto_view_t *v, pt_crypto_match_t *m)
{
    size_t i;

    memset(m, 0, sizeof *m);
    if (!v->head || v->head_len == 0)
        return 0;
    for (i = 0; i < sizeof detectors / sizeof detectors[0]; i++)
        if (detectors[i](v, m))
            return 1;
    return 0;
}
