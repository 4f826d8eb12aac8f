/* luks.c - LUKS1/LUKS2 header, unlock and decrypting reads.  Owns the
 * parsed header, the volume key (wiped on close) and the cipher contexts.
 * Every number taken from the header is bounded before use: the header is
 * written by whoever controlled the machine. */
#include "luks.h"

#include "blockcipher.h"

#include <argon2.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"

#define SECTOR 512
#define MAX_KEY 64                   /* bytes: AES-256-XTS */
#define MAX_SLOTS 32                 /* LUKS2's limit; LUKS1 has 8 */
#define MAX_AF_BYTES (4u << 20)      /* key material of one slot: 64-byte key x 65536 stripes */
#define MAX_PBKDF2_ITER 50000000u    /* ~25x what cryptsetup picks for 2 s on a fast CPU */
#define MAX_ARGON_KIB (4u << 20)     /* cryptsetup's own maximum, 4 GiB */
#define MAX_ARGON_TIME 1000u
#define MAX_JSON (4u << 20)          /* LUKS2 headers are at most 4 MiB */
#define CHUNK (1u << 20)             /* ciphertext read and decrypted at once */

enum { IV_PLAIN64, IV_PLAIN, IV_ESSIV };

typedef struct cipher {
    char name[80];                   /* "aes-xts-plain64" */
    char alg[16];                    /* "aes", "serpent", ... (blockcipher.h) */
    pt_bc_mode_t mode;
    int iv;
} cipher_t;

typedef struct kdf {
    char type[16];                   /* pbkdf2, argon2i, argon2id */
    char hash[32];
    uint32_t iter, time, mem, cpus;
    uint8_t salt[128];
    size_t salt_len;
} kdf_t;

typedef struct slot {
    char id[16];
    kdf_t kdf;
    uint64_t area_off, area_size;
    char area_cipher[80];
    unsigned key_bytes;              /* of the key-slot cipher (LUKS2 area key_size) */
    unsigned vk_bytes;               /* of the volume key it holds */
    uint32_t stripes;
    char af_hash[32];
} slot_t;

struct pt_luks {
    pt_read_fn fn;
    void *src;
    uint64_t size;
    int version;
    char cipher[80];
    unsigned key_bytes;
    uint64_t data_off, data_len, iv_tweak;
    unsigned sector;
    char uuid[48];
    kdf_t digest;                    /* LUKS1 mk-digest / LUKS2 pbkdf2 digest */
    uint8_t digest_val[64];
    size_t digest_len;
    slot_t slots[MAX_SLOTS];
    int nslots;
    int unlocked;
    cipher_t c;
    uint8_t vk[MAX_KEY];
    uint8_t *buf;
    char desc[768];
};

static int read_exact(pt_luks_t *l, uint64_t off, uint8_t *buf, size_t len, pt_err_t *err)
{
    if (off > l->size || len > l->size - off)
        return pt_err_set(err, PT_EFORMAT, "LUKS header points past the end of the volume (byte %llu)",
                          (unsigned long long)(off + len));
    return pt_read_exact(l->fn, l->src, off, buf, len, err);
}

static void field(char *dst, size_t n, const uint8_t *src, size_t len)
{
    size_t i;

    for (i = 0; i < len && i + 1 < n && src[i]; i++)
        dst[i] = (src[i] >= 0x20 && src[i] < 0x7f) ? (char)src[i] : '?';
    dst[i] = '\0';
}

/* "aes-xts-plain64", "serpent-cbc-essiv:sha256" ... with a key of key_bytes:
 * the cipher, its mode and the IV generator, checked by setting the key up */
