/* identities.c - identity and membership queries, effective roles and
 * permissions, and the User object (see identities.h). */
#include "store/identities.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/crypto.h"
#include "util/timeutil.h"
#include "util/utf8.h"

#define IDENTITY_COLS                                                                              \
    "i.id, i.email, i.email_verified, i.first_name, i.last_name, i.country_code, i.mobile,"        \
    " i.password_hash, i.force_password_change, i.status, i.failed_attempts, i.locked_until,"      \
    " i.mfa_enabled, i.created_at, i.updated_at"

#define MEMBERSHIP_COLS                                                                            \
    "m.id, m.tenant_id, m.identity_id, m.username, m.status, m.access_valid_until,"                \
    " m.shown_email, m.shown_mobile, m.shown_country_code, m.created_at, m.updated_at"

static const char *col_dup(arena *a, db_stmt *st, int col)
{
    const char *s = db_col_text(st, col);
    return s ? arena_strdup(a, s) : NULL;
}

static void col_copy(char *dst, size_t cap, db_stmt *st, int col)
{
    const char *s = db_col_text(st, col);
    snprintf(dst, cap, "%s", s ? s : "");
}

static void read_identity(arena *a, db_stmt *st, identity *o)
{
    memset(o, 0, sizeof *o);
    col_copy(o->id, sizeof o->id, st, 0);
    o->email = col_dup(a, st, 1);
    o->email_verified = db_col_int(st, 2) != 0;
    o->first_name = col_dup(a, st, 3);
    o->last_name = col_dup(a, st, 4);
    o->country_code = col_dup(a, st, 5);
    o->mobile = col_dup(a, st, 6);
    o->password_hash = col_dup(a, st, 7);
    o->force_password_change = db_col_int(st, 8) != 0;
    const char *status = db_col_text(st, 9);
    o->active = status && strcmp(status, "active") == 0;
    o->failed_attempts = (int)db_col_int(st, 10);
    o->locked_until = db_col_int(st, 11);
    o->mfa_enabled = db_col_int(st, 12) != 0;
    o->created_at = db_col_int(st, 13);
    o->updated_at = db_col_int(st, 14);
}

static void read_membership(arena *a, db_stmt *st, membership *o)
{
    memset(o, 0, sizeof *o);
    col_copy(o->id, sizeof o->id, st, 0);
    col_copy(o->tenant_id, sizeof o->tenant_id, st, 1);
    col_copy(o->identity_id, sizeof o->identity_id, st, 2);
    o->username = col_dup(a, st, 3);
    col_copy(o->status, sizeof o->status, st, 4);
    o->access_valid_until = db_col_int(st, 5);
    o->shown_email = col_dup(a, st, 6);
    o->shown_mobile = col_dup(a, st, 7);
    o->shown_country_code = col_dup(a, st, 8);
    o->created_at = db_col_int(st, 9);
    o->updated_at = db_col_int(st, 10);
}

/* Runs a one-row identity query with string parameters given by fmt. */
static int identity_one(db_conn *c, arena *a, identity *out, err *e, const char *sql,
                        const char *p1, const char *p2)
{
    db_stmt *st = p2 ? db_query(c, e, sql, "ss", p1, p2) : db_query(c, e, sql, "s", p1);
    if (!st) return -1;
    int rc = db_step(st, e);
    if (rc == 1) read_identity(a, st, out);
    db_done(st);
    return rc;
}

static int membership_one(db_conn *c, arena *a, membership *out, err *e, const char *sql,
                          const char *p1, const char *p2)
{
    db_stmt *st = p2 ? db_query(c, e, sql, "ss", p1, p2) : db_query(c, e, sql, "s", p1);
    if (!st) return -1;
    int rc = db_step(st, e);
    if (rc == 1) read_membership(a, st, out);
    db_done(st);
    return rc;
}

int identity_get(db_conn *c, arena *a, const char *id, identity *out, err *e)
{
    return identity_one(c, a, out, e, "SELECT " IDENTITY_COLS " FROM identities i WHERE i.id = $1",
                        id, NULL);
}

int identity_find_by_email(db_conn *c, arena *a, const char *email, identity *out, err *e)
{
    char *norm = utf8_lower(email);
    int rc = identity_one(c, a, out, e,
                          "SELECT " IDENTITY_COLS " FROM identities i WHERE i.email_norm = $1",
                          norm, NULL);
    free(norm);
    return rc;
}

