/* fuzz_text.c - libFuzzer target: the escaping every output relies on.
 * Properties checked (abort on violation): CSV, HTML/XML and line output is
 * always valid UTF-8; markup output holds no raw < > " ' or control byte;
 * line output holds no control byte; a CSV field never starts a formula.
 * Round trips: the CSV field parsed back (RFC 4180) is the name (its
 * invalid bytes as \xNN, a formula behind an apostrophe); the HTML/XML
 * (report.html, DFXML) text with its entities decoded is the name as a log
 * line shows it; the JSON string (manifest.jsonl, the data in report.html)
 * parsed back by jansson is the name with invalid bytes as \xNN, and its
 * HTML-embedded form holds no < > & and parses to the same. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "text.h"

int LLVMFuzzerTestOneInput(const unsigned char *d, size_t n);

static char *run(int (*fn)(FILE *, const char *), const char *s, size_t *len)
{
    char *buf = NULL;
    FILE *m = open_memstream(&buf, len);

    if (!m)
        abort();
    fn(m, s);
    fclose(m);
    return buf;
}

/* RFC 4180: one field, quoted or not, back to its bytes (malloc'd) */
static char *csv_unquote(const char *o, size_t len)
{
    char *r = malloc(len + 1);
    size_t i = 0, k = 0;

    if (!r)
        abort();
    if (len && o[0] == '"') {
        if (len < 2 || o[len - 1] != '"')
            abort();
        for (i = 1; i < len - 1; i++) {
            if (o[i] == '"') {
                if (o[i + 1] != '"' || i + 1 >= len - 1) /* a lone quote inside */
                    abort();
                i++;
            }
            r[k++] = o[i];
        }
    } else {
        for (i = 0; i < len; i++) {
            if (strchr(",\"\r\n", o[i]))    /* these force quoting */
                abort();
            r[k++] = o[i];
        }
    }
    r[k] = '\0';
    return r;
}

static char *entities_decoded(const char *o)
{
    static const char *const ent[][2] = {{"&amp;", "&"}, {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""},
                                         {"&#39;", "'"}};
    char *r = malloc(strlen(o) + 1), *w = r;

    if (!r)
        abort();
    while (*o) {
        size_t e, m = 0;
        if (*o == '&') {
            for (e = 0; e < sizeof ent / sizeof ent[0] && !m; e++)
                if (strncmp(o, ent[e][0], strlen(ent[e][0])) == 0) {
                    *w++ = ent[e][1][0];
                    m = strlen(ent[e][0]);
                }
            if (!m) /* every & the writer emits starts an entity */
                abort();
            o += m;
        } else {
            *w++ = *o++;
        }
    }
    *w = '\0';
    return r;
}

static void json_round_trip(const char *s, const char *utf8)
{
    json_t *j = pt_report_jstr(s), *back;
    char *txt = NULL, *html = NULL;
    size_t hlen = 0;
    FILE *m;

    if (!j)
        abort();
    txt = json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT);
    back = txt ? json_loads(txt, JSON_DECODE_ANY, NULL) : NULL;
    if (!back || !json_is_string(back) || strcmp(json_string_value(back), utf8) != 0)
        abort();
    json_decref(back);
    if (!(m = open_memstream(&html, &hlen)))
        abort();
    json_t *arr = json_pack("[O]", j); /* report.html embeds arrays and objects */
    if (pt_report_put_json_html(m, arr) != 0)
        abort();
    fclose(m);
    if (strpbrk(html, "<>&"))
        abort();
    back = json_loads(html, 0, NULL);
    if (!back || !json_is_array(back) || strcmp(json_string_value(json_array_get(back, 0)), utf8) != 0)
        abort();
    json_decref(back);
    json_decref(arr);
    json_decref(j);
    free(txt);
    free(html);
}

int LLVMFuzzerTestOneInput(const unsigned char *d, size_t n)
{
    char *s = malloc(n + 1), *o, *utf8, *line, *r;
    size_t len, i, ulen, llen;

    if (!s)
        return 0;
    memcpy(s, d, n);
    s[n] = '\0'; /* names are C strings: a NUL ends them */
    utf8 = run(pt_text_put_utf8_escaped, s, &ulen);
    if (!pt_text_utf8_valid(utf8, ulen) || (pt_text_utf8_valid(s, strlen(s)) && strcmp(utf8, s) != 0))
        abort();
    line = run(pt_text_put_line_escaped, s, &llen);
    if (!pt_text_utf8_valid(line, llen) || pt_text_has_control(line))
        abort();

    o = run(pt_text_put_csv_field, s, &len);
    if (!pt_text_utf8_valid(o, len) || (len && strchr("=+-@\t\r", o[0]) && o[0]))
        abort();
    r = csv_unquote(o, len);
    if (strcmp(r + (utf8[0] && strchr("=+-@\t\r", utf8[0]) && r[0] == '\'' ? 1 : 0), utf8) != 0)
        abort();
    free(r);
    free(o);

    o = run(pt_text_put_markup, s, &len);
    if (!pt_text_utf8_valid(o, len))
        abort();
    for (i = 0; i < len; i++)
        if (strchr("<>\"'", o[i]) || (unsigned char)o[i] < 0x20 || o[i] == 0x7f)
            abort();
    r = entities_decoded(o);
    if (strcmp(r, line) != 0)
        abort();
    free(r);
    free(o);

    json_round_trip(s, utf8);
    free(utf8);
    free(line);
    free(s);
    return 0;
}