static int cipher_parse(const char *spec, unsigned key_bytes, cipher_t *c, pt_err_t *err)
{
    const char *dash = strchr(spec, '-'), *mode;
    uint8_t zero[MAX_KEY] = { 0 };
    pt_bc_t *bc = NULL;
    int rc;

    memset(c, 0, sizeof *c);
    snprintf(c->name, sizeof c->name, "%s", spec);
    if (!dash || (size_t)(dash - spec) >= sizeof c->alg)
        return pt_err_set(err, PT_EFORMAT, "cipher %s is not one ptriage decrypts", spec);
    memcpy(c->alg, spec, (size_t)(dash - spec));
    if (!pt_bc_known(c->alg))
        return pt_err_set(err, PT_EFORMAT, "cipher %s is not one ptriage decrypts (aes, serpent, twofish, camellia)",
                          spec);
    mode = dash + 1;
    if (strcmp(mode, "xts-plain64") == 0 || strcmp(mode, "xts-plain") == 0) {
        c->mode = PT_BC_XTS;
        c->iv = strcmp(mode, "xts-plain") == 0 ? IV_PLAIN : IV_PLAIN64;
    } else if (strcmp(mode, "cbc-essiv:sha256") == 0 || strcmp(mode, "cbc-plain64") == 0 ||
               strcmp(mode, "cbc-plain") == 0) {
        c->mode = PT_BC_CBC;
        c->iv = mode[4] == 'e' ? IV_ESSIV : strcmp(mode, "cbc-plain") == 0 ? IV_PLAIN : IV_PLAIN64;
    } else {
        return pt_err_set(err, PT_EFORMAT, "cipher mode %s is not one ptriage decrypts", spec);
    }
    /* an all-zero XTS key is refused by OpenSSL as two equal halves: the
     * check is of the length only */
    if (key_bytes == 0 || key_bytes > MAX_KEY)
        return pt_err_set(err, PT_EFORMAT, "cipher %s with a %u-bit key is not valid", spec, key_bytes * 8);
    zero[0] = 1;
    if ((rc = pt_bc_open(c->alg, c->mode, zero, key_bytes, &bc, err)) != PT_OK)
        return rc == PT_EFORMAT ? pt_err_set(err, rc, "cipher %s with a %u-bit key is not valid", spec, key_bytes * 8)
                                : rc;
    pt_bc_close(bc);
    return PT_OK;
}

/* Decrypts n bytes (whole sectors of size ss) in place; sector numbers
 * for the IV start at first. */
static int decrypt(const cipher_t *c, const uint8_t *key, unsigned key_bytes, uint8_t *data, size_t n, unsigned ss,
                   uint64_t first, pt_err_t *err)
{
    uint8_t essiv_key[32], iv[16];
    pt_bc_t *bc = NULL, *essiv = NULL;
    size_t i;
    int rc = pt_bc_open(c->alg, c->mode, key, key_bytes, &bc, err);

    if (rc == PT_OK && c->iv == IV_ESSIV) {
        /* ESSIV: the sector number encrypted with the same cipher under
         * SHA-256 of the key */
        unsigned hl = 0;
        if (!EVP_Digest(key, key_bytes, essiv_key, &hl, EVP_sha256(), NULL))
            rc = pt_err_set(err, PT_ELIB, "ESSIV: SHA-256 failed");
        else
            rc = pt_bc_open(c->alg, PT_BC_ECB, essiv_key, sizeof essiv_key, &essiv, err);
    }
    for (i = 0; rc == PT_OK && i + ss <= n; i += ss) {
        uint64_t sec = first + i / ss;
        int k;
        memset(iv, 0, sizeof iv);
        for (k = 0; k < (c->iv == IV_PLAIN ? 4 : 8); k++)
            iv[k] = (uint8_t)(sec >> (8 * k));
        if (essiv && (rc = pt_bc_encrypt(essiv, NULL, iv, 16, err)) != PT_OK)
            break;
        rc = pt_bc_decrypt(bc, iv, data + i, ss, err);
    }
    pt_bc_close(bc);
    pt_bc_close(essiv);
    OPENSSL_cleanse(essiv_key, sizeof essiv_key);
    return rc;
}

