/* crypto_keys.c - private keys and key stores: OpenSSH, PEM and PKCS#8
 * keys, PuTTY keys, PKCS#12 (.p12/.pfx), GnuPG's agent key files, Java
 * key stores (JKS, JCEKS) and macOS keychains.  Pure
 * functions over the head/tail view; owns no state. */
#include "crypto_int.h"

#include <ctype.h>

#include "plist.h"

/* ---- private keys ------------------------------------------------------------------------ */

int pt_crypto_detect_keys(const pt_crypto_view_t *v, pt_crypto_match_t *m)
{
    size_t after, n;
    uint8_t bin[256];

    if (starts_text(v, "-----BEGIN OPENSSH PRIVATE KEY-----", &after)) {
        char cipher[33] = "?", kdf[33] = "?";
        n = b64_decode(v->head + after, v->head_len - after, bin, sizeof bin);
        if (n >= 15 + 8 && memcmp(bin, "openssh-key-v1", 15) == 0) {
            uint32_t cl = be32(bin + 15), kl;
            if (cl < 32 && 19 + cl + 4 <= n) {
                memcpy(cipher, bin + 19, cl);
                cipher[cl] = '\0';
                kl = be32(bin + 19 + cl);
                if (kl < 32 && 23 + cl + kl <= n) {
                    memcpy(kdf, bin + 23 + cl, kl);
                    kdf[kl] = '\0';
                }
            }
        }
        if (strcmp(cipher, "none") == 0)
            SET(m, "ssh-key", 0, "OpenSSH private key, not encrypted (cipher none)");
        else
            SET(m, "ssh-key-encrypted", 1, "OpenSSH private key, cipher %s, KDF %s", cipher, kdf);
        return 1;
    }
    if (starts_text(v, "-----BEGIN ENCRYPTED PRIVATE KEY-----", NULL)) {
        SET(m, "pkcs8-encrypted", 1, "PKCS#8 encrypted private key (PEM)");
        return 1;
    }
    if (starts_text(v, "-----BEGIN PRIVATE KEY-----", NULL)) {
        SET(m, "pem-key", 0, "PKCS#8 private key (PEM), not encrypted");
        return 1;
    }
    if (starts_text(v, "-----BEGIN RSA PRIVATE KEY-----", &after) ||
        starts_text(v, "-----BEGIN DSA PRIVATE KEY-----", &after) ||
        starts_text(v, "-----BEGIN EC PRIVATE KEY-----", &after)) {
        size_t lim = v->head_len - after < 256 ? v->head_len - after : 256;
        const uint8_t *dek = find(v->head + after, lim, "DEK-Info: ", 10);
        if (find(v->head + after, lim, "Proc-Type: 4,ENCRYPTED", 22)) {
            char alg[40] = "?";
            size_t i;
            for (i = 0; dek && i + 1 < sizeof alg && dek + 10 + i < v->head + v->head_len && dek[10 + i] != ',' &&
                        dek[10 + i] != '\n'; i++)
                alg[i] = (char)dek[10 + i];
            if (dek)
                alg[i] = '\0';
            SET(m, "pem-encrypted", 1, "PEM private key, Proc-Type 4,ENCRYPTED, DEK-Info %s", alg);
        } else {
            SET(m, "pem-key", 0, "PEM private key, not encrypted");
        }
        return 1;
    }
    if (starts_text(v, "PuTTY-User-Key-File-", &after)) {
        const uint8_t *e = find(v->head, v->head_len < 512 ? v->head_len : 512, "Encryption: ", 12);
        if (e && (size_t)(e - v->head) + 16 <= v->head_len && memcmp(e + 12, "none", 4) != 0)
            SET(m, "ssh-key-encrypted", 1, "PuTTY private key, encrypted");
        else
            SET(m, "ssh-key", 0, "PuTTY private key, not encrypted");
        return 1;
    }
    return 0;
}

/* ---- PKCS#12 ------------------------------------------------------------------------------- */

/* PKCS#12 bag types 1.2.840.113549.1.12.10.1.{1,2} */
static const uint8_t oid_keybag[] = { 0x06, 0x0b, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x0c, 0x0a, 0x01, 0x01 };
static const uint8_t oid_shrouded[] = { 0x06, 0x0b, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x0c, 0x0a, 0x01, 0x02 };

