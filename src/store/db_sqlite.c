/* db_sqlite.c - the SQLite backend of db.h.
 *
 * Each connection runs in WAL mode with synchronous=FULL (nothing acknowledged
 * is lost), foreign keys on, a busy timeout, case-sensitive LIKE and a Unicode
 * lower() (the portable SQL of store/ relies on both). Prepared statements are
 * cached per connection by SQL text. `$N` parameters are mapped to SQLite's
 * indexes once per statement.
 * Global state: the pool (one per process), guarded by its mutex.
 */
#include <pthread.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/db.h"
#include "util/log.h"
#include "util/utf8.h"

#define STMT_CACHE_SIZE 128
#define MAX_PARAMS 64

struct db_stmt {
    sqlite3_stmt *stmt;
    db_conn *conn;
    char *sql;
    uint64_t hash;
    int param_index[MAX_PARAMS + 1]; /* $N -> sqlite index (0 = absent) */
    bool cached; /* owned by the connection's cache; else freed by db_done */
    bool busy;   /* between db_query and db_done */
};

struct db_conn {
    sqlite3 *handle;
    db_stmt *cache[STMT_CACHE_SIZE];
    bool in_tx;
};

struct db {
    pthread_mutex_t lock;
    pthread_cond_t available;
    db_conn **free_list;
    int nfree, size;
    db_conn **all;
};

static void unicode_lower(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
        sqlite3_result_null(ctx);
        return;
    }
    const char *in = (const char *)sqlite3_value_text(argv[0]);
    char *out = utf8_lower(in ? in : "");
    sqlite3_result_text(ctx, out, -1, free);
}

static int conn_open(const char *path, db_conn **out, err *e)
{
    db_conn *c = calloc(1, sizeof *c);
    int rc = sqlite3_open_v2(path, &c->handle,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        err_internal(e, "sqlite open %s: %s", path, sqlite3_errstr(rc));
        sqlite3_close(c->handle);
        free(c);
        return -1;
    }
    sqlite3_busy_timeout(c->handle, 10000);
    const char *pragmas = "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                          "PRAGMA foreign_keys=ON; PRAGMA case_sensitive_like=ON;";
    char *msg = NULL;
    if (sqlite3_exec(c->handle, pragmas, NULL, NULL, &msg) != SQLITE_OK) {
        err_internal(e, "sqlite pragmas: %s", msg ? msg : "?");
        sqlite3_free(msg);
        sqlite3_close(c->handle);
        free(c);
        return -1;
    }
    sqlite3_create_function(c->handle, "lower", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL,
                            unicode_lower, NULL, NULL);
    *out = c;
    return 0;
}

static void stmt_free(db_stmt *st)
{
    if (!st) return;
    sqlite3_finalize(st->stmt);
    free(st->sql);
    free(st);
}

static void conn_close(db_conn *c)
{
    for (int i = 0; i < STMT_CACHE_SIZE; i++) stmt_free(c->cache[i]);
    sqlite3_close(c->handle);
    free(c);
}

int db_open(const char *url, int size, db **out, err *e)
{
    if (strncmp(url, "sqlite:", 7) != 0)
        return err_internal(e, "this build supports only sqlite: database URLs");
    const char *path = url + 7;
    if (strncmp(path, "//", 2) == 0) path += 2;
    db *d = calloc(1, sizeof *d);
    pthread_mutex_init(&d->lock, NULL);
    pthread_cond_init(&d->available, NULL);
    d->size = size < 1 ? 1 : size;
    d->free_list = calloc((size_t)d->size, sizeof *d->free_list);
    d->all = calloc((size_t)d->size, sizeof *d->all);
    for (int i = 0; i < d->size; i++) {
        if (conn_open(path, &d->all[i], e)) {
            d->size = i;
            db_close(d);
            return -1;
        }
        d->free_list[d->nfree++] = d->all[i];
    }
    *out = d;
    return 0;
}