int identity_find_by_mobile(db_conn *c, arena *a, const char *country_code, const char *mobile,
                            identity *out, err *e)
{
    return identity_one(c, a, out, e,
                        "SELECT " IDENTITY_COLS " FROM identities i"
                        " WHERE i.country_code = $1 AND i.mobile = $2",
                        country_code, mobile);
}

int identity_insert(db_conn *c, const identity *in, err *e)
{
    char *norm = in->email ? utf8_lower(in->email) : NULL;
    int64_t now = now_us();
    long n = db_exec(c, e,
                     "INSERT INTO identities (id, email, email_norm, email_verified, first_name,"
                     " last_name, country_code, mobile, password_hash, force_password_change,"
                     " status, created_at, updated_at)"
                     " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'active', $11, $11)",
                     "sssbsssssbi", in->id, in->email, norm, in->email_verified ? 1 : 0,
                     in->first_name, in->last_name, in->country_code, in->mobile, in->password_hash,
                     in->force_password_change ? 1 : 0, now);
    free(norm);
    return n < 0 ? -1 : 0;
}

int identity_set_password(db_conn *c, const char *id, const char *hash, bool clear_force, err *e)
{
    const char *sql = clear_force ? "UPDATE identities SET password_hash = $2,"
                                    " force_password_change = 0, updated_at = $3 WHERE id = $1"
                                  : "UPDATE identities SET password_hash = $2, updated_at = $3"
                                    " WHERE id = $1";
    return db_exec(c, e, sql, "ssi", id, hash, now_us()) < 0 ? -1 : 0;
}

int identity_set_email_verified(db_conn *c, const char *id, err *e)
{
    return db_exec(c, e, "UPDATE identities SET email_verified = 1 WHERE id = $1", "s", id) < 0 ? -1
                                                                                                : 0;
}

int identity_record_failure(db_conn *c, const char *id, int max_attempts, int lock_minutes, err *e)
{
    int64_t now = now_us();
    int64_t until = now + (int64_t)lock_minutes * 60 * 1000000;
    /* An expired lock restarts the counter; failures during a lock do not count. */
    return db_exec(c, e,
                   "UPDATE identities SET"
                   " failed_attempts = CASE WHEN locked_until IS NOT NULL AND locked_until <= $2"
                   "   THEN 1 ELSE failed_attempts + 1 END,"
                   " locked_until = CASE"
                   "   WHEN locked_until IS NOT NULL AND locked_until <= $2"
                   "     THEN CASE WHEN 1 >= $3 THEN CAST($4 AS BIGINT) ELSE NULL END"
                   "   WHEN failed_attempts + 1 >= $3 THEN CAST($4 AS BIGINT) ELSE locked_until END"
                   " WHERE id = $1 AND (locked_until IS NULL OR locked_until <= $2)",
                   "siii", id, now, (int64_t)max_attempts, until) < 0
               ? -1
               : 0;
}

int identity_clear_failures(db_conn *c, const char *id, err *e)
{
    return db_exec(c, e,
                   "UPDATE identities SET failed_attempts = 0, locked_until = NULL"
                   " WHERE id = $1 AND (failed_attempts <> 0 OR locked_until IS NOT NULL)",
                   "s", id) < 0
               ? -1
               : 0;
}

bool identity_locked(const identity *id, int64_t now)
{
    return id->locked_until != 0 && id->locked_until > now;
}

int identity_active_tenants(db_conn *c, arena *a, const char *identity_id, char ***out, err *e)
{
    db_stmt *st = db_query(c, e,
                           "SELECT tenant_id FROM memberships WHERE identity_id = $1"
                           " AND status = 'active' ORDER BY tenant_id",
                           "s", identity_id);
    if (!st) return -1;
    size_t n = 0, cap = 8;
    char **list = arena_alloc(a, cap * sizeof *list);
    int rc;
    while ((rc = db_step(st, e)) == 1) {
        if (n + 1 >= cap) {
            char **bigger = arena_alloc(a, 2 * cap * sizeof *list);
            memcpy(bigger, list, n * sizeof *list);
            list = bigger;
            cap *= 2;
        }
        list[n++] = arena_strdup(a, db_col_text(st, 0));
    }
    db_done(st);
    list[n] = NULL;
    *out = list;
    return rc < 0 ? -1 : 0;
}

