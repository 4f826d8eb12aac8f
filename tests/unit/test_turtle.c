/* Unit tests for turtle.c: the shapes AFF4 writers give information.turtle
 * (Evimetry, pyaff4, aff4imager), and errors named by line. */
#include <stdlib.h>
#include <string.h>

#include "testlib.h"
#include "turtle.h"

#define AFF4 "http://aff4.org/Schema#"

static pt_turtle_t *parse(const char *text, pt_err_t *err)
{
    pt_turtle_t *t = NULL;
    err->code = 0;
    err->msg[0] = '\0';
    if (pt_turtle_parse(text, strlen(text), &t, err) != PT_OK)
        return NULL;
    return t;
}

static void aff4_shapes(void)
{
    static const char text[] =
        "@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .\n"
        "@prefix aff4: <http://aff4.org/Schema#> .  # the schema\n"
        "PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>\n"
        "\n"
        "<aff4://image>\n"
        "    a aff4:DiskImage, aff4:Image ;\n"
        "    aff4:dataStream <aff4://map> ;\n"
        "    aff4:hash \"0123\"^^aff4:SHA1, \"4567\"^^<http://aff4.org/Schema#MD5> ;\n"
        "    aff4:caseDescription \"\"\"two\nlines \"quoted\" \"\"\" ;\n"
        "    aff4:note \"esc\\\"aped\"@en ;\n"
        "    aff4:size 25165824 ;;\n"
        "    aff4:ok true .\n"
        "<aff4://map> a aff4:Map; aff4:mapGapDefaultStream aff4:Zero; aff4:size \"1\"^^xsd:long;\n"
        "    aff4:info [ aff4:tool \"x\" ; aff4:version 2 ] .\n"
        "<aff4://stream> a aff4:ImageStream.\n";
    pt_err_t err;
    pt_turtle_t *t = parse(text, &err);
    const char *b;

    T_CHECK(t != NULL);
    if (!t)
        return;
    T_STREQ(pt_turtle_subject_of_type(t, AFF4 "Image", 0), "aff4://image");
    T_STREQ(pt_turtle_subject_of_type(t, AFF4 "DiskImage", 0), "aff4://image");
    T_CHECK(pt_turtle_subject_of_type(t, AFF4 "Image", 1) == NULL);
    T_STREQ(pt_turtle_subject_of_type(t, AFF4 "ImageStream", 0), "aff4://stream");
    T_STREQ(pt_turtle_value(t, "aff4://image", AFF4 "dataStream"), "aff4://map");
    T_STREQ(pt_turtle_value_n(t, "aff4://image", AFF4 "hash", 0), "0123");
    T_STREQ(pt_turtle_value_n(t, "aff4://image", AFF4 "hash", 1), "4567");
    T_CHECK(pt_turtle_value_n(t, "aff4://image", AFF4 "hash", 2) == NULL);
    T_STREQ(pt_turtle_value(t, "aff4://image", AFF4 "caseDescription"), "two\nlines \"quoted\" ");
    T_STREQ(pt_turtle_value(t, "aff4://image", AFF4 "note"), "esc\"aped");
    T_STREQ(pt_turtle_value(t, "aff4://image", AFF4 "size"), "25165824");
    T_STREQ(pt_turtle_value(t, "aff4://image", AFF4 "ok"), "true");
    T_STREQ(pt_turtle_value(t, "aff4://map", AFF4 "mapGapDefaultStream"), AFF4 "Zero");
    T_STREQ(pt_turtle_value(t, "aff4://map", AFF4 "size"), "1");
    b = pt_turtle_value(t, "aff4://map", AFF4 "info");
    T_CHECK(b && strncmp(b, "_:b", 3) == 0);
    T_STREQ(b ? pt_turtle_value(t, b, AFF4 "tool") : NULL, "x");
    T_STREQ(b ? pt_turtle_value(t, b, AFF4 "version") : NULL, "2");
    pt_turtle_free(t);
}

static void errors_name_their_line(void)
{
    static const struct {
        const char *text, *want;
    } bad[] = {
        { "@prefix a4: <http://aff4.org/Schema#> .\n<x> a4:size 1 .\n<y> b4:size 2 .\n", "line 3: a prefixed name whose prefix" },
        { "<x> <p> <unterminated\n", "line 1: an IRI without its closing '>'" },
        { "<x> <p> \"open\n", "line 1: a literal without its closing quote" },
        { "<x> <p> <o>\n<y> <p> <o> .\n", "expected ';', ',' or '.'" },
        { "<x> <p> <o>", "a statement without its final '.'" },
        { "<x> <p> [ <q> [ <r> [ <s> <t> ] ] .\n", "blank node without its closing ']'" },
        { "<x> <p> ( 1 2 ) .\n", "collections are not read" },
    };
    size_t i;

    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        pt_err_t err;
        pt_turtle_t *t = parse(bad[i].text, &err);
        T_CHECK(t == NULL);
        T_HAS(err.msg, bad[i].want);
        pt_turtle_free(t);
    }
    {
        /* 40 nested blank nodes: refused, not a deep recursion */
        char deep[400] = "<x> ";
        pt_err_t err;
        for (i = 0; i < 40; i++)
            strcat(deep, "<p> [ ");
        strcat(deep, "<p> <o> ");
        for (i = 0; i < 40; i++)
            strcat(deep, "] ");
        strcat(deep, ".\n");
        T_CHECK(parse(deep, &err) == NULL);
        T_HAS(err.msg, "nested too deep");
    }
    {
        /* text ending in "PREFIX" (exactly 6 bytes, no NUL after): the
         * SPARQL form's test read the byte after it (ASan heap overflow,
         * found by fuzz_config) */
        char *six = malloc(6);
        pt_turtle_t *t = NULL;
        pt_err_t err = { 0, "" };
        if (six) {
            memcpy(six, "PREFIX", 6);
            T_CHECK(pt_turtle_parse(six, 6, &t, &err) != PT_OK && t == NULL);
            pt_turtle_free(t);
            free(six);
        }
    }
}

int main(void)
{
    T_RUN(aff4_shapes);
    T_RUN(errors_name_their_line);
    return t_done();
}
