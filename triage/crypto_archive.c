/* crypto_archive.c - encryption in archives and documents: ZIP, 7z, RAR4/5
 * and PDF.  Pure functions over the head/tail view;
 * owns no state.  Split from crypto.c to keep each file readable. */
#include <lzma.h>
#include <stdlib.h>
#include <zlib.h>

#include "crypto_int.h"

/* ---- ZIP ---------------------------------------------------------------------------- */

typedef struct zip_count {
    unsigned entries, crypto, aes, aes_bits;
    int manifest;                    /* META-INF/manifest.xml seen (OpenDocument) */
    uint64_t mf_off, mf_csize;       /* its local header and compressed size */
    unsigned mf_method;
} zip_count_t;

static void zip_note_manifest(zip_count_t *c, const uint8_t *name, size_t nl, uint64_t lh, uint64_t csize,
                              unsigned method)
{
    if (nl == 21 && memcmp(name, "META-INF/manifest.xml", 21) == 0) {
        c->manifest = 1;
        c->mf_off = lh;
        c->mf_csize = csize;
        c->mf_method = method;
    }
}

/* Value of attribute name="..." after the last '#' (an algorithm URI), or
 * the whole value. */
static void xml_attr(const uint8_t *x, size_t n, const char *name, char *out, size_t out_size)
{
    const uint8_t *a = find(x, n, name, strlen(name)), *v, *e, *h;
    size_t len;

    out[0] = '\0';
    if (!a)
        return;
    v = a + strlen(name);
    if (!(e = memchr(v, '"', n - (size_t)(v - x))))
        return;
    for (h = v; h < e; h++)
        if (*h == '#' || *h == ':')
            v = h + 1;
    len = (size_t)(e - v) < out_size - 1 ? (size_t)(e - v) : out_size - 1;
    memcpy(out, v, len);
    out[len] = '\0';
}

/* OpenDocument encrypts its members itself (the ZIP layer sees stored
 * entries) and says so in META-INF/manifest.xml: inflates it (bounded) and
 * counts the entries with <manifest:encryption-data>. */
static int odf_encrypted(const pt_crypto_view_t *v, const zip_count_t *c, pt_crypto_match_t *m)
{
    const uint8_t *lh = at(v, c->mf_off, 30), *data;
    uint8_t *x;
    size_t xn = 0, cap = 256 << 10;
    unsigned entries, encrypted;
    char alg[40], kdf[40];

    if (!lh || memcmp(lh, "PK\x03\x04", 4) != 0 || c->mf_csize == 0 || c->mf_csize > (4u << 20) ||
        !(data = at(v, c->mf_off + 30 + le16(lh + 26) + le16(lh + 28), (size_t)c->mf_csize)))
        return 0;
    if (c->mf_method == 0) {
        x = (uint8_t *)data;
        xn = (size_t)c->mf_csize;
    } else if (c->mf_method == 8) {
        z_stream z;
        memset(&z, 0, sizeof z);
        if (!(x = malloc(cap)) || inflateInit2(&z, -15) != Z_OK) {
            free(x);
            return 0;
        }
        z.next_in = (Bytef *)data;
        z.avail_in = (uInt)c->mf_csize;
        z.next_out = x;
        z.avail_out = (uInt)cap;
        inflate(&z, Z_FINISH); /* a truncated or damaged manifest still yields its start */
        xn = cap - z.avail_out;
        inflateEnd(&z);
    } else {
        return 0;
    }
    entries = count_text(x, xn, "<manifest:file-entry");
    encrypted = count_text(x, xn, "<manifest:encryption-data");
    xml_attr(x, xn, "manifest:algorithm-name=\"", alg, sizeof alg);
    xml_attr(x, xn, "manifest:key-derivation-name=\"", kdf, sizeof kdf);
    if (encrypted)
        SET(m, "odf-encrypted", 1, "OpenDocument package, %u of %u manifest entries encrypted (%s, key derivation %s)",
            encrypted, entries, alg[0] ? alg : "algorithm not named", kdf[0] ? kdf : "not named");
    if (x != data)
        free(x);
    return encrypted > 0;
}

