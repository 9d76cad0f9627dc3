/* session.c - the session routes of API.md 3.7: validate, me, logout,
 * logout/all, change-password and force-change-password. */
#include <string.h>

#include "api/api.h"
#include "auth/authn.h"
#include "auth/login.h"
#include "auth/password.h"
#include "auth/ratelimit.h"
#include "auth/session.h"
#include "auth/session_cache.h"
#include "store/tenants.h"
#include "store/tokens.h"
#include "store/identities.h"
#include "store/store.h"
#include "util/timeutil.h"

void api_session_validate(request *req)
{
    const session_info *s = req->session;
    /* prefix + "expiresAt":"<time>"} without printf: this is the hottest route */
    static const char key[] = "\"expiresAt\":\"";
    size_t n = strlen(s->validate_prefix);
    char *body = arena_alloc(req->arena, n + sizeof key + RFC3339_LEN + 2);
    memcpy(body, s->validate_prefix, n);
    memcpy(body + n, key, sizeof key - 1);
    n += sizeof key - 1;
    time_format(s->expires_at, body + n);
    n += RFC3339_LEN;
    memcpy(body + n, "\"}", 2);
    reply_text(req, 200, "application/json", body, n + 2);
}

void api_session_me(request *req)
{
    const session_info *s = req->session;
    err e = {0};
    identity id;
    membership m;
    db_conn *c = db_acquire(store_db);
    int rc = membership_get(c, req->arena, s->membership_id, &m, &e);
    if (rc == 1) rc = identity_get(c, req->arena, s->identity_id, &id, &e);
    db_release(store_db, c);
    if (rc != 1) {
        if (rc == 0) err_set(&e, ERR_UNAUTHORIZED, "Invalid or expired session");
        reply_err(req, &e);
        return;
    }
    char ts[RFC3339_LEN + 1];
    time_format(s->expires_at, ts);
    json_t *out = json_object();
    json_object_set_new(out, "userId", json_string(s->membership_id));
    json_object_set_new(out, "identityId", json_string(s->identity_id));
    json_object_set_new(out, "roles", json_loads(s->roles_json, 0, NULL));
    json_object_set_new(out, "permissions", json_loads(s->permissions_json, 0, NULL));
    json_object_set_new(out, "expiresAt", json_string(ts));
    json_object_set_new(out, "user", user_json(&id, &m));
    reply_json(req, 200, out);
}

void api_logout(request *req)
{
    err e = {0};
    db_conn *c = db_acquire(store_db);
    long n = session_revoke_token(c, req->bearer_hash, &e);
    db_release(store_db, c);
    if (n < 0) {
        reply_err(req, &e);
        return;
    }
    reply_json(req, 200, json_pack("{s:b}", "ok", 1));
}

void api_logout_all(request *req)
{
    const session_info *s = req->session;
    err e = {0};
    if (strcmp(req->tenant_id, s->tenant_id) != 0) {
        reply_error(req, ERR_FORBIDDEN, "Session belongs to another tenant");
        return;
    }
    db_conn *c = db_acquire(store_db);
    long n = session_revoke_membership(c, s->membership_id, &e);
    db_release(store_db, c);
    if (n < 0) {
        reply_err(req, &e);
        return;
    }
    reply_json(req, 200, json_pack("{s:b,s:I}", "ok", 1, "sessionsRevoked", (json_int_t)n));
}

/* ---- change-password (3.7) ---- */

int api_change_password_check(request *req, err *e)
{
    err ignored = {0};
    if (authn_parse_bearer(req, &ignored)) return 0; /* not counted without a Bearer header */
    return ratelimit_check(req, "change_password_session", req->bearer_hash, e);
}

