/* Unit tests for casedb.c and report_csv.c: rows in, exact CSV out. */
#include <stdlib.h>
#include <unistd.h>

#include "casedb.h"
#include "report_csv.h"
#include "testlib.h"

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long n;

    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    rewind(f);
    buf = calloc(1, (size_t)n + 1);
    if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    return buf;
}

static void rows_to_csv(void)
{
    char dir[] = "/tmp/pt-casedb-XXXXXX", db_path[256], csv1[256], csv2[256];
    pt_err_t err = { 0, "" };
    pt_casedb_t *db;
    pt_evidence_info_t ev = { "disk.E01", "/evidence/disk.E01", "image", "ewf", 1048576, 512, 1, "dos" };
    pt_volume_info_t v;
    pt_item_t it;
    int64_t ev_id = 0, vol_id = 0, item_id = 0;
    uint64_t rows = 0;
    char *a, *b;

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

    T_CHECK(pt_report_csv_write(db, csv1, &rows, &err) == PT_OK);
    T_CHECK(rows == 1);
    T_CHECK(pt_report_csv_write(db, csv2, NULL, &err) == PT_OK);
    T_CHECK(pt_report_csv_write(db, csv2, NULL, &err) == PT_OK); /* regenerating replaces it */
    T_CHECK(pt_casedb_close(db, &err) == PT_OK);
    a = slurp(csv1);
    b = slurp(csv2);
    T_STREQ(a, b);
    T_STREQ(a,
            "id,evidence,volume,path,kind,allocated,size,mtime,atime,ctime,crtime,uid,gid,md5,sha256,"
            "mime,category,entropy,encryption,encryption_format,rules,disposition,reason,error\r\n"
            "1,disk.E01,p1,\"/home/a/quo\"\"te, new\nline \\xFF.txt\",file,0,42,2020-09-13T12:26:40Z,,,,"
            "1000,100,,ab,text/plain,text,4.1235,,,,,,deleted\r\n");
    free(a);
    free(b);
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
