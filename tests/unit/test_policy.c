/* Unit tests for hashset.c, accounts.c and decide.c. */
#include <sqlite3.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "accounts.h"
#include "decide.h"
#include "hashset.h"
#include "tcrypt.h"
#include "testlib.h"

static char dir[] = "/tmp/pt-policy-XXXXXX";

static const char *put(const char *name, const char *text)
{
    static char path[512];
    FILE *f;

    snprintf(path, sizeof path, "%s/%s", dir, name);
    f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
    return path;
}

#define MD5_ABC "900150983cd24fb0d6963f7d28e17f72"
#define SHA256_ABC "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
#define SHA1_ABC "a9993e364706816aba3e25717850c26c9cd0d89d"

static pt_hash_result_t abc(void)
{
    pt_hash_result_t r;
    memset(&r, 0, sizeof r);
    strcpy(r.md5, MD5_ABC);
    strcpy(r.sha1, SHA1_ABC);
    strcpy(r.sha256, SHA256_ABC);
    return r;
}

static void hashset_formats(void)
{
    pt_hashset_t *h = NULL;
    pt_err_t err = { 0, "" };
    pt_hash_result_t r = abc(), other;

    memset(&other, 0, sizeof other);
    strcpy(other.sha256, "00" "7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    T_CHECK(pt_hashset_load(put("a.sha256", SHA256_ABC "  abc.txt\n" SHA256_ABC " *dup.txt\n"), "a", &h, &err) == PT_OK);
    T_CHECK(h && pt_hashset_size(h) == 1 && pt_hashset_needs(h) == PT_HASH_SHA256);
    T_CHECK(h && pt_hashset_contains(h, &r) && !pt_hashset_contains(h, &other));
    pt_hashset_free(h);
    T_CHECK(pt_hashset_load(put("b.hashdeep", "%%%% HASHDEEP-1.0\n%%%% size,md5,sha256,filename\n## x\n"
                                              "3," MD5_ABC "," SHA256_ABC ",/abc\n"), "b", &h, &err) == PT_OK);
    T_CHECK(h && pt_hashset_needs(h) == (PT_HASH_MD5 | PT_HASH_SHA256) && pt_hashset_contains(h, &r));
    pt_hashset_free(h);
    T_CHECK(pt_hashset_load(put("NSRLFile.txt", "\"SHA-1\",\"MD5\",\"CRC32\",\"FileName\",\"FileSize\"\n"
                                                "\"A9993E364706816ABA3E25717850C26C9CD0D89D\",\"900150983CD24FB0D6963F7D28E17F72\",\"0\",\"abc\",3\n"),
                            "nsrl", &h, &err) == PT_OK);
    T_CHECK(h && pt_hashset_needs(h) == (PT_HASH_MD5 | PT_HASH_SHA1) && pt_hashset_contains(h, &r));
    pt_hashset_free(h);
    /* NSRL RDSv3: a SQLite database, table FILE, upper-case hex; the SHA-256
     * column is the one read.  Its path has characters a URI escapes. */
    char db_path[600];
    sqlite3 *db = NULL;
    snprintf(db_path, sizeof db_path, "%s/RDS 100%%?#.db", dir);
    T_CHECK(sqlite3_open(db_path, &db) == SQLITE_OK &&
            sqlite3_exec(db, "CREATE TABLE PKG(package_id INTEGER, name TEXT);"
                             "CREATE TABLE FILE(sha256 VARCHAR NOT NULL, sha1 VARCHAR NOT NULL, md5 VARCHAR NOT NULL,"
                             " crc32 VARCHAR NOT NULL, file_name VARCHAR NOT NULL, file_size INTEGER NOT NULL,"
                             " package_id INTEGER NOT NULL);"
                             "INSERT INTO FILE VALUES(upper('" SHA256_ABC "'), upper('" SHA1_ABC "'), upper('" MD5_ABC "'),"
                             " '352441C2', 'abc.txt', 3, 1);"
                             "INSERT INTO FILE VALUES(upper('" SHA256_ABC "'), '', '', '', 'again.txt', 3, 2);",
                         NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_close(db);
    T_CHECK(pt_hashset_load(db_path, "rds3", &h, &err) == PT_OK);
    T_CHECK(h && pt_hashset_size(h) == 1 && pt_hashset_needs(h) == PT_HASH_SHA256 && pt_hashset_contains(h, &r));
    T_CHECK(h && !pt_hashset_contains(h, &other));
    pt_hashset_free(h);
    /* in write-ahead-log mode a reader normally makes -shm and -wal files
     * beside the database: opened immutable, nothing appears */
    T_CHECK(sqlite3_open(db_path, &db) == SQLITE_OK &&
            sqlite3_exec(db, "PRAGMA journal_mode=WAL", NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_close(db);
    T_CHECK(pt_hashset_load(db_path, "rds3", &h, &err) == PT_OK && h && pt_hashset_contains(h, &r));
    pt_hashset_free(h);
    char side[700];
    snprintf(side, sizeof side, "%s-shm", db_path);
    T_CHECK(access(side, F_OK) != 0);
    snprintf(side, sizeof side, "%s-wal", db_path);
    T_CHECK(access(side, F_OK) != 0);
    snprintf(db_path, sizeof db_path, "%s/nohash.db", dir);
    T_CHECK(sqlite3_open(db_path, &db) == SQLITE_OK &&
            sqlite3_exec(db, "CREATE TABLE t(name TEXT); INSERT INTO t VALUES('x');", NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_close(db);
    T_CHECK(pt_hashset_load(db_path, "n", &h, &err) == PT_EFORMAT && strstr(err.msg, "without a table of sha256"));
    snprintf(db_path, sizeof db_path, "%s/badhash.db", dir);
    T_CHECK(sqlite3_open(db_path, &db) == SQLITE_OK &&
            sqlite3_exec(db, "CREATE TABLE hashes(md5 TEXT); INSERT INTO hashes VALUES('" MD5_ABC "'), ('zz');",
                         NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_close(db);
    T_CHECK(pt_hashset_load(db_path, "b", &h, &err) == PT_EFORMAT && strstr(err.msg, "table hashes, row 2: md5"));
    /* a FIFO would block the scan before it starts: refused, not opened for reading */
    snprintf(db_path, sizeof db_path, "%s/set.fifo", dir);
    T_CHECK(mkfifo(db_path, 0600) == 0);
    T_CHECK(pt_hashset_load(db_path, "fifo", &h, &err) == PT_EIO && strstr(err.msg, "not a regular file"));
    unlink(db_path);
    T_CHECK(pt_hashset_load(put("bad.md5", MD5_ABC "  ok\nnot-a-hash  x\n"), "bad", &h, &err) == PT_EFORMAT);
    T_CHECK(strstr(err.msg, "bad.md5:2:") != NULL);
    T_CHECK(pt_hashset_load(put("empty.md5", "# nothing\n"), "e", &h, &err) == PT_EFORMAT);
}

static void accounts(void)
{
    pt_accounts_t a;
    static const char pw[] = "root:x:0:0:root:/root:/bin/bash\nbroken line\nalice:x:1000:1000::/home/alice:/bin/sh\n"
                             "bad:x:notanumber:1::/:/bin/sh\n";

    T_CHECK(pt_accounts_parse(&a, pw, sizeof pw - 1) == 2);
    T_STREQ(pt_accounts_name(&a, 1000), "alice");
    T_STREQ(pt_accounts_name(&a, 0), "root");
    T_CHECK(pt_accounts_name(&a, 5) == NULL);
    pt_accounts_free(&a);
}

static void sids(void)
{
    pt_sids_t m = { NULL, 0 };
    static const char a[] = "S-1-5-21-1-2-3-1001\talice\nnot a line\nX-1-5\tbad\nS-1-5-21-1-2-3-1002\t\n"
                            "S-1-5-18\tsystemprofile\nS-1-5-21-1-2-3-1000\tadmin";
    static const char b[] = "S-1-5-21-1-2-3-1001\tmallory\nS-1-5-21-9-9-9-500\tAdministrator\n";

    T_CHECK(pt_sids_name(&m, "S-1-5-18") && strcmp(pt_sids_name(&m, "S-1-5-18"), "SYSTEM") == 0);
    T_CHECK(pt_sids_add(&m, a, sizeof a - 1) == 2);      /* the malformed, the empty name and SYSTEM are skipped */
    T_STREQ(pt_sids_name(&m, "S-1-5-21-1-2-3-1001"), "alice");
    T_STREQ(pt_sids_name(&m, "S-1-5-21-1-2-3-1000"), "admin"); /* last line without a newline */
    T_STREQ(pt_sids_name(&m, "S-1-5-18"), "SYSTEM");    /* Windows' own name, not the profile folder */
    T_STREQ(pt_sids_name(&m, "S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464"), "TrustedInstaller");
    T_CHECK(pt_sids_add(&m, b, sizeof b - 1) == 1);      /* a SID already named keeps its name */
    T_STREQ(pt_sids_name(&m, "S-1-5-21-1-2-3-1001"), "alice");
    T_STREQ(pt_sids_name(&m, "S-1-5-21-9-9-9-500"), "Administrator");
    T_CHECK(pt_sids_name(&m, "S-1-5-21-1-2-3-1003") == NULL);
    pt_sids_free(&m);
    T_CHECK(m.n == 0 && pt_sids_name(&m, "S-1-5-21-1-2-3-1001") == NULL);
}

static pt_rule_match_t match(const char *rule, const char *disp)
{
    pt_rule_match_t m;
    memset(&m, 0, sizeof m);
    snprintf(m.rule, sizeof m.rule, "%s", rule);
    snprintf(m.ns, sizeof m.ns, "t");
    snprintf(m.disposition, sizeof m.disposition, "%s", disp);
    return m;
}

static void decisions(void)
{
    pt_policy_t p;
    pt_err_t err = { 0, "" };
    pt_item_t it;
    pt_rule_match_t ms[2];
    pt_scope_result_t res = { ms, 0, 2, "", "" };

    pt_policy_defaults(&p);
    T_CHECK(pt_policy_load(&p, put("case.conf", "[case]\nnumber = 7\n[policy]\nprecedence = private, relevant, "
                                                "needs-review, system\ndate_from = 2010-01-01\ndate_to = 2012-12-31\n"
                                                "exclude = /home/*/.cache/*\n"), &err) == PT_OK);
    T_STREQ(p.case_number, "7");
    pt_item_init(&it);
    it.path = "/home/a/x.txt";
    it.mtime.known = 1;
    it.mtime.sec = 1300000000; /* 2011 */
    /* conflicting rules: the policy's precedence decides */
    ms[0] = match("fin", "relevant");
    ms[1] = match("priv", "private");
    res.n = 2;
    pt_decide(&p, &res, &it);
    T_STREQ(it.disposition, "private");
    T_CHECK(strstr(it.reason, "t:priv") != NULL);
    T_STREQ(it.rules, "t:fin t:priv");
    /* outside the date window a relevant match is dropped, with the reason */
    res.n = 1;
    it.mtime.sec = 1100000000; /* 2004 */
    pt_decide(&p, &res, &it);
    T_STREQ(it.disposition, "private"); /* user area, nothing else decided */
    T_CHECK(strstr(it.reason, "outside the date window") != NULL);
    /* excluded paths never become relevant */
    it.mtime.sec = 1300000000;
    it.path = "/home/a/.cache/x";
    pt_decide(&p, &res, &it);
    T_CHECK(strcmp(it.disposition, "relevant") != 0 && strstr(it.reason, "warrant's paths"));
    /* no rule: encrypted content goes to review, the rest by area */
    res.n = 0;
    it.path = "/srv/data.bin";
    it.encryption = "suspected";
    pt_decide(&p, &res, &it);
    T_STREQ(it.disposition, "needs-review");
    it.encryption = "none";
    pt_decide(&p, NULL, &it);
    T_STREQ(it.disposition, "needs-review");
    /* what users deleted into a recycle bin, and old profiles, are theirs */
    static const char *const theirs[] = { "/$Recycle.Bin/S-1-5-21-1-2-3-1001/$RAB12CD.docx",
                                          "/RECYCLER/S-1-5-21-1-2-3-1001/Dc1.doc",
                                          "/Windows.old/Users/alice/Documents/x.txt" };
    for (size_t k = 0; k < sizeof theirs / sizeof theirs[0]; k++) {
        it.path = theirs[k];
        pt_decide(&p, NULL, &it);
        T_STREQ(it.disposition, "private");
    }
    it.path = "/Windows.old/Windows/System32/kernel32.dll";
    pt_decide(&p, NULL, &it);
    T_STREQ(it.disposition, "needs-review");
    pt_policy_free(&p);

    pt_policy_defaults(&p);
    T_CHECK(pt_policy_load(&p, put("bad.conf", "[policy]\nprecedence = relevant, private\n"), &err) == PT_EFORMAT);
    T_CHECK(strstr(err.msg, "bad.conf:2:") != NULL);
    pt_policy_free(&p);
    pt_policy_defaults(&p);
    T_CHECK(pt_policy_load(&p, put("typo.conf", "[policy]\nencrypted = needs-review\nunmached_user = private\n"), &err) ==
            PT_EFORMAT);
    T_CHECK(strstr(err.msg, "typo.conf:3: unknown setting") != NULL);
    pt_policy_free(&p);
}

/* [keys]: passphrases in order; veracrypt_cascades, wherever it stands,
 * applies to every one of them */
static void keys(void)
{
    pt_policy_t p;
    pt_err_t err = { 0, "" };

    pt_policy_defaults(&p);
    T_CHECK(pt_policy_load(&p, put("k.conf", "[keys]\npassphrase = one\npassphrase = two\n"), &err) == PT_OK);
    T_CHECK(p.n_keys == 2 && !p.keys[0].cascades && !p.keys[1].cascades);
    T_CHECK(p.n_keys == 2 && p.keys[1].len == 3 && memcmp(p.keys[1].data, "two", 3) == 0);
    T_STREQ(p.keys[1].name, "passphrase 2 of case.conf");
    pt_policy_free(&p);
    pt_policy_defaults(&p);
    T_CHECK(pt_policy_load(&p, put("kc.conf", "[keys]\npassphrase = one\nveracrypt_cascades = yes\n"
                                              "passphrase = two\n"), &err) == PT_OK);
    T_CHECK(p.n_keys == 2 && p.keys[0].cascades && p.keys[1].cascades);
    pt_policy_free(&p);
    pt_policy_defaults(&p);
    T_CHECK(pt_policy_load(&p, put("kb.conf", "[keys]\nveracrypt_cascades = 1\n"), &err) == PT_EFORMAT);
    T_CHECK(strstr(err.msg, "kb.conf:2: [keys] veracrypt_cascades is yes or no") != NULL);
    pt_policy_free(&p);
    pt_policy_defaults(&p);
    T_CHECK(pt_policy_load(&p, put("kp.conf", "[keys]\npassphrase = one\nveracrypt_pim = 485\n"), &err) == PT_OK);
    T_CHECK(p.n_keys == 1 && p.keys[0].pim == 485 && !p.keys[0].cascades);
    pt_policy_free(&p);
    pt_policy_defaults(&p);
    T_CHECK(pt_policy_load(&p, put("kq.conf", "[keys]\nveracrypt_pim = 0\n"), &err) == PT_EFORMAT);
    T_CHECK(strstr(err.msg, "kq.conf:2: [keys] veracrypt_pim is a number") != NULL);
    pt_policy_free(&p);
    pt_policy_defaults(&p);
    T_CHECK(pt_policy_load(&p, put("kr.conf", "[keys]\nveracrypt_pim = 12x\n"), &err) == PT_EFORMAT);
    pt_policy_free(&p);
    /* keyfiles: pooled at load, given to every key, and a key of their own
     * (VeraCrypt opens with keyfiles and no password) */
    put("kf1", "first keyfile");
    put("kf2", "second");
    pt_policy_defaults(&p);
    T_CHECK(pt_policy_load(&p, put("kk.conf", "[keys]\npassphrase = one\nveracrypt_keyfile = kf1\n"
                                              "veracrypt_keyfile = kf2\n"), &err) == PT_OK);
    T_CHECK(p.n_keyfiles == 2 && p.n_keys == 2);
    T_CHECK(p.keys[0].kf64 == p.kf_pool64 && p.keys[1].kf128 == p.kf_pool128 && p.keys[1].len == 0);
    T_STREQ(p.keys[1].name, "the keyfiles of case.conf");
    {
        uint8_t pool[64] = { 0 };
        pt_tcrypt_pool_keyfile((const uint8_t *)"second", 6, pool, sizeof pool); /* the other order */
        pt_tcrypt_pool_keyfile((const uint8_t *)"first keyfile", 13, pool, sizeof pool);
        T_CHECK(memcmp(pool, p.kf_pool64, sizeof pool) == 0);
    }
    pt_policy_free(&p);
    pt_policy_defaults(&p);
    T_CHECK(pt_policy_load(&p, put("km.conf", "[keys]\nveracrypt_keyfile = missing\n"), &err) == PT_EFORMAT);
    T_CHECK(strstr(err.msg, "km.conf:2: veracrypt_keyfile") != NULL);
    pt_policy_free(&p);
}

int main(void)
{
    char cmd[128];
    int rc;

    if (!mkdtemp(dir))
        return 1;
    T_RUN(hashset_formats);
    T_RUN(accounts);
    T_RUN(sids);
    T_RUN(decisions);
    T_RUN(keys);
    rc = t_done();
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        rc = 1;
    return rc;
}
