/* login.c - gates, methods, finalization, passwords and policies for the
 * login-style routes (see login.h). */
#include "auth/login.h"

#include <string.h>

#include "auth/password.h"
#include "auth/session.h"
#include "auth/tenant_policy.h"
#include "config.h"
#include "series.h"
#include "tenant_config.h"
#include "store/tokens.h"
#include "util/log.h"
#include "util/timeutil.h"

#define MFA_TOKEN_TTL    300
#define CHANGE_TOKEN_TTL 900

int login_gates(const identity *id, const membership *m, int gates, const char **reason, err *e)
{
    int64_t now = now_us();
    if ((gates & GATE_G1) && (strcmp(m->status, "active") != 0 || !id->active)) {
        *reason = "inactive";
        return err_set(e, ERR_FORBIDDEN, "Account is not active");
    }
    if ((gates & GATE_G2) && identity_locked(id, now)) {
        *reason = "locked";
        return err_set(e, ERR_LOCKED, "Account is temporarily locked");
    }
    if ((gates & GATE_G3) && m->access_valid_until && m->access_valid_until <= now) {
        *reason = "access_expired";
        return err_set(e, ERR_ACCESS_EXPIRED, "Account access has expired");
    }
    return 0;
}

static unsigned member_methods(const identity *id, const membership *m)
{
    unsigned mask = 1u << LOGIN_OAUTH;
    if (id->email) mask |= 1u << LOGIN_EMAIL_PASSWORD | 1u << LOGIN_EMAIL_OTP;
    if (id->mobile && id->country_code) mask |= 1u << LOGIN_SMS_OTP | 1u << LOGIN_WHATSAPP_OTP;
    if (m->username) mask |= 1u << LOGIN_USERNAME_PASSWORD;
    return mask;
}

int login_method_allowed(db_conn *c, arena *a, const identity *id, const membership *m, int method,
                         err *e)
{
    unsigned tenant_mask;
    if (tenant_login_methods(c, a, m->tenant_id, &tenant_mask, e)) return -1;
    unsigned bit = 1u << method;
    return (tenant_mask & bit) && (member_methods(id, m) & bit) ? 1 : 0;
}

static json_t *token_result(const char *flag, const char *key, const char *token)
{
    return json_pack("{s:b,s:s}", flag, 1, key, token);
}

int login_finalize(db_conn *c, arena *a, const identity *id, const membership *m, int method,
                   bool confined, bool mfa_passed, json_t **result, err *e)
{
    char token[TOKEN_LEN + 1];
    token_row t = {0};
    snprintf(t.identity_id, sizeof t.identity_id, "%s", id->id);
    snprintf(t.tenant_id, sizeof t.tenant_id, "%s", m->tenant_id);
    snprintf(t.membership_id, sizeof t.membership_id, "%s", m->id);
    t.auth_method = method;
    t.confined = confined;
    if (id->mfa_enabled && !mfa_passed) {
        t.kind = TOK_MFA;
        if (token_issue(c, &t, MFA_TOKEN_TTL, token, e)) return -1;
        *result = token_result("mfaRequired", "mfaToken", token);
        return 0;
    }
    if (id->force_password_change) {
        t.kind = TOK_CHANGE;
        if (token_delete_membership(c, m->id, TOK_CHANGE, e)) return -1;
        if (token_issue(c, &t, CHANGE_TOKEN_TTL, token, e)) return -1;
        *result = token_result("passwordChangeRequired", "changeToken", token);
        return 0;
    }
    int64_t expires;
    if (session_issue(c, a, m->tenant_id, m->id, id->id, method, confined, token, &expires, e))
        return -1;
    char ts[RFC3339_LEN + 1];
    time_format(expires, ts);
    *result = json_pack("{s:s,s:s}", "sessionToken", token, "expiresAt", ts);
    return 0;
}