static int kdf_run(const kdf_t *k, const uint8_t *pass, size_t plen, uint8_t *out, size_t outlen, pt_err_t *err)
{
    if (strcmp(k->type, "pbkdf2") == 0) {
        const EVP_MD *md = EVP_get_digestbyname(k->hash);
        if (!md)
            return pt_err_set(err, PT_EFORMAT, "PBKDF2 hash %s is not available", k->hash);
        if (k->iter == 0 || k->iter > MAX_PBKDF2_ITER)
            return pt_err_set(err, PT_EFORMAT, "PBKDF2 iteration count %u outside 1..%u", k->iter, MAX_PBKDF2_ITER);
        if (!PKCS5_PBKDF2_HMAC((const char *)pass, (int)plen, k->salt, (int)k->salt_len, (int)k->iter, md,
                               (int)outlen, out))
            return pt_err_set(err, PT_ELIB, "PBKDF2 failed");
        return PT_OK;
    }
    if (strcmp(k->type, "argon2i") == 0 || strcmp(k->type, "argon2id") == 0) {
        int rc;
        if (k->mem == 0 || k->mem > MAX_ARGON_KIB || k->time == 0 || k->time > MAX_ARGON_TIME || k->cpus == 0 ||
            k->cpus > 64)
            return pt_err_set(err, PT_EFORMAT, "%s cost (time %u, memory %u KiB, threads %u) beyond ptriage's "
                              "limits (time 1000, memory 4 GiB, 64 threads)", k->type, k->time, k->mem, k->cpus);
        rc = argon2_hash(k->time, k->mem, k->cpus, pass, plen, k->salt, k->salt_len, out, outlen, NULL, 0,
                         k->type[6] == 'i' && k->type[7] == 'd' ? Argon2_id : Argon2_i, ARGON2_VERSION_13);
        if (rc != ARGON2_OK)
            return pt_err_set(err, PT_ELIB, "%s: %s", k->type, argon2_error_message(rc));
        return PT_OK;
    }
    return pt_err_set(err, PT_EFORMAT, "key derivation %s is not one ptriage implements", k->type);
}

/* LUKS anti-forensic split, undone: the stripes are folded with the
 * hash-based diffusion of the LUKS1 specification. */
static int af_merge(const uint8_t *src, unsigned n, uint32_t stripes, const char *hash, uint8_t *out, pt_err_t *err)
{
    const EVP_MD *md = EVP_get_digestbyname(hash);
    uint8_t d[MAX_KEY], h[EVP_MAX_MD_SIZE];
    uint32_t s;
    unsigned i, ds, j;

    if (!md)
        return pt_err_set(err, PT_EFORMAT, "anti-forensic hash %s is not available", hash);
    ds = (unsigned)EVP_MD_get_size(md);
    memset(d, 0, sizeof d);
    for (s = 0; s + 1 < stripes; s++) {
        for (i = 0; i < n; i++)
            d[i] ^= src[(size_t)s * n + i];
        for (j = 0; j * ds < n; j++) { /* diffuse */
            unsigned len = n - j * ds < ds ? n - j * ds : ds;
            uint8_t be[4] = { (uint8_t)(j >> 24), (uint8_t)(j >> 16), (uint8_t)(j >> 8), (uint8_t)j };
            EVP_MD_CTX *m = EVP_MD_CTX_new();
            unsigned hl = 0;
            int ok = m && EVP_DigestInit_ex(m, md, NULL) && EVP_DigestUpdate(m, be, 4) &&
                     EVP_DigestUpdate(m, d + j * ds, len) && EVP_DigestFinal_ex(m, h, &hl);
            EVP_MD_CTX_free(m);
            if (!ok)
                return pt_err_set(err, PT_ELIB, "anti-forensic merge: hash failed");
            memcpy(d + j * ds, h, len);
        }
    }
    for (i = 0; i < n; i++)
        out[i] = d[i] ^ src[(size_t)(stripes - 1) * n + i];
    OPENSSL_cleanse(d, sizeof d);
    return PT_OK;
}

