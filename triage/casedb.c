/* casedb.c - SQLite adapter: schema, prepared inserts, batching.
 * Owns the sqlite3 handle and its statements; converts SQLite return codes
 * into PT_EDB here.  Must not format reports (that is report_*.c). */
#include "casedb.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BATCH 2000  /* items per transaction: cheap commits, bounded loss */
#define BATCH_SECONDS 2 /* ... and at most this much work lost to a kill or power cut */

enum { ST_EVIDENCE, ST_VOLUME, ST_ITEM, ST_ERROR, ST_MATCH, ST_COUNT };

struct pt_casedb {
    sqlite3 *db;
    sqlite3_stmt *st[ST_COUNT];
    int in_tx;
    time_t tx_began;            /* monotonic seconds */
    unsigned pending;
};

static const char schema[] =
    "PRAGMA journal_mode=WAL;"
    "PRAGMA synchronous=NORMAL;"
    "CREATE TABLE run("
    " id INTEGER PRIMARY KEY, tool TEXT NOT NULL, version TEXT, build TEXT,"
    " command_line TEXT, started TEXT, finished TEXT, host TEXT, user TEXT, cwd TEXT,"
    " libraries TEXT, hash_algorithms TEXT, options TEXT, exit_code INTEGER, summary TEXT,"
    " rule_files TEXT, case_number TEXT, court TEXT, examiner TEXT, warrant TEXT, argv TEXT, resumed TEXT);"
    "CREATE TABLE evidence("
    " id INTEGER PRIMARY KEY, label TEXT NOT NULL, path TEXT NOT NULL, kind TEXT NOT NULL,"
    " format TEXT, size INTEGER, sector_size INTEGER, segments INTEGER,"
    " volume_system TEXT, error TEXT, acquisition_md5 TEXT, acquisition_sha1 TEXT,"
    " image_md5 TEXT, image_sha256 TEXT);"
    "CREATE TABLE volumes("
    " id INTEGER PRIMARY KEY, evidence_id INTEGER NOT NULL REFERENCES evidence(id),"
    " label TEXT, ordinal INTEGER, tsk_addr INTEGER, slot TEXT, offset INTEGER, length INTEGER,"
    " flags TEXT, description TEXT, filesystem TEXT, fs_block_size INTEGER, error TEXT, os TEXT,"
    " fs_bytes INTEGER, fs_unalloc_bytes INTEGER, free_sampled INTEGER, free_zero INTEGER, free_text INTEGER,"
    " free_random INTEGER, free_high INTEGER, free_other INTEGER, free_unreadable INTEGER,"
    " parent_item_id INTEGER, container TEXT, parent_volume_id INTEGER, layer_name TEXT, holds TEXT);"
    "CREATE TABLE items("
    " id INTEGER PRIMARY KEY, evidence_id INTEGER NOT NULL REFERENCES evidence(id),"
    " volume_id INTEGER REFERENCES volumes(id), parent_id INTEGER,"
    " path TEXT NOT NULL, kind TEXT NOT NULL, allocated INTEGER,"
    " inode INTEGER, attr_type INTEGER, attr_id INTEGER, size INTEGER, bytes_read INTEGER,"
    " mtime INTEGER, mtime_ns INTEGER, atime INTEGER, atime_ns INTEGER,"
    " ctime INTEGER, ctime_ns INTEGER, crtime INTEGER, crtime_ns INTEGER,"
    " uid INTEGER, gid INTEGER, owner TEXT, mode INTEGER, link_target TEXT,"
    " md5 TEXT, sha1 TEXT, sha256 TEXT, mime TEXT, category TEXT, entropy REAL,"
    " encryption TEXT, encryption_format TEXT, encryption_reason TEXT,"
    " chi2_p REAL, serial_corr REAL, pi_error REAL, byte_mean REAL,"
    " window_entropy_max REAL, window_entropy_max_offset INTEGER, window_entropy_min REAL,"
    " rules TEXT, disposition TEXT, reason TEXT, error TEXT, error_severity TEXT);"
    "CREATE TABLE errors("
    " id INTEGER PRIMARY KEY, evidence_id INTEGER, volume_id INTEGER, item_id INTEGER,"
    " severity TEXT NOT NULL, location TEXT, message TEXT NOT NULL);"
    "CREATE TABLE matches("
    " id INTEGER PRIMARY KEY, item_id INTEGER NOT NULL REFERENCES items(id), rule TEXT NOT NULL,"
    " namespace TEXT, tags TEXT, disposition TEXT, reason TEXT, hits INTEGER);"
    "CREATE TABLE coverage("
    " id INTEGER PRIMARY KEY, evidence TEXT NOT NULL, evidence_size INTEGER, volume TEXT, offset INTEGER,"
    " bytes INTEGER NOT NULL, examined INTEGER NOT NULL, what TEXT NOT NULL, reason TEXT);"
    "CREATE INDEX items_sha256 ON items(sha256);"
    "CREATE INDEX matches_item ON matches(item_id);";

