/* admin_users.c - the member administration of API.md 3.11: creation (with
 * invited memberships for existing identities and their invites), archive,
 * admin password reset, access validity and the MFA reset. The queries are
 * in store/users_admin.c and store/identities.c. */
#include "auth/admin_users.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/delivery.h"
#include "auth/login.h"
#include "auth/mfa.h"
#include "auth/password.h"
#include "auth/session.h"
#include "store/tokens.h"
#include "util/crypto.h"
#include "util/utf8.h"
#include "util/validate.h"

#define INVITE_TTL_SECS 3600

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

static int create_conflicts(db_conn *c, const char *tenant_id, const create_in *o, err *e)
{
    int rc;
    if (o->email) {
        rc = member_with_email_exists(c, tenant_id, o->email, e);
        if (rc)
            return rc < 0 ? -1
                          : err_set(e, ERR_CONFLICT, "An account with this email already exists");
    }
    if (o->mobile) {
        rc = member_with_mobile_exists(c, tenant_id, o->cc, o->mobile, e);
        if (rc)
            return rc < 0 ? -1
                          : err_set(e, ERR_CONFLICT,
                                    "An account with this mobile number already exists");
    }
    if (o->username) {
        rc = username_taken(c, tenant_id, o->username, e);
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
    if (membership_insert(c, t->id, found->id, o->username, true, shown_email,
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
        membership_insert(c, t->id, id.id, o->username, false, NULL, NULL, NULL, &m, e) ||
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
    if (membership_archive(c, id, e) || token_delete_membership(c, id, TOK_CHANGE | TOK_MFA, e) ||
        session_revoke_membership(c, id, e) < 0)
        return -1;
    return session_cache_changed(c, e);
}

/* 403 when the identity has a non-archived membership in another tenant. */
static int owned_elsewhere(db_conn *c, const membership *m, err *e)
{
    int rc = identity_member_elsewhere(c, m->identity_id, m->tenant_id, e);
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
    if (identity_admin_set_password(c, i.id, hash, force, e) ||
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
    if (membership_set_access(c, id, valid_until, e)) return -1;
    return session_cache_changed(c, e);
}

int admin_user_mfa_reset(db_conn *c, arena *a, const char *tenant_id, const char *id, err *e)
{
    identity i = {0};
    membership m = {0};
    if (admin_user_must(c, a, tenant_id, id, &i, &m, e) || owned_elsewhere(c, &m, e)) return -1;
    return mfa_reset_identity(c, i.id, e);
}
