/* db.c - the backend-neutral half of store/db.h: chooses the backend from
 * the URL, keeps the pool of connections, and dispatches every call.
 * Global state: none of its own; the pool lives in the `db` the caller holds
 * (store_db), guarded by its mutex. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "store/db_backend.h"

struct db {
    const db_ops *ops;
    pthread_mutex_t lock;
    pthread_cond_t available;
    db_conn **all, **free_list;
    int size, nfree;
};

int db_open(const char *url, int size, db **out, err *e)
{
    const db_ops *ops;
    const char *target = url;
    if (strncmp(url, "sqlite:", 7) == 0) {
        ops = &sqlite_ops;
        target = url + 7;
        if (strncmp(target, "//", 2) == 0) target += 2;
    } else if (strncmp(url, "postgres://", 11) == 0 || strncmp(url, "postgresql://", 13) == 0) {
        ops = &postgres_ops;
    } else {
        return err_internal(e, "unsupported database URL");
    }
    db *d = calloc(1, sizeof *d);
    if (!d) abort();
    d->ops = ops;
    pthread_mutex_init(&d->lock, NULL);
    pthread_cond_init(&d->available, NULL);
    int want = size < 1 ? 1 : size;
    d->all = calloc((size_t)want, sizeof *d->all);
    d->free_list = calloc((size_t)want, sizeof *d->free_list);
    if (!d->all || !d->free_list) abort();
    for (; d->size < want; d->size++) {
        if (ops->open_conn(target, &d->all[d->size], e)) {
            db_close(d);
            return -1;
        }
        d->free_list[d->nfree++] = d->all[d->size];
    }
    *out = d;
    return 0;
}

void db_close(db *d)
{
    if (!d) return;
    for (int i = 0; i < d->size; i++)
        d->ops->close_conn(d->all[i]);
    free(d->all);
    free(d->free_list);
    pthread_mutex_destroy(&d->lock);
    pthread_cond_destroy(&d->available);
    free(d);
}

db_conn *db_acquire(db *d)
{
    pthread_mutex_lock(&d->lock);
    while (d->nfree == 0)
        pthread_cond_wait(&d->available, &d->lock);
    db_conn *c = d->free_list[--d->nfree];
    pthread_mutex_unlock(&d->lock);
    if (d->ops->on_acquire) d->ops->on_acquire(c);
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

int db_ping(db *d, int timeout_ms, err *e)
{
    db_conn *c = db_acquire(d);
    int rc = d->ops->ping(c, timeout_ms, e);
    db_release(d, c);
    return rc;
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
