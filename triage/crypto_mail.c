/* crypto_mail.c - encrypted messages: CMS/PKCS#7 content (S/MIME's
 * container; `openssl cms`/`smime` output, .p7m) in DER, BER or PEM, and
 * single e-mail messages (.eml, a Maildir file) whose content is S/MIME
 * enveloped or OpenPGP encrypted (PGP/MIME or an inline armoured message).
 * A mailbox of many messages (mbox) is not judged by one of them.  Pure
 * functions over the head/tail view; owns no state. */
#include "crypto_int.h"

#include <ctype.h>
#include <stdint.h>
#include <strings.h>

/* 1.2.840.113549.1.9.16.1.23, authEnvelopedData (RFC 5083) */
static const uint8_t oid_auth_enveloped[] = { 0x06, 0x0b, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d,
                                              0x01, 0x09, 0x10, 0x01, 0x17 };

enum { CMS_ENVELOPED, CMS_ENCRYPTED, CMS_AUTH_ENVELOPED, CMS_SIGNED };

static const char *const cms_kind_name[] = { "enveloped data", "encrypted data (a symmetric key)",
                                             "authenticated enveloped data", "signed data" };

/* Skips one BER element (an indefinite length by its children); 0 when it
 * does not lie within the n bytes or nests too deep. */
static int ber_skip(const uint8_t *p, size_t n, size_t *off, int depth)
{
    size_t o = *off, len;
    int tag = der_header(p, n, &o, &len);

    if (tag < 0 || (tag & 0x1f) == 0x1f || depth > 16)
        return 0;
    if (len == SIZE_MAX) {
        if (!(tag & 0x20))
            return 0; /* only a constructed element may be indefinite */
        while (o + 2 <= n && (p[o] != 0 || p[o + 1] != 0))
            if (!ber_skip(p, n, &o, depth + 1))
                return 0;
        if (o + 2 > n)
            return 0;
        *off = o + 2;
        return 1;
    }
    if (len > n - o)
        return 0;
    *off = o + len;
    return 1;
}

/* The content-encryption algorithm named by an OID's content bytes. */
static const char *cipher_name(const uint8_t *oid, size_t len)
{
    static const struct {
        const char *name;
        uint8_t len, oid[11];
    } t[] = {
        { "AES-128-CBC", 9, { 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x01, 0x02 } },
        { "AES-192-CBC", 9, { 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x01, 0x16 } },
        { "AES-256-CBC", 9, { 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x01, 0x2a } },
        { "AES-128-GCM", 9, { 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x01, 0x06 } },
        { "AES-192-GCM", 9, { 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x01, 0x1a } },
        { "AES-256-GCM", 9, { 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x01, 0x2e } },
        { "3DES-CBC", 8, { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x03, 0x07 } },
        { "RC2-CBC", 8, { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x03, 0x02 } },
        { "DES-CBC", 5, { 0x2b, 0x0e, 0x03, 0x02, 0x07 } },
        { "ChaCha20-Poly1305", 11, { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x10, 0x03, 0x12 } },
    };
    size_t i;

    for (i = 0; i < sizeof t / sizeof t[0]; i++)
        if (len == t[i].len && memcmp(oid, t[i].oid, len) == 0)
            return t[i].name;
    return NULL;
}

/* What the recipients and the encrypted content of an (auth)enveloped or
 * encrypted data say, appended to desc; stops quietly where the head ends. */