static int parse_luks1(pt_luks_t *l, const uint8_t *h, pt_err_t *err)
{
    char name[33], mode[33];
    int i;

    field(name, sizeof name, h + 8, 32);
    field(mode, sizeof mode, h + 40, 32);
    snprintf(l->cipher, sizeof l->cipher, "%s-%s", name, mode);
    field(l->digest.hash, sizeof l->digest.hash, h + 72, 32);
    l->data_off = (uint64_t)be32(h + 104) * SECTOR;
    l->key_bytes = be32(h + 108);
    memcpy(l->digest_val, h + 112, 20);
    l->digest_len = 20;
    memcpy(l->digest.salt, h + 132, 32);
    l->digest.salt_len = 32;
    l->digest.iter = be32(h + 164);
    snprintf(l->digest.type, sizeof l->digest.type, "pbkdf2");
    field(l->uuid, sizeof l->uuid, h + 168, 40);
    l->sector = SECTOR;
    if (l->key_bytes == 0 || l->key_bytes > MAX_KEY)
        return pt_err_set(err, PT_EFORMAT, "LUKS1 header: key size of %u bytes", l->key_bytes);
    for (i = 0; i < 8; i++) {
        const uint8_t *k = h + 208 + 48 * i;
        slot_t *s = &l->slots[l->nslots];
        if (be32(k) != 0x00AC71F3)
            continue; /* disabled (0x0000DEAD) */
        memset(s, 0, sizeof *s);
        snprintf(s->id, sizeof s->id, "%d", i);
        snprintf(s->kdf.type, sizeof s->kdf.type, "pbkdf2");
        snprintf(s->kdf.hash, sizeof s->kdf.hash, "%s", l->digest.hash);
        s->kdf.iter = be32(k + 4);
        memcpy(s->kdf.salt, k + 8, 32);
        s->kdf.salt_len = 32;
        s->area_off = (uint64_t)be32(k + 40) * SECTOR;
        s->stripes = be32(k + 44);
        s->key_bytes = s->vk_bytes = l->key_bytes;
        snprintf(s->area_cipher, sizeof s->area_cipher, "%s", l->cipher);
        snprintf(s->af_hash, sizeof s->af_hash, "%s", l->digest.hash);
        s->area_size = (uint64_t)s->key_bytes * s->stripes;
        l->nslots++;
    }
    l->data_len = l->size > l->data_off ? l->size - l->data_off : 0;
    return PT_OK;
}

static const char *jstr(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

static uint64_t jnum(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);

    if (json_is_integer(v))
        return json_integer_value(v) > 0 ? (uint64_t)json_integer_value(v) : 0;
    return json_is_string(v) ? strtoull(json_string_value(v), NULL, 10) : 0;
}

static int b64(const char *in, uint8_t *out, size_t cap, size_t *len)
{
    size_t n = strlen(in), pad = 0;
    uint8_t tmp[256];
    int got;

    if (n == 0 || n % 4 || n / 4 * 3 > sizeof tmp)
        return 0;
    if ((got = EVP_DecodeBlock(tmp, (const unsigned char *)in, (int)n)) < 0)
        return 0;
    pad = (in[n - 1] == '=') + (n > 1 && in[n - 2] == '=');
    if ((size_t)got - pad > cap)
        return 0;
    *len = (size_t)got - pad;
    memcpy(out, tmp, *len);
    return 1;
}

static int parse_kdf(json_t *k, kdf_t *out)
{
    memset(out, 0, sizeof *out);
    snprintf(out->type, sizeof out->type, "%s", jstr(k, "type"));
    snprintf(out->hash, sizeof out->hash, "%s", jstr(k, "hash"));
    out->iter = (uint32_t)jnum(k, "iterations");
    out->time = (uint32_t)jnum(k, "time");
    out->mem = (uint32_t)jnum(k, "memory");
    out->cpus = (uint32_t)jnum(k, "cpus");
    return b64(jstr(k, "salt"), out->salt, sizeof out->salt, &out->salt_len);
}

