/* session.c - the session routes of API.md 3.7: validate, me, logout,
 * logout/all, change-password and force-change-password. */
#include <string.h>

#include "api/api.h"
#include "auth/session.h"
#include "store/identities.h"
#include "store/store.h"
#include "util/timeutil.h"

void api_session_validate(request *req)
{
    const session_info *s = req->session;
    char ts[RFC3339_LEN + 1];
    time_format(s->expires_at, ts);
    char *body = arena_printf(req->arena, "%s\"expiresAt\":\"%s\"}", s->validate_prefix, ts);
    reply_text(req, 200, "application/json", body, strlen(body));
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
