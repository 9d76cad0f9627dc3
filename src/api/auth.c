/* auth.c - sign-up and verify-to-join (API.md 3.2), the password logins
 * (3.3), password reset (3.8) and the availability checks (3.9). */
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "auth/login.h"
#include "auth/password.h"
#include "auth/ratelimit.h"
#include "auth/session.h"
#include "auth/session_cache.h"
#include "auth/tenant_policy.h"
#include "auth/delivery.h"
#include "auth/authn.h"
#include "config.h"
#include "store/identities.h"
#include "store/store.h"
#include "store/tenants.h"
#include "store/tokens.h"
#include "util/timeutil.h"
#include "util/utf8.h"
#include "util/validate.h"

#define INVITE_TTL 3600
#define RESET_TTL  3600

/* Trimmed arena copy; NULL stays NULL, and an empty result becomes NULL
 * when empty_is_null. */
static const char *trim(request *req, const char *s, bool empty_is_null)
{
    if (!s) return NULL;
    char *t = utf8_trim(s);
    char *out = arena_strdup(req->arena, t);
    free(t);
    return empty_is_null && !*out ? NULL : out;
}

static void reply_fail(request *req, err *e)
{
    reply_err(req, e);
}

/* ---- mobile numbers (3.2 step 5) ---- */

/* ---- sign-up ---- */

typedef struct signup_input {
    const char *email, *password, *first, *last, *mobile, *cc;
} signup_input;

static int signup_validate(request *req, db_conn *c, signup_input *in, err *e)
{
    in->email = trim(req, body_str(req, "email"), false);
    if (!*in->email) return err_set(e, ERR_BAD_REQUEST, "Email is required");
    if (!email_valid(in->email)) return err_set(e, ERR_BAD_REQUEST, "Email is invalid");
    int ok = tenant_email_domain_allowed(c, req->arena, req->tenant_id, in->email, e);
    if (ok < 0) return -1;
    if (!ok) return err_set(e, ERR_FORBIDDEN, "Email domain is not permitted");
    in->password = body_str(req, "password");
    if (strcmp(in->password, body_str(req, "retypePassword")) != 0)
        return err_set(e, ERR_BAD_REQUEST, "Password and retype password do not match");
    if (login_check_policy(c, req->arena, NULL, req->tenant_id, in->password, e)) return -1;
    in->mobile = trim(req, body_str(req, "mobile"), true);
    in->cc = trim(req, body_str(req, "countryCode"), true);
    if (in->mobile && !in->cc)
        return err_set(e, ERR_BAD_REQUEST, "Country code is required when mobile is provided");
    if (in->cc && !in->mobile)
        return err_set(e, ERR_BAD_REQUEST, "Mobile is required when country code is provided");
    if (in->mobile && mobile_format(req->arena, in->cc, in->mobile, &in->cc, e)) return -1;
    in->first = trim(req, body_str(req, "firstName"), true);
    in->last = trim(req, body_str(req, "lastName"), true);
    if (in->first && utf8_length(in->first) > 255)
        return err_set(e, ERR_BAD_REQUEST, "firstName must be at most 255 characters");
    if (in->last && utf8_length(in->last) > 255)
        return err_set(e, ERR_BAD_REQUEST, "lastName must be at most 255 characters");
    return 0;
}

/* An existing identity: 409 when already a member here, else an invite (202). */
static int signup_existing(request *req, db_conn *c, const identity *id, bool by_mobile, err *e)
{
    membership m;
    int rc = membership_find(c, req->arena, req->tenant_id, id->id, &m, e);
    if (rc < 0) return -1;
    if (rc == 1)
        return err_set(e, ERR_CONFLICT, "An account with this %s already exists",
                       by_mobile ? "mobile number" : "email");
    char token[TOKEN_LEN + 1];
    token_row t = {.kind = TOK_INVITE};
    snprintf(t.identity_id, sizeof t.identity_id, "%s", id->id);
    snprintf(t.tenant_id, sizeof t.tenant_id, "%s", req->tenant_id);
    if (token_delete_invites(c, id->id, req->tenant_id, e) ||
        token_issue(c, &t, INVITE_TTL, token, e))
        return -1;
    delivery_invite(c, req->arena, req->tenant, id, token);
    return 0;
}