static void zip_entry(zip_count_t *c, unsigned flags, unsigned method, const uint8_t *extra, size_t elen)
{
    size_t i = 0;

    c->entries++;
    if (!(flags & 1))
        return;
    if (method != 99) {
        c->crypto++;
        return;
    }
    c->aes++;
    while (i + 4 <= elen) { /* AE-x extra field 0x9901: strength 1/2/3 */
        unsigned id = le16(extra + i), len = le16(extra + i + 2);
        if (id == 0x9901 && len >= 7 && i + 4 + 7 <= elen) {
            unsigned s = extra[i + 4 + 4];
            c->aes_bits = s == 1 ? 128 : s == 2 ? 192 : s == 3 ? 256 : 0;
        }
        i += 4 + len;
    }
}

int pt_crypto_detect_zip(const pt_crypto_view_t *v, pt_crypto_match_t *m)
{
    zip_count_t c;
    const uint8_t *p;
    uint64_t off;
    const char *where = "central directory";

    memset(&c, 0, sizeof c);
    if (v->head_len < 4 || (memcmp(v->head, "PK\x03\x04", 4) != 0 && memcmp(v->head, "PK\x05\x06", 4) != 0))
        return 0;
    /* The central directory lists every entry: find the end record in the
     * tail and walk the directory if it was kept. */
    if (v->tail && v->tail_len >= 22) {
        size_t i = v->tail_len - 22;
        for (;; i--) {
            if (memcmp(v->tail + i, "PK\x05\x06", 4) == 0) {
                const uint8_t *e = v->tail + i;
                uint64_t cd = le32(e + 16), cd_size = le32(e + 12), end;
                unsigned total = le16(e + 10), k;
                if (cd != 0xffffffffu && cd + cd_size <= v->size && at(v, cd, (size_t)cd_size)) {
                    end = cd + cd_size;
                    for (k = 0, off = cd; k < total && off + 46 <= end; k++) {
                        size_t nl, el, cl;
                        if (!(p = at(v, off, 46)) || memcmp(p, "PK\x01\x02", 4) != 0)
                            break;
                        nl = le16(p + 28), el = le16(p + 30), cl = le16(p + 32);
                        if (!(p = at(v, off, 46 + nl + el)))
                            break;
                        zip_entry(&c, le16(p + 8), le16(p + 10), p + 46 + nl, el);
                        zip_note_manifest(&c, p + 46, nl, le32(p + 42), le32(p + 20), le16(p + 10));
                        off += 46 + nl + el + cl;
                    }
                }
                break;
            }
            if (i == 0 || v->tail_len - i > 65557)
                break;
        }
    }
    if (c.entries == 0) {
        /* fall back to the local headers in the head */
        where = "local headers";
        for (off = 0; (p = at(v, off, 30)) != NULL && memcmp(p, "PK\x03\x04", 4) == 0;) {
            size_t nl = le16(p + 26), el = le16(p + 28);
            unsigned flags = le16(p + 6);
            uint64_t csize = le32(p + 18);
            if (!(p = at(v, off, 30 + nl + el)))
                break;
            zip_entry(&c, flags, le16(p + 8), p + 30 + nl, el);
            zip_note_manifest(&c, p + 30, nl, off, csize, le16(p + 8));
            if ((flags & 8) && csize == 0)
                break; /* size in a data descriptor: cannot skip */
            off += 30 + nl + el + csize;
        }
    }
    if (c.entries == 0)
        return 0;
    if (c.manifest && !c.aes && !c.crypto && odf_encrypted(v, &c, m))
        return 1;
    if (c.aes)
        SET(m, "zip-aes", 1, "ZIP: %u of %u entries (%s) encrypted with WinZip AES%s%u", c.aes + c.crypto, c.entries,
            where, c.aes_bits ? "-" : "", c.aes_bits);
    else if (c.crypto)
        SET(m, "zip-crypto", 1, "ZIP: %u of %u entries (%s) encrypted with traditional PKWARE encryption", c.crypto,
            c.entries, where);
    else
        SET(m, "zip", 0, "ZIP: %u entries (%s), none encrypted", c.entries, where);
    if (m->reason[strlen(m->reason) - 1] == '0') /* "AES0": strength unknown */
        m->reason[strlen(m->reason) - 1] = '\0';
    return 1;
}

/* ---- 7z ------------------------------------------------------------------------------ */

static const uint8_t sz_aes_id[4] = { 0x06, 0xf1, 0x07, 0x01 };

