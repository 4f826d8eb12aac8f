/* crypto_cfb.c - compound files (MS-CFB, OLE2): encrypted Office 97-2003
 * documents and password-protected OOXML packages, and Outlook messages
 * (.msg) that are S/MIME, OpenPGP or rights-management protected.  Pure
 * functions over the head/tail view; owns no state. */
#include <ctype.h>
#include <strings.h>

#include "crypto_int.h"

/* ---- OLE2 / CFB: encrypted Office documents ------------------------------------------------ */

/* A compound file read through the head/tail view: sectors that were not
 * kept (the middle of a large file) end the walk, so a document whose FAT
 * or directory lies there is not judged by this path. */
typedef struct cfb {
    const pt_crypto_view_t *v;
    const uint8_t *h;               /* the 512-byte header */
    unsigned ss;                    /* sector size */
    uint32_t dir, minifat, root_start;
    uint64_t root_size;
} cfb_t;

#define CFB_END 0xfffffffeu
#define CFB_UNKNOWN 0xfffffffbu     /* the FAT entry was not kept (or lies past the header's DIFAT) */
#define CFB_STEPS 65536             /* chain steps before a loop is assumed */

static const uint8_t *cfb_sector(const cfb_t *c, uint32_t s, size_t off, size_t n)
{
    if (s >= 0xfffffffau)
        return NULL;
    return at(c->v, ((uint64_t)s + 1) * c->ss + off, n);
}

/* Next sector in the FAT chain (FAT sectors from the header's 109 DIFAT
 * slots, enough for files up to 6.8 MB at 512-byte sectors, or 436 MB at 4096). */
static uint32_t cfb_next(const cfb_t *c, uint32_t s)
{
    uint32_t per = c->ss / 4, idx = s / per, fs;
    const uint8_t *p;

    if (idx >= 109)
        return CFB_UNKNOWN;
    fs = le32(c->h + 0x4c + 4 * idx);
    p = cfb_sector(c, fs, 4u * (s % per), 4);
    return p ? le32(p) : CFB_UNKNOWN;
}

/* Sector holding byte off of the chain from start. */
static uint32_t cfb_walk(const cfb_t *c, uint32_t start, uint64_t off)
{
    uint64_t k = off / c->ss;

    for (; k > 0 && start < 0xfffffffau; k--)
        if (k > CFB_STEPS || (start = cfb_next(c, start)) >= 0xfffffffau)
            return CFB_END;
    return start;
}

/* 1 when directory entry e has type (2 stream, 1 storage) and name. */
static int cfb_name_is(const uint8_t *e, int type, const char *name)
{
    size_t nl = strlen(name), k;

    if (e[66] != type || le16(e + 64) != 2 * (nl + 1))
        return 0;
    for (k = 0; k < nl && toupper(e[2 * k]) == toupper((unsigned char)name[k]) && e[2 * k + 1] == 0; k++)
        ; /* MS-CFB compares names without regard to case */
    return k == nl;
}

static int cfb_entry_is(const uint8_t *e, const char *name, uint32_t *start, uint64_t *size, unsigned ss)
{
    if (!cfb_name_is(e, 2, name))
        return 0;
    *start = le32(e + 116);
    *size = ss == 512 ? le32(e + 120) : le64(e + 120);
    return 1;
}

/* Finds a stream by its (ASCII) name, walking the directory chain once;
 * *start and *size of its data.  When the chain runs into sectors that
 * were not kept (a large file whose FAT lies in its middle), the kept bytes
 * are searched for the entry instead: entries are 128-byte records at
 * sector boundaries, and writers put the directory at one end. */
static int cfb_find(const cfb_t *c, const char *name, uint32_t *start, uint64_t *size)
{
    uint32_t s = c->dir, steps;
    uint64_t off;
    size_t e_off;

    for (steps = 0; steps < 1024 && s < 0xfffffffau; steps++, s = cfb_next(c, s))
        for (e_off = 0; e_off < c->ss; e_off += 128) {
            const uint8_t *e = cfb_sector(c, s, e_off, 128);
            if (!e) {
                s = CFB_UNKNOWN;
                goto search;
            }
            if (cfb_entry_is(e, name, start, size, c->ss))
                return 1;
        }
search:
    if (s != CFB_UNKNOWN)
        return 0;
    for (off = c->ss; off + 128 <= c->v->head_len; off += 128)
        if (cfb_entry_is(c->v->head + off, name, start, size, c->ss))
            return 1;
    if (c->v->tail && c->v->size > c->v->head_len) {
        uint64_t first = c->v->size - c->v->tail_len;
        for (off = first < c->v->head_len ? c->v->head_len : (first + 127) / 128 * 128; off + 128 <= c->v->size;
             off += 128) {
            const uint8_t *e = at(c->v, off, 128);
            if (e && cfb_entry_is(e, name, start, size, c->ss))
                return 1;
        }
    }
    return 0;
}