static const char *const stmts[ST_COUNT] = {
    "INSERT INTO evidence(label,path,kind,format,size,sector_size,segments,volume_system)"
    " VALUES(?,?,?,?,?,?,?,?)",
    "INSERT INTO volumes(evidence_id,label,ordinal,tsk_addr,slot,offset,length,flags,"
    "description,filesystem,fs_block_size,error,fs_bytes,fs_unalloc_bytes,free_sampled,free_zero,free_text,"
    "free_random,free_high,free_other,free_unreadable,parent_item_id,container,parent_volume_id,layer_name,holds)"
    " VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
    "INSERT INTO items(evidence_id,volume_id,parent_id,path,kind,allocated,inode,attr_type,"
    "attr_id,size,bytes_read,mtime,mtime_ns,atime,atime_ns,ctime,ctime_ns,crtime,crtime_ns,"
    "uid,gid,mode,link_target,md5,sha1,sha256,mime,category,entropy,error,error_severity,"
    "encryption,encryption_format,encryption_reason,chi2_p,serial_corr,pi_error,byte_mean,"
    "window_entropy_max,window_entropy_max_offset,window_entropy_min,rules,disposition,reason,owner,id)"
    " VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
    "INSERT INTO errors(evidence_id,volume_id,item_id,severity,location,message)"
    " VALUES(?,?,?,?,?,?)",
    "INSERT INTO matches(item_id,rule,namespace,tags,disposition,reason,hits) VALUES(?,?,?,?,?,?,?)",
};

static int db_fail(pt_casedb_t *db, pt_err_t *err, const char *what)
{
    return pt_err_set(err, PT_EDB, "case database: %s: %s", what,
                      db && db->db ? sqlite3_errmsg(db->db) : "cannot open");
}

static void free_handle(pt_casedb_t *db)
{
    int i;
    for (i = 0; i < ST_COUNT; i++)
        sqlite3_finalize(db->st[i]);
    sqlite3_close(db->db);
    free(db);
}

pt_casedb_t *pt_casedb_create(const char *path, pt_err_t *err)
{
    pt_casedb_t *db = calloc(1, sizeof *db);
    int i;

    if (!db) {
        pt_err_set(err, PT_ENOMEM, "out of memory");
        return NULL;
    }
    if (sqlite3_open_v2(path, &db->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                        NULL) != SQLITE_OK ||
        sqlite3_exec(db->db, schema, NULL, NULL, NULL) != SQLITE_OK) {
        db_fail(db, err, path);
        free_handle(db);
        return NULL;
    }
    for (i = 0; i < ST_COUNT; i++) {
        if (sqlite3_prepare_v2(db->db, stmts[i], -1, &db->st[i], NULL) != SQLITE_OK) {
            db_fail(db, err, "prepare");
            free_handle(db);
            return NULL;
        }
    }
    return db;
}