static int signup_create(request *req, db_conn *c, const signup_input *in, json_t **user, err *e)
{
    char hash[PASSWORD_PHC_MAX];
    if (login_hash_password(in->password, hash, e)) return -1;
    identity id = {0};
    uuid_v7(id.id);
    id.email = in->email;
    id.first_name = in->first;
    id.last_name = in->last;
    id.country_code = in->mobile ? in->cc : NULL;
    id.mobile = in->mobile;
    id.password_hash = hash;
    id.active = true;
    membership m;
    if (db_begin(c, e)) return -1;
    if (identity_insert(c, &id, e) || membership_insert_active(c, req->tenant_id, id.id, &m, e) ||
        db_commit(c, e)) {
        db_rollback(c);
        return -1;
    }
    if (identity_get(c, req->arena, id.id, &id, e) != 1) return -1;
    *user = user_json(&id, &m);
    return 0;
}

void api_signup(request *req)
{
    err e = {0};
    signup_input in;
    identity id;
    json_t *user = NULL;
    int status = 0;
    db_conn *c = db_acquire(store_db);
    if (signup_validate(req, c, &in, &e)) goto done;
    int rc = identity_find_by_email(c, req->arena, in.email, &id, &e);
    bool by_mobile = false;
    if (rc == 0 && in.mobile) {
        rc = identity_find_by_mobile(c, req->arena, in.cc, in.mobile, &id, &e);
        by_mobile = rc == 1;
    }
    if (rc < 0) goto done;
    if (rc == 1) {
        if (signup_existing(req, c, &id, by_mobile, &e) == 0) status = 202;
    } else if (signup_create(req, c, &in, &user, &e) == 0) {
        status = 201;
    }
done:
    db_release(store_db, c);
    if (status == 201)
        reply_json(req, 201, user);
    else if (status == 202)
        reply_message(req, 202,
                      "Registration received. If further steps are required, we've "
                      "emailed you instructions.");
    else
        reply_fail(req, &e);
}

static int verify_invite(request *req, db_conn *c, membership *m, err *e)
{
    token_row t;
    const char *token = body_str(req, "token");
    char hash[TOKEN_HASH_HEX_LEN + 1];
    token_hash(token, hash);
    int rc = token_find(c, TOK_INVITE, hash, &t, e);
    if (rc < 0) return -1;
    if (rc == 0) return err_set(e, ERR_BAD_REQUEST, "Invalid or expired invite token");
    tenant tn;
    rc = tenant_get(c, t.tenant_id, &tn, e);
    if (rc < 0) return -1;
    if (rc == 0 || strcmp(tn.status, "active") != 0)
        return err_set(e, ERR_FORBIDDEN, "Tenant is not active");
    if (db_begin(c, e)) return -1;
    rc = token_consume(c, hash, e);
    if (rc == 0) err_set(e, ERR_BAD_REQUEST, "Invalid or expired invite token");
    if (rc == 1) rc = membership_find(c, req->arena, t.tenant_id, t.identity_id, m, e);
    if (rc == 1 && strcmp(m->status, "invited") == 0) {
        rc = membership_activate(c, m->id, e) ? -1 : 1;
        snprintf(m->status, sizeof m->status, "active");
    } else if (rc == 0 && e->kind == ERR_NONE) {
        rc = membership_insert_active(c, t.tenant_id, t.identity_id, m, e) ? -1 : 1;
    }
    identity id;
    if (rc == 1) rc = identity_get(c, req->arena, t.identity_id, &id, e);
    if (rc == 1 && id.email && identity_set_email_verified(c, id.id, e)) rc = -1;
    if (rc == 1 && session_cache_changed(c, e)) rc = -1;
    if (rc != 1 || db_commit(c, e)) {
        db_rollback(c);
        return -1;
    }
    return 0;
}

