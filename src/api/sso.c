/* sso.c - single sign-on across tenants (API.md 3.6): identity login, the
 * identity's tenants, tenant selection, switching, the session's tenants
 * and global logout. */
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "auth/authn.h"
#include "auth/login.h"
#include "auth/password.h"
#include "auth/ratelimit.h"
#include "auth/session.h"
#include "auth/tenant_policy.h"
#include "store/identities.h"
#include "store/store.h"
#include "store/tenants.h"
#include "store/tokens.h"
#include "util/timeutil.h"
#include "util/utf8.h"

#define IDENTITY_TOKEN_TTL 600

static const char *email_of(request *req)
{
    char *t = utf8_trim(body_str(req, "email"));
    char *out = arena_strdup(req->arena, t);
    free(t);
    return out;
}

int api_login_identity_check(request *req, err *e)
{
    char ip[64];
    ratelimit_client_ip(req, ip, sizeof ip);
    char *lower = utf8_lower(email_of(req));
    const char *key = arena_strdup(req->arena, lower);
    free(lower);
    if (ratelimit_check(req, "identity_login_ip", ip, e) == 0 &&
        ratelimit_check(req, "identity_login_identifier", key, e) == 0)
        return 0;
    if (e->kind == ERR_RATE_LIMITED) login_metric_failure("identity", "rate_limited");
    return -1;
}

static int identity_login(request *req, db_conn *c, json_t **out, const char **reason, err *e)
{
    const char *password = body_str(req, "password");
    identity id;
    *reason = "invalid_credentials";
    int rc = identity_find_by_email(c, req->arena, email_of(req), &id, e);
    if (rc < 0) return -1;
    if (rc == 0) {
        login_dummy_verify(password);
        return err_set(e, ERR_UNAUTHORIZED, "Invalid credentials");
    }
    if (!id.active) {
        *reason = "inactive";
        return err_set(e, ERR_FORBIDDEN, "Account is not active");
    }
    if (identity_locked(&id, now_us())) {
        *reason = "locked";
        return err_set(e, ERR_LOCKED, "Account is temporarily locked");
    }
    if (strlen(password) > PASSWORD_MAX_BYTES) {
        login_dummy_verify(password);
        return err_set(e, ERR_UNAUTHORIZED, "Invalid credentials");
    }
    rc = login_check_password(c, req->arena, &id, password, NULL, e);
    if (rc < 0) return -1;
    if (rc == 0) return err_set(e, ERR_UNAUTHORIZED, "Invalid credentials");
    char token[TOKEN_LEN + 1];
    token_row t = {.kind = TOK_IDENTITY, .auth_method = LOGIN_EMAIL_PASSWORD};
    snprintf(t.identity_id, sizeof t.identity_id, "%s", id.id);
    if (token_issue(c, &t, IDENTITY_TOKEN_TTL, token, e)) return -1;
    json_t *tenants = identity_tenant_list(c, id.id, e);
    if (!tenants) return -1;
    *out = json_pack("{s:s,s:o}", "identityToken", token, "tenants", tenants);
    return 0;
}

void api_login_identity(request *req)
{
    err e = {0};
    json_t *out = NULL;
    const char *reason = NULL;
    db_conn *c = db_acquire(store_db);
    int rc = identity_login(req, c, &out, &reason, &e);
    db_release(store_db, c);
    if (rc) {
        if (e.kind != ERR_INTERNAL) login_metric_failure("identity", reason);
        reply_err(req, &e);
        return;
    }
    login_metric_success("identity");
    reply_json(req, 200, out);
}

void api_identity_tenants(request *req)
{
    err e = {0};
    token_row t;
    if (authn_token(req, TOK_IDENTITY, &t, &e)) {
        reply_err(req, &e);
        return;
    }
    db_conn *c = db_acquire(store_db);
    json_t *tenants = identity_tenant_list(c, t.identity_id, &e);
    db_release(store_db, c);
    if (!tenants) {
        reply_err(req, &e);
        return;
    }
    reply_json(req, 200, json_pack("{s:o}", "tenants", tenants));
}

/* Steps 2-7 of select-tenant (and 2 of switch): membership, tenant, gates,
 * method (password logins count as 1), email domain, finalize. */
