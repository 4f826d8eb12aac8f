/* Unit tests for osinfo.c: os-release parsing. */
#include <string.h>

#include "osinfo.h"
#include "testlib.h"

static int parse(const char *text, char *out, size_t size)
{
    return pt_osinfo_parse_release(text, strlen(text), out, size);
}

static void os_release(void)
{
    char out[64];

    T_CHECK(parse("NAME=\"Debian GNU/Linux\"\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n", out, sizeof out));
    T_STREQ(out, "Debian GNU/Linux 12 (bookworm)");
    T_CHECK(parse("NAME=Ubuntu\nVERSION='22.04 LTS'\n", out, sizeof out));
    T_STREQ(out, "Ubuntu 22.04 LTS");
    T_CHECK(parse("NAME=\"a \\\"quoted\\\" name\"", out, sizeof out)); /* no trailing newline */
    T_STREQ(out, "a \"quoted\" name");
    T_CHECK(!parse("# nothing here\nID=debian\n", out, sizeof out));
    T_STREQ(out, "");
    T_CHECK(parse("PRETTY_NAME=\"x\ty\x01z\"\n", out, sizeof out)); /* control bytes dropped */
    T_STREQ(out, "xyz");
    T_CHECK(parse("PRETTY_NAME=0123456789012345678901234567890123456789\n", out, 8)); /* bounded */
    T_STREQ(out, "0123456");
}

int main(void)
{
    T_RUN(os_release);
    return t_done();
}
