/* crypto.h - recognises encrypted formats by their structure (header fields
 * checked, not only a magic string): LUKS1/2, BitLocker, FileVault/encrypted
 * DMG, OpenPGP messages and secret keys, age, OpenSSL enc, encrypted ZIP, 7z,
 * RAR4/RAR5, PDF, OpenDocument, OOXML and Office 97-2003 (CFB), KeePass,
 * private keys and key stores (SSH, PEM, PKCS#8, PKCS#12, gpg-agent, Java,
 * macOS keychains),
 * Ansible Vault, Android backups, eCryptfs files, AxCrypt files, Windows DPAPI
 * blobs and master keys, CMS/PKCS#7 enveloped data and encrypted e-mail
 * (S/MIME, PGP/MIME, inline PGP), cryptocurrency wallets (Ethereum,
 * Electrum, Bitcoin Core) and password-manager vaults (Bitwarden, 1Password).
 *
 * FreeBSD GELI providers and Android full-disk encryption footers are
 * found in the tail.
 *
 * Detectors see only the head (first bytes) and the tail (last bytes) that
 * the reader kept during its single pass, plus the total size; they never
 * read evidence.  They are listed in one table in crypto.c. */
#ifndef PT_CRYPTO_H
#define PT_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

typedef struct pt_crypto_view {
    const uint8_t *head;   /* first head_len bytes of the item */
    size_t head_len;
    const uint8_t *tail;   /* last tail_len bytes (may overlap head) */
    size_t tail_len;
    uint64_t size;         /* total size of the item */
} pt_crypto_view_t;

typedef struct pt_crypto_match {
    const char *format;    /* "luks2", "pgp", ... (static) */
    int encrypted;         /* 1: encrypted; 0: the format is recognised and is NOT encrypted */
    char reason[256];      /* the fields that decided it */
} pt_crypto_match_t;

/* Runs every detector.  Returns 1 and fills *m when one recognised the data
 * (encrypted or explicitly not, e.g. an unencrypted OpenSSH key or ZIP), 0
 * when none did. */
int pt_crypto_detect(const pt_crypto_view_t *v, pt_crypto_match_t *m);

/* Names of every format the detectors can report, NULL-terminated (docs,
 * tests). */
extern const char *const pt_crypto_formats[];

#endif