static int select_tenant(request *req, db_conn *c, const char *identity_id, int method,
                         bool confined, bool mfa_passed, json_t **out, const char **reason, err *e)
{
    const char *tenant_id = body_str(req, "tenantId");
    membership m;
    identity id;
    *reason = "no_membership";
    int rc = membership_find(c, req->arena, tenant_id, identity_id, &m, e);
    if (rc < 0) return -1;
    if (rc == 0) return err_set(e, ERR_FORBIDDEN, "No membership in this tenant");
    tenant t;
    *reason = "inactive";
    rc = tenant_get(c, tenant_id, &t, e);
    if (rc < 0) return -1;
    if (rc == 0 || strcmp(t.status, "active") != 0)
        return err_set(e, ERR_FORBIDDEN, "Tenant is not active");
    rc = identity_get(c, req->arena, identity_id, &id, e);
    if (rc <= 0) return rc < 0 ? -1 : err_set(e, ERR_UNAUTHORIZED, "Invalid credentials");
    if (login_gates(&id, &m, GATES_ALL, reason, e)) return -1;
    int check_method = method == LOGIN_USERNAME_PASSWORD ? LOGIN_EMAIL_PASSWORD : method;
    rc = login_method_allowed(c, req->arena, &id, &m, check_method, e);
    if (rc < 0) return -1;
    if (rc == 0) {
        *reason = "method_not_allowed";
        return err_set(e, ERR_FORBIDDEN, "This login method is not allowed for your account");
    }
    rc = tenant_email_domain_allowed(c, req->arena, tenant_id, id.email, e);
    if (rc < 0) return -1;
    if (rc == 0) {
        *reason = "domain_not_allowed";
        return err_set(e, ERR_FORBIDDEN, "Email domain is not permitted");
    }
    return login_finalize(c, req->arena, &id, &m, method, confined, mfa_passed, out, e);
}

static void finish(request *req, const char *metric, int rc, json_t *out, const char *reason,
                   err *e)
{
    if (rc) {
        if (e->kind != ERR_INTERNAL && reason) login_metric_failure(metric, reason);
        reply_err(req, e);
        return;
    }
    login_metric_success(metric);
    reply_json(req, 200, out);
}

void api_select_tenant(request *req)
{
    err e = {0};
    token_row t;
    json_t *out = NULL;
    const char *reason = NULL;
    if (authn_token(req, TOK_IDENTITY, &t, &e)) {
        reply_err(req, &e);
        return;
    }
    db_conn *c = db_acquire(store_db);
    int rc = select_tenant(req, c, t.identity_id, t.auth_method ? t.auth_method : 1, t.confined,
                           false, &out, &reason, &e);
    db_release(store_db, c);
    finish(req, "select_tenant", rc, out, reason, &e);
}

void api_session_switch(request *req)
{
    const session_info *s = req->session;
    err e = {0};
    json_t *out = NULL;
    const char *reason = NULL;
    int rc;
    if (s->confined) {
        reason = "tenant_confined";
        rc = err_set(&e, ERR_FORBIDDEN, "This session cannot switch tenants");
    } else {
        db_conn *c = db_acquire(store_db);
        rc = select_tenant(req, c, s->identity_id, s->auth_method, false, true, &out, &reason, &e);
        db_release(store_db, c);
    }
    finish(req, "switch", rc, out, reason, &e);
}

void api_session_tenants(request *req)
{
    const session_info *s = req->session;
    err e = {0};
    json_t *tenants;
    if (s->confined) {
        tenants = json_pack("[{s:s,s:s}]", "tenantId", s->tenant_id, "status", "active");
    } else {
        db_conn *c = db_acquire(store_db);
        tenants = identity_tenant_list(c, s->identity_id, &e);
        db_release(store_db, c);
    }
    if (!tenants) {
        reply_err(req, &e);
        return;
    }
    reply_json(req, 200,
               json_pack("{s:s,s:o}", "currentTenantId", s->tenant_id, "tenants", tenants));
}

void api_logout_global(request *req)
{
    const session_info *s = req->session;
    err e = {0};
    db_conn *c = db_acquire(store_db);
    long n = session_revoke_identity(c, s->identity_id, NULL, &e);
    if (n >= 0 && token_delete_identity(c, s->identity_id, TOK_IDENTITY | TOK_MFA | TOK_CHANGE, &e))
        n = -1;
    db_release(store_db, c);
    if (n < 0) {
        reply_err(req, &e);
        return;
    }
    reply_json(req, 200, json_pack("{s:b,s:I}", "ok", 1, "sessionsRevoked", (json_int_t)n));
}