static int exists(db_conn *c, err *e, const char *sql, const char *p1, const char *p2)
{
    db_stmt *st = p2 ? db_query(c, e, sql, "ss", p1, p2) : db_query(c, e, sql, "s", p1);
    if (!st) return -1;
    int rc = db_step(st, e);
    db_done(st);
    return rc;
}

int identity_email_taken(db_conn *c, const char *email, err *e)
{
    char *norm = utf8_lower(email);
    int rc = exists(c, e, "SELECT 1 FROM identities WHERE email_norm = $1", norm, NULL);
    free(norm);
    return rc;
}

int identity_mobile_taken(db_conn *c, const char *country_code, const char *mobile, err *e)
{
    return exists(c, e, "SELECT 1 FROM identities WHERE country_code = $1 AND mobile = $2",
                  country_code, mobile);
}

int username_taken(db_conn *c, const char *tenant_id, const char *username, err *e)
{
    return exists(c, e, "SELECT 1 FROM memberships WHERE tenant_id = $1 AND username = $2",
                  tenant_id, username);
}

int membership_get(db_conn *c, arena *a, const char *id, membership *out, err *e)
{
    return membership_one(
        c, a, out, e, "SELECT " MEMBERSHIP_COLS " FROM memberships m WHERE m.id = $1", id, NULL);
}

int membership_find(db_conn *c, arena *a, const char *tenant_id, const char *identity_id,
                    membership *out, err *e)
{
    return membership_one(c, a, out, e,
                          "SELECT " MEMBERSHIP_COLS " FROM memberships m"
                          " WHERE m.tenant_id = $1 AND m.identity_id = $2",
                          tenant_id, identity_id);
}

int membership_find_by_username(db_conn *c, arena *a, const char *tenant_id, const char *username,
                                membership *out, err *e)
{
    return membership_one(c, a, out, e,
                          "SELECT " MEMBERSHIP_COLS " FROM memberships m"
                          " WHERE m.tenant_id = $1 AND m.username = $2",
                          tenant_id, username);
}

int membership_find_by_email(db_conn *c, arena *a, const char *tenant_id, const char *email,
                             membership *out, err *e)
{
    char *norm = utf8_lower(email);
    int rc = membership_one(c, a, out, e,
                            "SELECT " MEMBERSHIP_COLS " FROM memberships m"
                            " JOIN identities i ON i.id = m.identity_id"
                            " WHERE m.tenant_id = $1 AND i.email_norm = $2",
                            tenant_id, norm);
    free(norm);
    return rc;
}

int membership_insert_active(db_conn *c, const char *tenant_id, const char *identity_id,
                             membership *out, err *e)
{
    memset(out, 0, sizeof *out);
    uuid_v7(out->id);
    snprintf(out->tenant_id, sizeof out->tenant_id, "%s", tenant_id);
    snprintf(out->identity_id, sizeof out->identity_id, "%s", identity_id);
    snprintf(out->status, sizeof out->status, "active");
    out->created_at = out->updated_at = now_us();
    return db_exec(c, e,
                   "INSERT INTO memberships (id, tenant_id, identity_id, username, status,"
                   " created_at, updated_at) VALUES ($1, $2, $3, NULL, 'active', $4, $4)",
                   "sssi", out->id, tenant_id, identity_id, out->created_at) < 0
               ? -1
               : 0;
}

int membership_activate(db_conn *c, const char *id, err *e)
{
    return db_exec(c, e,
                   "UPDATE memberships SET status = 'active', updated_at = $2"
                   " WHERE id = $1 AND status = 'invited'",
                   "si", id, now_us()) < 0
               ? -1
               : 0;
}

json_t *identity_tenant_list(db_conn *c, const char *identity_id, err *e)
{
    db_stmt *st = db_query(c, e,
                           "SELECT m.tenant_id, m.status FROM memberships m"
                           " JOIN tenants t ON t.id = m.tenant_id"
                           " WHERE m.identity_id = $1 AND m.status = 'active'"
                           " AND t.status = 'active' ORDER BY m.created_at, m.id",
                           "s", identity_id);
    if (!st) return NULL;
    json_t *list = json_array();
    int rc;
    while ((rc = db_step(st, e)) == 1)
        json_array_append_new(list, json_pack("{s:s,s:s}", "tenantId", db_col_text(st, 0), "status",
                                              db_col_text(st, 1)));
    db_done(st);
    if (rc < 0) {
        json_decref(list);
        return NULL;
    }
    return list;
}

