/* turtle.h - the subset of RDF Turtle that AFF4 containers describe
 * themselves in (information.turtle): @prefix and PREFIX, IRIs, prefixed
 * names, "a", literals with a datatype or language (long ones too),
 * numbers and booleans, predicate and object lists, blank-node property
 * lists.  Parsed into (subject, predicate, object) triples with IRIs
 * expanded; a literal's object is its lexical form. */
#ifndef PT_TURTLE_H
#define PT_TURTLE_H

#include <stddef.h>

#include "err.h"

#define PT_RDF_TYPE "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"

typedef struct pt_turtle pt_turtle_t;

/* Parses text[0..len).  PT_OK; PT_EFORMAT with the line of the first
 * error. */
int pt_turtle_parse(const char *text, size_t len, pt_turtle_t **out, pt_err_t *err);
void pt_turtle_free(pt_turtle_t *t);

size_t pt_turtle_count(const pt_turtle_t *t);

/* The first object of (s, p), or NULL. */
const char *pt_turtle_value(const pt_turtle_t *t, const char *s, const char *p);

/* The i-th object of (s, p) in document order, or NULL. */
const char *pt_turtle_value_n(const pt_turtle_t *t, const char *s, const char *p, size_t i);

/* The i-th subject (in document order) whose rdf:type is type, or NULL. */
const char *pt_turtle_subject_of_type(const pt_turtle_t *t, const char *type, size_t i);

#endif
