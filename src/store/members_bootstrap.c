/* members_bootstrap.c - first admin of a tenant (see members_bootstrap.h). */
#include "store/members_bootstrap.h"

#include <stdio.h>
#include <stdlib.h>

#include "util/crypto.h"
#include "util/timeutil.h"
#include "util/utf8.h"

static int find_one(db_conn *c, const char *sql, const char *a, const char *b, char id[37], err *e)
{
    db_stmt *st = db_query(c, e, sql, "ss", a, b);
    if (!st) return -1;
    int rc = db_step(st, e);
    if (rc == 1) snprintf(id, 37, "%s", db_col_text(st, 0));
    db_done(st);
    return rc;
}

/* Finds the identity by case-insensitive email; 1 found, 0 not, -1 error. */
static int find_identity(db_conn *c, const char *email_norm, char id[37], err *e)
{
    db_stmt *st =
        db_query(c, e, "SELECT id FROM identities WHERE email_norm = $1", "s", email_norm);
    if (!st) return -1;
    int rc = db_step(st, e);
    if (rc == 1) snprintf(id, 37, "%s", db_col_text(st, 0));
    db_done(st);
    return rc;
}

int members_identity_exists(db_conn *c, const char *email, err *e)
{
    char *norm = utf8_lower(email);
    char id[37];
    int rc = find_identity(c, norm, id, e);
    free(norm);
    return rc;
}

int members_bootstrap_admin(db_conn *c, const char *tenant_id, const char *email,
                            const char *password_hash, const char *admin_role_id, bool *created,
                            err *e)
{
    int64_t now = now_us();
    char *norm = utf8_lower(email);
    char identity_id[37], membership_id[37];
    int rc = find_identity(c, norm, identity_id, e);
    *created = false;
    if (rc == 0) {
        uuid_v7(identity_id);
        if (db_exec(c, e,
                    "INSERT INTO identities (id, email, email_norm, email_verified, password_hash,"
                    " status, created_at, updated_at) VALUES ($1, $2, $3, 0, $4, 'active', $5, $5)",
                    "ssssi", identity_id, email, norm, password_hash, now) < 0)
            rc = -1;
        else
            *created = true;
    }
    free(norm);
    if (rc < 0) return -1;
    rc = find_one(c, "SELECT id FROM memberships WHERE tenant_id = $1 AND identity_id = $2",
                  tenant_id, identity_id, membership_id, e);
    if (rc < 0) return -1;
    if (rc == 0) {
        uuid_v7(membership_id);
        if (db_exec(c, e,
                    "INSERT INTO memberships (id, tenant_id, identity_id, status, created_at,"
                    " updated_at) VALUES ($1, $2, $3, 'active', $4, $4)",
                    "sssi", membership_id, tenant_id, identity_id, now) < 0)
            return -1;
    }
    return db_exec(c, e,
                   "INSERT INTO user_roles (membership_id, role_id, created_at) VALUES ($1, $2, $3)"
                   " ON CONFLICT DO NOTHING",
                   "ssi", membership_id, admin_role_id, now) < 0
               ? -1
               : 0;
}
