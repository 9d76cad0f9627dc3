/* db_postgres.c - the PostgreSQL backend of db.h (libpq), for several
 * stateless authrs nodes on one database.
 *
 * Statements are prepared once per connection (named by a counter) and cached
 * by SQL text; parameters travel as text and PostgreSQL infers their types
 * from the statement. A connection found broken is reset before its next use.
 * The database should be created with ENCODING 'UTF8' and LC_COLLATE 'C' so
 * that text sorts by bytes (API.md 1.13) and lower() is Unicode-aware.
 * No global state: connections belong to the pool of store/db.c.
 */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/db_backend.h"

#define STMT_CACHE_SIZE 256
#define MAX_PARAMS      64

typedef struct pg_conn pg_conn;

typedef struct pg_stmt {
    db_stmt base;
    pg_conn *conn;
    char *sql;
    uint64_t hash;
    char name[24];
    int nparams;
    bool cached, busy;
    /* the current execution */
    PGresult *result;
    int row, nrows;
    long changes;
    bool executed;
    char *values[MAX_PARAMS];
    char numbers[MAX_PARAMS][24];
} pg_stmt;

struct pg_conn {
    db_conn base;
    PGconn *handle;
    pg_stmt *cache[STMT_CACHE_SIZE];
    unsigned long next_name;
};

static void stmt_free(pg_stmt *st)
{
    if (!st) return;
    PQclear(st->result);
    free(st->sql);
    free(st);
}

static void conn_forget_statements(pg_conn *c)
{
    for (int i = 0; i < STMT_CACHE_SIZE; i++) {
        stmt_free(c->cache[i]);
        c->cache[i] = NULL;
    }
}

static int pg_open_conn(const char *url, db_conn **out, err *e)
{
    pg_conn *c = calloc(1, sizeof *c);
    c->base.ops = &postgres_ops;
    c->handle = PQconnectdb(url);
    if (PQstatus(c->handle) != CONNECTION_OK) {
        err_internal(e, "postgres connect: %s", PQerrorMessage(c->handle));
        PQfinish(c->handle);
        free(c);
        return -1;
    }
    PQclear(PQexec(c->handle, "SET client_min_messages = warning"));
    *out = &c->base;
    return 0;
}

static void pg_close_conn(db_conn *base)
{
    pg_conn *c = (pg_conn *)base;
    conn_forget_statements(c);
    PQfinish(c->handle);
    free(c);
}

/* A connection the server dropped is reset before it is used again. */
static void pg_on_acquire(db_conn *base)
{
    pg_conn *c = (pg_conn *)base;
    if (PQstatus(c->handle) != CONNECTION_OK) {
        conn_forget_statements(c); /* prepared statements died with the session */
        PQreset(c->handle);
    }
}

static int result_error(PGresult *r, PGconn *h, err *e)
{
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    if (state && strcmp(state, "23505") == 0)
        err_set(e, ERR_CONFLICT, "Resource already exists");
    else
        err_internal(e, "postgres: %s", r ? PQresultErrorMessage(r) : PQerrorMessage(h));
    PQclear(r);
    return -1;
}

static int pg_exec_plain(db_conn *base, const char *sql, err *e)
{
    pg_conn *c = (pg_conn *)base;
    PGresult *r = PQexec(c->handle, sql);
    ExecStatusType s = PQresultStatus(r);
    if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) return result_error(r, c->handle, e);
    PQclear(r);
    return 0;
}

static int pg_ping(db_conn *c, int timeout_ms, err *e)
{
    char sql[160];
    snprintf(sql, sizeof sql,
             "SET statement_timeout = %d; SELECT count(*) FROM schema_migrations;"
             " SET statement_timeout = 0",
             timeout_ms);
    return pg_exec_plain(c, sql, e);
}

static uint64_t sql_hash(const char *s)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static pg_stmt *stmt_prepare(pg_conn *c, const char *sql, err *e)
{
    uint64_t h = sql_hash(sql);
    int slot = (int)(h % STMT_CACHE_SIZE);
    pg_stmt *st = c->cache[slot];
    if (st && !st->busy && st->hash == h && strcmp(st->sql, sql) == 0) return st;
    st = calloc(1, sizeof *st);
    st->base.ops = &postgres_ops;
    st->conn = c;
    st->sql = strdup(sql);
    st->hash = h;
    snprintf(st->name, sizeof st->name, "a%lu", ++c->next_name);
    PGresult *r = PQprepare(c->handle, st->name, sql, 0, NULL);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        result_error(r, c->handle, e);
        stmt_free(st);
        return NULL;
    }
    PQclear(r);
    r = PQdescribePrepared(c->handle, st->name);
    st->nparams = PQresultStatus(r) == PGRES_COMMAND_OK ? PQnparams(r) : 0;
    PQclear(r);
    if (st->nparams > MAX_PARAMS) st->nparams = MAX_PARAMS;
    if (c->cache[slot] && c->cache[slot]->busy) return st; /* lives until db_done */
    stmt_free(c->cache[slot]);
    c->cache[slot] = st;
    st->cached = true;
    return st;
}

