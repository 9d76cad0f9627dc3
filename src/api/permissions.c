/* permissions.c - /admin/permissions routes (API.md 3.14): documents, their
 * Cedar text, and authorization checks against the compiled tenant policy. */
#include <stdlib.h>
#include <string.h>

#include "api/admin_common.h"
#include "api/api.h"
#include "authz/admin_gate.h"
#include "authz/cedar.h"
#include "authz/document.h"
#include "authz/packages.h"
#include "store/packages.h"
#include "store/permissions.h"
#include "store/store.h"
#include "util/strbuf.h"

int api_permissions_list_check(request *req, err *e)
{
    return admin_list_check(req, &permissions_rsql, 2, e);
}

static int resolve_any(void *ctx, const char *ref, char out[AUTHZ_ID_MAX], err *e)
{
    (void)ctx, (void)ref, (void)e;
    snprintf(out, AUTHZ_ID_MAX, "x");
    return 1;
}

/* Step 4: the document's JSON shape (422); rules and principals wait for step 7. */
int api_permissions_create_check(request *req, err *e)
{
    authz_resolver any = {NULL, resolve_any, resolve_any, resolve_any};
    err pe = {0};
    json_t *stored = authz_document_parse(body_get(req, "document"), "document", &any, &pe);
    json_decref(stored);
    if (!stored && pe.kind == ERR_VALIDATION) {
        *e = pe;
        return -1;
    }
    return 0;
}

static json_t *permission_json(tenant_authz *t, const permission_row *p)
{
    json_t *stored = json_loads(p->document, 0, NULL);
    authz_names names = tenant_authz_names(t);
    json_t *doc = authz_document_render(stored, &names);
    json_decref(stored);
    return json_pack("{s:s, s:s, s:o, s:o}", "id", p->id, "name", p->name, "description",
                     p->description ? json_string(p->description) : json_null(), "document",
                     doc ? doc : json_null());
}

void api_permissions_create(request *req)
{
    err e = {0};
    permission_row p = {0};
    json_t *out = NULL;
    tenant_authz *t = NULL;
    db_conn *c = req_db(req);
    int rc = ADMIN_WRITE(c, &e,
                         permission_create(c, req->arena, req->tenant_id, body_str(req, "name"),
                                           body_str(req, "description"), body_get(req, "document"),
                                           body_bool(req, "overwrite", false), &p, &e));
    if (rc == 0) rc = tenant_authz_get(c, req->tenant_id, &t, &e);
    if (rc == 0) out = permission_json(t, &p);
    tenant_authz_release(t);
    admin_reply(req, rc, &e, 201, out);
}

static void cedar_text(request *req, db_conn *c, tenant_authz *t, const permission_row *p,
                       strbuf *out, err *e, int *rc)
{
    const char **uids;
    size_t n;
    if ((*rc = permission_role_uids(c, req->arena, p->id, &uids, &n, e))) return;
    json_t *stored = json_loads(p->document, 0, NULL);
    authz_names names = tenant_authz_names(t);
    authz_cedar_permission(out, p->name, stored, uids, n, &names);
    json_decref(stored);
}

void api_permissions_get(request *req)
{
    err e = {0};
    permission_row p = {0};
    tenant_authz *t = NULL;
    const char *format = req_query(req, "format");
    bool cedar = format && strcmp(format, "cedar") == 0;
    json_t *out = NULL;
    strbuf text = STRBUF_INIT;
    db_conn *c = req_db(req);
    int rc = permission_must(c, req->arena, req->tenant_id, req_param(req, "permissionId"), &p, &e);
    if (rc == 0) rc = tenant_authz_get(c, req->tenant_id, &t, &e);
    if (rc == 0 && cedar)
        cedar_text(req, c, t, &p, &text, &e, &rc);
    else if (rc == 0)
        out = permission_json(t, &p);
    tenant_authz_release(t);
    if (rc == 0 && cedar)
        reply_text(req, 200, "text/plain; charset=utf-8", sb_str(&text), text.len);
    else
        admin_reply(req, rc, &e, 200, out);
    sb_free(&text);
}

