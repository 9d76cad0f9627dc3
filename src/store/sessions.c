/* sessions.c - session rows (see sessions.h). */
#include "store/sessions.h"

#include <stdio.h>
#include <string.h>

#include "util/timeutil.h"

static void col_copy(char *dst, size_t cap, db_stmt *st, int col)
{
    const char *s = db_col_text(st, col);
    snprintf(dst, cap, "%s", s ? s : "");
}

int session_insert(db_conn *c, const session_row *s, err *e)
{
    return db_exec(c, e,
                   "INSERT INTO sessions (id, token_hash, tenant_id, membership_id, identity_id,"
                   " auth_method, confined, created_at, last_used_at, revoked_at)"
                   " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, NULL)",
                   "sssssibi", s->id, s->token_hash, s->tenant_id, s->membership_id, s->identity_id,
                   (int64_t)s->auth_method, s->confined ? 1 : 0, s->created_at) < 0
               ? -1
               : 0;
}

#define SESSION_COLS                                                                               \
    "s.id, s.token_hash, s.tenant_id, s.membership_id, s.identity_id, s.auth_method,"              \
    " s.confined, s.created_at, s.last_used_at"

static void read_row(db_stmt *st, session_row *o)
{
    memset(o, 0, sizeof *o);
    col_copy(o->id, sizeof o->id, st, 0);
    col_copy(o->token_hash, sizeof o->token_hash, st, 1);
    col_copy(o->tenant_id, sizeof o->tenant_id, st, 2);
    col_copy(o->membership_id, sizeof o->membership_id, st, 3);
    col_copy(o->identity_id, sizeof o->identity_id, st, 4);
    o->auth_method = (int)db_col_int(st, 5);
    o->confined = db_col_int(st, 6) != 0;
    o->created_at = db_col_int(st, 7);
    o->last_used_at = db_col_int(st, 8);
}

int session_load(db_conn *c, const char *token_hash, session_row *out, err *e)
{
    db_stmt *st = db_query(c, e,
                           "SELECT " SESSION_COLS ", m.status, m.access_valid_until, i.status,"
                           " t.status FROM sessions s"
                           " JOIN memberships m ON m.id = s.membership_id"
                           " JOIN identities i ON i.id = s.identity_id"
                           " JOIN tenants t ON t.id = s.tenant_id"
                           " WHERE s.token_hash = $1 AND s.revoked_at IS NULL",
                           "s", token_hash);
    if (!st) return -1;
    int rc = db_step(st, e);
    if (rc == 1) {
        read_row(st, out);
        col_copy(out->membership_status, sizeof out->membership_status, st, 9);
        out->access_valid_until = db_col_int(st, 10);
        const char *is = db_col_text(st, 11), *ts = db_col_text(st, 12);
        out->identity_active = is && strcmp(is, "active") == 0;
        out->tenant_active = ts && strcmp(ts, "active") == 0;
    }
    db_done(st);
    return rc;
}

int session_touch(db_conn *c, const char *id, int64_t last_used_at, err *e)
{
    return db_exec(c, e,
                   "UPDATE sessions SET last_used_at = $2 WHERE id = $1 AND last_used_at < $2",
                   "si", id, last_used_at) < 0
               ? -1
               : 0;
}

static const char *scope_column(session_scope scope)
{
    switch (scope) {
    case SCOPE_TOKEN:
        return "token_hash";
    case SCOPE_MEMBERSHIP:
        return "membership_id";
    default:
        return "identity_id";
    }
}

long session_revoke(db_conn *c, session_scope scope, const char *key, const char *except,
                    bool (*is_live)(const session_row *s, void *ctx), void *ctx, err *e)
{
    char sql[512];
    const char *col = scope_column(scope);
    snprintf(sql, sizeof sql,
             "SELECT " SESSION_COLS " FROM sessions s WHERE s.%s = $1 AND s.revoked_at IS NULL"
             " AND s.token_hash <> $2",
             col);
    db_stmt *st = db_query(c, e, sql, "ss", key, except ? except : "");
    if (!st) return -1;
    long live = 0;
    int rc;
    while ((rc = db_step(st, e)) == 1) {
        session_row r;
        read_row(st, &r);
        if (!is_live || is_live(&r, ctx)) live++;
    }
    db_done(st);
    if (rc < 0) return -1;
    snprintf(sql, sizeof sql,
             "UPDATE sessions SET revoked_at = $3 WHERE %s = $1 AND revoked_at IS NULL"
             " AND token_hash <> $2",
             col);
    if (db_exec(c, e, sql, "ssi", key, except ? except : "", now_us()) < 0) return -1;
    return live;
}

int session_each_unrevoked(db_conn *c, void (*fn)(const session_row *s, void *ctx), void *ctx,
                           err *e)
{
    db_stmt *st =
        db_query(c, e, "SELECT " SESSION_COLS " FROM sessions s WHERE s.revoked_at IS NULL", NULL);
    if (!st) return -1;
    int rc;
    while ((rc = db_step(st, e)) == 1) {
        session_row r;
        read_row(st, &r);
        fn(&r, ctx);
    }
    db_done(st);
    return rc < 0 ? -1 : 0;
}
