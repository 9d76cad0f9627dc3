/* db_backend.h - what a database backend implements behind store/db.h:
 * opening and closing one connection, and the statement calls. The pool is
 * db.c's. Each backend's connection and statement structs begin with the
 * matching base struct below, so db.c can dispatch through `ops`. */
#ifndef AUTHRS_DB_BACKEND_H
#define AUTHRS_DB_BACKEND_H

#include <stdarg.h>

#include "store/db.h"

typedef struct db_ops {
    const char *kind;
    int (*open_conn)(const char *target, db_conn **out, err *e);
    void (*close_conn)(db_conn *c);
    void (*on_acquire)(db_conn *c); /* optional: repair a broken connection */
    int (*ping)(db_conn *c, int timeout_ms, err *e);
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

struct db_conn {
    const db_ops *ops;
    bool in_tx;
};
struct db_stmt {
    const db_ops *ops;
};

extern const db_ops sqlite_ops;
extern const db_ops postgres_ops;

#endif