static void cms_details(const uint8_t *p, size_t n, size_t off, int kind, char *desc, size_t dsize)
{
    size_t len, w = strlen(desc), end;
    unsigned rcpt = 0, pw = 0;
    const char *alg;

    if (kind != CMS_ENCRYPTED) {
        if (off < n && p[off] == 0xa0 && !ber_skip(p, n, &off, 0)) /* originatorInfo */
            return;
        if (der_header(p, n, &off, &len) != 0x31)
            return;
        end = len == SIZE_MAX ? SIZE_MAX : off + len;
        while (off + 2 <= n && (end == SIZE_MAX ? p[off] != 0 || p[off + 1] != 0 : off < end)) {
            rcpt++;
            pw += p[off] == 0xa3; /* pwri: a password-derived key */
            if (!ber_skip(p, n, &off, 0))
                break;
        }
        snprintf(desc + w, dsize - w, ", %u recipient%s%s", rcpt, rcpt == 1 ? "" : "s",
                 pw ? " (a password among them)" : "");
        w = strlen(desc);
        if (off + 2 > n || (end == SIZE_MAX ? p[off] != 0 || p[off + 1] != 0 : off != end))
            return;
        off += end == SIZE_MAX ? 2 : 0;
    }
    /* EncryptedContentInfo: SEQUENCE { contentType, AlgorithmIdentifier, ... } */
    if (der_header(p, n, &off, &len) != 0x30 || !ber_skip(p, n, &off, 0) ||
        der_header(p, n, &off, &len) != 0x30 || der_header(p, n, &off, &len) != 0x06 || len > n - off)
        return;
    alg = cipher_name(p + off, len);
    snprintf(desc + w, dsize - w, ", %s", alg ? alg : "content cipher not named here");
}

int pt_crypto_cms_parse(const uint8_t *p, size_t n, uint64_t total, char *desc, size_t dsize)
{
    size_t off = 0, len;
    int kind, version, ok;

    if (der_header(p, n, &off, &len) != 0x30 || (len != SIZE_MAX && off + len > total) || off + 13 > n)
        return 0;
    if (memcmp(p + off, oid_enveloped, sizeof oid_enveloped) == 0)
        kind = CMS_ENVELOPED;
    else if (memcmp(p + off, oid_encrypted, sizeof oid_encrypted) == 0)
        kind = CMS_ENCRYPTED;
    else if (memcmp(p + off, oid_signed, sizeof oid_signed) == 0)
        kind = CMS_SIGNED;
    else if (memcmp(p + off, oid_auth_enveloped, sizeof oid_auth_enveloped) == 0)
        kind = CMS_AUTH_ENVELOPED;
    else
        return 0;
    off += kind == CMS_AUTH_ENVELOPED ? sizeof oid_auth_enveloped : sizeof oid_enveloped;
    if (der_header(p, n, &off, &len) != 0xa0 || der_header(p, n, &off, &len) != 0x30 ||
        der_header(p, n, &off, &len) != 0x02 || len != 1 || off >= n)
        return 0;
    version = p[off++];
    switch (kind) { /* RFC 5652 6.1, 8, 5.1; RFC 5083 */
    case CMS_ENVELOPED: ok = version == 0 || (version >= 2 && version <= 4); break;
    case CMS_ENCRYPTED: ok = version == 0 || version == 2; break;
    case CMS_AUTH_ENVELOPED: ok = version == 0; break;
    default: ok = version == 1 || (version >= 3 && version <= 5); break;
    }
    if (!ok)
        return 0;
    snprintf(desc, dsize, "CMS/PKCS#7 %s, version %d", cms_kind_name[kind], version);
    if (kind == CMS_SIGNED) {
        /* encrypt-then-sign: the signed content is itself encrypted */
        if (ber_skip(p, n, &off, 0) && der_header(p, n, &off, &len) == 0x30 && off + sizeof oid_enveloped <= n &&
            (memcmp(p + off, oid_enveloped, sizeof oid_enveloped) == 0 ||
             memcmp(p + off, oid_encrypted, sizeof oid_encrypted) == 0)) {
            size_t w = strlen(desc);
            snprintf(desc + w, dsize - w, " around %s content", p[off + 10] == 3 ? "enveloped" : "encrypted");
            return 1;
        }
        return -1;
    }
    cms_details(p, n, off, kind, desc, dsize);
    return 1;
}

