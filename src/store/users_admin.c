/* users_admin.c - member administration (see users_admin.h). */
#include "store/users_admin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/crypto.h"
#include "util/timeutil.h"
#include "util/utf8.h"

/* What an invited member's User shows (1.11), for filtering and sorting. */
#define SHOWN(col, shown) "CASE WHEN m.status = 'invited' THEN " shown " ELSE " col " END"

#define USER_FIELDS(order)                                                                         \
    {"id", "m.id", RSQL_UUID, true, true}, {"identityId", "m.identity_id", RSQL_UUID, true, true}, \
        {"firstName", SHOWN("i.first_name", "NULL"), RSQL_TEXT, true, true},                       \
        {"lastName", SHOWN("i.last_name", "NULL"), RSQL_TEXT, true, true},                         \
        {"email", SHOWN("i.email", "m.shown_email"), RSQL_TEXT, true, true},                       \
        {"username", "m.username", RSQL_TEXT, true, true},                                         \
        {"mobile", SHOWN("i.mobile", "m.shown_mobile"), RSQL_TEXT, true, true},                    \
        {"countryCode", SHOWN("i.country_code", "m.shown_country_code"), RSQL_TEXT, true, true},   \
        {"status", "m.status", RSQL_TEXT, true, true},                                             \
        {"emailVerified", "i.email_verified", RSQL_BOOL, true, true},                              \
        {"mfaEnabled", "i.mfa_enabled", RSQL_BOOL, true, true},                                    \
        {"accessValidUntil", "m.access_valid_until", RSQL_TIMESTAMP, true, true},                  \
        {"createdAt", "m.created_at", RSQL_TIMESTAMP, true, true},                                 \
        {"updatedAt", "m.updated_at", RSQL_TIMESTAMP, true, true},                                 \
        {"passwordHash", "i.password_hash", RSQL_TEXT, false, false},                              \
        {"mfaSecret", "i.mfa_secret", RSQL_TEXT, false, false},

static const rsql_field user_fields[] = {USER_FIELDS(0)};
#define NUSER_FIELDS (sizeof user_fields / sizeof user_fields[0])
const rsql_table users_rsql = {user_fields, NUSER_FIELDS, "m.id", "m.created_at DESC"};
const rsql_table group_members_rsql = {user_fields, NUSER_FIELDS, "m.id", "gm.created_at ASC"};

/* Column order of the identity and membership parts of a user row. */
#define USER_COLS                                                                                  \
    "i.id, i.email, i.email_verified, i.first_name, i.last_name, i.country_code, i.mobile,"        \
    " i.mfa_enabled, i.status, m.id, m.tenant_id, m.username, m.status, m.access_valid_until,"     \
    " m.shown_email, m.shown_mobile, m.shown_country_code, m.created_at, m.updated_at"

static const char *dup(arena *a, db_stmt *st, int col)
{
    const char *s = db_col_text(st, col);
    return s ? arena_strdup(a, s) : NULL;
}

static void read_user(arena *a, db_stmt *st, identity *i, membership *m)
{
    memset(i, 0, sizeof *i);
    memset(m, 0, sizeof *m);
    snprintf(i->id, sizeof i->id, "%s", db_col_text(st, 0));
    i->email = dup(a, st, 1);
    i->email_verified = db_col_int(st, 2) != 0;
    i->first_name = dup(a, st, 3);
    i->last_name = dup(a, st, 4);
    i->country_code = dup(a, st, 5);
    i->mobile = dup(a, st, 6);
    i->mfa_enabled = db_col_int(st, 7) != 0;
    const char *status = db_col_text(st, 8);
    i->active = status && strcmp(status, "active") == 0;
    snprintf(m->id, sizeof m->id, "%s", db_col_text(st, 9));
    snprintf(m->tenant_id, sizeof m->tenant_id, "%s", db_col_text(st, 10));
    snprintf(m->identity_id, sizeof m->identity_id, "%s", i->id);
    m->username = dup(a, st, 11);
    snprintf(m->status, sizeof m->status, "%s", db_col_text(st, 12));
    m->access_valid_until = db_col_int(st, 13);
    m->shown_email = dup(a, st, 14);
    m->shown_mobile = dup(a, st, 15);
    m->shown_country_code = dup(a, st, 16);
    m->created_at = db_col_int(st, 17);
    m->updated_at = db_col_int(st, 18);
}