void api_signup_verify(request *req)
{
    err e = {0};
    membership m;
    db_conn *c = db_acquire(store_db);
    int rc = verify_invite(req, c, &m, &e);
    db_release(store_db, c);
    if (rc) {
        reply_fail(req, &e);
        return;
    }
    reply_json(req, 201,
               json_pack("{s:s,s:s,s:s}", "id", m.id, "tenantId", m.tenant_id, "status", m.status));
}

/* ---- password logins ---- */

typedef struct password_login {
    bool by_username;
    const char *metric;      /* "email_password" / "username_password" */
    const char *invalid_msg; /* the one 401 */
    int method;
} password_login;

static int password_login_run(request *req, db_conn *c, const password_login *pl, json_t **result,
                              const char **reason, err *e)
{
    const char *handle = trim(req, body_str(req, pl->by_username ? "username" : "email"), false);
    const char *password = body_str(req, "password");
    *reason = "invalid_credentials";
    if (!pl->by_username) {
        int ok = tenant_email_domain_allowed(c, req->arena, req->tenant_id, handle, e);
        if (ok < 0) return -1;
        if (!ok) {
            *reason = "domain_not_allowed";
            return err_set(e, ERR_FORBIDDEN, "Email domain is not permitted");
        }
    }
    membership m;
    identity id;
    int rc = pl->by_username
                 ? membership_find_by_username(c, req->arena, req->tenant_id, handle, &m, e)
                 : membership_find_by_email(c, req->arena, req->tenant_id, handle, &m, e);
    if (rc == 1) rc = identity_get(c, req->arena, m.identity_id, &id, e);
    if (rc < 0) return -1;
    if (rc == 0) {
        login_dummy_verify(password);
        return err_set(e, ERR_UNAUTHORIZED, "%s", pl->invalid_msg);
    }
    if (login_gates(&id, &m, GATES_ALL, reason, e)) return -1;
    *reason = "invalid_credentials";
    if (strlen(password) > PASSWORD_MAX_BYTES) {
        login_dummy_verify(password);
        return err_set(e, ERR_UNAUTHORIZED, "%s", pl->invalid_msg);
    }
    rc = login_check_password(c, req->arena, &id, password, req->tenant_id, e);
    if (rc < 0) return -1;
    if (rc == 0) return err_set(e, ERR_UNAUTHORIZED, "%s", pl->invalid_msg);
    rc = login_method_allowed(c, req->arena, &id, &m, pl->method, e);
    if (rc < 0) return -1;
    if (rc == 0) {
        *reason = "method_not_allowed";
        return err_set(e, ERR_FORBIDDEN, "This login method is not allowed for your account");
    }
    return login_finalize(c, req->arena, &id, &m, pl->method, false, false, result, e);
}

static void password_login_handle(request *req, const password_login *pl)
{
    err e = {0};
    json_t *result = NULL;
    const char *reason = NULL;
    db_conn *c = db_acquire(store_db);
    int rc = password_login_run(req, c, pl, &result, &reason, &e);
    db_release(store_db, c);
    if (rc) {
        if (e.kind != ERR_INTERNAL) login_metric_failure(pl->metric, reason);
        reply_fail(req, &e);
        return;
    }
    login_metric_success(pl->metric);
    reply_json(req, 200, result);
}

void api_login_email_password(request *req)
{
    static const password_login pl = {false, "email_password", "Invalid email or password",
                                      LOGIN_EMAIL_PASSWORD};
    password_login_handle(req, &pl);
}

void api_login_username_password(request *req)
{
    static const password_login pl = {true, "username_password", "Invalid username or password",
                                      LOGIN_USERNAME_PASSWORD};
    password_login_handle(req, &pl);
}

/* ---- rate-limit checks (step 5) ---- */

static const char *lower_trimmed(request *req, const char *s)
{
    if (!s) return NULL;
    char *t = utf8_trim(s);
    char *l = utf8_lower(t);
    char *out = arena_strdup(req->arena, l);
    free(t);
    free(l);
    return out;
}

