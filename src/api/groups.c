/* groups.c - /admin/groups routes (API.md 3.13). */
#include "api/admin_common.h"
#include "api/api.h"
#include "store/groups.h"
#include "store/roles.h"
#include "store/store.h"
#include "store/users_admin.h"

int api_groups_list_check(request *req, err *e)
{
    return admin_list_check(req, &groups_rsql, 2, e);
}

int api_group_users_list_check(request *req, err *e)
{
    return admin_list_check(req, &group_members_rsql, 2, e);
}

void api_groups_create(request *req)
{
    err e = {0};
    group_row g = {0};
    db_conn *c = req_db(req);
    int rc = ADMIN_WRITE(c, &e,
                         group_create(c, req->arena, req->tenant_id, body_str(req, "name"),
                                      body_str(req, "description"), &g, &e));
    admin_reply(req, rc, &e, 201, rc == 0 ? group_json(&g) : NULL);
}

void api_groups_list(request *req)
{
    err e = {0};
    json_t *list = json_array();
    db_conn *c = req_db(req);
    int rc = groups_list(c, req->arena, req->tenant_id, admin_list_spec(req), list, &e);
    admin_reply(req, rc, &e, 200, json_pack("{s:o}", "groups", list));
}

void api_groups_get(request *req)
{
    err e = {0};
    group_row g = {0};
    db_conn *c = req_db(req);
    int rc = group_must(c, req->arena, req->tenant_id, req_param(req, "groupId"), &g, &e);
    admin_reply(req, rc, &e, 200, rc == 0 ? group_json(&g) : NULL);
}

void api_groups_delete(request *req)
{
    err e = {0};
    db_conn *c = req_db(req);
    int rc = ADMIN_WRITE(
        c, &e, group_delete(c, req->arena, req->tenant_id, req_param(req, "groupId"), &e));
    admin_reply_message(req, rc, &e, 200, "Group deleted");
}

/* Group, then user, of the tenant (the 404s in that order). */
static int group_and_user(request *req, db_conn *c, const char *user_id, err *e)
{
    group_row g = {0};
    identity i = {0};
    membership m = {0};
    if (group_must(c, req->arena, req->tenant_id, req_param(req, "groupId"), &g, e)) return -1;
    return admin_user_must(c, req->arena, req->tenant_id, user_id, &i, &m, e);
}

void api_group_user_add(request *req)
{
    err e = {0};
    db_conn *c = req_db(req);
    const char *user = body_str(req, "userId");
    int rc = ADMIN_WRITE(c, &e,
                         group_and_user(req, c, user, &e) ||
                             group_member_add(c, req_param(req, "groupId"), user, &e));
    admin_reply_message(req, rc, &e, 201, "User added to group");
}

void api_group_user_remove(request *req)
{
    err e = {0};
    db_conn *c = req_db(req);
    const char *user = req_param(req, "userId");
    int rc = ADMIN_WRITE(c, &e,
                         group_and_user(req, c, user, &e) ||
                             group_member_remove(c, req_param(req, "groupId"), user, &e));
    admin_reply_message(req, rc, &e, 200, "User removed from group");
}

void api_group_users_list(request *req)
{
    err e = {0};
    group_row g = {0};
    json_t *list = json_array();
    db_conn *c = req_db(req);
    int rc = group_must(c, req->arena, req->tenant_id, req_param(req, "groupId"), &g, &e);
    if (rc == 0) rc = group_members_list(c, req->arena, g.id, admin_list_spec(req), list, &e);
    admin_reply(req, rc, &e, 200, json_pack("{s:o}", "users", list));
}

void api_group_role_assign(request *req)
{
    err e = {0};
    group_row g = {0};
    db_conn *c = req_db(req);
    int rc = ADMIN_WRITE(
        c, &e,
        group_must(c, req->arena, req->tenant_id, req_param(req, "groupId"), &g, &e) ||
            group_role_assign(c, req->arena, req->tenant_id, g.id, body_str(req, "roleId"), &e));
    admin_reply_message(req, rc, &e, 201, "Role assigned to group");
}

void api_group_role_remove(request *req)
{
    err e = {0};
    group_row g = {0};
    db_conn *c = req_db(req);
    int rc = ADMIN_WRITE(
        c, &e,
        group_must(c, req->arena, req->tenant_id, req_param(req, "groupId"), &g, &e) ||
            group_role_remove(c, req->arena, req->tenant_id, g.id, req_param(req, "roleId"), &e));
    admin_reply_message(req, rc, &e, 200, "Role removed from group");
}

void api_group_roles_list(request *req)
{
    err e = {0};
    group_row g = {0};
    json_t *list = json_array();
    db_conn *c = req_db(req);
    int rc = group_must(c, req->arena, req->tenant_id, req_param(req, "groupId"), &g, &e);
    if (rc == 0) rc = roles_of_group(c, req->arena, g.id, list, &e);
    admin_reply(req, rc, &e, 200, json_pack("{s:o}", "roles", list));
}