int admin_user_get(db_conn *c, arena *a, const char *tenant_id, const char *id, identity *idn,
                   membership *m, err *e)
{
    db_stmt *st = db_query(c, e,
                           "SELECT " USER_COLS " FROM memberships m JOIN identities i"
                           " ON i.id = m.identity_id WHERE m.tenant_id = $1 AND m.id = $2",
                           "ss", tenant_id, id);
    if (!st) return -1;
    int rc = db_step(st, e);
    if (rc == 1) read_user(a, st, idn, m);
    db_done(st);
    return rc;
}

int admin_user_must(db_conn *c, arena *a, const char *tenant_id, const char *id, identity *idn,
                    membership *m, err *e)
{
    int rc = admin_user_get(c, a, tenant_id, id, idn, m, e);
    if (rc == 0) return err_set(e, ERR_NOT_FOUND, "User not found");
    return rc < 0 ? -1 : 0;
}

typedef struct user_collect {
    arena *a;
    json_t *out;
} user_collect;

static int collect_user(db_stmt *st, void *ctx)
{
    user_collect *uc = ctx;
    identity i = {0};
    membership m = {0};
    read_user(uc->a, st, &i, &m);
    json_array_append_new(uc->out, user_json(&i, &m));
    return 0;
}

int users_list(db_conn *c, arena *a, const char *tenant_id, bool include_archived,
               const list_spec *spec, json_t *out, err *e)
{
    user_collect uc = {a, out};
    const char *fixed[] = {tenant_id};
    const char *base = include_archived
                           ? "SELECT " USER_COLS " FROM memberships m JOIN identities i"
                             " ON i.id = m.identity_id WHERE m.tenant_id = $1"
                           : "SELECT " USER_COLS " FROM memberships m JOIN identities i"
                             " ON i.id = m.identity_id WHERE m.tenant_id = $1"
                             " AND m.status <> 'archived'";
    return listing_run(c, a, base, fixed, 1, spec, collect_user, &uc, e);
}

int group_members_list(db_conn *c, arena *a, const char *group_id, const list_spec *spec,
                       json_t *out, err *e)
{
    user_collect uc = {a, out};
    const char *fixed[] = {group_id};
    return listing_run(c, a,
                       "SELECT " USER_COLS " FROM group_members gm"
                       " JOIN memberships m ON m.id = gm.membership_id"
                       " JOIN identities i ON i.id = m.identity_id WHERE gm.group_id = $1",
                       fixed, 1, spec, collect_user, &uc, e);
}

int admin_member_links(db_conn *c, arena *a, const char *member_id, member_links *out, err *e)
{
    memset(out, 0, sizeof *out);
    db_stmt *st =
        db_query(c, e,
                 "SELECT 0, role_id FROM user_roles WHERE membership_id = $1"
                 " UNION ALL SELECT 1, group_id FROM group_members WHERE membership_id = $1",
                 "s", member_id);
    if (!st) return -1;
    size_t cap = 0, n = 0;
    const char **ids = NULL;
    int *kinds = NULL;
    int rc;
    while ((rc = db_step(st, e)) == 1) {
        if (n == cap) {
            size_t grown = cap ? cap * 2 : 8;
            const char **nids = arena_alloc(a, grown * sizeof *nids);
            int *nkinds = arena_alloc(a, grown * sizeof *nkinds);
            if (n) {
                memcpy(nids, ids, n * sizeof *ids);
                memcpy(nkinds, kinds, n * sizeof *kinds);
            }
            ids = nids;
            kinds = nkinds;
            cap = grown;
        }
        kinds[n] = (int)db_col_int(st, 0);
        ids[n++] = arena_strdup(a, db_col_text(st, 1));
    }
    db_done(st);
    if (rc < 0) return -1;
    out->role_ids = arena_alloc(a, (n + 1) * sizeof *out->role_ids);
    out->group_ids = arena_alloc(a, (n + 1) * sizeof *out->group_ids);
    for (size_t i = 0; i < n; i++) {
        if (kinds[i] == 0)
            out->role_ids[out->n_roles++] = ids[i];
        else
            out->group_ids[out->n_groups++] = ids[i];
    }
    return 0;
}

