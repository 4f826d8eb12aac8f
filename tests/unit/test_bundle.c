/* Unit tests for bundle.c: names of bundles and bands; a bundle written
 * here in a temporary directory (Info.plist, band 0 shorter than a band,
 * band 1 absent, band 2 whole) read across bands, absent parts as zeros;
 * an encrypted bundle and Info.plist values out of range refused. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bundle.h"
#include "testlib.h"

#define BAND 4096u

static char root[64];

static void write_file(const char *rel, const void *d, size_t n)
{
    char p[256];
    snprintf(p, sizeof p, "%s/%s", root, rel);
    FILE *f = fopen(p, "wb");
    fwrite(d, 1, n, f);
    fclose(f);
}

static void plist(const char *type, unsigned long long size, unsigned long long band)
{
    char x[512];
    int n = snprintf(x, sizeof x, "<plist><dict><key>band-size</key><integer>%llu</integer><key>bundle-backingstore-"
                     "version</key><integer>1</integer><key>diskimage-bundle-type</key><string>%s</string><key>size"
                     "</key><integer>%llu</integer></dict></plist>", band, type, size);
    write_file("b.sparsebundle/Info.plist", x, (size_t)n);
}

static void names(void)
{
    T_CHECK(pt_bundle_named("/Backups/Mac.sparsebundle"));
    T_CHECK(pt_bundle_named("/x/MAC.SPARSEBUNDLE"));
    T_CHECK(!pt_bundle_named("/x/Mac.sparsebundle/bands"));
    T_CHECK(!pt_bundle_named(".sparsebundle"));
    T_CHECK(pt_bundle_is_band("/Backups/Mac.sparsebundle/bands/1f"));
    T_CHECK(!pt_bundle_is_band("/Backups/Mac.sparsebundle/token"));
    T_CHECK(!pt_bundle_is_band("/Backups/bands/1f"));
    T_CHECK(!pt_bundle_is_band("/bands/0"));
}

static void reads(void)
{
    uint8_t b0[BAND / 2], b2[BAND], want[3 * BAND], got[3 * BAND];
    pt_files_t *f;
    pt_bundle_t *b = NULL;
    pt_err_t err = { 0, "" };
    char desc[200], p[128];

    snprintf(root, sizeof root, "/tmp/ptriage-test-bundle-XXXXXX");
    T_CHECK(mkdtemp(root) != NULL);
    snprintf(p, sizeof p, "%s/b.sparsebundle", root);
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/b.sparsebundle/bands", root);
    mkdir(p, 0755);
    for (unsigned i = 0; i < sizeof b0; i++)
        b0[i] = (uint8_t)(i * 7 + 1);
    for (unsigned i = 0; i < sizeof b2; i++)
        b2[i] = (uint8_t)(i * 13 + 5);
    write_file("b.sparsebundle/bands/0", b0, sizeof b0);
    write_file("b.sparsebundle/bands/2", b2, sizeof b2);
    memset(want, 0, sizeof want);
    memcpy(want, b0, sizeof b0);
    memcpy(want + 2 * BAND, b2, sizeof b2);
    plist("com.apple.diskimage.sparsebundle", 3 * BAND - 100, BAND);
    f = pt_files_dir(root);
    T_CHECK(pt_bundle_open(f, "/b.sparsebundle", &b, desc, sizeof desc, &err) == PT_OK);
    if (b) {
        T_CHECK(strstr(desc, "bands of 4096 bytes") != NULL);
        T_CHECK(pt_bundle_size(b) == 3 * BAND - 100);
        T_CHECK(pt_bundle_read(b, 0, got, sizeof got, &err) == (ssize_t)(3 * BAND - 100) &&
                !memcmp(got, want, 3 * BAND - 100));
        for (unsigned off = 0; off < 3 * BAND - 100; off += 997) {
            size_t n = 3 * BAND - 100 - off < 1500 ? 3 * BAND - 100 - off : 1500;
            T_CHECK(pt_bundle_read(b, off, got, n, &err) == (ssize_t)n && !memcmp(got, want + off, n));
        }
        T_CHECK(pt_bundle_read(b, 3 * BAND, got, 1, &err) == 0);
        pt_bundle_free(b);
    }
    /* refusals: another bundle type, sizes out of range, encrypted */
    plist("com.apple.diskimage.other", BAND, BAND);
    T_CHECK(pt_bundle_open(f, "/b.sparsebundle", &b, NULL, 0, &err) == PT_EFORMAT &&
            strstr(err.msg, "does not describe a sparse bundle"));
    plist("com.apple.diskimage.sparsebundle", BAND, 100);
    T_CHECK(pt_bundle_open(f, "/b.sparsebundle", &b, NULL, 0, &err) == PT_EFORMAT && strstr(err.msg, "band-size"));
    plist("com.apple.diskimage.sparsebundle", 3 * BAND, BAND);
    write_file("b.sparsebundle/bands/0", "encrcdsa", 8);
    T_CHECK(pt_bundle_open(f, "/b.sparsebundle", &b, NULL, 0, &err) == PT_EFORMAT && strstr(err.msg, "encrypted"));
    T_CHECK(pt_bundle_open(f, "/nothere.sparsebundle", &b, NULL, 0, &err) == PT_EFORMAT &&
            strstr(err.msg, "Info.plist"));
    pt_files_free(f);
    T_CHECK(t_rmtree(root));
}

int main(void)
{
    T_RUN(names);
    T_RUN(reads);
    return t_done();
}
