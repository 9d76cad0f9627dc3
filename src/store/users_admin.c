/* users_admin.c - member administration (see users_admin.h). */
#include "store/users_admin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/delivery.h"
#include "auth/login.h"
#include "auth/password.h"
#include "auth/session.h"
#include "store/tokens.h"
#include "util/crypto.h"
#include "util/timeutil.h"
#include "util/utf8.h"
#include "util/validate.h"

#define INVITE_TTL_SECS 3600

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

/* ---- creation (3.11) ---- */

static const char *trimmed(arena *a, const char *s)
{
    if (!s) return NULL;
    char *t = utf8_trim(s);
    char *out = arena_strdup(a, t);
    free(t);
    return *out ? out : NULL;
}

/* The mobile pairing and formats of 3.2; writes the code with its '+'. */
static int mobile_pair(arena *a, const char *cc, const char *mobile, const char **cc_out, err *e)
{
    if (mobile && !cc)
        return err_set(e, ERR_BAD_REQUEST, "Country code is required when mobile is provided");
    if (cc && !mobile)
        return err_set(e, ERR_BAD_REQUEST, "Mobile is required when country code is provided");
    if (!mobile) return 0;
    return mobile_format(a, cc, mobile, cc_out, e);
}

static bool has_control(const char *s)
{
    while (*s) {
        uint32_t cp;
        s += utf8_decode(s, &cp);
        if (uc_is_control(cp)) return true;
    }
    return false;
}

typedef struct create_in {
    const char *email, *username, *mobile, *cc, *first, *last, *password;
} create_in;

static int create_validate(arena *a, const admin_user_input *in, create_in *o, err *e)
{
    o->email = trimmed(a, in->email);
    o->username = trimmed(a, in->username);
    o->mobile = trimmed(a, in->mobile);
    o->cc = trimmed(a, in->country_code);
    if (!o->email && !(o->mobile && o->cc) && !o->username)
        return err_set(e, ERR_BAD_REQUEST,
                       "At least one of email, (mobile and countryCode), or username is required");
    if (o->email && !email_valid(o->email)) return err_set(e, ERR_BAD_REQUEST, "Email is invalid");
    if (mobile_pair(a, o->cc, o->mobile, &o->cc, e)) return -1;
    if (o->username && (utf8_length(o->username) > 255 || has_control(o->username)))
        return err_set(e, ERR_BAD_REQUEST, "Username is invalid");
    o->first = trimmed(a, in->first_name);
    o->last = trimmed(a, in->last_name);
    if (o->first && utf8_length(o->first) > 255)
        return err_set(e, ERR_BAD_REQUEST, "firstName must be at most 255 characters");
    if (o->last && utf8_length(o->last) > 255)
        return err_set(e, ERR_BAD_REQUEST, "lastName must be at most 255 characters");
    return 0;
}

static int exists2(db_conn *c, err *e, const char *sql, const char *fmt, const char *p1,
                   const char *p2, const char *p3)
{
    db_stmt *st = db_query(c, e, sql, fmt, p1, p2, p3);
    if (!st) return -1;
    int rc = db_step(st, e);
    db_done(st);
    return rc;
}

static int create_conflicts(db_conn *c, const char *tenant_id, const create_in *o, err *e)
{
    int rc;
    if (o->email) {
        char *norm = utf8_lower(o->email);
        rc = exists2(c, e,
                     "SELECT 1 FROM memberships m JOIN identities i ON i.id = m.identity_id"
                     " WHERE m.tenant_id = $1 AND i.email_norm = $2",
                     "ss", tenant_id, norm, NULL);
        free(norm);
        if (rc)
            return rc < 0 ? -1
                          : err_set(e, ERR_CONFLICT, "An account with this email already exists");
    }
    if (o->mobile) {
        rc = exists2(c, e,
                     "SELECT 1 FROM memberships m JOIN identities i ON i.id = m.identity_id"
                     " WHERE m.tenant_id = $1 AND i.country_code = $2 AND i.mobile = $3",
                     "sss", tenant_id, o->cc, o->mobile);
        if (rc)
            return rc < 0 ? -1
                          : err_set(e, ERR_CONFLICT,
                                    "An account with this mobile number already exists");
    }
    if (o->username) {
        rc = exists2(c, e, "SELECT 1 FROM memberships WHERE tenant_id = $1 AND username = $2", "ss",
                     tenant_id, o->username, NULL);
        if (rc)
            return rc < 0
                       ? -1
                       : err_set(e, ERR_CONFLICT, "An account with this username already exists");
    }
    return 0;
}