/* 7z's variable-length integer.  Returns 0 when it runs past end. */
static int sz_num(const uint8_t **p, const uint8_t *end, uint64_t *out)
{
    uint8_t first, mask = 0x80;
    uint64_t v = 0;
    int i;

    if (*p >= end)
        return 0;
    first = *(*p)++;
    for (i = 0; i < 8; i++) {
        if (!(first & mask)) {
            uint64_t high = first & (mask - 1u);
            v |= high << (8 * i);
            *out = v;
            return 1;
        }
        if (*p >= end)
            return 0;
        v |= (uint64_t)*(*p)++ << (8 * i);
        mask >>= 1;
    }
    *out = v;
    return 1;
}

/* An encoded (LZMA-compressed) 7z header hides the coders of the files;
 * decodes it (bounded) and reports whether the AES coder appears in it. */
static int sz_encoded_header_has_aes(const pt_crypto_view_t *v, const uint8_t *h, size_t hn, int *decoded)
{
    const uint8_t *p = h + 1, *end = h + hn, *props = NULL, *pk;
    uint64_t pack_pos, nstreams, pack_size = 0, x, unpack = 0, id_size, nprops = 0;
    lzma_filter filters[2];
    lzma_stream s = LZMA_STREAM_INIT;
    uint8_t *out;
    int found = 0;

    *decoded = 0;
    if (p >= end || *p++ != 0x06 || !sz_num(&p, end, &pack_pos) || !sz_num(&p, end, &nstreams) || nstreams != 1)
        return 0;
    if (p >= end || *p++ != 0x09 || !sz_num(&p, end, &pack_size))
        return 0;
    while (p < end && *p != 0x00 && *p != 0x07)
        p++; /* optional CRCs of the pack info */
    if (p < end && *p == 0x00)
        p++;
    if (p + 4 > end || *p++ != 0x07 || *p++ != 0x0b || !sz_num(&p, end, &x) || x != 1 || *p++ != 0)
        return 0;
    if (!sz_num(&p, end, &x) || x != 1 || p >= end) /* one coder */
        return 0;
    id_size = *p & 0x0f;
    if (*p & 0x10) /* complex coder: not the plain LZMA case */
        return 0;
    nprops = (*p & 0x20) ? 1 : 0;
    p++;
    if (p + id_size > end || id_size != 3 || memcmp(p, "\x03\x01\x01", 3) != 0)
        return 0;
    p += id_size;
    if (nprops) {
        if (!sz_num(&p, end, &nprops) || nprops != 5 || p + 5 > end)
            return 0;
        props = p;
        p += 5;
    }
    if (!props || p >= end || *p++ != 0x0c || !sz_num(&p, end, &unpack) || unpack == 0 || unpack > (1u << 24))
        return 0;
    if (pack_size == 0 || pack_size > (1u << 24) || !(pk = at(v, 32 + pack_pos, (size_t)pack_size)))
        return 0;
    filters[0].id = LZMA_FILTER_LZMA1;
    filters[1].id = LZMA_VLI_UNKNOWN;
    if (lzma_properties_decode(&filters[0], NULL, props, 5) != LZMA_OK)
        return 0;
    if (lzma_raw_decoder(&s, filters) != LZMA_OK || !(out = malloc((size_t)unpack))) {
        free(filters[0].options);
        lzma_end(&s);
        return 0;
    }
    s.next_in = pk;
    s.avail_in = (size_t)pack_size;
    s.next_out = out;
    s.avail_out = (size_t)unpack;
    /* an error after some output still shows the coders decoded so far */
    if (lzma_code(&s, LZMA_RUN) != LZMA_MEM_ERROR && s.total_out > 0) {
        *decoded = 1;
        found = find(out, (size_t)s.total_out, sz_aes_id, 4) != NULL;
    }
    free(out);
    free(filters[0].options);
    lzma_end(&s);
    return found;
}