static void bind_param(pg_stmt *st, int n, char kind, va_list *ap)
{
    char *slot = n <= MAX_PARAMS ? st->numbers[n - 1] : NULL;
    char *value = NULL;
    switch (kind) {
    case 's':
        value = (char *)va_arg(*ap, const char *);
        break;
    case 'i':
    case 'I': {
        int64_t v = va_arg(*ap, int64_t);
        if (slot && !(kind == 'I' && v == INT64_MIN)) {
            snprintf(slot, 24, "%lld", (long long)v);
            value = slot;
        }
        break;
    }
    case 'b': {
        int v = va_arg(*ap, int);
        if (slot) {
            strcpy(slot, v ? "1" : "0");
            value = slot;
        }
        break;
    }
    default:
        break;
    }
    if (n <= MAX_PARAMS) st->values[n - 1] = value;
}

static db_stmt *pg_query(db_conn *base, err *e, const char *sql, const char *fmt, va_list *ap)
{
    pg_stmt *st = stmt_prepare((pg_conn *)base, sql, e);
    if (!st) return NULL;
    st->busy = true;
    PQclear(st->result);
    st->result = NULL;
    st->executed = false;
    st->row = -1;
    memset(st->values, 0, sizeof st->values);
    for (int n = 1; fmt && fmt[n - 1]; n++)
        bind_param(st, n, fmt[n - 1], ap);
    return &st->base;
}

static int pg_step(db_stmt *base, err *e)
{
    pg_stmt *st = (pg_stmt *)base;
    if (!st->executed) {
        st->executed = true;
        PGresult *r = PQexecPrepared(st->conn->handle, st->name, st->nparams,
                                     (const char *const *)st->values, NULL, NULL, 0);
        ExecStatusType s = PQresultStatus(r);
        if (s != PGRES_TUPLES_OK && s != PGRES_COMMAND_OK)
            return result_error(r, st->conn->handle, e);
        st->result = r;
        st->nrows = s == PGRES_TUPLES_OK ? PQntuples(r) : 0;
        const char *affected = PQcmdTuples(r);
        st->changes = affected && *affected ? atol(affected) : 0;
        st->row = -1;
    }
    if (st->row + 1 < st->nrows) {
        st->row++;
        return 1;
    }
    return 0;
}

static void pg_done(db_stmt *base)
{
    pg_stmt *st = (pg_stmt *)base;
    st->busy = false;
    PQclear(st->result);
    st->result = NULL;
    if (!st->cached) stmt_free(st);
}

static long pg_changes(db_stmt *base)
{
    return ((pg_stmt *)base)->changes;
}

static const char *pg_col_text(db_stmt *base, int col)
{
    pg_stmt *st = (pg_stmt *)base;
    if (!st->result || st->row < 0 || col >= PQnfields(st->result)) return NULL;
    if (PQgetisnull(st->result, st->row, col)) return NULL;
    return PQgetvalue(st->result, st->row, col);
}

static bool pg_col_null(db_stmt *base, int col)
{
    return pg_col_text(base, col) == NULL;
}

static int pg_begin(db_conn *c, err *e)
{
    return pg_exec_plain(c, "BEGIN", e);
}

static int pg_lock(db_conn *c, int64_t key, err *e)
{
    char sql[80];
    snprintf(sql, sizeof sql, "SELECT pg_advisory_xact_lock(%lld)", (long long)key);
    return pg_exec_plain(c, sql, e);
}

const db_ops postgres_ops = {
    .kind = "postgres",
    .open_conn = pg_open_conn,
    .close_conn = pg_close_conn,
    .on_acquire = pg_on_acquire,
    .ping = pg_ping,
    .query = pg_query,
    .step = pg_step,
    .done = pg_done,
    .changes = pg_changes,
    .col_text = pg_col_text,
    .col_null = pg_col_null,
    .exec_plain = pg_exec_plain,
    .begin = pg_begin,
    .lock = pg_lock,
};