/* Effective roles: direct + via groups, closed over parent links. */
#define EFFECTIVE_ROLES_CTE                                                                        \
    "WITH RECURSIVE eff(role_id) AS ("                                                             \
    " SELECT role_id FROM user_roles WHERE membership_id = $1"                                     \
    " UNION SELECT gr.role_id FROM group_roles gr"                                                 \
    "   JOIN group_members gm ON gm.group_id = gr.group_id WHERE gm.membership_id = $1"            \
    " UNION SELECT r.parent_role_id FROM roles r JOIN eff ON r.id = eff.role_id"                   \
    "   WHERE r.parent_role_id IS NOT NULL) "

static json_t *string_column(db_conn *c, const char *sql, const char *membership_id, err *e)
{
    db_stmt *st = db_query(c, e, sql, "s", membership_id);
    if (!st) return NULL;
    json_t *list = json_array();
    int rc;
    while ((rc = db_step(st, e)) == 1)
        json_array_append_new(list, json_string(db_col_text(st, 0)));
    db_done(st);
    if (rc < 0) {
        json_decref(list);
        return NULL;
    }
    return list;
}

int membership_roles_permissions(db_conn *c, const char *membership_id, json_t **roles,
                                 json_t **permissions, err *e)
{
    /* ORDER BY on TEXT compares bytes in both backends (C collation). */
    *roles = string_column(c,
                           EFFECTIVE_ROLES_CTE "SELECT DISTINCT r.uid FROM roles r"
                                               " JOIN eff ON r.id = eff.role_id ORDER BY r.uid",
                           membership_id, e);
    if (!*roles) return -1;
    *permissions =
        string_column(c,
                      EFFECTIVE_ROLES_CTE "SELECT DISTINCT p.name FROM permissions p"
                                          " JOIN role_permissions rp ON rp.permission_id = p.id"
                                          " JOIN eff ON rp.role_id = eff.role_id ORDER BY p.name",
                      membership_id, e);
    if (!*permissions) {
        json_decref(*roles);
        *roles = NULL;
        return -1;
    }
    return 0;
}

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

static json_t *time_or_null(int64_t us)
{
    if (!us) return json_null();
    char buf[RFC3339_LEN + 1];
    time_format(us, buf);
    return json_string(buf);
}

json_t *user_json(const identity *id, const membership *m)
{
    bool invited = strcmp(m->status, "invited") == 0;
    json_t *u = json_object();
    json_object_set_new(u, "id", json_string(m->id));
    json_object_set_new(u, "identityId", json_string(id->id));
    json_object_set_new(u, "firstName", str_or_null(invited ? NULL : id->first_name));
    json_object_set_new(u, "lastName", str_or_null(invited ? NULL : id->last_name));
    json_object_set_new(u, "email", str_or_null(invited ? m->shown_email : id->email));
    json_object_set_new(u, "emailVerified", json_boolean(id->email_verified));
    json_object_set_new(u, "username", str_or_null(m->username));
    json_object_set_new(u, "mobile", str_or_null(invited ? m->shown_mobile : id->mobile));
    json_object_set_new(u, "countryCode",
                        str_or_null(invited ? m->shown_country_code : id->country_code));
    json_object_set_new(u, "status", json_string(m->status));
    json_object_set_new(u, "mfaEnabled", json_boolean(id->mfa_enabled));
    json_object_set_new(u, "isArchived", json_boolean(strcmp(m->status, "archived") == 0));
    json_object_set_new(u, "accessValidUntil", time_or_null(m->access_valid_until));
    json_object_set_new(u, "createdAt", time_or_null(m->created_at));
    json_object_set_new(u, "updatedAt", time_or_null(m->updated_at));
    return u;
}

int identity_set_status(db_conn *c, const char *id, const char *status, err *e)
{
    return db_exec(c, e, "UPDATE identities SET status = $2, updated_at = $3 WHERE id = $1", "ssi",
                   id, status, now_us()) < 0
               ? -1
               : 0;
}

int identity_require_password_change(db_conn *c, const char *id, err *e)
{
    return db_exec(c, e,
                   "UPDATE identities SET force_password_change = 1, updated_at = $2 WHERE id = $1",
                   "si", id, now_us()) < 0
               ? -1
               : 0;
}