static int parse_luks2(pt_luks_t *l, const uint8_t *h, pt_err_t *err)
{
    uint64_t hdr = be64(h + 8);
    json_t *j, *segs, *seg = NULL, *slots, *digs, *v;
    json_error_t je;
    const char *key;
    uint8_t *buf;
    int rc = PT_OK;

    field(l->uuid, sizeof l->uuid, h + 168, 40);
    if (hdr < 16384 || hdr > MAX_JSON || hdr % 4096)
        return pt_err_set(err, PT_EFORMAT, "LUKS2 header size %llu is not valid", (unsigned long long)hdr);
    if (!(buf = malloc((size_t)hdr - 4096)))
        return pt_err_set(err, PT_ENOMEM, "out of memory");
    if ((rc = read_exact(l, 4096, buf, (size_t)hdr - 4096, err)) != PT_OK) {
        free(buf);
        return rc;
    }
    j = json_loadb((const char *)buf, strnlen((const char *)buf, (size_t)hdr - 4096), 0, &je);
    free(buf);
    if (!j)
        return pt_err_set(err, PT_EFORMAT, "LUKS2 metadata is not valid JSON (line %d: %s)", je.line, je.text);
    segs = json_object_get(j, "segments");
    json_object_foreach(segs, key, v) {
        if (strcmp(jstr(v, "type"), "crypt") == 0) {
            seg = v;
            break;
        }
    }
    if (!seg) {
        json_decref(j);
        return pt_err_set(err, PT_EFORMAT, "LUKS2 metadata has no crypt segment");
    }
    if (json_is_object(json_object_get(seg, "integrity"))) {
        /* authenticated encryption: the sectors lie in a dm-integrity
         * layout (interleaved tags and journal) under the crypt segment */
        rc = pt_err_set(err, PT_EFORMAT, "LUKS2 with authenticated encryption (%.60s, integrity %.60s): its "
                        "sectors lie in a dm-integrity layout ptriage does not read", jstr(seg, "encryption"),
                        jstr(json_object_get(seg, "integrity"), "type"));
        json_decref(j);
        return rc;
    }
    snprintf(l->cipher, sizeof l->cipher, "%s", jstr(seg, "encryption"));
    l->data_off = jnum(seg, "offset");
    l->iv_tweak = jnum(seg, "iv_tweak");
    l->sector = (unsigned)jnum(seg, "sector_size");
    l->data_len = strcmp(jstr(seg, "size"), "dynamic") == 0 ? (l->size > l->data_off ? l->size - l->data_off : 0)
                                                             : jnum(seg, "size");
    slots = json_object_get(j, "keyslots");
    json_object_foreach(slots, key, v) {
        slot_t *s = &l->slots[l->nslots];
        json_t *area = json_object_get(v, "area"), *af = json_object_get(v, "af");
        if (l->nslots >= MAX_SLOTS || strcmp(jstr(v, "type"), "luks2") != 0)
            continue;
        memset(s, 0, sizeof *s);
        snprintf(s->id, sizeof s->id, "%.15s", key);
        if (!parse_kdf(json_object_get(v, "kdf"), &s->kdf))
            continue;
        s->vk_bytes = (unsigned)jnum(v, "key_size");
        s->area_off = jnum(area, "offset");
        s->area_size = jnum(area, "size");
        s->key_bytes = (unsigned)jnum(area, "key_size");
        snprintf(s->area_cipher, sizeof s->area_cipher, "%s", jstr(area, "encryption"));
        s->stripes = (uint32_t)jnum(af, "stripes");
        snprintf(s->af_hash, sizeof s->af_hash, "%s", jstr(af, "hash"));
        l->key_bytes = s->vk_bytes;
        l->nslots++;
    }
    digs = json_object_get(j, "digests");
    json_object_foreach(digs, key, v) {
        if (strcmp(jstr(v, "type"), "pbkdf2") == 0 && parse_kdf(v, &l->digest) &&
            b64(jstr(v, "digest"), l->digest_val, sizeof l->digest_val, &l->digest_len))
            break;
    }
    json_decref(j);
    if (l->sector != 512 && l->sector != 1024 && l->sector != 2048 && l->sector != 4096)
        return pt_err_set(err, PT_EFORMAT, "LUKS2 sector size %u is not valid", l->sector);
    return PT_OK;
}

