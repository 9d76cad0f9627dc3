/* listing.c - list queries with RSQL filters and paging (see listing.h).
 *
 * The store's db_query binds a fixed argument list, so a list query binds
 * every parameter as text through one call with LISTING_MAX_PARAMS + 4
 * slots; integer parameters (timestamps, booleans, limit, offset) are cast
 * back in the SQL with CAST($n AS BIGINT), which both backends accept. */
#include "store/listing.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/strbuf.h"

int listing_compile(arena *a, const rsql_table *table, const char *q, const char *sort,
                    int first_param, int64_t limit, int64_t offset, list_spec *out, err *e)
{
    rsql_query rq;
    memset(out, 0, sizeof *out);
    if (rsql_compile(table, q, sort, first_param, &rq, e)) return -1;
    if (rq.nparams + (size_t)first_param > LISTING_MAX_PARAMS) {
        rsql_query_free(&rq);
        return err_set(e, ERR_INVALID_FILTER, "RSQL expression is too long");
    }
    out->where = arena_strdup(a, rq.where);
    out->order_by = arena_strdup(a, rq.order_by);
    rsql_param *ps = arena_alloc(a, (rq.nparams + 1) * sizeof *ps);
    for (size_t i = 0; i < rq.nparams; i++) {
        ps[i] = rq.params[i];
        ps[i].text = rq.params[i].text ? arena_strdup(a, rq.params[i].text) : NULL;
    }
    out->params = ps;
    out->nparams = rq.nparams;
    out->first_param = first_param;
    out->limit = limit > 1000 ? 1000 : limit;
    out->offset = offset;
    rsql_query_free(&rq);
    return 0;
}

/* Copies where, wrapping every integer parameter $n in CAST($n AS BIGINT). */
static void append_where(strbuf *sql, const list_spec *s)
{
    for (const char *p = s->where; *p;) {
        if (*p == '$' && isdigit((unsigned char)p[1])) {
            char *end;
            long n = strtol(p + 1, &end, 10);
            long idx = n - s->first_param;
            bool is_int =
                idx >= 0 && (size_t)idx < s->nparams && s->params[idx].kind != RSQL_PARAM_TEXT;
            if (is_int)
                sb_printf(sql, "CAST($%ld AS BIGINT)", n);
            else
                sb_printf(sql, "$%ld", n);
            p = end;
        } else {
            sb_append_char(sql, *p++);
        }
    }
}

int listing_run(db_conn *c, arena *a, const char *base, const char *const *fixed, int nfixed,
                const list_spec *spec, int (*row)(db_stmt *st, void *ctx), void *ctx, err *e)
{
    enum { SLOTS = LISTING_MAX_PARAMS + 4 };
    const char *v[SLOTS] = {0};
    char fmt[SLOTS + 1];
    int n = 0;
    for (int i = 0; i < nfixed; i++)
        v[n++] = fixed[i];
    for (size_t i = 0; i < spec->nparams; i++) {
        const rsql_param *p = &spec->params[i];
        v[n++] = p->kind == RSQL_PARAM_TEXT ? p->text : arena_printf(a, "%lld", p->i);
    }
    strbuf sql = STRBUF_INIT;
    sb_append(&sql, base);
    if (spec->where[0]) {
        sb_append(&sql, " AND ");
        append_where(&sql, spec);
    }
    sb_printf(&sql, " ORDER BY %s LIMIT CAST($%d AS BIGINT) OFFSET CAST($%d AS BIGINT)",
              spec->order_by, n + 1, n + 2);
    v[n++] = arena_printf(a, "%" PRId64, spec->limit);
    v[n++] = arena_printf(a, "%" PRId64, spec->offset);
    memset(fmt, 's', (size_t)n);
    fmt[n] = '\0';
    db_stmt *st =
        db_query(c, e, sb_str(&sql), fmt, v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8],
                 v[9], v[10], v[11], v[12], v[13], v[14], v[15], v[16], v[17], v[18], v[19], v[20],
                 v[21], v[22], v[23], v[24], v[25], v[26], v[27], v[28], v[29], v[30], v[31], v[32],
                 v[33], v[34], v[35], v[36], v[37], v[38], v[39], v[40], v[41], v[42], v[43], v[44],
                 v[45], v[46], v[47], v[48], v[49], v[50], v[51], v[52], v[53], v[54], v[55], v[56],
                 v[57], v[58], v[59], v[60], v[61], v[62], v[63]);
    sb_free(&sql);
    if (!st) return -1;
    int rc = 0, stop = 0;
    while (!stop && (rc = db_step(st, e)) == 1)
        stop = row(st, ctx);
    db_done(st);
    if (stop) return stop;
    return rc < 0 ? -1 : 0;
}
