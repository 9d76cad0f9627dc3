/* authn.c - Bearer header parsing and per-mode authentication (see authn.h). */
#include "auth/authn.h"

#include <jansson.h>
#include <string.h>
#include <strings.h>

#include "auth/session.h"
#include "config.h"
#include "store/store.h"

static bool printable_ascii(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e) return false;
    return true;
}

int authn_parse_bearer(request *req, err *e)
{
    const char *h = req_header(req, "Authorization");
    if (!h || !*h || !printable_ascii(h))
        return err_set(e, ERR_UNAUTHORIZED, "Missing Authorization header");
    if (strncasecmp(h, "Bearer ", 7) != 0)
        return err_set(e, ERR_UNAUTHORIZED, "Invalid Authorization header");
    req->bearer = h + 7; /* not trimmed (1.8) */
    token_hash(req->bearer, req->bearer_hash);
    return 0;
}

int authn_token(request *req, token_kind kind, token_row *out, err *e)
{
    const char *msg =
        kind == TOK_MFA ? "Invalid or expired MFA token" : "Invalid or expired identity token";
    if (!req->bearer || !*req->bearer) return err_set(e, ERR_UNAUTHORIZED, "%s", msg);
    db_conn *c = db_acquire(store_db);
    int rc = token_find(c, kind, req->bearer_hash, out, e);
    db_release(store_db, c);
    if (rc < 0) return -1;
    if (rc == 0) return err_set(e, ERR_UNAUTHORIZED, "%s", msg);
    return 0;
}

static int authn_session(request *req, err *e)
{
    if (!*req->bearer) return err_set(e, ERR_UNAUTHORIZED, "Invalid or expired session");
    if (session_authenticate(req->arena, req->bearer_hash, &req->session, e)) return -1;
    if (!req->tenant_id) req->tenant_id = req->session->tenant_id;
    return 0;
}

/* 3.17 steps 2-4, on an authenticated session. */
static int authn_builder(request *req, err *e)
{
    const session_info *s = req->session;
    if (!cfg.builder_tenant_id || strcmp(cfg.builder_tenant_id, s->tenant_id) != 0)
        return err_set(e, ERR_FORBIDDEN, "Access restricted to builder tenant");
    if (!cfg.allowed_roles || !cfg.allowed_roles[0])
        return err_set(e, ERR_FORBIDDEN, "No builder roles are configured");
    json_t *roles = json_loads(s->roles_json, 0, NULL);
    bool ok = false;
    size_t i;
    json_t *r;
    json_array_foreach(roles, i, r)
    {
        for (char **a = cfg.allowed_roles; *a && !ok; a++)
            if (strcmp(*a, json_string_value(r)) == 0) ok = true;
    }
    json_decref(roles);
    if (ok) return 0;
    char list[1024];
    size_t len = 0;
    list[0] = '\0';
    for (char **a = cfg.allowed_roles; *a && len < sizeof list; a++)
        len += snprintf(list + len, sizeof list - len, "%s%s", len ? ", " : "", *a);
    return err_set(e, ERR_FORBIDDEN, "Requires one of the following Builder roles: %s", list);
}

int authn_request(request *req, err *e)
{
    auth_mode mode = req->route->auth;
    if (mode == AUTH_NONE) return 0;
    if (mode == AUTH_ADMIN && !cfg.admin_auth) return 0;
    if (authn_parse_bearer(req, e)) return -1;
    switch (mode) {
    case AUTH_BEARER_PRESENT:
        return 0;
    case AUTH_IDENTITY: {
        token_row t;
        return authn_token(req, TOK_IDENTITY, &t, e);
    }
    case AUTH_MFA: {
        token_row t;
        return authn_token(req, TOK_MFA, &t, e);
    }
    case AUTH_SESSION:
        return authn_session(req, e);
    case AUTH_BUILDER:
        return authn_session(req, e) ? -1 : authn_builder(req, e);
    case AUTH_ADMIN:
        if (authn_session(req, e)) return -1;
        if (!req->tenant_id || strcmp(req->tenant_id, req->session->tenant_id) != 0)
            return err_set(e, ERR_FORBIDDEN, "Session belongs to another tenant");
        return admin_authorize ? admin_authorize(req, req->route->action, e) : 0;
    default:
        return 0;
    }
}