void db_close(db *d)
{
    if (!d) return;
    for (int i = 0; i < d->size; i++) conn_close(d->all[i]);
    free(d->free_list);
    free(d->all);
    pthread_mutex_destroy(&d->lock);
    pthread_cond_destroy(&d->available);
    free(d);
}

db_conn *db_acquire(db *d)
{
    pthread_mutex_lock(&d->lock);
    while (d->nfree == 0) pthread_cond_wait(&d->available, &d->lock);
    db_conn *c = d->free_list[--d->nfree];
    pthread_mutex_unlock(&d->lock);
    return c;
}

void db_release(db *d, db_conn *c)
{
    if (c->in_tx) db_rollback(c);
    pthread_mutex_lock(&d->lock);
    d->free_list[d->nfree++] = c;
    pthread_cond_signal(&d->available);
    pthread_mutex_unlock(&d->lock);
}

/* Progress handler: interrupts a statement that runs past its deadline. */
static int past_deadline(void *deadline)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    int64_t ms = (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
    return ms > *(int64_t *)deadline;
}

int db_ping(db *d, int timeout_ms, err *e)
{
    db_conn *c = db_acquire(d);
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    int64_t deadline = (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000 + timeout_ms;
    sqlite3_progress_handler(c->handle, 100, past_deadline, &deadline);
    sqlite3_busy_timeout(c->handle, timeout_ms);
    /* reads a real page, so a broken or vanished file is noticed */
    db_stmt *st = db_query(c, e, "SELECT count(*) FROM schema_migrations", NULL);
    int rc = st ? db_step(st, e) : -1;
    db_done(st);
    sqlite3_progress_handler(c->handle, 0, NULL, NULL);
    sqlite3_busy_timeout(c->handle, 10000);
    db_release(d, c);
    return rc == 1 ? 0 : -1;
}

const char *db_kind(const db *d)
{
    (void)d;
    return "sqlite";
}

static uint64_t sql_hash(const char *s)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static db_stmt *stmt_prepare(db_conn *c, const char *sql, err *e)
{
    uint64_t h = sql_hash(sql);
    int slot = (int)(h % STMT_CACHE_SIZE);
    db_stmt *st = c->cache[slot];
    if (st && !st->busy && st->hash == h && strcmp(st->sql, sql) == 0) return st;
    sqlite3_stmt *raw = NULL;
    int rc = sqlite3_prepare_v2(c->handle, sql, -1, &raw, NULL);
    if (rc != SQLITE_OK) {
        err_internal(e, "sqlite prepare: %s in: %.200s", sqlite3_errmsg(c->handle), sql);
        return NULL;
    }
    st = calloc(1, sizeof *st);
    st->stmt = raw;
    st->conn = c;
    st->sql = strdup(sql);
    st->hash = h;
    int count = sqlite3_bind_parameter_count(raw);
    for (int i = 1; i <= count; i++) {
        const char *name = sqlite3_bind_parameter_name(raw, i);
        int n = name && name[0] == '$' ? atoi(name + 1) : 0;
        if (n >= 1 && n <= MAX_PARAMS) st->param_index[n] = i;
    }
    /* Replace whatever occupied the slot (a hash collision just re-prepares),
     * unless it is in use: then this statement lives only until db_done. */
    if (c->cache[slot] && c->cache[slot]->busy) return st;
    stmt_free(c->cache[slot]);
    c->cache[slot] = st;
    st->cached = true;
    return st;
}

static void bind_param(db_stmt *st, int n, char kind, va_list *ap)
{
    int idx = n <= MAX_PARAMS ? st->param_index[n] : 0;
    switch (kind) {
    case 's': {
        const char *s = va_arg(*ap, const char *);
        if (!idx) break;
        if (s) sqlite3_bind_text(st->stmt, idx, s, -1, SQLITE_TRANSIENT);
        else sqlite3_bind_null(st->stmt, idx);
        break;
    }
    case 'i': {
        int64_t v = va_arg(*ap, int64_t);
        if (idx) sqlite3_bind_int64(st->stmt, idx, v);
        break;
    }
    case 'I': {
        int64_t v = va_arg(*ap, int64_t);
        if (!idx) break;
        if (v == INT64_MIN) sqlite3_bind_null(st->stmt, idx);
        else sqlite3_bind_int64(st->stmt, idx, v);
        break;
    }
    case 'b': {
        int v = va_arg(*ap, int);
        if (idx) sqlite3_bind_int(st->stmt, idx, v ? 1 : 0);
        break;
    }
    default: /* 'n' */
        if (idx) sqlite3_bind_null(st->stmt, idx);
        break;
    }
}

static db_stmt *query_v(db_conn *c, err *e, const char *sql, const char *fmt, va_list *ap)
{
    db_stmt *st = stmt_prepare(c, sql, e);
    if (!st) return NULL;
    st->busy = true;
    sqlite3_reset(st->stmt);
    sqlite3_clear_bindings(st->stmt);
    for (int n = 1; fmt && fmt[n - 1]; n++) bind_param(st, n, fmt[n - 1], ap);
    return st;
}

db_stmt *db_query(db_conn *c, err *e, const char *sql, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    db_stmt *st = query_v(c, e, sql, fmt, &ap);
    va_end(ap);
    return st;
}

int db_step(db_stmt *st, err *e)
{
    int rc = sqlite3_step(st->stmt);
    if (rc == SQLITE_ROW) return 1;
    if (rc == SQLITE_DONE) return 0;
    int ext = sqlite3_extended_errcode(st->conn->handle);
    if (ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY)
        err_set(e, ERR_CONFLICT, "Resource already exists");
    else
        err_internal(e, "sqlite step: %s", sqlite3_errmsg(st->conn->handle));
    sqlite3_reset(st->stmt);
    return -1;
}

void db_done(db_stmt *st)
{
    if (!st) return;
    st->busy = false;
    if (st->cached) sqlite3_reset(st->stmt);
    else stmt_free(st);
}

long db_exec(db_conn *c, err *e, const char *sql, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    db_stmt *st = query_v(c, e, sql, fmt, &ap);
    va_end(ap);
    if (!st) return -1;
    int rc;
    while ((rc = db_step(st, e)) == 1) {}
    long changes = rc < 0 ? -1 : (long)sqlite3_changes(c->handle);
    db_done(st);
    return changes;
}

const char *db_col_text(db_stmt *st, int col)
{
    return (const char *)sqlite3_column_text(st->stmt, col);
}

int64_t db_col_int(db_stmt *st, int col)
{
    return sqlite3_column_int64(st->stmt, col);
}

bool db_col_null(db_stmt *st, int col)
{
    return sqlite3_column_type(st->stmt, col) == SQLITE_NULL;
}

static int exec_plain(db_conn *c, const char *sql, err *e)
{
    char *msg = NULL;
    if (sqlite3_exec(c->handle, sql, NULL, NULL, &msg) != SQLITE_OK) {
        int ext = sqlite3_extended_errcode(c->handle);
        if (ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY)
            err_set(e, ERR_CONFLICT, "Resource already exists");
        else
            err_internal(e, "sqlite: %s", msg ? msg : "?");
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

int db_begin(db_conn *c, err *e)
{
    if (exec_plain(c, "BEGIN IMMEDIATE", e)) return -1;
    c->in_tx = true;
    return 0;
}

int db_commit(db_conn *c, err *e)
{
    if (exec_plain(c, "COMMIT", e)) {
        db_rollback(c);
        return -1;
    }
    c->in_tx = false;
    return 0;
}

void db_rollback(db_conn *c)
{
    err ignored;
    if (c->in_tx) exec_plain(c, "ROLLBACK", &ignored);
    c->in_tx = false;
}

int db_exec_script(db_conn *c, const char *sql, err *e)
{
    return exec_plain(c, sql, e);
}
