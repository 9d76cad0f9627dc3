/* db.c - the backend-neutral half of store/db.h: chooses the backend from
 * the URL and dispatches every call to it. */
#include <stdlib.h>
#include <string.h>

#include "store/db_backend.h"

int db_open(const char *url, int size, db **out, err *e)
{
    if (strncmp(url, "sqlite:", 7) == 0) {
        const char *path = url + 7;
        if (strncmp(path, "//", 2) == 0) path += 2;
        return db_sqlite_open(path, size, out, e);
    }
    if (strncmp(url, "postgres://", 11) == 0 || strncmp(url, "postgresql://", 13) == 0)
        return db_postgres_open(url, size, out, e);
    return err_internal(e, "unsupported database URL");
}

void db_close(db *d)
{
    if (d) d->ops->close(d);
}

db_conn *db_acquire(db *d)
{
    return d->ops->acquire(d);
}

void db_release(db *d, db_conn *c)
{
    if (c->in_tx) db_rollback(c);
    d->ops->release(d, c);
}

int db_ping(db *d, int timeout_ms, err *e)
{
    return d->ops->ping(d, timeout_ms, e);
}

const char *db_kind(const db *d)
{
    return d->ops->kind;
}

db_stmt *db_query(db_conn *c, err *e, const char *sql, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    db_stmt *st = c->ops->query(c, e, sql, fmt, &ap);
    va_end(ap);
    /* the statement keeps no reference to ap (cppcheck cannot see through ops) */
    // cppcheck-suppress returnDanglingLifetime
    return st;
}

int db_step(db_stmt *st, err *e)
{
    return st->ops->step(st, e);
}

void db_done(db_stmt *st)
{
    if (st) st->ops->done(st);
}

long db_exec(db_conn *c, err *e, const char *sql, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    db_stmt *st = c->ops->query(c, e, sql, fmt, &ap);
    va_end(ap);
    if (!st) return -1;
    int rc;
    while ((rc = db_step(st, e)) == 1) {
    }
    long changes = rc < 0 ? -1 : st->ops->changes(st);
    db_done(st);
    return changes;
}

const char *db_col_text(db_stmt *st, int col)
{
    return st->ops->col_text(st, col);
}

int64_t db_col_int(db_stmt *st, int col)
{
    const char *v = st->ops->col_text(st, col);
    if (!v) return 0;
    if (v[0] == 't' && v[1] == '\0') return 1; /* PostgreSQL booleans */
    if (v[0] == 'f' && v[1] == '\0') return 0;
    return strtoll(v, NULL, 10);
}

bool db_col_null(db_stmt *st, int col)
{
    return st->ops->col_null(st, col);
}

int db_begin(db_conn *c, err *e)
{
    if (c->ops->begin(c, e)) return -1;
    c->in_tx = true;
    return 0;
}

int db_commit(db_conn *c, err *e)
{
    if (c->ops->exec_plain(c, "COMMIT", e)) {
        db_rollback(c);
        return -1;
    }
    c->in_tx = false;
    return 0;
}

void db_rollback(db_conn *c)
{
    err ignored;
    if (c->in_tx) c->ops->exec_plain(c, "ROLLBACK", &ignored);
    c->in_tx = false;
}

int db_exec_script(db_conn *c, const char *sql, err *e)
{
    return c->ops->exec_plain(c, sql, e);
}

int db_lock(db_conn *c, int64_t key, err *e)
{
    return c->ops->lock(c, key, e);
}