static int ip_then_key(request *req, const char *ip_limit, const char *key_limit, const char *key,
                       err *e)
{
    char ip[64];
    ratelimit_client_ip(req, ip, sizeof ip);
    if (ratelimit_check(req, ip_limit, ip, e)) return -1;
    return ratelimit_check(req, key_limit, key, e);
}

int api_signup_check(request *req, err *e)
{
    return ip_then_key(req, "signup_ip", "signup_identifier",
                       lower_trimmed(req, body_str(req, "email")), e);
}

static int login_check(request *req, const char *key, const char *metric, err *e)
{
    if (ip_then_key(req, "login_ip", "login_identifier", key, e) == 0) return 0;
    if (e->kind == ERR_RATE_LIMITED) login_metric_failure(metric, "rate_limited");
    return -1;
}

int api_login_email_check(request *req, err *e)
{
    return login_check(req, lower_trimmed(req, body_str(req, "email")), "email_password", e);
}

int api_login_username_check(request *req, err *e)
{
    return login_check(req, trim(req, body_str(req, "username"), false), "username_password", e);
}

int api_forgot_password_check(request *req, err *e)
{
    return ip_then_key(req, "forgot_password_ip", "forgot_password_identifier",
                       lower_trimmed(req, body_str(req, "email")), e);
}

int api_availability_check(request *req, err *e)
{
    err ignored = {0};
    if (authn_parse_bearer(req, &ignored)) return 0; /* not counted without a Bearer header */
    return ratelimit_check(req, "availability_session", req->bearer_hash, e);
}

/* ---- password reset ---- */

/* The link base of 3.8: the tenant's own only when it holds the identity's
 * only active membership. */
static const char *reset_link_base(request *req, db_conn *c, const identity *id, err *e)
{
    char **tenants;
    const char *base = NULL;
    if (identity_active_tenants(c, req->arena, id->id, &tenants, e)) return NULL;
    if (tenants[0] && !tenants[1] && strcmp(tenants[0], req->tenant_id) == 0 &&
        tenant_frontend_base(c, req->arena, req->tenant_id, &base, e))
        return NULL;
    if (!base && cfg.frontend_url) {
        char *b = arena_strdup(req->arena, cfg.frontend_url);
        size_t n = strlen(b);
        while (n > 0 && b[n - 1] == '/')
            b[--n] = '\0';
        base = b;
    }
    return base;
}

static int forgot(request *req, db_conn *c, const char *email, err *e)
{
    identity id;
    int rc = identity_find_by_email(c, req->arena, email, &id, e);
    if (rc <= 0 || !id.active) return rc < 0 ? -1 : 0;
    char token[TOKEN_LEN + 1];
    token_row t = {.kind = TOK_RESET};
    snprintf(t.identity_id, sizeof t.identity_id, "%s", id.id);
    if (token_delete_identity(c, id.id, TOK_RESET, e) || token_issue(c, &t, RESET_TTL, token, e))
        return -1;
    err ignored = {0};
    const char *base = reset_link_base(req, c, &id, &ignored);
    delivery_reset(req->tenant, &id, token, base);
    return 0;
}

void api_forgot_password(request *req)
{
    err e = {0};
    const char *email = lower_trimmed(req, body_str(req, "email"));
    if (!*email) {
        reply_error(req, ERR_BAD_REQUEST, "Email is required");
        return;
    }
    db_conn *c = db_acquire(store_db);
    int rc = forgot(req, c, email, &e);
    db_release(store_db, c);
    if (rc) {
        reply_fail(req, &e);
        return;
    }
    reply_message(req, 200,
                  "If this email is registered, you will receive a password reset link shortly.");
}

