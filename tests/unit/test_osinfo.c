/* Unit tests for osinfo.c: os-release and SystemVersion.plist parsing. */
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

static int mac(const char *text, char *out, size_t size)
{
    return pt_osinfo_parse_macos(text, strlen(text), out, size);
}

static void macos_plist(void)
{
    static const char plist[] =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<plist version=\"1.0\">\n<dict>\n"
        "\t<key>BuildID</key>\n\t<string>1A2B</string>\n"
        "\t<key>ProductBuildVersion</key>\n\t<string>23E214</string>\n"
        "\t<key>ProductCopyright</key>\n\t<string>1983-2024 Apple Inc.</string>\n"
        "\t<key>ProductName</key>\n\t<string>macOS</string>\n"
        "\t<key>ProductVersion</key>\n\t<string>14.4</string>\n</dict>\n</plist>\n";
    char out[64];

    T_CHECK(mac(plist, out, sizeof out));
    T_STREQ(out, "macOS 14.4 (build 23E214)");
    T_CHECK(mac("<key>ProductName</key><string>Mac OS X &amp; co</string>", out, sizeof out));
    T_STREQ(out, "Mac OS X & co");
    T_CHECK(!mac("<key>ProductName</key><integer>3</integer>", out, sizeof out));
    T_STREQ(out, "");
    T_CHECK(!mac("<key>ProductName</key><string>never closed", out, sizeof out)); /* truncated file */
    T_CHECK(!mac("<key>ProductName</key>", out, sizeof out));
    T_CHECK(mac("<key>ProductName</key><string>0123456789</string>", out, 5)); /* bounded */
    T_STREQ(out, "0123");
}

int main(void)
{
    T_RUN(os_release);
    T_RUN(macos_plist);
    return t_done();
}