/* PFX: SEQUENCE { INTEGER 3, ContentInfo (data or signedData), MacData }.
 * The authenticated safe's contents are encapsulated as octet strings, so
 * their bag and content-type OIDs appear verbatim in the file. */
int pt_crypto_detect_pkcs12(const pt_crypto_view_t *v, pt_crypto_match_t *m)
{
    const uint8_t *p = v->head;
    size_t n = v->head_len, off = 0, len;
    unsigned shrouded, keybag, encdata, enveloped;
    char what[160] = "";

    if (der_header(p, n, &off, &len) != 0x30 || (len != SIZE_MAX && off + len > v->size))
        return 0;
    if (der_header(p, n, &off, &len) != 0x02 || len != 1 || off >= n || p[off] != 3)
        return 0;
    off++;
    if (der_header(p, n, &off, &len) != 0x30 || off + sizeof oid_data > n ||
        (memcmp(p + off, oid_data, sizeof oid_data) != 0 && memcmp(p + off, oid_signed, sizeof oid_signed) != 0))
        return 0;
    shrouded = count_mem(p, n, oid_shrouded, sizeof oid_shrouded);
    keybag = count_mem(p, n, oid_keybag, sizeof oid_keybag);
    encdata = count_mem(p, n, oid_encrypted, sizeof oid_encrypted);
    enveloped = count_mem(p, n, oid_enveloped, sizeof oid_enveloped);
    if (shrouded)
        snprintf(what, sizeof what, "%u encrypted private key%s (pkcs8ShroudedKeyBag)", shrouded,
                 shrouded == 1 ? "" : "s");
    if (keybag)
        snprintf(what + strlen(what), sizeof what - strlen(what), "%s%u private key%s not encrypted (keyBag)",
                 *what ? ", " : "", keybag, keybag == 1 ? "" : "s");
    if (encdata || enveloped)
        snprintf(what + strlen(what), sizeof what - strlen(what), "%s%u encrypted content block%s",
                 *what ? ", " : "", encdata + enveloped, encdata + enveloped == 1 ? "" : "s");
    if (shrouded || encdata || enveloped)
        SET(m, "pkcs12-encrypted", 1, "PKCS#12 key store: %s", what);
    else
        SET(m, "pkcs12", 0, "PKCS#12 key store, nothing encrypted%s%s", *what ? ": " : "", what);
    return 1;
}

/* ---- GnuPG agent key files (private-keys-v1.d/KEYGRIP.key) --------------------------------- */

/* Either the canonical S-expression "(21:protected-private-key(..." or the
 * extended name-value format of GnuPG 2.2.20+, whose "Key:" line holds the
 * same expression in advanced form. */
