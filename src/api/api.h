/* api.h - the handlers of every route (http/routes.c), one file per area
 * under src/api/, and the route-specific check hooks (steps 3-5 of API.md 1.7). */
#ifndef AUTHRS_API_H
#define AUTHRS_API_H

#include "http/http.h"

/* api/ops.c */
void api_health(request *req);
void api_metrics(request *req);
void api_spec(request *req);
void api_docs(request *req);

/* api/auth.c */
void api_signup(request *req);
void api_signup_verify(request *req);
void api_login_email_password(request *req);
void api_login_username_password(request *req);
void api_forgot_password(request *req);
void api_reset_password(request *req);
void api_availability_email(request *req);
void api_availability_username(request *req);
void api_availability_mobile(request *req);
int api_signup_check(request *req, err *e);
int api_login_email_check(request *req, err *e);
int api_login_username_check(request *req, err *e);
int api_forgot_password_check(request *req, err *e);
int api_availability_check(request *req, err *e);

/* api/sso.c */
void api_login_identity(request *req);
void api_identity_tenants(request *req);
void api_select_tenant(request *req);
void api_session_switch(request *req);
void api_session_tenants(request *req);
void api_logout_global(request *req);
int api_login_identity_check(request *req, err *e);

/* api/session.c */
void api_session_validate(request *req);
void api_session_me(request *req);
void api_logout(request *req);
void api_logout_all(request *req);
void api_change_password(request *req);
int api_change_password_check(request *req, err *e);
void api_force_change_password(request *req);

/* api/mfa.c */
void api_mfa_enable(request *req);
void api_mfa_verify(request *req);
void api_mfa_validate(request *req);
int api_mfa_validate_check(request *req, err *e);
void api_mfa_disable(request *req);
int api_mfa_disable_check(request *req, err *e);

/* api/otp.c */
void api_otp_request_email(request *req);
void api_otp_request_sms(request *req);
void api_otp_request_whatsapp(request *req);
int api_otp_request_check(request *req, err *e);
void api_otp_verify(request *req);
int api_otp_verify_check(request *req, err *e);

/* api/oauth.c */
void api_oauth_start(request *req);
void api_oauth_callback(request *req);

/* api/users.c */
void api_user_access_validity(request *req);
void api_user_archive(request *req);
void api_user_groups_list(request *req);
void api_user_mfa_reset(request *req);
void api_user_reset_password(request *req);
void api_user_role_assign(request *req);
void api_user_role_remove(request *req);
void api_user_roles_list(request *req);
void api_users_create(request *req);
void api_users_list(request *req);
int api_users_list_check(request *req, err *e);

/* api/roles.c */
void api_permissions_list(request *req);
void api_role_permission_attach(request *req);
void api_role_permission_detach(request *req);
void api_role_permissions_list(request *req);
void api_roles_create(request *req);
void api_roles_delete(request *req);
void api_roles_hierarchy(request *req);
void api_roles_list(request *req);
int api_roles_list_check(request *req, err *e);
void api_roles_set_parent(request *req);

/* api/groups.c */
void api_group_role_assign(request *req);
void api_group_role_remove(request *req);
void api_group_roles_list(request *req);
void api_group_user_add(request *req);
void api_group_user_remove(request *req);
void api_group_users_list(request *req);
int api_group_users_list_check(request *req, err *e);
void api_groups_create(request *req);
void api_groups_delete(request *req);
void api_groups_get(request *req);
void api_groups_list(request *req);
int api_groups_list_check(request *req, err *e);

/* api/permissions.c */
void api_permissions_check(request *req);
void api_permissions_create(request *req);
int api_permissions_create_check(request *req, err *e);
void api_permissions_delete(request *req);
void api_permissions_get(request *req);
int api_permissions_list_check(request *req, err *e);

/* api/packages.c */
void api_packages_actions(request *req);
void api_packages_sync(request *req);

/* api/kv.c */
void api_kv_delete(request *req);
void api_kv_get(request *req);
void api_kv_list(request *req);
void api_kv_put(request *req);

/* api/platform.c */
void api_tenants_create(request *req);
void api_tenants_list(request *req);
void api_tenants_update(request *req);

#endif