pt_casedb_t *pt_casedb_open_ro(const char *path, pt_err_t *err)
{
    pt_casedb_t *db = calloc(1, sizeof *db);

    if (!db) {
        pt_err_set(err, PT_ENOMEM, "out of memory");
        return NULL;
    }
    if (sqlite3_open_v2(path, &db->db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
        sqlite3_exec(db->db, "SELECT 1 FROM items LIMIT 1", NULL, NULL, NULL) != SQLITE_OK) {
        db_fail(db, err, path);
        free_handle(db);
        return NULL;
    }
    return db;
}

static int tx_commit(pt_casedb_t *db, pt_err_t *err)
{
    if (!db->in_tx)
        return PT_OK;
    db->in_tx = 0;
    db->pending = 0;
    if (sqlite3_exec(db->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        return db_fail(db, err, "commit");
    return PT_OK;
}

static time_t now_s(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec;
}

/* Commits every BATCH rows or BATCH_SECONDS, whichever comes first, so that
 * `scan --resume` finds nearly everything done before an interruption. */
static int tx_touch(pt_casedb_t *db, pt_err_t *err)
{
    if (db->in_tx && (++db->pending >= BATCH || now_s() - db->tx_began >= BATCH_SECONDS) &&
        tx_commit(db, err) != PT_OK)
        return PT_EDB;
    if (!db->in_tx) {
        if (sqlite3_exec(db->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
            return db_fail(db, err, "begin");
        db->in_tx = 1;
        db->tx_began = now_s();
    }
    return PT_OK;
}

int pt_casedb_batch(pt_casedb_t *db, pt_err_t *err)
{
    return tx_touch(db, err);
}

int pt_casedb_flush(pt_casedb_t *db, pt_err_t *err)
{
    return tx_commit(db, err);
}

int pt_casedb_close(pt_casedb_t *db, pt_err_t *err)
{
    int rc = PT_OK;

    if (!db)
        return PT_OK;
    rc = tx_commit(db, err);
    /* Fold the WAL back so case.db is one self-contained file. */
    if (rc == PT_OK && sqlite3_exec(db->db, "PRAGMA wal_checkpoint(TRUNCATE);"
                                            "PRAGMA journal_mode=DELETE;", NULL, NULL, NULL) != SQLITE_OK &&
        sqlite3_db_readonly(db->db, "main") == 0)
        rc = db_fail(db, err, "checkpoint");
    free_handle(db);
    return rc;
}

/* Binding helpers: NULL strings become SQL NULL. */
static void bind_text(sqlite3_stmt *s, int i, const char *v)
{
    if (v)
        sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(s, i);
}

static void bind_opt_text(sqlite3_stmt *s, int i, const char *v)
{
    bind_text(s, i, v && *v ? v : NULL);
}

static void bind_id(sqlite3_stmt *s, int i, int64_t v)
{
    if (v > 0)
        sqlite3_bind_int64(s, i, v);
    else
        sqlite3_bind_null(s, i);
}

static void bind_time(sqlite3_stmt *s, int i, const pt_time_t *t)
{
    if (t->known) {
        sqlite3_bind_int64(s, i, t->sec);
        sqlite3_bind_int64(s, i + 1, t->nsec);
    } else {
        sqlite3_bind_null(s, i);
        sqlite3_bind_null(s, i + 1);
    }
}

static int step(pt_casedb_t *db, sqlite3_stmt *s, int64_t *id, pt_err_t *err, const char *what)
{
    int rc = sqlite3_step(s);

    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    if (rc != SQLITE_DONE)
        return db_fail(db, err, what);
    if (id)
        *id = sqlite3_last_insert_rowid(db->db);
    return PT_OK;
}

int pt_casedb_run_begin(pt_casedb_t *db, const pt_run_info_t *r, pt_err_t *err)
{
    sqlite3_stmt *s = NULL;
    int rc;

    if (sqlite3_prepare_v2(db->db,
                           "INSERT INTO run(id,tool,version,build,command_line,started,host,user,cwd,"
                           "libraries,hash_algorithms,options) VALUES(1,'ptriage',?,?,?,?,?,?,?,?,?,?)",
                           -1, &s, NULL) != SQLITE_OK)
        return db_fail(db, err, "run");
    bind_text(s, 1, r->version);
    bind_text(s, 2, r->build);
    bind_text(s, 3, r->command_line);
    bind_text(s, 4, r->started);
    bind_text(s, 5, r->host);
    bind_text(s, 6, r->user);
    bind_text(s, 7, r->cwd);
    bind_text(s, 8, r->libraries);
    bind_text(s, 9, r->hash_algorithms);
    bind_text(s, 10, r->options);
    rc = sqlite3_step(s) == SQLITE_DONE ? PT_OK : db_fail(db, err, "run");
    sqlite3_finalize(s);
    return rc;
}

int pt_casedb_run_end(pt_casedb_t *db, const char *finished, int exit_code, const char *summary,
                      pt_err_t *err)
{
    sqlite3_stmt *s = NULL;
    int rc;

    if (tx_commit(db, err) != PT_OK)
        return PT_EDB;
    if (sqlite3_prepare_v2(db->db, "UPDATE run SET finished=?, exit_code=?, summary=? WHERE id=1",
                           -1, &s, NULL) != SQLITE_OK)
        return db_fail(db, err, "run end");
    bind_text(s, 1, finished);
    sqlite3_bind_int(s, 2, exit_code);
    bind_text(s, 3, summary);
    rc = sqlite3_step(s) == SQLITE_DONE ? PT_OK : db_fail(db, err, "run end");
    sqlite3_finalize(s);
    return rc;
}

int pt_casedb_add_evidence(pt_casedb_t *db, const pt_evidence_info_t *ev, int64_t *id, pt_err_t *err)
{
    sqlite3_stmt *s = db->st[ST_EVIDENCE];

    if (tx_touch(db, err) != PT_OK)
        return PT_EDB;
    bind_text(s, 1, ev->label);
    bind_text(s, 2, ev->path);
    bind_text(s, 3, ev->kind);
    bind_text(s, 4, ev->format);
    sqlite3_bind_int64(s, 5, (sqlite3_int64)ev->size);
    sqlite3_bind_int(s, 6, (int)ev->sector_size);
    sqlite3_bind_int(s, 7, (int)ev->segments);
    bind_text(s, 8, ev->volume_system);
    return step(db, s, id, err, "evidence");
}

/* One text column of one row, learnt after the row was added. */
static int update_text(pt_casedb_t *db, const char *sql, const char *value, int64_t id, pt_err_t *err)
{
    sqlite3_stmt *s = NULL;
    int rc;

    if (sqlite3_prepare_v2(db->db, sql, -1, &s, NULL) != SQLITE_OK)
        return db_fail(db, err, "update");
    bind_text(s, 1, value);
    sqlite3_bind_int64(s, 2, id);
    rc = sqlite3_step(s) == SQLITE_DONE ? PT_OK : db_fail(db, err, "update");
    sqlite3_finalize(s);
    return rc;
}

int pt_casedb_set_evidence(pt_casedb_t *db, int64_t id, pt_ev_field_t field, const char *value,
                           pt_err_t *err)
{
    static const char *const sql[] = {
        [PT_EV_VOLUME_SYSTEM] = "UPDATE evidence SET volume_system=? WHERE id=?",
        [PT_EV_ERROR] = "UPDATE evidence SET error=? WHERE id=?",
        [PT_EV_ACQ_MD5] = "UPDATE evidence SET acquisition_md5=? WHERE id=?",
        [PT_EV_ACQ_SHA1] = "UPDATE evidence SET acquisition_sha1=? WHERE id=?",
        [PT_EV_IMG_MD5] = "UPDATE evidence SET image_md5=? WHERE id=?",
        [PT_EV_IMG_SHA256] = "UPDATE evidence SET image_sha256=? WHERE id=?",
    };

    return update_text(db, sql[field], value, id, err);
}

int pt_casedb_set_volume_os(pt_casedb_t *db, int64_t volume_id, const char *os, pt_err_t *err)
{
    return update_text(db, "UPDATE volumes SET os=? WHERE id=?", os, volume_id, err);
}

int pt_casedb_add_volume(pt_casedb_t *db, const pt_volume_info_t *v, int64_t *id, pt_err_t *err)
{
    sqlite3_stmt *s = db->st[ST_VOLUME];

    if (tx_touch(db, err) != PT_OK)
        return PT_EDB;
    sqlite3_bind_int64(s, 1, v->evidence_id);
    bind_text(s, 2, v->label);
    sqlite3_bind_int(s, 3, v->ordinal);
    if (v->tsk_addr >= 0)
        sqlite3_bind_int64(s, 4, v->tsk_addr);
    bind_opt_text(s, 5, v->slot);
    sqlite3_bind_int64(s, 6, (sqlite3_int64)v->offset);
    sqlite3_bind_int64(s, 7, (sqlite3_int64)v->length);
    bind_text(s, 8, v->flags);
    bind_opt_text(s, 9, v->description);
    bind_opt_text(s, 10, v->filesystem);
    if (v->fs_block_size)
        sqlite3_bind_int64(s, 11, (sqlite3_int64)v->fs_block_size);
    bind_opt_text(s, 12, v->error);
    if (v->has_fs_bytes) {
        sqlite3_bind_int64(s, 13, (sqlite3_int64)v->fs_bytes);
        sqlite3_bind_int64(s, 14, (sqlite3_int64)v->fs_unalloc_bytes);
    }
    if (v->free_sampled) {
        const uint64_t c[] = { v->free_sampled, v->free_zero, v->free_text, v->free_random, v->free_high,
                               v->free_other, v->free_unreadable };
        int i;
        for (i = 0; i < 7; i++)
            sqlite3_bind_int64(s, 15 + i, (sqlite3_int64)c[i]);
    }
    bind_id(s, 22, v->parent_item_id);
    bind_opt_text(s, 23, v->container);
    bind_id(s, 24, v->parent_volume_id);
    bind_opt_text(s, 25, v->layer_name);
    bind_opt_text(s, 26, v->holds);
    return step(db, s, id, err, "volume");
}

int pt_casedb_add_item(pt_casedb_t *db, const pt_item_t *it, int64_t *id, pt_err_t *err)
{
    sqlite3_stmt *s = db->st[ST_ITEM];

    if (tx_touch(db, err) != PT_OK)
        return PT_EDB;
    sqlite3_bind_int64(s, 1, it->evidence_id);
    bind_id(s, 2, it->volume_id);
    bind_id(s, 3, it->parent_id);
    bind_text(s, 4, it->path);
    bind_text(s, 5, it->kind);
    if (it->allocated >= 0)
        sqlite3_bind_int(s, 6, it->allocated);
    if (it->has_inode)
        sqlite3_bind_int64(s, 7, (sqlite3_int64)it->inode);
    if (it->attr_type >= 0) {
        sqlite3_bind_int(s, 8, it->attr_type);
        sqlite3_bind_int(s, 9, it->attr_id);
    }
    sqlite3_bind_int64(s, 10, (sqlite3_int64)it->size);
    sqlite3_bind_int64(s, 11, (sqlite3_int64)it->bytes_read);
    bind_time(s, 12, &it->mtime);
    bind_time(s, 14, &it->atime);
    bind_time(s, 16, &it->ctime);
    bind_time(s, 18, &it->crtime);
    if (it->has_owner) {
        sqlite3_bind_int64(s, 20, it->uid);
        sqlite3_bind_int64(s, 21, it->gid);
    }
    if (it->mode)
        sqlite3_bind_int64(s, 22, it->mode);
    bind_opt_text(s, 23, it->link_target);
    bind_opt_text(s, 24, it->hash.md5);
    bind_opt_text(s, 25, it->hash.sha1);
    bind_opt_text(s, 26, it->hash.sha256);
    bind_opt_text(s, 27, it->mime);
    bind_opt_text(s, 28, it->category);
    if (it->has_entropy)
        sqlite3_bind_double(s, 29, it->entropy);
    bind_opt_text(s, 30, it->error);
    bind_opt_text(s, 31, it->error[0] ? it->error_severity : NULL);
    bind_opt_text(s, 32, it->encryption);
    bind_opt_text(s, 33, it->encryption_format);
    bind_opt_text(s, 34, it->encryption_reason);
    if (it->has_stats && it->stats.n > 0) {
        sqlite3_bind_double(s, 35, it->stats.chi2_p);
        sqlite3_bind_double(s, 36, it->stats.serial);
        sqlite3_bind_double(s, 37, it->stats.pi_err);
        sqlite3_bind_double(s, 38, it->stats.mean);
        if (it->stats.windows) {
            sqlite3_bind_double(s, 39, it->stats.win_max);
            sqlite3_bind_int64(s, 40, (sqlite3_int64)it->stats.win_max_off);
            sqlite3_bind_double(s, 41, it->stats.win_min);
        }
    }
    if (it->disposition) {
        bind_text(s, 42, it->rules);
        bind_text(s, 43, it->disposition);
        bind_text(s, 44, it->reason);
    }
    bind_opt_text(s, 45, it->owner);
    bind_id(s, 46, it->id); /* assigned in emission order; NULL lets SQLite number it */
    return step(db, s, id, err, "item");
}

int pt_casedb_add_error(pt_casedb_t *db, int64_t evidence_id, int64_t volume_id, int64_t item_id,
                        const char *severity, const char *location, const char *message, pt_err_t *err)
{
    sqlite3_stmt *s = db->st[ST_ERROR];

    if (tx_touch(db, err) != PT_OK)
        return PT_EDB;
    bind_id(s, 1, evidence_id);
    bind_id(s, 2, volume_id);
    bind_id(s, 3, item_id);
    bind_text(s, 4, severity);
    bind_opt_text(s, 5, location);
    bind_text(s, 6, message);
    return step(db, s, NULL, err, "error");
}

int pt_casedb_add_match(pt_casedb_t *db, int64_t item_id, const pt_rule_match_t *m, pt_err_t *err)
{
    sqlite3_stmt *s = db->st[ST_MATCH];

    if (tx_touch(db, err) != PT_OK)
        return PT_EDB;
    sqlite3_bind_int64(s, 1, item_id);
    bind_text(s, 2, m->rule);
    bind_text(s, 3, m->ns);
    bind_opt_text(s, 4, m->tags);
    bind_opt_text(s, 5, m->disposition);
    bind_opt_text(s, 6, m->reason);
    sqlite3_bind_int(s, 7, (int)m->hits);
    return step(db, s, NULL, err, "match");
}

int pt_casedb_set_run_text(pt_casedb_t *db, const char *column, const char *value, pt_err_t *err)
{
    static const char *const allowed[] = { "rule_files", "case_number", "court", "examiner", "warrant", "argv",
                                           "resumed", NULL };
    char sql[128];
    sqlite3_stmt *s = NULL;
    int i, rc;

    for (i = 0; allowed[i] && strcmp(allowed[i], column) != 0; i++)
        ;
    if (!allowed[i])
        return pt_err_set(err, PT_EINVAL, "run column %s", column);
    snprintf(sql, sizeof sql, "UPDATE run SET %s=? WHERE id=1", column);
    if (sqlite3_prepare_v2(db->db, sql, -1, &s, NULL) != SQLITE_OK)
        return db_fail(db, err, "run text");
    bind_opt_text(s, 1, value);
    rc = sqlite3_step(s) == SQLITE_DONE ? PT_OK : db_fail(db, err, "run text");
    sqlite3_finalize(s);
    return rc;
}

int pt_casedb_add_coverage(pt_casedb_t *db, const pt_coverage_row_t *r, pt_err_t *err)
{
    sqlite3_stmt *s = NULL;
    int rc;

    if (sqlite3_prepare_v2(db->db, "INSERT INTO coverage(evidence,evidence_size,volume,offset,bytes,examined,what,"
                                   "reason) VALUES(?,?,?,?,?,?,?,?)", -1, &s, NULL) != SQLITE_OK)
        return db_fail(db, err, "coverage");
    bind_text(s, 1, r->evidence);
    sqlite3_bind_int64(s, 2, (sqlite3_int64)r->evidence_size);
    bind_text(s, 3, r->volume);
    sqlite3_bind_int64(s, 4, (sqlite3_int64)r->offset);
    sqlite3_bind_int64(s, 5, (sqlite3_int64)r->bytes);
    sqlite3_bind_int(s, 6, r->examined);
    bind_text(s, 7, r->what);
    bind_opt_text(s, 8, r->reason);
    rc = sqlite3_step(s) == SQLITE_DONE ? PT_OK : db_fail(db, err, "coverage");
    sqlite3_finalize(s);
    return rc;
}

struct sqlite3 *pt_casedb_handle(pt_casedb_t *db)
{
    return db->db;
}