int pt_crypto_detect_cms(const pt_crypto_view_t *v, pt_crypto_match_t *m)
{
    static const char *const pem[] = { "-----BEGIN PKCS7-----", "-----BEGIN CMS-----",
                                       "-----BEGIN PKCS #7 SIGNED DATA-----" };
    char desc[200];
    uint8_t bin[8192];
    size_t after, n, i;
    int r = 0;

    if (v->head[0] == 0x30) {
        r = pt_crypto_cms_parse(v->head, v->head_len, v->size, desc, sizeof desc);
    } else {
        for (i = 0; i < sizeof pem / sizeof pem[0]; i++)
            if (starts_text(v, pem[i], &after)) {
                n = b64_decode(v->head + after, v->head_len - after, bin, sizeof bin);
                r = pt_crypto_cms_parse(bin, n, UINT64_MAX, desc, sizeof desc);
                break;
            }
    }
    if (r > 0)
        SET(m, "cms-encrypted", 1, "%.200s", desc);
    else if (r < 0)
        SET(m, "cms-signed", 0, "%.200s, not encrypted", desc);
    return r != 0;
}

/* ---- e-mail ------------------------------------------------------------------------------- */

/* Case-insensitive search for a lower-case needle. */
static const uint8_t *find_ci(const uint8_t *p, size_t n, const char *needle)
{
    size_t m = strlen(needle), i, j;

    for (i = 0; m <= n && i <= n - m; i++) {
        for (j = 0; j < m && tolower(p[i + j]) == (unsigned char)needle[j]; j++)
            ;
        if (j == m)
            return p + i;
    }
    return NULL;
}

/* 1 when the line at ls belongs to a header block: the message's own (from
 * the first byte) or a MIME part's (after a "--boundary" line), not a body. */
static int in_header_block(const uint8_t *p, size_t ls)
{
    while (ls > 0) {
        size_t prev = ls - 1;
        while (prev > 0 && p[prev - 1] != '\n')
            prev--;
        if (p[prev] == '\n' || (p[prev] == '\r' && p[prev + 1] == '\n'))
            return 0; /* an empty line above: a body */
        if (p[prev] == '-' && p[prev + 1] == '-')
            return 1;
        ls = prev;
    }
    return 1;
}

/* needle (lower case) in the value of a Content-Type header field of the
 * message or of one of its MIME parts (folded lines followed back), not
 * merely in a message's text. */
static const uint8_t *content_type(const pt_crypto_view_t *v, const char *needle)
{
    const uint8_t *p = v->head, *hit;
    size_t at = 0, ls;
    int fold;

    while (at < v->head_len && (hit = find_ci(p + at, v->head_len - at, needle)) != NULL) {
        ls = (size_t)(hit - p);
        for (fold = 0; fold < 4; fold++) {
            while (ls > 0 && p[ls - 1] != '\n')
                ls--;
            if (ls == 0 || (p[ls] != ' ' && p[ls] != '\t'))
                break;
            ls--; /* a continuation line: the field starts on a line before */
        }
        if ((size_t)(hit - p) - ls >= 13 && strncasecmp((const char *)p + ls, "content-type:", 13) == 0 &&
            in_header_block(p, ls))
            return hit;
        at = (size_t)(hit - p) + 1;
    }
    return NULL;
}

/* The end of a header block starting at p: the offset just past its empty
 * line, or 0 when none is in the n bytes. */
static size_t headers_end(const uint8_t *p, size_t n)
{
    const uint8_t *lf = find(p, n, "\n\n", 2), *crlf = find(p, n, "\r\n\r\n", 4);

    if (crlf && (!lf || crlf < lf))
        return (size_t)(crlf - p) + 4;
    return lf ? (size_t)(lf - p) + 2 : 0;
}

/* An RFC 5322 message: header fields from the first byte up to an empty
 * line, at least two of them fields a message has.  Returns the offset of
 * the body, 0 when the head is not a message's. */
static size_t message_body(const pt_crypto_view_t *v)
{
    static const char *const known[] = { "from", "to", "cc", "subject", "date", "message-id", "received",
                                         "return-path", "mime-version", "content-type", "delivered-to",
                                         "reply-to", "in-reply-to", "references", "x-mailer", "user-agent",
                                         "content-transfer-encoding", "sender", "dkim-signature", NULL };
    const uint8_t *p = v->head;
    size_t n = v->head_len, i = 0, hits = 0;

    while (i < n) {
        size_t name = i, k;
        if (p[i] == '\n' || (p[i] == '\r' && i + 1 < n && p[i + 1] == '\n'))
            return hits >= 2 ? i + (p[i] == '\r' ? 2 : 1) : 0;
        if (p[i] == ' ' || p[i] == '\t') { /* a folded continuation line */
            if (i == 0)
                return 0;
        } else {
            while (i < n && p[i] > 0x20 && p[i] < 0x7f && p[i] != ':')
                i++;
            if (i >= n || p[i] != ':' || i == name || i - name > 76)
                return 0;
            for (k = 0; known[k]; k++)
                if (strlen(known[k]) == i - name && strncasecmp((const char *)p + name, known[k], i - name) == 0)
                    hits++;
        }
        while (i < n && p[i] != '\n')
            i++;
        i++;
    }
    return 0;
}

