/* mfa.c - TOTP columns and backup codes of identities (see mfa.h). */
#include "store/mfa.h"

#include "util/timeutil.h"

int mfa_state_get(db_conn *c, arena *a, const char *identity_id, mfa_state *out, err *e)
{
    db_stmt *st = db_query(c, e,
                           "SELECT mfa_enabled, mfa_secret, mfa_pending_secret, mfa_last_step"
                           " FROM identities WHERE id = $1",
                           "s", identity_id);
    if (!st) return -1;
    int rc = db_step(st, e);
    if (rc == 1) {
        const char *s = db_col_text(st, 1), *p = db_col_text(st, 2);
        out->enabled = db_col_int(st, 0) != 0;
        out->secret = s ? arena_strdup(a, s) : NULL;
        out->pending = p ? arena_strdup(a, p) : NULL;
        out->last_step = db_col_null(st, 3) ? -1 : db_col_int(st, 3);
    }
    db_done(st);
    return rc;
}

int mfa_set_pending(db_conn *c, const char *identity_id, const char *sealed, err *e)
{
    long n = db_exec(c, e,
                     "UPDATE identities SET mfa_pending_secret = $1, mfa_last_step = NULL,"
                     " updated_at = $2 WHERE id = $3 AND mfa_enabled = 0",
                     "sis", sealed, now_us(), identity_id);
    return n < 0 ? -1 : n > 0;
}

int mfa_activate(db_conn *c, const char *identity_id, const char *pending_sealed, int64_t step,
                 err *e)
{
    long n = db_exec(c, e,
                     "UPDATE identities SET mfa_enabled = 1, mfa_secret = mfa_pending_secret,"
                     " mfa_pending_secret = NULL, mfa_last_step = $1, updated_at = $2"
                     " WHERE id = $3 AND mfa_enabled = 0 AND mfa_pending_secret = $4",
                     "iiss", step, now_us(), identity_id, pending_sealed);
    return n < 0 ? -1 : n > 0;
}

int mfa_record_step(db_conn *c, const char *identity_id, int64_t step, err *e)
{
    long n = db_exec(c, e,
                     "UPDATE identities SET mfa_last_step = $1 WHERE id = $2"
                     " AND (mfa_last_step IS NULL OR mfa_last_step < $1)",
                     "is", step, identity_id);
    return n < 0 ? -1 : n > 0;
}

int mfa_backup_replace(db_conn *c, const char *identity_id, char hashes[][65], int n, err *e)
{
    if (db_exec(c, e, "DELETE FROM mfa_backup_codes WHERE identity_id = $1", "s", identity_id) < 0)
        return -1;
    for (int i = 0; i < n; i++)
        if (db_exec(c, e,
                    "INSERT INTO mfa_backup_codes (identity_id, code_hash, used_at)"
                    " VALUES ($1, $2, NULL)",
                    "ss", identity_id, hashes[i]) < 0)
            return -1;
    return 0;
}

int mfa_backup_consume(db_conn *c, const char *identity_id, const char *hash, err *e)
{
    long n = db_exec(c, e,
                     "UPDATE mfa_backup_codes SET used_at = $1"
                     " WHERE identity_id = $2 AND code_hash = $3 AND used_at IS NULL",
                     "iss", now_us(), identity_id, hash);
    return n < 0 ? -1 : n > 0;
}

int mfa_clear(db_conn *c, const char *identity_id, err *e)
{
    if (db_exec(c, e,
                "UPDATE identities SET mfa_enabled = 0, mfa_secret = NULL,"
                " mfa_pending_secret = NULL, mfa_last_step = NULL, updated_at = $1 WHERE id = $2",
                "is", now_us(), identity_id) < 0)
        return -1;
    return db_exec(c, e, "DELETE FROM mfa_backup_codes WHERE identity_id = $1", "s", identity_id) <
                   0
               ? -1
               : 0;
}

long mfa_count_enabled(db_conn *c, err *e)
{
    db_stmt *st = db_query(c, e, "SELECT COUNT(*) FROM identities WHERE mfa_enabled = 1", "");
    if (!st) return -1;
    int rc = db_step(st, e);
    long n = rc == 1 ? (long)db_col_int(st, 0) : -1;
    db_done(st);
    return n;
}