/* Copies up to n bytes from the start of a stream; returns how many. */
static size_t cfb_read(const cfb_t *c, uint32_t start, uint64_t size, uint8_t *buf, size_t n)
{
    size_t got = 0;

    if (n > size)
        n = (size_t)size;
    if (size >= le32(c->h + 0x38)) { /* regular stream */
        while (got < n) {
            uint32_t s = cfb_walk(c, start, got);
            size_t k = c->ss - got % c->ss < n - got ? c->ss - got % c->ss : n - got;
            const uint8_t *p = s == CFB_END ? NULL : cfb_sector(c, s, got % c->ss, k);
            if (!p)
                break;
            memcpy(buf + got, p, k);
            got += k;
        }
        return got;
    }
    while (got < n) { /* mini stream: 64-byte sectors inside the root entry's data */
        uint32_t ms = start, per = c->ss / 4, j;
        uint64_t off;
        size_t k = 64 - got % 64 < n - got ? 64 - got % 64 : n - got;
        const uint8_t *p;
        for (j = 0; j < got / 64 && ms < 0xfffffffau; j++) {
            uint32_t fs = cfb_walk(c, c->minifat, (uint64_t)ms / per * c->ss);
            const uint8_t *q = fs == CFB_END ? NULL : cfb_sector(c, fs, 4u * (ms % per), 4);
            ms = q ? le32(q) : CFB_END;
        }
        if (ms >= 0xfffffffau)
            break;
        off = (uint64_t)ms * 64 + got % 64;
        if (off + k > c->root_size)
            break;
        {
            uint32_t s = cfb_walk(c, c->root_start, off);
            p = s == CFB_END ? NULL : cfb_sector(c, s, off % c->ss, k);
        }
        if (!p)
            break;
        memcpy(buf + got, p, k);
        got += k;
    }
    return got;
}

/* RC4 / RC4 CryptoAPI / AES from an EncryptionVersionInfo (major, minor). */
static const char *office_scheme(const uint8_t *p, size_t n)
{
    unsigned major, minor;

    if (n < 4)
        return "encryption header not read";
    major = le16(p), minor = le16(p + 2);
    if (major == 1 && minor == 1)
        return "RC4";
    if ((major == 2 || major == 3 || major == 4) && minor == 2)
        return "RC4 CryptoAPI";
    if (major == 4 && minor == 4)
        return "agile encryption";
    return "unknown encryption version";
}