static argon2_params configured_params(void)
{
    argon2_params p = {cfg.argon2_m_kib, cfg.argon2_t, cfg.argon2_p};
    return p;
}

void login_dummy_verify(const char *password)
{
    argon2_params p = configured_params();
    size_t len = strlen(password);
    password_dummy_verify(&p, password, len > PASSWORD_MAX_BYTES ? PASSWORD_MAX_BYTES : len);
}

int login_hash_password(const char *password, char *out, err *e)
{
    argon2_params p = configured_params();
    return password_hash(&p, password, strlen(password), out, e);
}

int login_check_password(db_conn *c, arena *a, const identity *id, const char *password,
                         const char *lockout_tenant, err *e)
{
    if (!id->password_hash) {
        login_dummy_verify(password);
        return 0;
    }
    bool match = false;
    if (password_verify(id->password_hash, password, strlen(password), &match, e)) return -1;
    if (!match) {
        lockout_policy lp;
        lockout_policy_default(&lp);
        if (lockout_tenant && tenant_lockout_policy(c, a, lockout_tenant, &lp, e)) return -1;
        if (identity_record_failure(c, id->id, lp.max_attempts, lp.lock_minutes, e)) return -1;
        return 0;
    }
    if (identity_clear_failures(c, id->id, e)) return -1;
    argon2_params p = configured_params();
    if (password_needs_rehash(id->password_hash, &p)) {
        char fresh[PASSWORD_PHC_MAX];
        if (login_hash_password(password, fresh, e) ||
            identity_set_password(c, id->id, fresh, false, e))
            return -1;
    }
    return 1;
}

static int tenant_password_policy(db_conn *c, arena *a, const char *tenant_id, password_policy *out,
                                  err *e)
{
    const char *text = NULL;
    password_policy_default(out);
    int rc = tenant_config_read(c, a, tenant_id, "password_policy", "default", &text, e);
    if (rc < 0) return -1;
    if (rc == 1) {
        err ignored = {0};
        if (password_policy_parse(text, out, &ignored)) password_policy_default(out);
    }
    return 0;
}

int login_password_policies(db_conn *c, arena *a, const char *identity_id,
                            const char *joining_tenant, password_policy **out, size_t *n, err *e)
{
    char **tenants = NULL;
    char *none[] = {NULL};
    if (identity_id) {
        if (identity_active_tenants(c, a, identity_id, &tenants, e)) return -1;
    } else {
        tenants = none;
    }
    size_t count = 0;
    while (tenants[count])
        count++;
    password_policy *list = arena_alloc(a, (count + 1) * sizeof *list);
    size_t k = 0;
    bool joined = false;
    for (size_t i = 0; i < count; i++) {
        /* ids in order; insert the joining tenant at its place */
        if (joining_tenant && !joined && strcmp(joining_tenant, tenants[i]) <= 0) {
            joined = true;
            if (strcmp(joining_tenant, tenants[i]) != 0 &&
                tenant_password_policy(c, a, joining_tenant, &list[k++], e))
                return -1;
        }
        if (tenant_password_policy(c, a, tenants[i], &list[k++], e)) return -1;
    }
    if (joining_tenant && !joined && tenant_password_policy(c, a, joining_tenant, &list[k++], e))
        return -1;
    *out = list;
    *n = k;
    return 0;
}

int login_check_policy(db_conn *c, arena *a, const char *identity_id, const char *joining_tenant,
                       const char *password, err *e)
{
    password_policy *list;
    size_t n;
    if (login_password_policies(c, a, identity_id, joining_tenant, &list, &n, e)) return -1;
    return password_policy_check(list, n, password, e);
}

void login_metric_success(const char *method)
{
    const char *v[] = {method};
    if (series_login_success) metric_inc(series_login_success, v);
}

void login_metric_failure(const char *method, const char *reason)
{
    const char *v[] = {method, reason};
    if (series_login_failure) metric_inc(series_login_failure, v);
}
