/* rsql.h - compiles the `q` (RSQL filter) and `sort` parameters of the list
 * routes (API.md 1.13) into a parameterised SQL WHERE expression and an ORDER
 * BY list over a per-route table of fields.
 *
 * The SQL runs unchanged on SQLite and PostgreSQL. Column expressions come
 * only from the field table; every value travels as a numbered parameter
 * `$n`, in order of appearance, starting at the caller's first free number.
 * Values are converted to the storage type of their column: Timestamp to
 * integer microseconds, Bool to 0/1, Uuid to lower-case text, Text as is.
 *
 * The SQL relies on two things from the store: LIKE is case-sensitive
 * (PRAGMA case_sensitive_like on SQLite) and lower() applies the Unicode
 * simple lower-case mapping (a replacement function on SQLite). Text columns
 * must sort by bytes (SQLite BINARY; COLLATE "C" columns on PostgreSQL).
 */
#ifndef AUTHRS_RSQL_H
#define AUTHRS_RSQL_H

#include <stdbool.h>
#include <stddef.h>

#include "util/err.h"

#define RSQL_MAX_LENGTH 4096 /* code points of the trimmed q */
#define RSQL_MAX_DEPTH  32   /* nested grouping parentheses */

typedef enum { RSQL_TEXT, RSQL_UUID, RSQL_BOOL, RSQL_TIMESTAMP } rsql_type;

typedef struct rsql_field {
    const char *name;   /* API name, e.g. "createdAt" */
    const char *column; /* trusted SQL expression, e.g. "m.created_at" */
    rsql_type type;
    bool filterable, sortable; /* known but sensitive fields: neither */
} rsql_field;

/* The fields of one list route; a static constant next to its query. */
typedef struct rsql_table {
    const rsql_field *fields;
    size_t nfields;
    const char *id_column;     /* final tie-breaker, e.g. "m.id" */
    const char *default_order; /* ORDER BY list used when sort names no field; may be "" */
} rsql_table;

typedef enum {
    RSQL_PARAM_TEXT, /* text */
    RSQL_PARAM_INT,  /* i: Timestamp microseconds */
    RSQL_PARAM_BOOL  /* i: 0 or 1, stored as an integer */
} rsql_param_kind;

typedef struct rsql_param {
    rsql_param_kind kind;
    char *text; /* RSQL_PARAM_TEXT only, else NULL */
    long long i;
} rsql_param;

/* The compiled query; every pointer is heap owned, freed by rsql_query_free. */
typedef struct rsql_query {
    char *where;    /* "" (no filter) or a parenthesised boolean expression */
    char *order_by; /* never empty: sort list or default order, then "<id> ASC" */
    rsql_param *params;
    size_t nparams; /* params bind as $first_param, $first_param+1, ... */
} rsql_query;

/* Compiles q and sort (either may be NULL: absent) for one route. q is the
 * decoded query value (UTF-8); it is trimmed, and blank means no filter.
 * On success fills *out and returns 0. On failure returns -1 with
 * ERR_INVALID_FILTER and the detail of API.md 1.13 in *e, and *out zeroed
 * (invalid UTF-8, which the HTTP layer refuses first, gives ERR_BAD_REQUEST
 * "Invalid query string"). */
int rsql_compile(const rsql_table *table, const char *q, const char *sort, int first_param,
                 rsql_query *out, err *e);

void rsql_query_free(rsql_query *q);

#endif
