/* users.c - /admin/users routes (API.md 3.11). */
#include <string.h>

#include "api/admin_common.h"
#include "api/api.h"
#include "store/groups.h"
#include "store/roles.h"
#include "store/store.h"
#include "auth/admin_users.h"
#include "util/timeutil.h"

int api_users_list_check(request *req, err *e)
{
    return admin_list_check(req, &users_rsql, 2, e);
}

void api_users_create(request *req)
{
    err e = {0};
    admin_user_input in = {body_str(req, "firstName"), body_str(req, "lastName"),
                           body_str(req, "email"),     body_str(req, "username"),
                           body_str(req, "mobile"),    body_str(req, "countryCode"),
                           body_str(req, "password"),  body_str(req, "retypePassword")};
    json_t *user = NULL;
    db_conn *c = req_db(req);
    int rc = admin_user_create(c, req->arena, req->tenant, &in, &user, &e);
    admin_reply(req, rc, &e, 201, user);
}

void api_users_list(request *req)
{
    err e = {0};
    const char *ia = req_query(req, "includeArchived");
    json_t *list = json_array();
    db_conn *c = req_db(req);
    int rc = users_list(c, req->arena, req->tenant_id, ia && strcmp(ia, "true") == 0,
                        admin_list_spec(req), list, &e);
    admin_reply(req, rc, &e, 200, json_pack("{s:o}", "users", list));
}

static int user_must(request *req, db_conn *c, err *e)
{
    identity i = {0};
    membership m = {0};
    return admin_user_must(c, req->arena, req->tenant_id, req_param(req, "userId"), &i, &m, e);
}

void api_user_roles_list(request *req)
{
    err e = {0};
    json_t *list = json_array();
    db_conn *c = req_db(req);
    int rc = user_must(req, c, &e);
    if (rc == 0) rc = roles_of_user(c, req->arena, req_param(req, "userId"), list, &e);
    admin_reply(req, rc, &e, 200, json_pack("{s:o}", "roles", list));
}

void api_user_groups_list(request *req)
{
    err e = {0};
    json_t *list = json_array();
    db_conn *c = req_db(req);
    int rc = user_must(req, c, &e);
    if (rc == 0) rc = groups_of_user(c, req->arena, req_param(req, "userId"), list, &e);
    admin_reply(req, rc, &e, 200, json_pack("{s:o}", "groups", list));
}

void api_user_role_assign(request *req)
{
    err e = {0};
    db_conn *c = req_db(req);
    int rc = ADMIN_WRITE(c, &e,
                         user_must(req, c, &e) || user_role_assign(c, req->arena, req->tenant_id,
                                                                   req_param(req, "userId"),
                                                                   body_str(req, "roleId"), &e));
    admin_reply_message(req, rc, &e, 201, "Role assigned to user");
}

void api_user_role_remove(request *req)
{
    err e = {0};
    db_conn *c = req_db(req);
    int rc = ADMIN_WRITE(c, &e,
                         user_must(req, c, &e) || user_role_remove(c, req->arena, req->tenant_id,
                                                                   req_param(req, "userId"),
                                                                   req_param(req, "roleId"), &e));
    admin_reply_message(req, rc, &e, 200, "Role removed from user");
}

void api_user_archive(request *req)
{
    err e = {0};
    db_conn *c = req_db(req);
    int rc = admin_user_archive(c, req->arena, req->tenant_id, req_param(req, "userId"), &e);
    admin_reply_message(req, rc, &e, 200, "User archived successfully.");
}

void api_user_reset_password(request *req)
{
    err e = {0};
    db_conn *c = req_db(req);
    int rc = admin_user_reset_password(
        c, req->arena, req->tenant_id, req_param(req, "userId"), body_str(req, "newPassword"),
        body_str(req, "retypePassword"), body_bool(req, "forcePasswordChange", false), &e);
    admin_reply_message(req, rc, &e, 200, "Password reset successfully.");
}

void api_user_access_validity(request *req)
{
    err e = {0};
    const char *ts = body_str(req, "accessValidUntil");
    int64_t until = 0;
    if (ts && !time_parse(ts, &until)) until = 0;
    db_conn *c = req_db(req);
    int rc =
        admin_user_set_access(c, req->arena, req->tenant_id, req_param(req, "userId"), until, &e);
    admin_reply_message(req, rc, &e, 200, "Access validity updated.");
}

void api_user_mfa_reset(request *req)
{
    err e = {0};
    db_conn *c = req_db(req);
    int rc = admin_user_mfa_reset(c, req->arena, req->tenant_id, req_param(req, "userId"), &e);
    admin_reply_message(req, rc, &e, 200, "MFA reset successfully.");
}
