/* db_backend.h - what a database backend implements behind store/db.h.
 * Each backend's pool, connection and statement structs begin with the
 * matching base struct below, so db.c can dispatch through `ops`. */
#ifndef AUTHRS_DB_BACKEND_H
#define AUTHRS_DB_BACKEND_H

#include <stdarg.h>

#include "store/db.h"

typedef struct db_ops {
    const char *kind;
    void (*close)(db *d);
    db_conn *(*acquire)(db *d);
    void (*release)(db *d, db_conn *c);
    int (*ping)(db *d, int timeout_ms, err *e);
    db_stmt *(*query)(db_conn *c, err *e, const char *sql, const char *fmt, va_list *ap);
    int (*step)(db_stmt *st, err *e);
    void (*done)(db_stmt *st);
    long (*changes)(db_stmt *st); /* rows changed by the statement just run */
    const char *(*col_text)(db_stmt *st, int col);
    bool (*col_null)(db_stmt *st, int col);
    int (*exec_plain)(db_conn *c, const char *sql, err *e);
    int (*begin)(db_conn *c, err *e);
    int (*lock)(db_conn *c, int64_t key, err *e); /* exclusive until the transaction ends */
} db_ops;

struct db {
    const db_ops *ops;
};
struct db_conn {
    const db_ops *ops;
    bool in_tx;
};
struct db_stmt {
    const db_ops *ops;
};

int db_sqlite_open(const char *path, int size, db **out, err *e);
int db_postgres_open(const char *url, int size, db **out, err *e);

#endif