static int luks_open(pt_read_fn fn, void *src, uint64_t size, int detached, pt_luks_t **out, pt_err_t *err)
{
    uint8_t h[4096];
    pt_luks_t *l;
    int rc, i, n;
    size_t used;

    *out = NULL;
    if (!(l = calloc(1, sizeof *l)))
        return pt_err_set(err, PT_ENOMEM, "out of memory");
    l->fn = fn;
    l->src = src;
    l->size = size;
    if ((rc = read_exact(l, 0, h, sizeof h, err)) != PT_OK)
        goto fail;
    if (memcmp(h, "LUKS\xba\xbe", 6) != 0) {
        rc = pt_err_set(err, PT_EFORMAT, "no LUKS header");
        goto fail;
    }
    l->version = h[6] << 8 | h[7];
    if (l->version == 1)
        rc = parse_luks1(l, h, err);
    else if (l->version == 2)
        rc = parse_luks2(l, h, err);
    else
        rc = pt_err_set(err, PT_EFORMAT, "LUKS version %d is not known", l->version);
    if (rc != PT_OK)
        goto fail;
    n = snprintf(l->desc, sizeof l->desc, "LUKS%d, %s, %u-bit key, key slot%s", l->version, l->cipher,
                 l->key_bytes * 8, l->nslots == 1 ? "" : "s");
    used = n > 0 ? (size_t)n : 0;
    for (i = 0; i < l->nslots && used < sizeof l->desc; i++) {
        n = snprintf(l->desc + used, sizeof l->desc - used, "%s %s (%s)", i ? "," : "", l->slots[i].id,
                     l->slots[i].kdf.type);
        used += n > 0 ? (size_t)n : 0;
    }
    if (used < sizeof l->desc)
        snprintf(l->desc + used, sizeof l->desc - used, "%s, UUID %s, data at byte %llu, %llu bytes",
                 l->nslots ? "" : " none active", l->uuid, (unsigned long long)l->data_off,
                 (unsigned long long)l->data_len);
    if (!detached && (l->data_off >= size || l->data_len > size - l->data_off)) {
        rc = pt_err_set(err, PT_EFORMAT, "%s: the data area lies past the end of the volume", l->desc);
        goto fail;
    }
    *out = l;
    return PT_OK;
fail:
    pt_luks_close(l);
    return rc;
}

int pt_luks_open(pt_read_fn fn, void *src, uint64_t size, pt_luks_t **out, pt_err_t *err)
{
    return luks_open(fn, src, size, 0, out, err);
}

int pt_luks_open_header(pt_read_fn fn, void *src, uint64_t size, pt_luks_t **out, pt_err_t *err)
{
    return luks_open(fn, src, size, 1, out, err);
}

int pt_luks_decrypt(pt_luks_t *l, uint8_t *buf, size_t n, uint64_t first, pt_err_t *err)
{
    if (!l->unlocked)
        return pt_err_set(err, PT_ENOKEY, "LUKS volume is locked");
    if (n % SECTOR)
        return pt_err_set(err, PT_EFORMAT, "LUKS: %zu bytes is not a whole number of sectors", n);
    return decrypt(&l->c, l->vk, l->key_bytes, buf, n, SECTOR, first, err);
}

void pt_luks_close(pt_luks_t *l)
{
    if (!l)
        return;
    OPENSSL_cleanse(l->vk, sizeof l->vk);
    free(l->buf);
    free(l);
}

const char *pt_luks_describe(const pt_luks_t *l)
{
    return l->desc;
}

uint64_t pt_luks_size(const pt_luks_t *l)
{
    return l->unlocked ? l->data_len : 0;
}