static int create_password(db_conn *c, arena *a, const char *tenant_id, const admin_user_input *in,
                           create_in *o, err *e)
{
    if (in->password && in->retype) {
        if (strcmp(in->password, in->retype) != 0)
            return err_set(e, ERR_BAD_REQUEST, "Password and retype password do not match");
        if (login_check_policy(c, a, NULL, tenant_id, in->password, e)) return -1;
        o->password = in->password;
    } else if (in->password || in->retype) {
        return err_set(e, ERR_BAD_REQUEST,
                       "Both password and retypePassword are required when setting a password");
    }
    return 0;
}

/* Step 5: 1 with *found filled, 0 none, -1 error (409 on two identities). */
static int create_find_identity(db_conn *c, arena *a, const create_in *o, identity *found, err *e)
{
    identity by_email = {0}, by_mobile = {0};
    int re = o->email ? identity_find_by_email(c, a, o->email, &by_email, e) : 0;
    if (re < 0) return -1;
    int rm = o->mobile ? identity_find_by_mobile(c, a, o->cc, o->mobile, &by_mobile, e) : 0;
    if (rm < 0) return -1;
    if (re == 1 && rm == 1 && strcmp(by_email.id, by_mobile.id) != 0)
        return err_set(e, ERR_CONFLICT, "The email and mobile number belong to different accounts");
    if (re == 1)
        *found = by_email;
    else if (rm == 1)
        *found = by_mobile;
    return re == 1 || rm == 1;
}

