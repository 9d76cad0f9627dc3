/* db_sqlite.c - the SQLite backend of db.h.
 *
 * Each connection runs in WAL mode with synchronous=FULL (nothing acknowledged
 * is lost), foreign keys on, a busy timeout, case-sensitive LIKE and a Unicode
 * lower() (the portable SQL of store/ relies on both). Prepared statements are
 * cached per connection by SQL text. `$N` parameters are mapped to SQLite's
 * indexes once per statement.
 * No global state: connections belong to the pool of store/db.c.
 */
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/db_backend.h"
#include "util/log.h"
#include "util/utf8.h"

#define STMT_CACHE_SIZE 128
#define MAX_PARAMS      64

typedef struct sq_conn sq_conn;

typedef struct sq_stmt {
    db_stmt base;
    sqlite3_stmt *stmt;
    sq_conn *conn;
    char *sql;
    uint64_t hash;
    int param_index[MAX_PARAMS + 1]; /* $N -> sqlite index (0 = absent) */
    bool cached;                     /* owned by the connection's cache; else freed by db_done */
    bool busy;                       /* between db_query and db_done */
} sq_stmt;

struct sq_conn {
    db_conn base;
    sqlite3 *handle;
    sq_stmt *cache[STMT_CACHE_SIZE];
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

static int sq_open_conn(const char *path, db_conn **out, err *e)
{
    sq_conn *c = calloc(1, sizeof *c);
    c->base.ops = &sqlite_ops;
    int rc = sqlite3_open_v2(
        path, &c->handle, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
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
    *out = &c->base;
    return 0;
}

static void stmt_free(sq_stmt *st)
{
    if (!st) return;
    sqlite3_finalize(st->stmt);
    free(st->sql);
    free(st);
}

static void sq_close_conn(db_conn *base)
{
    sq_conn *c = (sq_conn *)base;
    for (int i = 0; i < STMT_CACHE_SIZE; i++)
        stmt_free(c->cache[i]);
    sqlite3_close(c->handle);
    free(c);
}

/* Progress handler: interrupts a statement that runs past its deadline. */
static int past_deadline(void *deadline)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    int64_t ms = (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
    return ms > *(int64_t *)deadline;
}

static int sq_ping(db_conn *base, int timeout_ms, err *e)
{
    sq_conn *c = (sq_conn *)base;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    int64_t deadline = (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000 + timeout_ms;
    sqlite3_progress_handler(c->handle, 100, past_deadline, &deadline);
    sqlite3_busy_timeout(c->handle, timeout_ms);
    /* reads a real page, so a broken or vanished file is noticed */
    db_stmt *st = db_query(&c->base, e, "SELECT count(*) FROM schema_migrations", NULL);
    int rc = st ? db_step(st, e) : -1;
    db_done(st);
    sqlite3_progress_handler(c->handle, 0, NULL, NULL);
    sqlite3_busy_timeout(c->handle, 10000);
    return rc == 1 ? 0 : -1;
}

static uint64_t sql_hash(const char *s)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static sq_stmt *stmt_prepare(sq_conn *c, const char *sql, err *e)
{
    uint64_t h = sql_hash(sql);
    int slot = (int)(h % STMT_CACHE_SIZE);
    sq_stmt *st = c->cache[slot];
    if (st && !st->busy && st->hash == h && strcmp(st->sql, sql) == 0) return st;
    sqlite3_stmt *raw = NULL;
    int rc = sqlite3_prepare_v2(c->handle, sql, -1, &raw, NULL);
    if (rc != SQLITE_OK) {
        err_internal(e, "sqlite prepare: %s in: %.200s", sqlite3_errmsg(c->handle), sql);
        return NULL;
    }
    st = calloc(1, sizeof *st);
    st->base.ops = &sqlite_ops;
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

static void bind_param(sq_stmt *st, int n, char kind, va_list *ap)
{
    int idx = n <= MAX_PARAMS ? st->param_index[n] : 0;
    switch (kind) {
    case 's': {
        const char *s = va_arg(*ap, const char *);
        if (!idx) break;
        if (s)
            sqlite3_bind_text(st->stmt, idx, s, -1, SQLITE_TRANSIENT);
        else
            sqlite3_bind_null(st->stmt, idx);
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
        if (v == INT64_MIN)
            sqlite3_bind_null(st->stmt, idx);
        else
            sqlite3_bind_int64(st->stmt, idx, v);
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

static db_stmt *sq_query(db_conn *base, err *e, const char *sql, const char *fmt, va_list *ap)
{
    sq_stmt *st = stmt_prepare((sq_conn *)base, sql, e);
    if (!st) return NULL;
    st->busy = true;
    sqlite3_reset(st->stmt);
    sqlite3_clear_bindings(st->stmt);
    for (int n = 1; fmt && fmt[n - 1]; n++)
        bind_param(st, n, fmt[n - 1], ap);
    return &st->base;
}

static bool is_unique_violation(sqlite3 *h)
{
    int ext = sqlite3_extended_errcode(h);
    return ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY;
}

static int sq_step(db_stmt *base, err *e)
{
    sq_stmt *st = (sq_stmt *)base;
    int rc = sqlite3_step(st->stmt);
    if (rc == SQLITE_ROW) return 1;
    if (rc == SQLITE_DONE) return 0;
    if (is_unique_violation(st->conn->handle))
        err_set(e, ERR_CONFLICT, "Resource already exists");
    else
        err_internal(e, "sqlite step: %s", sqlite3_errmsg(st->conn->handle));
    sqlite3_reset(st->stmt);
    return -1;
}

static void sq_done(db_stmt *base)
{
    sq_stmt *st = (sq_stmt *)base;
    st->busy = false;
    if (st->cached)
        sqlite3_reset(st->stmt);
    else
        stmt_free(st);
}

static long sq_changes(db_stmt *base)
{
    return (long)sqlite3_changes(((sq_stmt *)base)->conn->handle);
}

static const char *sq_col_text(db_stmt *base, int col)
{
    return (const char *)sqlite3_column_text(((sq_stmt *)base)->stmt, col);
}

static bool sq_col_null(db_stmt *base, int col)
{
    return sqlite3_column_type(((sq_stmt *)base)->stmt, col) == SQLITE_NULL;
}

static int sq_exec_plain(db_conn *base, const char *sql, err *e)
{
    sq_conn *c = (sq_conn *)base;
    char *msg = NULL;
    if (sqlite3_exec(c->handle, sql, NULL, NULL, &msg) != SQLITE_OK) {
        if (is_unique_violation(c->handle))
            err_set(e, ERR_CONFLICT, "Resource already exists");
        else
            err_internal(e, "sqlite: %s", msg ? msg : "?");
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

static int sq_begin(db_conn *c, err *e)
{
    return sq_exec_plain(c, "BEGIN IMMEDIATE", e);
}

static int sq_lock(db_conn *c, int64_t key, err *e)
{
    (void)c;
    (void)key;
    (void)e;
    return 0; /* BEGIN IMMEDIATE already holds the database's write lock */
}

const db_ops sqlite_ops = {
    .kind = "sqlite",
    .open_conn = sq_open_conn,
    .close_conn = sq_close_conn,
    .ping = sq_ping,
    .query = sq_query,
    .step = sq_step,
    .done = sq_done,
    .changes = sq_changes,
    .col_text = sq_col_text,
    .col_null = sq_col_null,
    .exec_plain = sq_exec_plain,
    .begin = sq_begin,
    .lock = sq_lock,
};