/* ---- member administration queries (rules in auth/admin_users.c) ---- */

static int exists(db_conn *c, err *e, const char *sql, const char *fmt, const char *p1,
                  const char *p2, const char *p3)
{
    db_stmt *st = db_query(c, e, sql, fmt, p1, p2, p3);
    if (!st) return -1;
    int rc = db_step(st, e);
    db_done(st);
    return rc;
}

int member_with_email_exists(db_conn *c, const char *tenant_id, const char *email, err *e)
{
    char *norm = utf8_lower(email);
    int rc = exists(c, e,
                    "SELECT 1 FROM memberships m JOIN identities i ON i.id = m.identity_id"
                    " WHERE m.tenant_id = $1 AND i.email_norm = $2",
                    "ss", tenant_id, norm, NULL);
    free(norm);
    return rc;
}

int member_with_mobile_exists(db_conn *c, const char *tenant_id, const char *cc, const char *mobile,
                              err *e)
{
    return exists(c, e,
                  "SELECT 1 FROM memberships m JOIN identities i ON i.id = m.identity_id"
                  " WHERE m.tenant_id = $1 AND i.country_code = $2 AND i.mobile = $3",
                  "sss", tenant_id, cc, mobile);
}

int identity_member_elsewhere(db_conn *c, const char *identity_id, const char *tenant_id, err *e)
{
    return exists(c, e,
                  "SELECT 1 FROM memberships WHERE identity_id = $1 AND tenant_id <> $2"
                  " AND status <> 'archived'",
                  "ss", identity_id, tenant_id, NULL);
}

int membership_insert(db_conn *c, const char *tenant_id, const char *identity_id,
                      const char *username, bool invited, const char *shown_email,
                      const char *shown_mobile, const char *shown_cc, membership *m, err *e)
{
    memset(m, 0, sizeof *m);
    uuid_v7(m->id);
    int64_t now = now_us();
    snprintf(m->tenant_id, sizeof m->tenant_id, "%s", tenant_id);
    snprintf(m->identity_id, sizeof m->identity_id, "%s", identity_id);
    snprintf(m->status, sizeof m->status, "%s", invited ? "invited" : "active");
    m->username = username;
    m->shown_email = shown_email;
    m->shown_mobile = shown_mobile;
    m->shown_country_code = shown_cc;
    m->created_at = m->updated_at = now;
    return db_exec(c, e,
                   "INSERT INTO memberships (id, tenant_id, identity_id, username, status,"
                   " shown_email, shown_mobile, shown_country_code, created_at, updated_at)"
                   " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)",
                   "ssssssssi", m->id, tenant_id, identity_id, username, m->status, shown_email,
                   shown_mobile, shown_cc, now) < 0
               ? -1
               : 0;
}

int membership_archive(db_conn *c, const char *id, err *e)
{
    return db_exec(c, e,
                   "UPDATE memberships SET status = 'archived', updated_at = $2 WHERE id = $1",
                   "si", id, now_us()) < 0
               ? -1
               : 0;
}

int membership_set_access(db_conn *c, const char *id, int64_t valid_until, err *e)
{
    return db_exec(c, e,
                   "UPDATE memberships SET access_valid_until = $2, updated_at = $3 WHERE id = $1",
                   "sIi", id, valid_until ? valid_until : INT64_MIN, now_us()) < 0
               ? -1
               : 0;
}

int identity_admin_set_password(db_conn *c, const char *id, const char *hash, bool force, err *e)
{
    return db_exec(c, e,
                   "UPDATE identities SET password_hash = $2, force_password_change = $3,"
                   " failed_attempts = 0, locked_until = NULL, updated_at = $4 WHERE id = $1",
                   "ssbi", id, hash, force, now_us()) < 0
               ? -1
               : 0;
}