static int insert_membership(db_conn *c, const char *tenant_id, const char *identity_id,
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

static bool same_email(const char *a, const char *b)
{
    if (!a || !b) return false;
    char *la = utf8_lower(a), *lb = utf8_lower(b);
    bool eq = strcmp(la, lb) == 0;
    free(la);
    free(lb);
    return eq;
}

static int create_invited(db_conn *c, arena *a, const tenant *t, const create_in *o,
                          identity *found, json_t **user, err *e)
{
    const char *shown_email = same_email(o->email, found->email) ? o->email : NULL;
    bool mobile_match = o->mobile && found->mobile && found->country_code &&
                        strcmp(o->mobile, found->mobile) == 0 &&
                        strcmp(o->cc, found->country_code) == 0;
    membership m = {0};
    char token[TOKEN_LEN + 1];
    token_row tr = {.kind = TOK_INVITE};
    snprintf(tr.identity_id, sizeof tr.identity_id, "%s", found->id);
    snprintf(tr.tenant_id, sizeof tr.tenant_id, "%s", t->id);
    if (db_begin(c, e)) return -1;
    if (insert_membership(c, t->id, found->id, o->username, true, shown_email,
                          mobile_match ? o->mobile : NULL, mobile_match ? o->cc : NULL, &m, e) ||
        token_delete_invites(c, found->id, t->id, e) ||
        token_issue(c, &tr, INVITE_TTL_SECS, token, e) || db_commit(c, e)) {
        db_rollback(c);
        return -1;
    }
    delivery_invite(c, a, t, found, token);
    *user = user_json(found, &m);
    return 0;
}

static int create_new(db_conn *c, arena *a, const tenant *t, const create_in *o, json_t **user,
                      err *e)
{
    char hash[PASSWORD_PHC_MAX];
    identity id = {0};
    if (o->password) {
        if (login_hash_password(o->password, hash, e)) return -1;
        id.password_hash = hash;
    }
    uuid_v7(id.id);
    id.email = o->email;
    id.first_name = o->first;
    id.last_name = o->last;
    id.country_code = o->mobile ? o->cc : NULL;
    id.mobile = o->mobile;
    id.active = true;
    membership m = {0};
    if (db_begin(c, e)) return -1;
    if (identity_insert(c, &id, e) ||
        insert_membership(c, t->id, id.id, o->username, false, NULL, NULL, NULL, &m, e) ||
        db_commit(c, e)) {
        db_rollback(c);
        return -1;
    }
    if (identity_get(c, a, id.id, &id, e) != 1) return err_internal(e, "identity vanished");
    *user = user_json(&id, &m);
    return 0;
}

int admin_user_create(db_conn *c, arena *a, const tenant *t, const admin_user_input *in,
                      json_t **user, err *e)
{
    create_in o = {0};
    identity found = {0};
    if (create_validate(a, in, &o, e) || create_conflicts(c, t->id, &o, e) ||
        create_password(c, a, t->id, in, &o, e))
        return -1;
    int rc = create_find_identity(c, a, &o, &found, e);
    if (rc < 0) return -1;
    return rc == 1 ? create_invited(c, a, t, &o, &found, user, e)
                   : create_new(c, a, t, &o, user, e);
}

/* ---- archive, password, access validity, MFA ---- */

int admin_user_archive(db_conn *c, arena *a, const char *tenant_id, const char *id, err *e)
{
    identity i = {0};
    membership m = {0};
    if (admin_user_must(c, a, tenant_id, id, &i, &m, e)) return -1;
    if (strcmp(m.status, "archived") == 0)
        return err_set(e, ERR_BAD_REQUEST, "User is already archived");
    if (db_exec(c, e, "UPDATE memberships SET status = 'archived', updated_at = $2 WHERE id = $1",
                "si", id, now_us()) < 0 ||
        token_delete_membership(c, id, TOK_CHANGE | TOK_MFA, e) ||
        session_revoke_membership(c, id, e) < 0)
        return -1;
    return session_cache_changed(c, e);
}

/* 403 when the identity has a non-archived membership in another tenant. */
static int owned_elsewhere(db_conn *c, const membership *m, err *e)
{
    int rc = exists2(c, e,
                     "SELECT 1 FROM memberships WHERE identity_id = $1 AND tenant_id <> $2"
                     " AND status <> 'archived'",
                     "ss", m->identity_id, m->tenant_id, NULL);
    if (rc < 0) return -1;
    if (rc == 1)
        return err_set(e, ERR_FORBIDDEN,
                       "This account belongs to other tenants; only its owner can change it");
    return 0;
}

int admin_user_reset_password(db_conn *c, arena *a, const char *tenant_id, const char *id,
                              const char *password, const char *retype, bool force, err *e)
{
    identity i = {0};
    membership m = {0};
    if (strcmp(password, retype) != 0)
        return err_set(e, ERR_BAD_REQUEST, "Password and retype password do not match");
    if (admin_user_must(c, a, tenant_id, id, &i, &m, e) || owned_elsewhere(c, &m, e) ||
        login_check_policy(c, a, i.id, NULL, password, e))
        return -1;
    char hash[PASSWORD_PHC_MAX];
    if (login_hash_password(password, hash, e)) return -1;
    if (db_exec(c, e,
                "UPDATE identities SET password_hash = $2, force_password_change = $3,"
                " failed_attempts = 0, locked_until = NULL, updated_at = $4 WHERE id = $1",
                "ssbi", i.id, hash, force, now_us()) < 0 ||
        token_delete_identity(c, i.id, TOK_IDENTITY | TOK_CHANGE | TOK_MFA | TOK_RESET, e) ||
        session_revoke_identity(c, i.id, NULL, e) < 0)
        return -1;
    return 0;
}

int admin_user_set_access(db_conn *c, arena *a, const char *tenant_id, const char *id,
                          int64_t valid_until, err *e)
{
    identity i = {0};
    membership m = {0};
    if (admin_user_must(c, a, tenant_id, id, &i, &m, e)) return -1;
    if (db_exec(c, e,
                "UPDATE memberships SET access_valid_until = $2, updated_at = $3 WHERE id = $1",
                "sIi", id, valid_until ? valid_until : INT64_MIN, now_us()) < 0)
        return -1;
    return session_cache_changed(c, e);
}

int admin_user_mfa_reset(db_conn *c, arena *a, const char *tenant_id, const char *id, err *e)
{
    identity i = {0};
    membership m = {0};
    if (admin_user_must(c, a, tenant_id, id, &i, &m, e) || owned_elsewhere(c, &m, e)) return -1;
    if (db_exec(
            c, e,
            "UPDATE identities SET mfa_enabled = 0, mfa_secret = NULL, mfa_pending_secret = NULL,"
            " updated_at = $2 WHERE id = $1",
            "si", i.id, now_us()) < 0 ||
        db_exec(c, e, "DELETE FROM mfa_backup_codes WHERE identity_id = $1", "s", i.id) < 0 ||
        token_delete_identity(c, i.id, TOK_MFA, e))
        return -1;
    return session_cache_changed(c, e);
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