/* An S/MIME part (application/pkcs7-mime) of the message: its base64 body
 * decoded and parsed.  1 and m set when it decides. */
static int smime_part(const pt_crypto_view_t *v, pt_crypto_match_t *m)
{
    const uint8_t *ct = content_type(v, "pkcs7-mime"), *q;
    uint8_t bin[8192];
    char desc[200];
    size_t at, end, n;
    int r;

    if (!ct)
        return 0;
    at = (size_t)(ct - v->head);
    end = headers_end(v->head + at, v->head_len - at);
    q = find_ci(ct, v->head_len - at < 512 ? v->head_len - at : 512, "enveloped-data");
    n = end ? b64_decode(v->head + at + end, v->head_len - at - end, bin, sizeof bin) : 0;
    r = pt_crypto_cms_parse(bin, n, UINT64_MAX, desc, sizeof desc);
    if (r > 0) {
        SET(m, "smime-encrypted", 1, "e-mail message, S/MIME encrypted (application/pkcs7-mime): %.150s", desc);
        return 1;
    }
    if (r < 0 && find_ci(bin, n, "enveloped-data")) { /* sign, then encrypt, then sign again */
        SET(m, "smime-encrypted", 1, "e-mail message, S/MIME signed around an encrypted message "
            "(smime-type=enveloped-data inside): %.150s", desc);
        return 1;
    }
    if (r < 0) {
        SET(m, "smime-signed", 0, "e-mail message, S/MIME signed (application/pkcs7-mime): %.150s, not encrypted",
            desc);
        return 1;
    }
    if (q) {
        SET(m, "smime-encrypted", 1, "e-mail message, S/MIME encrypted (application/pkcs7-mime; "
            "smime-type=enveloped-data); its body is not in the sampled head or does not decode");
        return 1;
    }
    return 0;
}

int pt_crypto_detect_mail(const pt_crypto_view_t *v, pt_crypto_match_t *m)
{
    static const char armour[] = "-----BEGIN PGP MESSAGE-----";
    size_t body = message_body(v), at, after, n;
    const uint8_t *a;
    uint8_t bin[512];
    char desc[200];
    int pgp_mime, seen = 0;

    if (!body)
        return 0;
    if (smime_part(v, m))
        return 1;
    pgp_mime = content_type(v, "multipart/encrypted") &&
               find_ci(v->head, v->head_len, "application/pgp-encrypted");
    for (at = body; (a = find(v->head + at, v->head_len - at, armour, sizeof armour - 1)) != NULL;
         at = (size_t)(a - v->head) + 1) {
        if (a > v->head + body && a[-1] != '\n')
            continue; /* quoted ("> -----BEGIN") or inside a line */
        after = (size_t)(a - v->head) + sizeof armour - 1;
        seen = 1;
        if (!pt_crypto_armour_body(v, after, bin, sizeof bin, &n) ||
            pt_crypto_pgp_stream(bin, n, 0, desc, sizeof desc) <= 0)
            continue;
        SET(m, "pgp-mail", 1, "e-mail message, OpenPGP encrypted (%s): %.150s",
            pgp_mime ? "PGP/MIME, multipart/encrypted" : "an inline armoured message", desc);
        return 1;
    }
    if (pgp_mime) {
        SET(m, "pgp-mail", 1, "e-mail message, OpenPGP encrypted (PGP/MIME, multipart/encrypted); its armoured "
            "part %s", seen ? "does not decode" : "is not in the sampled head");
        return 1;
    }
    return 0;
}
