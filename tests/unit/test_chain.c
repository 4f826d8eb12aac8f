/* Unit tests for chain.c's namespaces: names joined and normalised inside
 * the evidence without climbing above its root, files opened once, and a
 * link inside directory evidence never followed out of it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chain.h"
#include "testlib.h"

static void joins(void)
{
    pt_files_t *dir = pt_files_dir("/nonexistent"), *host = pt_files_host();
    static const char *const cases[][3] = {
        { "/var/lib/nova/instances/7f3c/disk", "../_base/9a1b", "/var/lib/nova/instances/_base/9a1b" },
        { "/disk", "../../../etc/shadow", "/etc/shadow" },          /* stays under the root */
        { "/a/./b//c.qcow2", "./d.qcow2", "/a/b/d.qcow2" },
        { "/a/b.vmdk", "b-s001.vmdk", "/a/b-s001.vmdk" },
        { "/x.qcow2", "..", "/" },
        /* a name without a directory (the fuzzer found the normaliser
         * writing past its buffer when nothing led with '/') */
        { "e.vmdk", "e-flat.vmdk", "/e-flat.vmdk" },
        { "e.vmdk", "a//b/../c", "/a/c" },
        { "", "x", "/x" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *j = pt_files_join(dir, cases[i][0], cases[i][1]);
        T_STREQ(j, cases[i][2]);
        free(j);
    }
    char *h = pt_files_join(host, "images/top.qcow2", "../base.qcow2");   /* the kernel resolves it */
    T_STREQ(h, "images/../base.qcow2");
    free(h);
    pt_files_free(dir);
    pt_files_free(host);
}

static void directory(void)
{
    char root[] = "/tmp/pt-chain-XXXXXX", path[256];
    FILE *f;
    pt_read_fn fn;
    void *src, *again;
    uint64_t size;
    uint8_t buf[8];
    pt_err_t err = { 0, "" };

    T_CHECK(mkdtemp(root) != NULL);
    snprintf(path, sizeof path, "%s/base.raw", root);
    f = fopen(path, "w");
    fputs("basedata", f);
    fclose(f);
    snprintf(path, sizeof path, "%s/escape", root);
    T_CHECK(symlink("/etc/hostname", path) == 0);
    pt_files_t *ns = pt_files_dir(root);
    T_CHECK(pt_files_open(ns, "/base.raw", &fn, &src, &size, &err) == PT_OK && size == 8);
    T_CHECK(fn(src, 0, buf, 8, &err) == 8 && memcmp(buf, "basedata", 8) == 0);
    T_CHECK(pt_files_open(ns, "/base.raw", &fn, &again, &size, &err) == PT_OK && again == src);
    T_CHECK(pt_files_count(ns) == 1);
    T_CHECK(pt_files_open(ns, "/escape", &fn, &src, &size, &err) != PT_OK);   /* a link is not followed */
    T_CHECK(pt_files_open(ns, "/missing", &fn, &src, &size, &err) == PT_ENOENT);
    pt_files_free(ns);
    unlink(path);
    snprintf(path, sizeof path, "%s/base.raw", root);
    unlink(path);
    rmdir(root);
}

int main(void)
{
    T_RUN(joins);
    T_RUN(directory);
    return t_done();
}
