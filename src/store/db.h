/* db.h - the one database interface under src/store/: a pool of connections,
 * prepared statements with numbered `$N` parameters, rows, transactions.
 *
 * Every query of the project is written once, in portable SQL, against this
 * interface; the backend (SQLite now, PostgreSQL behind the same calls) is
 * chosen by DATABASE_URL. Store modules (store/<area>.c) are the only callers.
 *
 * Typical use:
 *     db_stmt *st = db_query(c, e, "SELECT name FROM tenants WHERE id = $1", "s", id);
 *     if (!st) return -1;
 *     int rc = db_step(st, e);          // 1 row, 0 done, -1 error
 *     if (rc == 1) name = strdup(db_col_text(st, 0));
 *     db_done(st);
 */
#ifndef AUTHRS_DB_H
#define AUTHRS_DB_H

#include <stdbool.h>
#include <stdint.h>

#include "util/err.h"

typedef struct db db;           /* the pool; global, created by db_open */
typedef struct db_conn db_conn; /* one connection, used by one thread at a time */
typedef struct db_stmt db_stmt;

/* Opens the pool for cfg.database_url with `size` connections. */
int db_open(const char *url, int size, db **out, err *e);
void db_close(db *d);
db_conn *db_acquire(db *d); /* blocks until a connection is free */
void db_release(db *d, db_conn *c);

/* Prepares (or reuses a cached) statement and binds parameters by `fmt`, one
 * char per parameter $1, $2, ...:
 *   's' const char * (NULL binds NULL)   'i' int64_t   'b' int (0/1)
 *   'n' nothing: binds NULL             'I' int64_t where INT64_MIN binds NULL
 * Returns NULL with e set on failure. The statement is owned by the
 * connection: call db_done() when finished (before the next db_query of the
 * same SQL on this connection). */
db_stmt *db_query(db_conn *c, err *e, const char *sql, const char *fmt, ...);

/* 1 = a row is available, 0 = done, -1 = error. A unique-constraint violation
 * is ERR_CONFLICT "Resource already exists"; other failures ERR_INTERNAL. */
int db_step(db_stmt *st, err *e);
void db_done(db_stmt *st);

/* Runs a statement that returns no rows; returns the number of changed rows or -1. */
long db_exec(db_conn *c, err *e, const char *sql, const char *fmt, ...);

/* Column accessors, 0-based. Text is valid until the next step/done. */
const char *db_col_text(db_stmt *st, int col); /* NULL for SQL NULL */
int64_t db_col_int(db_stmt *st, int col);      /* 0 for NULL */
bool db_col_null(db_stmt *st, int col);

/* Transactions. db_begin takes the write lock up front (BEGIN IMMEDIATE on
 * SQLite) so that a transaction never fails half-way on lock upgrade. */
int db_begin(db_conn *c, err *e);
int db_commit(db_conn *c, err *e);
void db_rollback(db_conn *c);

/* Runs a script of several statements (migrations). */
int db_exec_script(db_conn *c, const char *sql, err *e);

/* Inside a transaction: waits for an exclusive application lock on `key`,
 * held until the transaction ends (pg_advisory_xact_lock; SQLite's write
 * lock, taken by db_begin, already serialises). */
int db_lock(db_conn *c, int64_t key, err *e);

/* Reads from the database within timeout_ms: 0 when it answers, else -1. */
int db_ping(db *d, int timeout_ms, err *e);

/* "sqlite" or "postgres". */
const char *db_kind(const db *d);

#endif