int pt_crypto_detect_gpg_agent(const pt_crypto_view_t *v, pt_crypto_match_t *m)
{
    static const struct { const char *canon, *adv; int prot; const char *what; } kinds[] = {
        { "(21:protected-private-key(", "(protected-private-key", 1, "passphrase-protected" },
        { "(11:private-key(", "(private-key", 0, "not protected" },
        { "(20:shadowed-private-key(", "(shadowed-private-key", 0, "stub of a key held on a smartcard" },
    };
    size_t lim = v->head_len < 8192 ? v->head_len : 8192, i, j;
    const uint8_t *key = NULL, *q;
    char mode[48] = "";

    for (i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (lim >= strlen(kinds[i].canon) && memcmp(v->head, kinds[i].canon, strlen(kinds[i].canon)) == 0) {
            key = v->head;
            break;
        }
    if (!key) {
        /* name-value: the first line is "Name: value", and a line "Key: (..." */
        for (j = 0; j < lim && (isalnum(v->head[j]) || v->head[j] == '-'); j++)
            ;
        if (j == 0 || j + 1 >= lim || v->head[j] != ':' || v->head[j + 1] != ' ')
            return 0;
        for (q = v->head; !key && (q = find(q, lim - (size_t)(q - v->head), "Key: ", 5)) != NULL; q += 5)
            for (i = 0; (q == v->head || q[-1] == '\n') && i < sizeof kinds / sizeof kinds[0]; i++)
                if ((size_t)(q - v->head) + 5 + strlen(kinds[i].adv) <= lim &&
                    memcmp(q + 5, kinds[i].adv, strlen(kinds[i].adv)) == 0) {
                    key = q + 5;
                    break;
                }
    }
    if (!key)
        return 0;
    /* the protection mode follows "(protected" (advanced) or "(9:protected" */
    if ((q = find(key, lim - (size_t)(key - v->head), "protected openpgp-", 18)) != NULL ||
        (q = find(key, lim - (size_t)(key - v->head), "9:protected", 11)) != NULL) {
        const uint8_t *s = q + (q[0] == '9' ? 11 : 10);
        while (s < v->head + lim && (*s == ' ' || isdigit(*s) || *s == ':'))
            s++;
        for (j = 0; s + j < v->head + lim && j + 1 < sizeof mode && (isalnum(s[j]) || s[j] == '-'); j++)
            mode[j] = (char)s[j];
        mode[j] = '\0';
    }
    SET(m, "gpg-agent-key", kinds[i].prot, "GnuPG agent private key file, %s%s%s", kinds[i].what,
        mode[0] ? ", " : "", mode);
    return 1;
}

/* ---- Java key stores ------------------------------------------------------------------------ */

/* Steps over one certificate of a key store entry (version 2 names its
 * type first); 0 when it runs past the kept bytes. */
static int jks_skip_cert(const pt_crypto_view_t *v, uint64_t *off, uint32_t version)
{
    const uint8_t *q;

    if (version == 2) {
        if (!(q = at(v, *off, 2)))
            return 0;
        *off += 2 + be16(q);
    }
    if (!(q = at(v, *off, 4)))
        return 0;
    *off += 4 + (uint64_t)be32(q);
    return 1;
}

/* JKS (FEEDFEED) and JCEKS (CECECECE): version, entry count, then entries:
 * tag (1 private key, 2 trusted certificate, 3 secret key), alias, date,
 * and for a key its password-protected bytes.  The entries are walked as
 * far as the head holds them. */
int pt_crypto_detect_jks(const pt_crypto_view_t *v, pt_crypto_match_t *m)
{
    const uint8_t *p = at(v, 0, 12);
    uint32_t magic, version, count, i, keys = 0, certs = 0, secrets = 0;
    uint64_t off = 12;
    int complete = 1;

    if (!p)
        return 0;
    magic = be32(p);
    version = be32(p + 4);
    count = be32(p + 8);
    if ((magic != 0xfeedfeedu && magic != 0xcecececeu) || (version != 1 && version != 2) ||
        count > 1000000)
        return 0;
    for (i = 0; i < count; i++) {
        const uint8_t *q = at(v, off, 6);
        uint32_t tag, n, c;
        if (!q) {
            complete = 0;
            break;
        }
        tag = be32(q);
        off += 6 + be16(q + 4) + 8; /* alias (modified UTF-8), date */
        if (tag == 1) {
            keys++;
            if (!(q = at(v, off, 4)))
                goto partial;
            off += 4 + (uint64_t)be32(q);
            if (!(q = at(v, off, 4)))
                goto partial;
            n = be32(q); /* the certificate chain */
            off += 4;
            for (c = 0; c < n && c < 64; c++)
                if (!jks_skip_cert(v, &off, version))
                    goto partial;
        } else if (tag == 2) {
            certs++;
            if (!jks_skip_cert(v, &off, version))
                goto partial;
        } else if (tag == 3 && magic != 0xfeedfeedu) {
            secrets++;
            break; /* a serialized Java object: its length is not stored */
        } else {
            if (i == 0)
                return 0; /* not a key store after all */
            complete = 0;
            break;
        }
        continue;
partial:
        complete = 0;
        break;
    }
    if (count && i == 0 && !keys && !certs && !secrets)
        return 0;
    if (keys || secrets)
        SET(m, "java-keystore", 1, "Java key store (%s): %s%u private key%s and %u secret key%s, each protected by "
            "a password; %u trusted certificate%s", magic == 0xfeedfeedu ? "JKS" : "JCEKS", complete ? "" : "at least ",
            keys, keys == 1 ? "" : "s", secrets, secrets == 1 ? "" : "s", certs, certs == 1 ? "" : "s");
    else
        SET(m, "java-keystore", 0, "Java key store (%s) holding %s%u trusted certificate%s and no key",
            magic == 0xfeedfeedu ? "JKS" : "JCEKS", complete ? "" : "at least ", certs, certs == 1 ? "" : "s");
    return 1;
}

/* ---- macOS keychains ------------------------------------------------------------------------- */

/* login.keychain(-db): "kych", version 1.0, then the header's size. */
int pt_crypto_detect_keychain(const pt_crypto_view_t *v, pt_crypto_match_t *m)
{
    const uint8_t *p = at(v, 0, 12);

    if (!p || memcmp(p, "kych", 4) != 0 || be32(p + 4) != 0x00010000u || be32(p + 8) < 12 || be32(p + 8) > 4096)
        return 0;
    SET(m, "macos-keychain", 1, "macOS keychain: the passwords, keys and secure notes in it are encrypted with the "
        "keychain's password; account and service names are stored in the clear");
    return 1;
}

/* ---- encrypted backups and vaults: their key files ---------------------------------------- */

/* A JSON object in the head that has every one of the quoted keys. */
static int json_has(const pt_crypto_view_t *v, const char *const *keys)
{
    size_t i = text_start(v), n = v->head_len < 65536 ? v->head_len : 65536;

    if (i >= n || v->head[i] != '{')
        return 0;
    for (; *keys; keys++)
        if (!find(v->head, n, *keys, strlen(*keys)))
            return 0;
    return 1;
}

/* restic's repository keys (keys/ID), gocryptfs.conf, Cryptomator's
 * masterkey.cryptomator, EncFS's .encfs6.xml, and Borg's repository key
 * (the config of a repokey repository, or a keyfile): each holds the
 * master key of a store of ciphertext, encrypted with the passphrase. */
int pt_crypto_detect_vault_keys(const pt_crypto_view_t *v, pt_crypto_match_t *m)
{
    static const char *const restic[] = { "\"kdf\"", "\"salt\"", "\"data\"", "\"scrypt\"", NULL };
    static const char *const gocryptfs[] = { "\"Creator\"", "\"EncryptedKey\"", "\"ScryptObject\"", NULL };
    static const char *const cryptomator[] = { "\"scryptSalt\"", "\"primaryMasterKey\"", "\"hmacMasterKey\"", NULL };
    size_t after;

    if (v->head_len == 0 || v->size > (1u << 20))
        return 0;
    if (json_has(v, restic)) {
        SET(m, "restic-key", 1, "restic repository key (scrypt-protected master key of the repository's "
            "encrypted packs, index and snapshots)");
        return 1;
    }
    if (json_has(v, gocryptfs)) {
        SET(m, "gocryptfs-conf", 1, "gocryptfs.conf: the master key of a gocryptfs encrypted directory, "
            "protected by scrypt and the passphrase");
        return 1;
    }
    if (json_has(v, cryptomator)) {
        SET(m, "cryptomator-masterkey", 1, "Cryptomator masterkey file: the vault's keys, wrapped with a "
            "scrypt-derived key");
        return 1;
    }
    if (starts_text(v, "<?xml", &after) && find(v->head, v->head_len, "<encodedKeyData>", 16) &&
        find(v->head, v->head_len, "<cfg", 4)) {
        SET(m, "encfs-config", 1, "EncFS configuration (.encfs6.xml): the volume key, encrypted with the "
            "passphrase");
        return 1;
    }
    if (starts_text(v, "<?xml", &after) && find(v->head, v->head_len, "<VirtualBox", 11) &&
        find(v->head, v->head_len, "\"CRYPT/KeyStore\"", 16)) {
        unsigned disks = count_text(v->head, v->head_len, "\"CRYPT/KeyStore\"");
        SET(m, "virtualbox-encrypted", 1, "VirtualBox machine settings (.vbox) holding the key store of %u "
            "encrypted disk%s: %s data is ciphertext (AES-XTS), the key wrapped with the VM's password", disks,
            disks == 1 ? "" : "s", disks == 1 ? "its" : "their");
        return 1;
    }
    /* VMware writes .encoding first (old versions a #! line) */
    if ((starts_text(v, ".encoding", &after) || starts_text(v, "#!/usr/bin/vmware", &after)) &&
        find(v->head, v->head_len, "\nencryption.keySafe = \"vmware:key/", 34)) {
        SET(m, "vmware-encrypted-vm", 1, "VMware virtual machine configuration (.vmx) of an encrypted VM: its "
            "disks, memory and snapshot files are ciphertext; the key safe wraps the key with the VM's password");
        return 1;
    }
    /* an iTunes/Finder backup's Manifest.plist: IsEncrypted, and the key bag
     * the backup password protects (read when the whole plist is in the head) */
    if ((memcmp(v->head, "bplist00", v->head_len < 8 ? v->head_len : 8) == 0 || starts_text(v, "<?xml", &after)) &&
        v->size <= v->head_len && find(v->head, v->head_len, "BackupKeyBag", 12) &&
        find(v->head, v->head_len, "IsEncrypted", 11)) {
        int enc;
        if (pt_plist_bool(v->head, v->head_len, "IsEncrypted", &enc)) {
            if (enc)
                SET(m, "ios-backup-encrypted", 1, "iOS backup manifest (Manifest.plist, IsEncrypted true): the "
                    "backup's files and Manifest.db are encrypted with keys from its key bag, which the backup "
                    "password protects");
            else
                SET(m, "ios-backup", 0, "iOS backup manifest (Manifest.plist), IsEncrypted false: the backup is "
                    "not encrypted");
            return 1;
        }
    }
    if (starts_text(v, "BORG_KEY ", &after)) {
        SET(m, "borg-key", 1, "Borg keyfile: the key of an encrypted Borg repository, protected by the passphrase");
        return 1;
    }
    if (starts_text(v, "[repository]", &after) && find(v->head, v->head_len, "\nsegments_per_dir", 17) &&
        find(v->head, v->head_len, "\nkey = ", 7)) {
        SET(m, "borg-key", 1, "Borg repository config holding the repository key (repokey or authenticated "
            "mode), protected by the passphrase; its segments say whether the data is encrypted");
        return 1;
    }
    return 0;
}

/* ---- cryptocurrency wallets and password-manager vaults ------------------------------------ */

/* The string value of "key" (quoted, with its quotes) in the head, copied
 * when it is short printable text; 0 otherwise. */
static int json_str(const pt_crypto_view_t *v, const char *key, char *out, size_t out_size)
{
    const uint8_t *p = find(v->head, v->head_len, key, strlen(key)), *end = v->head + v->head_len;
    size_t i = 0;

    if (!p)
        return 0;
    for (p += strlen(key); p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n' || *p == ':'); p++)
        ;
    if (p >= end || *p++ != '"')
        return 0;
    while (p < end && *p != '"' && *p >= 0x20 && *p < 0x7f && i + 1 < out_size)
        out[i++] = (char)*p++;
    out[i] = '\0';
    return p < end && *p == '"' && i > 0;
}

/* Ethereum keystores (Web3 Secret Storage, geth's keystore/UTC--...),
 * Electrum's encrypted wallet files, Bitwarden's encrypted exports and
 * 1Password's OPVault files: each is a key or a vault sealed with the
 * owner's password. */
int pt_crypto_detect_wallets(const pt_crypto_view_t *v, pt_crypto_match_t *m)
{
    static const char *const eth[] = { "\"ciphertext\"", "\"cipherparams\"", "\"kdf\"", "\"mac\"", NULL };
    static const char *const bitwarden[] = { "\"encrypted\"", "\"encKeyValidation_DO_NOT_EDIT\"", NULL };
    char kdf[24] = "?", cipher[24] = "?", addr[48] = "", iter[16] = "";
    size_t after;
    uint8_t bin[48];

    if (v->size <= (1u << 20) && json_has(v, eth)) {
        (void)json_str(v, "\"kdf\"", kdf, sizeof kdf);
        (void)json_str(v, "\"cipher\"", cipher, sizeof cipher);
        (void)json_str(v, "\"address\"", addr, sizeof addr);
        SET(m, "ethereum-keystore", 1, "Ethereum keystore (Web3 Secret Storage): the private key of account%s%.42s, "
            "encrypted with %s under a %s-derived key", *addr ? " 0x" : " (address not recorded)",
            addr[0] == '0' && addr[1] == 'x' ? addr + 2 : addr, cipher, kdf);
        return 1;
    }
    if (json_has(v, bitwarden)) {
        const uint8_t *pw = find(v->head, v->head_len, "\"passwordProtected\"", 19), *it;
        if ((it = find(v->head, v->head_len, "\"kdfIterations\"", 15)) != NULL) {
            size_t i = 0;
            for (it += 15; it < v->head + v->head_len && (*it == ' ' || *it == ':'); it++)
                ;
            while (it < v->head + v->head_len && *it >= '0' && *it <= '9' && i + 1 < sizeof iter)
                iter[i++] = (char)*it++;
            iter[i] = '\0';
        }
        SET(m, "bitwarden-export", 1, "Bitwarden encrypted export: %s%s%s", pw ? "sealed with a password"
            : "sealed with the account's key (only that account can import it)", *iter ? ", KDF iterations " : "",
            iter);
        return 1;
    }
    if (starts_text(v, "QklFMQ", &after) &&
        b64_decode(v->head + after - 6, v->head_len - after + 6, bin, sizeof bin) >= 38 &&
        memcmp(bin, "BIE1", 4) == 0 && (bin[4] == 2 || bin[4] == 3)) {
        SET(m, "electrum-wallet", 1, "Electrum wallet file, encrypted as a whole (BIE1: ECIES to a key derived "
            "from the password)");
        return 1;
    }
    if (starts_text(v, "var profile=", &after) && find(v->head, v->head_len, "\"masterKey\"", 11) &&
        find(v->head, v->head_len, "\"overviewKey\"", 13)) {
        SET(m, "1password-vault", 1, "1Password OPVault profile (profile.js): the vault's master and overview "
            "keys, encrypted with a PBKDF2-derived key");
        return 1;
    }
    if (starts_text(v, "ld({", &after) && find(v->head, v->head_len, "b3BkYXRhMDE", 11)) {
        SET(m, "1password-vault", 1, "1Password OPVault band file: items in opdata01 (AES-256-CBC, HMAC-SHA256)");
        return 1;
    }
    return 0;
}

/* Bitcoin Core wallets: wallet.dat in Berkeley DB (legacy) or SQLite
 * (descriptor wallets).  Records are keyed by a length-prefixed type:
 * encrypted private keys are "ckey" or "walletdescriptorckey" records under
 * an "mkey" master key; plain ones "key" or "walletdescriptorkey".  Only
 * what the head and tail hold is seen, so a wallet without key records
 * there is left to the statistics. */
int pt_crypto_detect_bitcoin(const pt_crypto_view_t *v, pt_crypto_match_t *m)
{
    const uint8_t *magic = at(v, 12, 4);
    size_t left;
    int bdb, crypted, plain;

    bdb = magic && (memcmp(magic, "\x62\x31\x05\x00", 4) == 0 || memcmp(magic, "\x00\x05\x31\x62", 4) == 0);
    if (!bdb && !(v->head_len >= 16 && memcmp(v->head, "SQLite format 3", 16) == 0))
        return 0;
    /* one search settles most databases: every descriptor wallet's record
     * types contain "walletdescriptor" */
    if (!bdb && !find_any(v, "walletdescriptor", 16, &left))
        return 0;
    crypted = bdb ? find_any(v, "\x04mkey\x01\x00\x00\x00", 9, &left) || find_any(v, "\x04" "ckey", 5, &left)
                  : find_any(v, "\x14walletdescriptorckey", 21, &left) != NULL;
    plain = !crypted && (bdb ? find_any(v, "\x03key", 4, &left) && (find_any(v, "\x0bminversion", 11, &left) ||
                                                                    find_any(v, "\x07keymeta", 8, &left))
                             : find_any(v, "\x13walletdescriptorkey", 20, &left) != NULL);
    if (!crypted && !plain)
        return 0;
    SET(m, "bitcoin-wallet", crypted, "Bitcoin Core wallet (%s): %s", bdb ? "Berkeley DB wallet.dat"
        : "SQLite descriptor wallet", crypted ? "its private keys are encrypted with the wallet passphrase "
        "(mkey/ckey records)" : "private keys not encrypted (key records, no master key)");
    return 1;
}
