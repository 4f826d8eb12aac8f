/* text.h - byte-string checks and escaping shared by walkers and writers.
 * Pure functions over caller buffers; allocate nothing except where noted. */
#ifndef PT_TEXT_H
#define PT_TEXT_H

#include <stddef.h>
#include <stdio.h>

/* 1 when s[0..n) is well-formed UTF-8 (no overlongs, no surrogates). */
int pt_text_utf8_valid(const char *s, size_t n);

/* UTF-16 (big-endian when big, else little) of n bytes, up to a NUL unit,
 * into UTF-8 in out (always terminated): the Basic Multilingual Plane
 * encoded, control characters, DEL and surrogates as '?'; stops where out
 * is full.  For names found in evidence (GPT, VHD).  Returns the bytes
 * written. */
size_t pt_text_utf16_to_utf8(const unsigned char *p, size_t n, int big, char *out, size_t size);

/* 1 when s contains a C0 control character or DEL. */
int pt_text_has_control(const char *s);

/* Writes s to f, replacing each byte that is not part of well-formed UTF-8
 * by "\xNN" (so output is always valid UTF-8).  Returns bytes written or -1. */
int pt_text_put_utf8_escaped(FILE *f, const char *s);

/* Writes s on one line: as pt_text_put_utf8_escaped, and control characters
 * also as "\xNN" (for logs, where a newline in a name would split a line). */
int pt_text_put_line_escaped(FILE *f, const char *s);

/* Writes s as text inside HTML or XML (element content or a quoted
 * attribute): & < > " ' as entities, invalid UTF-8 and control characters
 * as the visible text "\xNN".  NULL writes nothing. */
int pt_text_put_markup(FILE *f, const char *s);

/* Writes s as one RFC 4180 field: quoted when it holds a comma, quote, CR
 * or LF, quotes doubled, invalid UTF-8 escaped as above.  A field starting
 * with = + - @ tab or CR (a spreadsheet formula) gets a leading apostrophe. */
int pt_text_put_csv_field(FILE *f, const char *s);

/* Formats epoch seconds in UTC with strftime's fmt into buf ("" when it
 * cannot be shown).  Returns buf. */
char *pt_text_utc(long long sec, const char *fmt, char *buf, size_t size) __attribute__((format(strftime, 2, 0)));

/* Formats epoch seconds as ISO 8601 UTC "YYYY-MM-DDThh:mm:ssZ" into buf
 * (at least 32 bytes).  Returns buf. */
char *pt_text_iso8601(long long sec, char *buf, size_t size);

#endif