int pt_crypto_detect_7z(const pt_crypto_view_t *v, pt_crypto_match_t *m)
{
    const uint8_t *p = at(v, 0, 32), *h;
    uint64_t off, size;

    if (!p || memcmp(p, "7z\xbc\xaf\x27\x1c", 6) != 0 || p[6] != 0)
        return 0;
    off = le64(p + 12);
    size = le64(p + 20);
    if (size == 0 || size > (1u << 24) || 32 + off + size > v->size || !(h = at(v, 32 + off, (size_t)size))) {
        /* header not sampled: say what is known */
        return 0;
    }
    if (h[0] == 0x17) {
        int decoded = 0;
        if (find(h, (size_t)size, sz_aes_id, 4)) {
            SET(m, "7z-aes", 1, "7z: archive header encrypted with AES-256 (file names hidden, -mhe)");
            return 1;
        }
        if (sz_encoded_header_has_aes(v, h, (size_t)size, &decoded)) {
            SET(m, "7z-aes", 1, "7z: file data encrypted with AES-256 (coder listed in the compressed header)");
            return 1;
        }
        if (decoded) {
            SET(m, "7z", 0, "7z: compressed header decoded, no AES coder");
            return 1;
        }
        return 0;
    }
    if (h[0] == 0x01) {
        if (find(h, (size_t)size, sz_aes_id, 4))
            SET(m, "7z-aes", 1, "7z: file data encrypted with AES-256 (names visible)");
        else
            SET(m, "7z", 0, "7z: header lists no AES coder");
        return 1;
    }
    return 0;
}

/* ---- RAR ------------------------------------------------------------------------------- */

static int rar_vint(const uint8_t **p, const uint8_t *end, uint64_t *out)
{
    uint64_t v = 0;
    int shift = 0;

    while (*p < end && shift < 64) {
        uint8_t b = *(*p)++;
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *out = v;
            return 1;
        }
        shift += 7;
    }
    return 0;
}

int pt_crypto_detect_rar5(const pt_crypto_view_t *v, pt_crypto_match_t *m)
{
    uint64_t off = 8;
    int blocks, files = 0;

    if (v->head_len < 8 || memcmp(v->head, "Rar!\x1a\x07\x01\x00", 8) != 0)
        return 0;
    for (blocks = 0; blocks < 64; blocks++) {
        const uint8_t *p = at(v, off, 4), *q, *end;
        uint64_t hsize, type, hflags, extra = 0, data = 0;
        if (!p)
            break;
        q = p + 4;
        end = v->head + v->head_len;
        if (off >= v->head_len || !rar_vint(&q, end, &hsize) || hsize > (1u << 21) ||
            (size_t)(q - v->head) + hsize > v->head_len)
            break;
        end = q + hsize;
        if (!rar_vint(&q, end, &type) || !rar_vint(&q, end, &hflags))
            break;
        if (type == 4) {
            SET(m, "rar5-encrypted", 1, "RAR5 archive encryption header: file names and data encrypted");
            return 1;
        }
        if ((hflags & 1) && !rar_vint(&q, end, &extra))
            break;
        if ((hflags & 2) && !rar_vint(&q, end, &data))
            break;
        if (type == 2 && extra > 0 && extra <= hsize) {
            /* extra area: records of (size, type); type 1 is encryption */
            const uint8_t *r = end - extra;
            files++;
            while (r < end) {
                uint64_t rsize, rtype;
                const uint8_t *rs = r;
                if (!rar_vint(&r, end, &rsize) || rsize == 0 || r + rsize > end)
                    break;
                rs = r;
                if (!rar_vint(&r, end, &rtype))
                    break;
                if (rtype == 1) {
                    SET(m, "rar5-encrypted", 1, "RAR5: file data encrypted (file encryption record)");
                    return 1;
                }
                r = rs + rsize;
            }
        } else if (type == 2) {
            files++;
        }
        if (type == 5)
            break; /* end of archive */
        off = (uint64_t)(end - v->head) + data;
    }
    if (files) {
        SET(m, "rar5", 0, "RAR5: %d file headers, no encryption record", files);
        return 1;
    }
    return 0;
}

