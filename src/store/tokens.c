/* tokens.c - single-purpose token rows (see tokens.h). */
#include "store/tokens.h"

#include <stdio.h>
#include <string.h>

#include "util/timeutil.h"

const char *token_kind_name(token_kind k)
{
    switch (k) {
    case TOK_IDENTITY:
        return "identity";
    case TOK_MFA:
        return "mfa";
    case TOK_CHANGE:
        return "change";
    case TOK_RESET:
        return "reset";
    default:
        return "invite";
    }
}

static const char *or_null(const char *s)
{
    return s && *s ? s : NULL;
}

int token_issue(db_conn *c, token_row *r, int ttl_secs, char token[TOKEN_LEN + 1], err *e)
{
    token_new(token, r->hash);
    r->created_at = now_us();
    r->expires_at = r->created_at + (int64_t)ttl_secs * 1000000;
    return db_exec(c, e,
                   "INSERT INTO tokens (token_hash, kind, identity_id, tenant_id, membership_id,"
                   " auth_method, confined, attempts, created_at, expires_at)"
                   " VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8, $9)",
                   "sssssIbii", r->hash, token_kind_name(r->kind), r->identity_id,
                   or_null(r->tenant_id), or_null(r->membership_id),
                   r->auth_method ? (int64_t)r->auth_method : INT64_MIN, r->confined ? 1 : 0,
                   r->created_at, r->expires_at) < 0
               ? -1
               : 0;
}

static void col_copy(char *dst, size_t cap, db_stmt *st, int col)
{
    const char *s = db_col_text(st, col);
    snprintf(dst, cap, "%s", s ? s : "");
}

int token_find(db_conn *c, token_kind kind, const char *hash, token_row *out, err *e)
{
    db_stmt *st = db_query(c, e,
                           "SELECT token_hash, identity_id, tenant_id, membership_id, auth_method,"
                           " confined, attempts, created_at, expires_at FROM tokens"
                           " WHERE token_hash = $1 AND kind = $2 AND expires_at > $3",
                           "ssi", hash, token_kind_name(kind), now_us());
    if (!st) return -1;
    int rc = db_step(st, e);
    if (rc == 1) {
        memset(out, 0, sizeof *out);
        out->kind = kind;
        col_copy(out->hash, sizeof out->hash, st, 0);
        col_copy(out->identity_id, sizeof out->identity_id, st, 1);
        col_copy(out->tenant_id, sizeof out->tenant_id, st, 2);
        col_copy(out->membership_id, sizeof out->membership_id, st, 3);
        out->auth_method = (int)db_col_int(st, 4);
        out->confined = db_col_int(st, 5) != 0;
        out->attempts = (int)db_col_int(st, 6);
        out->created_at = db_col_int(st, 7);
        out->expires_at = db_col_int(st, 8);
    }
    db_done(st);
    return rc;
}

int token_consume(db_conn *c, const char *hash, err *e)
{
    long n = db_exec(c, e, "DELETE FROM tokens WHERE token_hash = $1", "s", hash);
    return n < 0 ? -1 : n > 0;
}

/* kind IN (...) for a mask, as a SQL list of literals. */
static void kinds_sql(unsigned kinds, char *out, size_t cap)
{
    size_t len = 0;
    out[0] = '\0';
    for (unsigned k = TOK_IDENTITY; k <= TOK_INVITE; k <<= 1)
        if (kinds & k)
            len += snprintf(out + len, cap - len, "%s'%s'", len ? "," : "",
                            token_kind_name((token_kind)k));
    if (!len) snprintf(out, cap, "''");
}

static int delete_by(db_conn *c, const char *col, const char *key, unsigned kinds, err *e)
{
    char list[128], sql[256];
    kinds_sql(kinds, list, sizeof list);
    snprintf(sql, sizeof sql, "DELETE FROM tokens WHERE %s = $1 AND kind IN (%s)", col, list);
    return db_exec(c, e, sql, "s", key) < 0 ? -1 : 0;
}

int token_delete_identity(db_conn *c, const char *identity_id, unsigned kinds, err *e)
{
    return delete_by(c, "identity_id", identity_id, kinds, e);
}

int token_delete_membership(db_conn *c, const char *membership_id, unsigned kinds, err *e)
{
    return delete_by(c, "membership_id", membership_id, kinds, e);
}

int token_delete_invites(db_conn *c, const char *identity_id, const char *tenant_id, err *e)
{
    return db_exec(c, e,
                   "DELETE FROM tokens WHERE identity_id = $1 AND tenant_id = $2"
                   " AND kind = 'invite'",
                   "ss", identity_id, tenant_id) < 0
               ? -1
               : 0;
}

int token_add_attempt(db_conn *c, const char *hash, err *e)
{
    db_stmt *st = db_query(c, e,
                           "UPDATE tokens SET attempts = attempts + 1 WHERE token_hash = $1"
                           " RETURNING attempts",
                           "s", hash);
    if (!st) return -1;
    int rc = db_step(st, e);
    int n = rc == 1 ? (int)db_col_int(st, 0) : 0;
    db_done(st);
    return rc < 0 ? -1 : n;
}