static int cfb_legacy(const cfb_t *c, pt_crypto_match_t *m)
{
    uint8_t b[64];
    uint32_t st;
    uint64_t sz;
    size_t n;

    if (cfb_find(c, "WordDocument", &st, &sz) && (n = cfb_read(c, st, sz, b, 12)) == 12 && le16(b) == 0xa5ec) {
        unsigned flags = le16(b + 10);
        uint8_t t[4];
        size_t tn = 0;
        if (!(flags & 0x0100)) {
            SET(m, "doc", 0, "Word 97-2003 document, not encrypted (FIB fEncrypted clear)");
            return 1;
        }
        if (flags & 0x8000) {
            SET(m, "doc-encrypted", 1, "Word 97-2003 document, encrypted with XOR obfuscation (FIB fObfuscated)");
            return 1;
        }
        if (cfb_find(c, flags & 0x0200 ? "1Table" : "0Table", &st, &sz))
            tn = cfb_read(c, st, sz, t, 4);
        SET(m, "doc-encrypted", 1, "Word 97-2003 document, encrypted (FIB fEncrypted, %s)", office_scheme(t, tn));
        return 1;
    }
    if (cfb_find(c, "Workbook", &st, &sz) || cfb_find(c, "Book", &st, &sz)) {
        uint8_t w[2048];
        size_t wn = cfb_read(c, st, sz, w, sizeof w), off = 0;
        int rec;
        if (wn < 4 || (le16(w) != 0x0809 && le16(w) != 0x0409 && le16(w) != 0x0209))
            return 0;
        for (rec = 0; rec < 32 && off + 4 <= wn; rec++) {
            unsigned type = le16(w + off), len = le16(w + off + 2);
            if (type == 0x002f) { /* FILEPASS */
                const char *how = "encryption type not read";
                if (off + 6 <= wn)
                    how = le16(w + off + 4) == 0 ? "XOR obfuscation"
                          : off + 10 <= wn ? office_scheme(w + off + 6, 4) : "RC4";
                if (pt_crypto_xls_default_password(w + off + 4, wn - off - 4 < len ? wn - off - 4 : len)) {
                    SET(m, "xls", 0, "Excel 97-2003 workbook encrypted (%s) with Excel's published default password "
                        "\"VelvetSweatshop\" (a workbook protected against changes only): anyone can read it", how);
                    return 1;
                }
                SET(m, "xls-encrypted", 1, "Excel 97-2003 workbook, encrypted (FILEPASS record, %s)", how);
                return 1;
            }
            if (type == 0x0085 || type == 0x000a) /* BOUNDSHEET or EOF: past where FILEPASS stands */
                break;
            off += 4 + len;
        }
        SET(m, "xls", 0, "Excel 97-2003 workbook, not encrypted (no FILEPASS record)");
        return 1;
    }
    if (cfb_find(c, "Current User", &st, &sz) && (n = cfb_read(c, st, sz, b, 16)) == 16 && le16(b + 2) == 0x0ff6) {
        uint32_t token = le32(b + 12);
        if (token == 0xf3d1c4dfu) {
            SET(m, "ppt-encrypted", 1, "PowerPoint 97-2003 presentation, encrypted (CurrentUserAtom token F3D1C4DF)");
            return 1;
        }
        if (token == 0xe391c05fu) {
            SET(m, "ppt", 0, "PowerPoint 97-2003 presentation, not encrypted");
            return 1;
        }
    }
    return 0;
}

/* ---- Outlook messages (MS-OXMSG) ----------------------------------------------------------- */

#define MSG_DIR_SECTORS 1024 /* 4,096 entries at 512-byte sectors: a message with hundreds of attachments */

/* The directory chain's sectors, walked once, so that looking up an entry
 * by id costs no chain walk (a hostile chain would make each cost 65,536
 * steps). */
typedef struct cfb_dir {
    const cfb_t *c;
    uint32_t sec[MSG_DIR_SECTORS];
    unsigned n;
} cfb_dir_t;

static void cfb_dir_index(cfb_dir_t *d, const cfb_t *c)
{
    uint32_t s = c->dir;

    d->c = c;
    for (d->n = 0; d->n < MSG_DIR_SECTORS && s < 0xfffffffau; s = cfb_next(c, s))
        d->sec[d->n++] = s;
}

/* Directory entry id, or NULL when its sector was not kept. */
static const uint8_t *cfb_entry(const cfb_dir_t *d, uint32_t id)
{
    uint64_t off = (uint64_t)id * 128;

    if (off / d->c->ss >= d->n)
        return NULL;
    return cfb_sector(d->c, d->sec[off / d->c->ss], off % d->c->ss, 128);
}

/* The child of storage entry parent with that type and name, its id in
 * *id.  The red-black tree of the children is visited whole, not searched
 * by order, so a badly sorted tree is still read; visits and stack are
 * bounded (a looping tree ends). */
static const uint8_t *cfb_child(const cfb_dir_t *c, uint32_t parent, int type, const char *name, uint32_t *id)
{
    const uint8_t *e = cfb_entry(c, parent);
    uint32_t stack[64];
    unsigned visits = 0;
    int top = 0;

    if (!e)
        return NULL;
    stack[top++] = le32(e + 76);
    while (top > 0 && visits++ < 4096) {
        uint32_t cur = stack[--top];
        if (cur >= 0xfffffffau || !(e = cfb_entry(c, cur)))
            continue;
        if (cfb_name_is(e, type, name)) {
            *id = cur;
            return e;
        }
        if (top <= 62) {
            stack[top++] = le32(e + 68);
            stack[top++] = le32(e + 72);
        }
    }
    return NULL;
}

/* Up to n bytes of the stream called name in storage parent; 0 when absent. */
static size_t cfb_child_read(const cfb_dir_t *c, uint32_t parent, const char *name, uint8_t *buf, size_t n,
                             uint64_t *total)
{
    uint32_t id;
    const uint8_t *e = cfb_child(c, parent, 2, name, &id);
    uint64_t size;

    if (!e)
        return 0;
    size = c->c->ss == 512 ? le32(e + 120) : le64(e + 120);
    if (total)
        *total = size;
    return cfb_read(c->c, le32(e + 116), size, buf, n);
}