/* The volume key in slot s if pass opens it: PT_OK, PT_ENOKEY, or an error. */
static int try_slot(pt_luks_t *l, const slot_t *s, const pt_key_t *key, pt_err_t *err)
{
    uint8_t dk[MAX_KEY], vk[MAX_KEY], dg[64];
    uint8_t *af = NULL;
    cipher_t ac;
    size_t aflen = (size_t)s->vk_bytes * s->stripes, rounded;
    int rc;

    if (s->vk_bytes == 0 || s->vk_bytes > MAX_KEY || s->key_bytes == 0 || s->key_bytes > MAX_KEY ||
        s->stripes == 0 || aflen > MAX_AF_BYTES || (s->area_size && aflen > s->area_size))
        return pt_err_set(err, PT_EFORMAT, "key slot %s: sizes out of range", s->id);
    if (l->digest_len == 0 || l->digest_len > sizeof dg)
        return pt_err_set(err, PT_EFORMAT, "no volume-key digest to check a key against");
    if ((rc = cipher_parse(s->area_cipher, s->key_bytes, &ac, err)) != PT_OK)
        return rc;
    rounded = (aflen + SECTOR - 1) / SECTOR * SECTOR;
    if (!(af = malloc(rounded)))
        return pt_err_set(err, PT_ENOMEM, "out of memory");
    if ((rc = kdf_run(&s->kdf, key->data, key->len, dk, s->key_bytes, err)) == PT_OK &&
        (rc = read_exact(l, s->area_off, af, rounded, err)) == PT_OK &&
        (rc = decrypt(&ac, dk, s->key_bytes, af, rounded, SECTOR, 0, err)) == PT_OK &&
        (rc = af_merge(af, s->vk_bytes, s->stripes, s->af_hash, vk, err)) == PT_OK &&
        (rc = kdf_run(&l->digest, vk, s->vk_bytes, dg, l->digest_len, err)) == PT_OK) {
        if (CRYPTO_memcmp(dg, l->digest_val, l->digest_len) == 0) {
            memcpy(l->vk, vk, s->vk_bytes);
            l->key_bytes = s->vk_bytes;
        } else {
            rc = PT_ENOKEY;
        }
    }
    OPENSSL_cleanse(dk, sizeof dk);
    OPENSSL_cleanse(vk, sizeof vk);
    OPENSSL_cleanse(af, rounded);
    free(af);
    return rc;
}

int pt_luks_unlock(pt_luks_t *l, const pt_key_t *keys, size_t n, const char **used, pt_err_t *err)
{
    pt_err_t last = { 0, "" };
    size_t k;
    int i, rc;

    *used = NULL;
    if ((rc = cipher_parse(l->cipher, l->key_bytes, &l->c, err)) != PT_OK)
        return rc;
    if (n == 0)
        return pt_err_set(err, PT_ENOKEY, "no key in case.conf [keys]");
    for (k = 0; k < n; k++) {
        for (i = 0; i < l->nslots; i++) {
            pt_err_t e = { 0, "" };
            rc = try_slot(l, &l->slots[i], &keys[k], &e);
            if (rc == PT_OK) {
                *used = keys[k].name;
                l->unlocked = 1;
                return PT_OK;
            }
            if (rc == PT_ENOMEM)
                return pt_err_set(err, rc, "%s", e.msg);
            if (rc != PT_ENOKEY)
                last = e;
        }
    }
    if (last.code)
        return pt_err_set(err, PT_ENOKEY, "none of the %zu key%s in case.conf opens it (%.700s)", n,
                          n == 1 ? "" : "s", last.msg);
    return pt_err_set(err, PT_ENOKEY, "none of the %zu key%s in case.conf opens it", n, n == 1 ? "" : "s");
}

ssize_t pt_luks_read(void *src, uint64_t off, uint8_t *buf, size_t len, pt_err_t *err)
{
    pt_luks_t *l = src;
    uint64_t first, start;
    size_t skip, want;
    int rc;

    if (!l->unlocked)
        return pt_err_set(err, PT_ENOKEY, "LUKS volume is locked");
    if (off >= l->data_len)
        return 0;
    if (!l->buf && !(l->buf = malloc(CHUNK)))
        return pt_err_set(err, PT_ENOMEM, "out of memory");
    first = off / l->sector;
    start = first * l->sector;
    skip = (size_t)(off - start);
    want = CHUNK;
    if (want > l->data_len - start)
        want = (size_t)(l->data_len - start);
    want = want / l->sector * l->sector;
    if (want == 0)
        return 0;
    if ((rc = read_exact(l, l->data_off + start, l->buf, want, err)) != PT_OK ||
        (rc = decrypt(&l->c, l->vk, l->key_bytes, l->buf, want, l->sector, first + l->iv_tweak, err)) != PT_OK)
        return rc;
    if (len > want - skip)
        len = want - skip;
    memcpy(buf, l->buf + skip, len);
    return (ssize_t)len;
}
