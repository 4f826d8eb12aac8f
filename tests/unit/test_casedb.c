/* Unit tests for casedb.c, report.c and report_csv.c: rows in, exact CSV out,
 * court manifest redacted. */
#include <stdlib.h>
#include <unistd.h>

#include "casedb.h"
#include "report.h"
#include "testlib.h"

static void rows_to_csv(void)
{
    char dir[] = "/tmp/pt-casedb-XXXXXX", db_path[256], csv1[256], csv2[256];
    pt_err_t err = { 0, "" };
    pt_casedb_t *db;
    pt_evidence_info_t ev = { "disk.E01", "/evidence/disk.E01", "image", "ewf", 1048576, 512, 1, "dos" };
    pt_volume_info_t v;
    pt_item_t it;
    int64_t ev_id = 0, vol_id = 0, item_id = 0;
    size_t rows = 0;
    char *a = NULL, *b = NULL;

    T_CHECK(mkdtemp(dir) != NULL);
    snprintf(db_path, sizeof db_path, "%s/case.db", dir);
    snprintf(csv1, sizeof csv1, "%s/m1.csv", dir);
    snprintf(csv2, sizeof csv2, "%s/m2.csv", dir);
    db = pt_casedb_create(db_path, &err);
    T_CHECK(db != NULL);
    if (!db)
        return;
    T_CHECK(pt_casedb_add_evidence(db, &ev, &ev_id, &err) == PT_OK);
    memset(&v, 0, sizeof v);
    v.evidence_id = ev_id;
    v.label = "p1";
    v.ordinal = 1;
    v.flags = "alloc";
    v.filesystem = "ext4";
    T_CHECK(pt_casedb_add_volume(db, &v, &vol_id, &err) == PT_OK);

    pt_item_init(&it);
    it.evidence_id = ev_id;
    it.volume_id = vol_id;
    it.path = "/home/a/quo\"te, new\nline \xff.txt";
    it.kind = PT_KIND_FILE;
    it.allocated = 0;
    it.size = 42;
    it.mtime.known = 1;
    it.mtime.sec = 1600000000;
    it.has_owner = 1;
    it.uid = 1000;
    it.gid = 100;
    strcpy(it.hash.sha256, "ab");
    strcpy(it.mime, "text/plain");
    it.category = "text";
    it.has_entropy = 1;
    it.entropy = 4.123456;
    pt_item_add_error(&it, "note", "deleted");
    T_CHECK(pt_casedb_add_item(db, &it, &item_id, &err) == PT_OK);
    T_CHECK(item_id == 1);

    /* a private item: redacted in the court manifest, named by pseudonym */
    pt_item_init(&it);
    it.evidence_id = ev_id;
    it.volume_id = vol_id;
    it.path = "/home/a/=diary.txt";
    it.kind = PT_KIND_FILE;
    it.allocated = 1;
    it.size = 7;
    it.mtime.known = 1;
    it.mtime.sec = 1300000000;
    it.has_owner = 1;
    it.uid = 1000;
    it.owner = "alice";
    strcpy(it.hash.sha256, "cd");
    it.category = "text";
    it.disposition = "private";
    strcpy(it.reason, "policy: user area");
    T_CHECK(pt_casedb_add_item(db, &it, &item_id, &err) == PT_OK);
    T_CHECK(pt_casedb_close(db, &err) == PT_OK);
    T_CHECK((db = pt_casedb_open_ro(db_path, &err)) != NULL);
    if (!db)
        return;

    /* the same database renders the same bytes, every time */
    T_CHECK(pt_report_render(db, dir, &pt_report_writers[0], &a, &rows, &err) == PT_OK);
    T_CHECK(pt_report_render(db, dir, &pt_report_writers[0], &b, &rows, &err) == PT_OK);
    T_STREQ(a, b);
    free(b);
    /* without the case's pseudonym key, court outputs refuse */
    T_CHECK(pt_report_render(db, dir, &pt_report_writers[2], &b, &rows, &err) == PT_EINVAL);
    T_CHECK(strstr(err.msg, "pseudonym.key") != NULL);
    T_CHECK(pt_pseudo_key_create(dir, &err) == PT_OK);
    T_CHECK(pt_pseudo_key_create(dir, &err) != PT_OK); /* never replaced */
    T_STREQ(pt_report_writers[2].name, "court-manifest.csv");
    T_CHECK(pt_report_render(db, dir, &pt_report_writers[2], &b, &rows, &err) == PT_OK);
    T_CHECK(b && strstr(b, "diary") == NULL && strstr(b, ",cd,") == NULL);
    T_CHECK(b && strstr(b, ",,disk.E01,p1,,file,1,7,,,2011-03,alice,text,,,,,,private,policy: user area,\r\n"));
    T_CHECK(b && strstr(b, "\"'/home") == NULL);
    free(b);
    T_CHECK(pt_casedb_close(db, &err) == PT_OK);
    T_CHECK(strstr(a, "2,disk.E01,p1,/home/a/=diary.txt,") != NULL);
    if (strstr(a, "\r\n2,"))
        strstr(a, "\r\n2,")[2] = '\0'; /* header and row 1 */
    T_STREQ(a,
            "id,evidence,volume,path,kind,allocated,size,mtime,atime,ctime,crtime,uid,gid,md5,sha256,"
            "mime,category,entropy,encryption,encryption_format,rules,disposition,reason,error\r\n"
            "1,disk.E01,p1,\"/home/a/quo\"\"te, new\nline \\xFF.txt\",file,0,42,2020-09-13T12:26:40Z,,,,"
            "1000,100,,ab,text/plain,text,4.1235,,,,,,deleted\r\n");
    free(a);
    snprintf(csv1, sizeof csv1, "rm -rf '%s'", dir);
    T_CHECK(system(csv1) == 0);
}

static void existing_database_is_refused(void)
{
    char dir[] = "/tmp/pt-casedb-XXXXXX", path[256];
    pt_err_t err = { 0, "" };
    pt_casedb_t *db;

    T_CHECK(mkdtemp(dir) != NULL);
    snprintf(path, sizeof path, "%s/case.db", dir);
    db = pt_casedb_create(path, &err);
    T_CHECK(db != NULL);
    pt_casedb_close(db, &err);
    db = pt_casedb_create(path, &err);
    T_CHECK(db == NULL);
    T_CHECK(strstr(err.msg, "case database") != NULL);
    pt_casedb_close(db, NULL);
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    T_RUN(rows_to_csv);
    T_RUN(existing_database_is_refused);
    return t_done();
}