/* A string property (PT_UNICODE ...001F, else PT_STRING8 ...001E) of
 * storage parent as ASCII (other characters as '?'); "" when absent. */
static void msg_string(const cfb_dir_t *c, uint32_t parent, const char *tag, char *out, size_t size)
{
    char name[40];
    uint8_t b[1024];
    size_t n, i, o = 0;

    snprintf(name, sizeof name, "__substg1.0_%s001F", tag);
    if ((n = cfb_child_read(c, parent, name, b, sizeof b, NULL)) > 0) {
        for (i = 0; i + 1 < n && o + 1 < size && (b[i] || b[i + 1]); i += 2)
            out[o++] = b[i + 1] || b[i] < 0x20 || b[i] > 0x7e ? '?' : (char)b[i];
    } else {
        snprintf(name, sizeof name, "__substg1.0_%s001E", tag);
        n = cfb_child_read(c, parent, name, b, sizeof b, NULL);
        for (i = 0; i < n && o + 1 < size && b[i]; i++)
            out[o++] = b[i] < 0x20 || b[i] > 0x7e ? '?' : (char)b[i];
    }
    out[o] = '\0';
}

/* An inline armoured OpenPGP message in the plain-text body. */
static int msg_pgp_body(const cfb_dir_t *c, char *desc, size_t dsize)
{
    static const char armour[] = "-----BEGIN PGP MESSAGE-----";
    static uint8_t const none[1];
    uint8_t raw[16384], text[8192], bin[512];
    size_t n, i, t = 0, got;
    const uint8_t *a;
    pt_crypto_view_t tv;

    if ((n = cfb_child_read(c, 0, "__substg1.0_1000001F", raw, sizeof raw, NULL)) > 0) {
        for (i = 0; i + 1 < n; i += 2)
            text[t++] = raw[i + 1] ? '?' : raw[i];
    } else {
        t = cfb_child_read(c, 0, "__substg1.0_1000001E", text, sizeof text, NULL);
    }
    for (a = text; (a = find(a, t - (size_t)(a - text), armour, sizeof armour - 1)) != NULL; a++) {
        if (a > text && a[-1] != '\n')
            continue; /* quoted ("> -----BEGIN") or inside a line */
        tv = (pt_crypto_view_t){ .head = text, .head_len = t, .tail = none, .tail_len = 0, .size = t };
        if (pt_crypto_armour_body(&tv, (size_t)(a - text) + sizeof armour - 1, bin, sizeof bin, &got) &&
            pt_crypto_pgp_stream(bin, got, 0, desc, dsize) > 0)
            return 1;
    }
    return 0;
}

/* An Outlook message: S/MIME (IPM.Note.SMIME: its smime.p7m attachment
 * parsed as CMS), OpenPGP (GpgOL's classes; an armoured body), or Rights
 * Management (IPM.Note.rpmsg, a message.rpmsg attachment).  Only the first
 * attachment is looked at: these messages carry their content as their one
 * attachment. */
