/* fuzz_text.c - libFuzzer target: the escaping every output relies on.
 * Properties checked (abort on violation): CSV, HTML/XML and line output is
 * always valid UTF-8; markup output holds no raw < > " ' or control byte;
 * line output holds no control byte; a CSV field never starts a formula. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

int LLVMFuzzerTestOneInput(const unsigned char *d, size_t n)
{
    char *s = malloc(n + 1), *o;
    size_t len, i;

    if (!s)
        return 0;
    memcpy(s, d, n);
    s[n] = '\0'; /* names are C strings: a NUL ends them */
    o = run(pt_text_put_csv_field, s, &len);
    if (!pt_text_utf8_valid(o, len) || (len && strchr("=+-@\t\r", o[0]) && o[0]))
        abort();
    free(o);
    o = run(pt_text_put_markup, s, &len);
    if (!pt_text_utf8_valid(o, len))
        abort();
    for (i = 0; i < len; i++)
        if (strchr("<>\"'", o[i]) || (unsigned char)o[i] < 0x20 || o[i] == 0x7f)
            abort();
    free(o);
    o = run(pt_text_put_line_escaped, s, &len);
    if (!pt_text_utf8_valid(o, len) || pt_text_has_control(o))
        abort();
    free(o);
    free(s);
    return 0;
}