static int change_password(request *req, db_conn *c, err *e)
{
    const session_info *s = req->session;
    const char *pw = body_str(req, "newPassword");
    if (strcmp(pw, body_str(req, "retypePassword")) != 0)
        return err_set(e, ERR_BAD_REQUEST, "Password and retype password do not match");
    if (login_check_policy(c, req->arena, s->identity_id, NULL, pw, e)) return -1;
    identity id;
    int rc = identity_get(c, req->arena, s->identity_id, &id, e);
    if (rc <= 0) return rc < 0 ? -1 : err_set(e, ERR_UNAUTHORIZED, "Invalid or expired session");
    if (!id.password_hash) return err_set(e, ERR_BAD_REQUEST, "Account has no password set");
    if (identity_locked(&id, now_us()))
        return err_set(e, ERR_LOCKED, "Account is temporarily locked");
    const char *current = body_str(req, "currentPassword");
    rc = strlen(current) > PASSWORD_MAX_BYTES
             ? 0
             : login_check_password(c, req->arena, &id, current, s->tenant_id, e);
    if (rc < 0) return -1;
    if (rc == 0) return err_set(e, ERR_UNAUTHORIZED, "Current password is incorrect");
    char phc[PASSWORD_PHC_MAX];
    if (login_hash_password(pw, phc, e)) return -1;
    if (db_begin(c, e)) return -1;
    if (identity_set_password(c, id.id, phc, true, e) ||
        token_delete_identity(c, id.id, TOK_IDENTITY | TOK_CHANGE | TOK_RESET, e) ||
        session_revoke_identity(c, id.id, s->token_hash, e) < 0 || db_commit(c, e)) {
        db_rollback(c);
        return -1;
    }
    session_cache_evict_identity(id.id);
    return 0;
}

void api_change_password(request *req)
{
    err e = {0};
    db_conn *c = db_acquire(store_db);
    int rc = change_password(req, c, &e);
    db_release(store_db, c);
    if (rc) {
        reply_err(req, &e);
        return;
    }
    reply_message(req, 200, "Password changed successfully.");
}

/* ---- force-change-password (3.7) ---- */

static int force_change(request *req, db_conn *c, json_t **out, err *e)
{
    char hash[TOKEN_HASH_HEX_LEN + 1];
    token_hash(body_str(req, "changeToken"), hash);
    token_row t;
    int rc = token_find(c, TOK_CHANGE, hash, &t, e);
    if (rc < 0) return -1;
    if (rc == 0) return err_set(e, ERR_UNAUTHORIZED, "Invalid or expired change token");
    tenant tn;
    rc = tenant_get(c, t.tenant_id, &tn, e);
    if (rc < 0) return -1;
    if (rc == 0 || strcmp(tn.status, "active") != 0)
        return err_set(e, ERR_FORBIDDEN, "Tenant is not active");
    const char *pw = body_str(req, "newPassword");
    if (strcmp(pw, body_str(req, "retypePassword")) != 0)
        return err_set(e, ERR_BAD_REQUEST, "Password and retype password do not match");
    if (login_check_policy(c, req->arena, t.identity_id, NULL, pw, e)) return -1;
    identity id;
    membership m;
    const char *reason;
    rc = membership_get(c, req->arena, t.membership_id, &m, e);
    if (rc == 1) rc = identity_get(c, req->arena, t.identity_id, &id, e);
    if (rc <= 0)
        return rc < 0 ? -1 : err_set(e, ERR_UNAUTHORIZED, "Invalid or expired change token");
    if (login_gates(&id, &m, GATE_G1 | GATE_G3, &reason, e)) return -1;
    char phc[PASSWORD_PHC_MAX];
    if (login_hash_password(pw, phc, e)) return -1;
    char token[TOKEN_LEN + 1];
    int64_t expires;
    if (db_begin(c, e)) return -1;
    rc = token_consume(c, hash, e);
    if (rc == 0) err_set(e, ERR_UNAUTHORIZED, "Invalid or expired change token");
    if (rc == 1 && (identity_set_password(c, id.id, phc, true, e) ||
                    token_delete_identity(c, id.id, TOK_CHANGE | TOK_RESET, e) ||
                    session_revoke_identity(c, id.id, NULL, e) < 0 ||
                    session_issue(c, req->arena, m.tenant_id, m.id, id.id, t.auth_method,
                                  t.confined, token, &expires, e)))
        rc = -1;
    if (rc != 1 || db_commit(c, e)) {
        db_rollback(c);
        return -1;
    }
    session_cache_evict_identity(id.id);
    char ts[RFC3339_LEN + 1];
    time_format(expires, ts);
    *out = json_pack("{s:s,s:s}", "sessionToken", token, "expiresAt", ts);
    return 0;
}

void api_force_change_password(request *req)
{
    err e = {0};
    json_t *out = NULL;
    db_conn *c = db_acquire(store_db);
    int rc = force_change(req, c, &out, &e);
    db_release(store_db, c);
    if (rc) {
        reply_err(req, &e);
        return;
    }
    reply_json(req, 200, out);
}