int pt_crypto_detect_rar4(const pt_crypto_view_t *v, pt_crypto_match_t *m)
{
    uint64_t off = 7;
    int blocks, files = 0;

    if (v->head_len < 7 || memcmp(v->head, "Rar!\x1a\x07\x00", 7) != 0)
        return 0;
    for (blocks = 0; blocks < 256; blocks++) {
        const uint8_t *p = at(v, off, 7);
        unsigned type, flags, hsize;
        uint64_t add = 0;
        if (!p)
            break;
        type = p[2];
        flags = le16(p + 3);
        hsize = le16(p + 5);
        if (hsize < 7)
            break;
        if (type == 0x73 && (flags & 0x0080)) {
            SET(m, "rar4-encrypted", 1, "RAR4 main header: archive headers encrypted (file names hidden)");
            return 1;
        }
        if (type == 0x74) {
            files++;
            if (flags & 0x0004) {
                SET(m, "rar4-encrypted", 1, "RAR4 file header: file data encrypted");
                return 1;
            }
        }
        if ((flags & 0x8000) || type == 0x74) {
            const uint8_t *q = at(v, off + 7, 4);
            if (!q)
                break;
            add = le32(q);
        }
        if (type == 0x7b)
            break;
        off += hsize + add;
    }
    if (files) {
        SET(m, "rar4", 0, "RAR4: %d file headers, none encrypted", files);
        return 1;
    }
    return 0;
}

/* ---- PDF ----------------------------------------------------------------------------- */

/* The integer after the first occurrence of key that is followed by one
 * (e.g. "/V 5", not "/Version"). */
static int pdf_int_after(const uint8_t *p, size_t n, const char *key, long *out)
{
    size_t kl = strlen(key), start = 0;
    const uint8_t *k;

    while ((k = find(p + start, n - start, key, kl)) != NULL) {
        size_t i = (size_t)(k - p) + kl;
        long val = 0;
        int digits = 0;
        while (i < n && (p[i] == ' ' || p[i] == '\r' || p[i] == '\n'))
            i++;
        while (i < n && p[i] >= '0' && p[i] <= '9' && digits < 9)
            val = val * 10 + (p[i++] - '0'), digits++;
        if (digits) {
            *out = val;
            return 1;
        }
        start = (size_t)(k - p) + kl;
    }
    return 0;
}

int pt_crypto_detect_pdf(const pt_crypto_view_t *v, pt_crypto_match_t *m)
{
    const uint8_t *k = NULL, *bufs[2] = { v->head, v->tail };
    size_t lens[2] = { v->head_len, v->tail ? v->tail_len : 0 }, b;
    const char *handler = "handler not in the sampled head and tail";
    char desc[96];

    if (v->head_len < 8 || !find(v->head, v->head_len < 1024 ? v->head_len : 1024, "%PDF-", 5))
        return 0;
    for (b = 0; b < 2 && !k; b++) {
        const uint8_t *p = bufs[b], *end = p + lens[b];
        while (p && (p = find(p, (size_t)(end - p), "/Encrypt", 8)) != NULL) {
            uint8_t c = p + 8 < end ? p[8] : ' ';
            if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))) { /* not /EncryptMetadata */
                k = p;
                break;
            }
            p += 8;
        }
    }
    if (!k)
        return 0;
    /* the encryption dictionary: /Filter /Standard /V n /R n [/CFM /AESV2|3] */
    for (b = 0; b < 2; b++) {
        const uint8_t *f = bufs[b] ? find(bufs[b], lens[b], "/Standard", 9) : NULL;
        long V = -1, R = -1, len = 40;
        if (!f)
            continue;
        {
            size_t start = (size_t)(f - bufs[b]) > 512 ? (size_t)(f - bufs[b]) - 512 : 0;
            size_t n = lens[b] - start < 1536 ? lens[b] - start : 1536;
            const uint8_t *d = bufs[b] + start;
            pdf_int_after(d, n, "/V", &V);
            pdf_int_after(d, n, "/R", &R);
            pdf_int_after(d, n, "/Length", &len);
            if (find(d, n, "/AESV3", 6) || V == 5)
                handler = "AES-256";
            else if (find(d, n, "/AESV2", 6))
                handler = "AES-128";
            else if (V == 1 || V == 2 || V == 4) {
                snprintf(desc, sizeof desc, "RC4-%ld", V == 1 ? 40L : len);
                handler = desc;
            } else
                handler = "Standard handler, unknown version";
            SET(m, "pdf-encrypted", 1, "PDF /Encrypt dictionary: Standard security handler V%ld R%ld, %s", V, R,
                handler);
            return 1;
        }
    }
    SET(m, "pdf-encrypted", 1, "PDF /Encrypt entry in the trailer (%s)", handler);
    return 1;
}
