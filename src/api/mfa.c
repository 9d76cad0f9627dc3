/* mfa.c - the MFA routes (API.md 3.10). */
#include <string.h>

#include "api/api.h"
#include "auth/authn.h"
#include "auth/login.h"
#include "auth/mfa.h"
#include "auth/ratelimit.h"
#include "auth/session.h"
#include "auth/tenant_policy.h"
#include "store/identities.h"
#include "store/store.h"
#include "store/tenants.h"
#include "store/tokens.h"
#include "util/timeutil.h"

void api_mfa_enable(request *req)
{
    err e = {0};
    json_t *out = NULL;
    const session_info *s = req->session;
    db_conn *c = db_acquire(store_db);
    int rc = mfa_enable(c, req->arena, s->tenant_id, s->membership_id, s->identity_id, &out, &e);
    db_release(store_db, c);
    if (rc)
        reply_err(req, &e);
    else
        reply_json(req, 200, out);
}

void api_mfa_verify(request *req)
{
    err e = {0};
    json_t *out = NULL;
    db_conn *c = db_acquire(store_db);
    int rc = mfa_verify(c, req->arena, req->session->identity_id, body_str(req, "code"), &out, &e);
    db_release(store_db, c);
    if (rc)
        reply_err(req, &e);
    else
        reply_json(req, 200, out);
}

/* ---- validate ---- */

int api_mfa_validate_check(request *req, err *e)
{
    char ip[64];
    ratelimit_client_ip(req, ip, sizeof ip);
    err ignored = {0};
    int rc = ratelimit_check(req, "mfa_validate_ip", ip, e);
    /* the token limit counts only requests with a well-formed Bearer header */
    if (rc == 0 && authn_parse_bearer(req, &ignored) == 0)
        rc = ratelimit_check(req, "mfa_validate_identifier", req->bearer_hash, e);
    if (rc) login_metric_failure("mfa", "rate_limited");
    return rc;
}

/* A wrong code: counted on the token, which the 5th wrong code burns. */
static int wrong_code(db_conn *c, const token_row *t, err *e)
{
    int n = token_add_attempt(c, t->hash, e);
    if (n < 0) return -1;
    if (n >= MFA_MAX_WRONG && token_consume(c, t->hash, e) < 0) return -1;
    return err_set(e, ERR_UNAUTHORIZED, "Invalid MFA code");
}

/* Steps 3-4 of 3.10 validate: the token's tenant, gates, consumption, finalize. */
static int validate_finish(request *req, db_conn *c, const token_row *t, const identity *id,
                           json_t **result, const char **reason, err *e)
{
    tenant tn;
    int rc = tenant_get(c, t->tenant_id, &tn, e);
    if (rc < 0) return -1;
    if (rc == 0) return err_set(e, ERR_NOT_FOUND, "Tenant not found");
    if (strcmp(tn.status, "active") != 0) return err_set(e, ERR_FORBIDDEN, "Tenant is not active");
    req->tenant_id = arena_strdup(req->arena, t->tenant_id);
    membership m;
    rc = membership_get(c, req->arena, t->membership_id, &m, e);
    if (rc < 0) return -1;
    if (rc == 0) return err_set(e, ERR_UNAUTHORIZED, "Invalid or expired MFA token");
    if (login_gates(id, &m, GATES_ALL, reason, e)) return -1;
    rc = token_consume(c, t->hash, e);
    if (rc < 0) return -1;
    if (rc == 0) return err_set(e, ERR_UNAUTHORIZED, "Invalid or expired MFA token");
    return login_finalize(c, req->arena, id, &m, t->auth_method, t->confined, true, result, e);
}

static int validate_run(request *req, db_conn *c, json_t **result, const char **reason, err *e)
{
    token_row t;
    if (authn_token(req, TOK_MFA, &t, e)) return -1;
    identity id;
    mfa_state st;
    int rc = identity_get(c, req->arena, t.identity_id, &id, e);
    if (rc == 1) rc = mfa_state_get(c, req->arena, t.identity_id, &st, e);
    if (rc < 0) return -1;
    if (rc == 0) return err_set(e, ERR_UNAUTHORIZED, "Invalid or expired MFA token");
    rc = mfa_check_code(c, req->arena, t.identity_id, &st, body_str(req, "code"), e);
    if (rc < 0) return -1;
    if (rc == 0) {
        *reason = "invalid_code";
        return wrong_code(c, &t, e);
    }
    return validate_finish(req, c, &t, &id, result, reason, e);
}

void api_mfa_validate(request *req)
{
    err e = {0};
    json_t *result = NULL;
    const char *reason = NULL;
    db_conn *c = db_acquire(store_db);
    int rc = validate_run(req, c, &result, &reason, &e);
    db_release(store_db, c);
    if (rc) {
        if (reason) login_metric_failure("mfa", reason);
        reply_err(req, &e);
        return;
    }
    login_metric_success("mfa");
    reply_json(req, 200, result);
}

/* ---- disable ---- */

int api_mfa_disable_check(request *req, err *e)
{
    err ignored = {0};
    if (authn_parse_bearer(req, &ignored)) return 0;
    return ratelimit_check(req, "mfa_disable_session", req->bearer_hash, e);
}

static int disable_run(request *req, db_conn *c, err *e)
{
    const session_info *s = req->session;
    identity id;
    mfa_state st;
    int rc = identity_get(c, req->arena, s->identity_id, &id, e);
    if (rc == 1) rc = mfa_state_get(c, req->arena, s->identity_id, &st, e);
    if (rc < 0) return -1;
    if (rc == 0) return err_internal(e, "mfa disable: session without identity");
    if (!st.enabled) return err_set(e, ERR_BAD_REQUEST, "MFA is not enabled");
    if (identity_locked(&id, now_us()))
        return err_set(e, ERR_LOCKED, "Account is temporarily locked");
    rc = mfa_check_code(c, req->arena, s->identity_id, &st, body_str(req, "code"), e);
    if (rc < 0) return -1;
    if (rc == 0) {
        lockout_policy lp;
        if (tenant_lockout_policy(c, req->arena, s->tenant_id, &lp, e) ||
            identity_record_failure(c, s->identity_id, lp.max_attempts, lp.lock_minutes, e))
            return -1;
        return err_set(e, ERR_BAD_REQUEST, "Invalid MFA code");
    }
    return mfa_reset_identity(c, s->identity_id, e);
}

void api_mfa_disable(request *req)
{
    err e = {0};
    db_conn *c = db_acquire(store_db);
    int rc = disable_run(req, c, &e);
    db_release(store_db, c);
    if (rc)
        reply_err(req, &e);
    else
        reply_json(req, 200, json_pack("{s:b}", "mfaEnabled", 0));
}