static int msg_verdict(const cfb_dir_t *c, pt_crypto_match_t *m)
{
    char cls[128], att_name[128], desc[200];
    const char *sub;
    uint8_t p7m[8192];
    uint32_t att = 0;
    uint64_t total = 0;
    size_t n = 0;
    int r, has_att;

    msg_string(c, 0, "001A", cls, sizeof cls); /* PidTagMessageClass */
    if (!cfb_child(c, 0, 2, "__properties_version1.0", &att) && strncasecmp(cls, "IPM.", 4) != 0)
        return 0; /* neither a property stream nor a message class: another compound file */
    has_att = cfb_child(c, 0, 1, "__attach_version1.0_#00000000", &att) != NULL;
    att_name[0] = '\0';
    if (has_att) {
        msg_string(c, att, "3707", att_name, sizeof att_name);     /* PidTagAttachLongFilename */
        if (!att_name[0])
            msg_string(c, att, "3704", att_name, sizeof att_name); /* PidTagAttachFilename */
        n = cfb_child_read(c, att, "__substg1.0_37010102", p7m, sizeof p7m, &total);
    }
    sub = strncasecmp(cls, "IPM.Note.SMIME", 14) == 0    ? cls + 14
          : strncasecmp(cls, "IPM.Note.Secure", 15) == 0 ? cls + 15
                                                          : NULL;
    if (sub) {
        if (strcasecmp(sub, ".MultipartSigned") == 0 || strcasecmp(sub, ".Sign") == 0) {
            SET(m, "smime-signed", 0, "Outlook message of class %.40s: S/MIME signed, not encrypted", cls);
            return 1;
        }
        r = n ? pt_crypto_cms_parse(p7m, n, total, desc, sizeof desc) : 0;
        if (r > 0 || (r < 0 && memmem(p7m, n, "nveloped-data", 13))) {
            SET(m, "smime-encrypted", 1, "Outlook message of class %.40s, S/MIME encrypted: %.120s", cls,
                r > 0 ? desc : "signed around an encrypted message");
            return 1;
        }
        if (r < 0) {
            SET(m, "smime-signed", 0, "Outlook message of class %.40s, S/MIME opaque-signed: %.120s, not encrypted",
                cls, desc);
            return 1;
        }
        SET(m, "smime-encrypted", 1, "Outlook message of class %.40s (S/MIME encrypted or opaque-signed); its "
            "smime.p7m attachment %s", cls, has_att && n ? "is not CMS" : "is not in the sampled bytes");
        return 1;
    }
    if (strncasecmp(cls, "IPM.Note.GpgOL.", 15) == 0 &&
        (strcasestr(cls + 15, "Encrypted") || strcasecmp(cls + 15, "PGPMessage") == 0)) {
        SET(m, "pgp-mail", 1, "Outlook message of class %.40s: OpenPGP encrypted (GpgOL)", cls);
        return 1;
    }
    if (strncasecmp(cls, "IPM.Note.rpmsg", 14) == 0 || strcasecmp(att_name, "message.rpmsg") == 0) {
        SET(m, "outlook-irm", 1, "Outlook message of class %.40s protected by Rights Management (%s): readable "
            "only with a licence from the server that issued it", cls,
            strcasecmp(att_name, "message.rpmsg") == 0 ? "a message.rpmsg attachment" : "its class");
        return 1;
    }
    if (msg_pgp_body(c, desc, sizeof desc)) {
        SET(m, "pgp-mail", 1, "Outlook message of class %.40s, OpenPGP encrypted (an armoured message in its "
            "body): %.120s", cls, desc);
        return 1;
    }
    SET(m, "msg", 0, "Outlook message of class %.40s, not S/MIME, OpenPGP or Rights Management protected",
        cls[0] ? cls : "(none)");
    return 1;
}

static int cfb_msg(const cfb_t *c, pt_crypto_match_t *m)
{
    cfb_dir_t d;

    cfb_dir_index(&d, c);
    return msg_verdict(&d, m);
}

int pt_crypto_detect_cfb(const pt_crypto_view_t *v, pt_crypto_match_t *m)
{
    static const uint8_t sig[8] = { 0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1 };
    static const uint8_t pkg[] = { 'E', 0, 'n', 0, 'c', 0, 'r', 0, 'y', 0, 'p', 0, 't', 0, 'e', 0, 'd', 0,
                                   'P', 0, 'a', 0, 'c', 0, 'k', 0, 'a', 0, 'g', 0, 'e', 0 };
    static const uint8_t info[] = { 'E', 0, 'n', 0, 'c', 0, 'r', 0, 'y', 0, 'p', 0, 't', 0, 'i', 0, 'o', 0,
                                    'n', 0, 'I', 0, 'n', 0, 'f', 0, 'o', 0 };
    size_t left;
    const uint8_t *p = at(v, 0, 512), *root;
    cfb_t c;

    if (!p || memcmp(p, sig, 8) != 0 || (le16(p + 30) != 9 && le16(p + 30) != 12))
        return 0;
    if (find_any(v, pkg, sizeof pkg, &left) && find_any(v, info, sizeof info, &left)) {
        SET(m, "ooxml-encrypted", 1, "OLE2 compound file with EncryptionInfo and EncryptedPackage streams "
            "(password-protected Office Open XML)");
        return 1;
    }
    memset(&c, 0, sizeof c);
    c.v = v;
    c.h = p;
    c.ss = 1u << le16(p + 30);
    c.dir = le32(p + 0x30);
    c.minifat = le32(p + 0x3c);
    if (!(root = cfb_sector(&c, c.dir, 0, 128)) || root[66] != 5)
        return 0;
    c.root_start = le32(root + 116);
    c.root_size = c.ss == 512 ? le32(root + 120) : le64(root + 120);
    return cfb_legacy(&c, m) || cfb_msg(&c, m);
}