void api_permissions_delete(request *req)
{
    err e = {0};
    db_conn *c = req_db(req);
    int rc = ADMIN_WRITE(
        c, &e,
        permission_delete(c, req->arena, req->tenant_id, req_param(req, "permissionId"), &e));
    admin_reply_message(req, rc, &e, 200, "Permission deleted");
}

/* ---- POST /admin/permissions/check ---- */

static json_t *matches_json(const authz_matches *m)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < m->len; i++)
        json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:s}", "permissionId",
                                             m->items[i].permission_id, "permission",
                                             m->items[i].permission, "sid", m->items[i].sid,
                                             "effect", m->items[i].allow ? "Allow" : "Deny"));
    return arr;
}

typedef struct check_in {
    const char *resource, *action;
    const json_t *context;
    bool explain;
} check_in;

static int check_validate(request *req, check_in *in, err *e)
{
    in->resource = body_str(req, "resource");
    in->action = body_str(req, "action");
    json_t *ctx = body_get(req, "context");
    in->context = json_is_object(ctx) ? ctx : NULL;
    in->explain = body_bool(req, "explain", false);
    if (!authz_resource_valid(in->resource))
        return err_set(e, ERR_BAD_REQUEST, "Invalid resource '%s'", in->resource);
    if (in->action && !authz_action_name_valid(in->action))
        return err_set(e, ERR_BAD_REQUEST, "Invalid action '%s'", in->action);
    if (!authz_context_valid(in->context))
        return err_set(e, ERR_BAD_REQUEST,
                       "context may contain only strings, integers, booleans, arrays and objects");
    return 0;
}

static json_t *check_all(request *req, db_conn *c, const tenant_authz *t, const authz_member *m,
                         const check_in *in, err *e)
{
    authz_package *pkgs;
    size_t npkgs;
    if (packages_load(c, req->arena, req->tenant_id, &pkgs, &npkgs, e)) return NULL;
    authz_candidate *cands;
    size_t n = authz_candidates(req->arena, pkgs, npkgs, in->resource, &cands);
    authz_subject s = {m->id, m->role_ids, m->n_roles, m->group_ids, m->n_groups, m->attrs};
    authz_principal pr;
    authz_principal_init(&pr, t->policy, &s);
    json_t *decisions = json_object(), *by_action = in->explain ? json_object() : NULL;
    for (size_t i = 0; i < n; i++) {
        authz_matches mm = {0};
        bool ok = authz_check(&pr, cands[i].action, cands[i].resource, in->context,
                              in->explain ? &mm : NULL);
        json_object_set_new(decisions, cands[i].action, json_boolean(ok));
        if (by_action) json_object_set_new(by_action, cands[i].action, matches_json(&mm));
        authz_matches_free(&mm);
    }
    authz_principal_free(&pr);
    json_t *out = json_pack("{s:s, s:o}", "resource", in->resource, "decisions", decisions);
    if (by_action) json_object_set_new(out, "matchedByAction", by_action);
    return out;
}

static json_t *check_one(const tenant_authz *t, const authz_member *m, const check_in *in)
{
    authz_matches mm = {0};
    bool ok = authz_decide(t, m, in->action, in->resource, in->context, in->explain ? &mm : NULL);
    json_t *out =
        json_pack("{s:s, s:s, s:b}", "resource", in->resource, "action", in->action, "allowed", ok);
    if (in->explain) json_object_set_new(out, "matched", matches_json(&mm));
    authz_matches_free(&mm);
    return out;
}

void api_permissions_check(request *req)
{
    err e = {0};
    check_in in = {0};
    tenant_authz *t = NULL;
    authz_member m = {0};
    json_t *out = NULL;
    db_conn *c = req_db(req);
    int rc = tenant_authz_get(c, req->tenant_id, &t, &e);
    if (rc == 0) {
        rc = authz_member_load(c, req->arena, t, body_str(req, "userId"), &m, &e);
        if (rc == 0)
            rc = err_set(&e, ERR_NOT_FOUND, "User not found");
        else if (rc == 1)
            rc = check_validate(req, &in, &e);
    }
    if (rc == 0) {
        out = in.action ? check_one(t, &m, &in) : check_all(req, c, t, &m, &in, &e);
        if (!out) rc = -1;
    }
    authz_member_free(&m);
    tenant_authz_release(t);
    admin_reply(req, rc, &e, 200, out);
}