static int reset(request *req, db_conn *c, err *e)
{
    const char *token = trim(req, body_str(req, "token"), false);
    if (!*token) return err_set(e, ERR_BAD_REQUEST, "Token is required");
    const char *pw = body_str(req, "newPassword");
    if (strcmp(pw, body_str(req, "retypePassword")) != 0)
        return err_set(e, ERR_BAD_REQUEST, "Password and retype password do not match");
    char hash[TOKEN_HASH_HEX_LEN + 1];
    token_hash(token, hash);
    token_row t;
    int rc = token_find(c, TOK_RESET, hash, &t, e);
    if (rc < 0) return -1;
    if (rc == 0) return err_set(e, ERR_BAD_REQUEST, "Invalid or expired reset token");
    if (login_check_policy(c, req->arena, t.identity_id, NULL, pw, e)) return -1;
    char phc[PASSWORD_PHC_MAX];
    if (login_hash_password(pw, phc, e)) return -1;
    if (db_begin(c, e)) return -1;
    rc = token_consume(c, hash, e);
    if (rc == 0) err_set(e, ERR_BAD_REQUEST, "Invalid or expired reset token");
    if (rc == 1 && (identity_set_password(c, t.identity_id, phc, true, e) ||
                    identity_clear_failures(c, t.identity_id, e) ||
                    identity_set_email_verified(c, t.identity_id, e) ||
                    token_delete_identity(c, t.identity_id,
                                          TOK_IDENTITY | TOK_CHANGE | TOK_MFA | TOK_RESET, e) ||
                    session_revoke_identity(c, t.identity_id, NULL, e) < 0))
        rc = -1;
    if (rc != 1 || db_commit(c, e)) {
        db_rollback(c);
        return -1;
    }
    session_cache_evict_identity(t.identity_id); /* again, after commit: no stale reload */
    return 0;
}

void api_reset_password(request *req)
{
    err e = {0};
    db_conn *c = db_acquire(store_db);
    int rc = reset(req, c, &e);
    db_release(store_db, c);
    if (rc) {
        reply_fail(req, &e);
        return;
    }
    reply_message(req, 200, "Password has been reset successfully.");
}

/* ---- availability ---- */

static bool same_tenant(request *req)
{
    if (strcmp(req->tenant_id, req->session->tenant_id) == 0) return true;
    reply_error(req, ERR_FORBIDDEN, "Session belongs to another tenant");
    return false;
}

static void reply_available(request *req, int taken, err *e)
{
    if (taken < 0)
        reply_fail(req, e);
    else
        reply_json(req, 200, json_pack("{s:b}", "available", !taken));
}

void api_availability_email(request *req)
{
    if (!same_tenant(req)) return;
    const char *email = lower_trimmed(req, body_str(req, "email"));
    if (!*email) {
        reply_error(req, ERR_BAD_REQUEST, "email is required");
        return;
    }
    err e = {0};
    db_conn *c = db_acquire(store_db);
    int taken = identity_email_taken(c, email, &e);
    db_release(store_db, c);
    reply_available(req, taken, &e);
}

void api_availability_username(request *req)
{
    if (!same_tenant(req)) return;
    const char *username = trim(req, body_str(req, "username"), false);
    if (!*username) {
        reply_error(req, ERR_BAD_REQUEST, "username is required");
        return;
    }
    err e = {0};
    db_conn *c = db_acquire(store_db);
    int taken = username_taken(c, req->tenant_id, username, &e);
    db_release(store_db, c);
    reply_available(req, taken, &e);
}

void api_availability_mobile(request *req)
{
    if (!same_tenant(req)) return;
    err e = {0};
    const char *mobile = trim(req, body_str(req, "mobile"), false);
    const char *cc = trim(req, body_str(req, "countryCode"), false);
    if (!*mobile)
        err_set(&e, ERR_BAD_REQUEST, "mobile is required");
    else if (!*cc)
        err_set(&e, ERR_BAD_REQUEST, "countryCode is required");
    else
        mobile_format(req->arena, cc, mobile, &cc, &e);
    if (e.kind != ERR_NONE) {
        reply_fail(req, &e);
        return;
    }
    db_conn *c = db_acquire(store_db);
    int taken = identity_mobile_taken(c, cc, mobile, &e);
    db_release(store_db, c);
    reply_available(req, taken, &e);
}
