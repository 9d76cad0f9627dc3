/* roles.c - /admin/roles routes (API.md 3.12). */
#include "api/admin_common.h"
#include "api/api.h"
#include "authz/document.h"
#include "authz/policy_cache.h"
#include "store/permissions.h"
#include "store/roles.h"
#include "store/store.h"

int api_roles_list_check(request *req, err *e)
{
    return admin_list_check(req, &roles_rsql, 2, e);
}

void api_roles_create(request *req)
{
    err e = {0};
    role_row r = {0};
    db_conn *c = req_db(req);
    int rc = ADMIN_WRITE(c, &e,
                         role_create(c, req->arena, req->tenant_id, body_str(req, "name"),
                                     body_str(req, "parentRoleId"), &r, &e));
    admin_reply(req, rc, &e, 201, rc == 0 ? role_json(&r) : NULL);
}

void api_roles_list(request *req)
{
    err e = {0};
    json_t *roles = json_array();
    db_conn *c = req_db(req);
    int rc = roles_list(c, req->arena, req->tenant_id, admin_list_spec(req), roles, &e);
    admin_reply(req, rc, &e, 200, json_pack("{s:o}", "roles", roles));
}

void api_roles_delete(request *req)
{
    err e = {0};
    db_conn *c = req_db(req);
    int rc = ADMIN_WRITE(c, &e,
                         role_delete(c, req->arena, req->tenant_id, req_param(req, "roleId"), &e));
    admin_reply_message(req, rc, &e, 200, "Role deleted");
}

void api_roles_set_parent(request *req)
{
    err e = {0};
    db_conn *c = req_db(req);
    int rc = ADMIN_WRITE(c, &e,
                         role_set_parent(c, req->arena, req->tenant_id, req_param(req, "roleId"),
                                         body_str(req, "parentRoleId"), &e));
    admin_reply_message(req, rc, &e, 200, "Role parent updated.");
}

void api_roles_hierarchy(request *req)
{
    err e = {0};
    json_t *list = json_array();
    db_conn *c = req_db(req);
    int rc = role_ancestors(c, req->arena, req->tenant_id, req_param(req, "roleId"), list, &e);
    admin_reply(req, rc, &e, 200, json_pack("{s:o}", "ancestors", list));
}

void api_role_permission_attach(request *req)
{
    err e = {0};
    db_conn *c = req_db(req);
    int rc = ADMIN_WRITE(c, &e,
                         permission_attach(c, req->arena, req->tenant_id, req_param(req, "roleId"),
                                           body_str(req, "permissionId"), &e));
    admin_reply_message(req, rc, &e, 201, "Permission attached to role");
}

void api_role_permission_detach(request *req)
{
    err e = {0};
    db_conn *c = req_db(req);
    int rc = ADMIN_WRITE(c, &e,
                         permission_detach(c, req->arena, req->tenant_id, req_param(req, "roleId"),
                                           req_param(req, "permissionId"), &e));
    admin_reply_message(req, rc, &e, 200, "Permission detached from role");
}

typedef struct perm_render {
    json_t *out;
    tenant_authz *t;
} perm_render;

static int render_perm(const permission_row *p, void *ctx)
{
    perm_render *pr = ctx;
    json_t *stored = json_loads(p->document, 0, NULL);
    authz_names names = tenant_authz_names(pr->t);
    json_t *doc = authz_document_render(stored, &names);
    json_decref(stored);
    json_array_append_new(
        pr->out, json_pack("{s:s, s:s, s:o, s:o}", "id", p->id, "name", p->name, "description",
                           p->description ? json_string(p->description) : json_null(), "document",
                           doc ? doc : json_null()));
    return 0;
}

/* The permission objects of one role, or of the list route. */
static int permissions_json(request *req, db_conn *c, const char *role_id, json_t *out, err *e)
{
    perm_render pr = {out, NULL};
    if (tenant_authz_get(c, req->tenant_id, &pr.t, e)) return -1;
    int rc;
    if (role_id) {
        role_row r = {0};
        rc = role_get(c, req->arena, req->tenant_id, role_id, &r, e);
        if (rc == 0)
            rc = err_set(e, ERR_NOT_FOUND, "Role not found");
        else if (rc == 1)
            rc = permissions_of_role(c, req->arena, role_id, render_perm, &pr, e);
    } else {
        rc = permissions_list(c, req->arena, req->tenant_id, admin_list_spec(req), render_perm, &pr,
                              e);
    }
    tenant_authz_release(pr.t);
    return rc < 0 ? -1 : 0;
}

void api_role_permissions_list(request *req)
{
    err e = {0};
    json_t *list = json_array();
    db_conn *c = req_db(req);
    int rc = permissions_json(req, c, req_param(req, "roleId"), list, &e);
    admin_reply(req, rc, &e, 200, json_pack("{s:o}", "permissions", list));
}

void api_permissions_list(request *req)
{
    err e = {0};
    json_t *list = json_array();
    db_conn *c = req_db(req);
    int rc = permissions_json(req, c, NULL, list, &e);
    admin_reply(req, rc, &e, 200, json_pack("{s:o}", "permissions", list));
}
