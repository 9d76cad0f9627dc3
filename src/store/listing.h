/* listing.h - runs a list query of API.md 1.13: a route's base SELECT with
 * its fixed conditions, the compiled RSQL filter (query/rsql.h) ANDed on, its
 * ORDER BY, then LIMIT/OFFSET. Every value is bound as a parameter. */
#ifndef AUTHRS_STORE_LISTING_H
#define AUTHRS_STORE_LISTING_H

#include <stdint.h>

#include "query/rsql.h"
#include "store/db.h"
#include "util/arena.h"

#define LISTING_MAX_PARAMS 60 /* the store binds $1..$64; two go to LIMIT/OFFSET */

/* A compiled filter, sort and page, copied into a request arena. */
typedef struct list_spec {
    const char *where;    /* "" or an expression */
    const char *order_by; /* never empty */
    const rsql_param *params;
    size_t nparams;
    int first_param; /* number of the first filter parameter */
    int64_t limit, offset;
} list_spec;

/* Compiles q and sort for `table` (fixed params $1..$(first_param-1)) into
 * *out, allocated from a. 422 invalid_filter on a bad q or sort, and also
 * when the filter needs more parameters than the store binds. */
int listing_compile(arena *a, const rsql_table *table, const char *q, const char *sort,
                    int first_param, int64_t limit, int64_t offset, list_spec *out, err *e);

/* Runs "<base> [AND (<where>)] ORDER BY ... LIMIT $a OFFSET $b". `base` ends
 * with a WHERE clause of the fixed conditions, whose parameters are the
 * nfixed strings of `fixed`. Calls row() for each result row; a non-zero
 * return from row() stops with that value. */
int listing_run(db_conn *c, arena *a, const char *base, const char *const *fixed, int nfixed,
                const list_spec *spec, int (*row)(db_stmt *st, void *ctx), void *ctx, err *e);

#endif
