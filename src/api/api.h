/* api.h - the handlers of every route (http/routes.c), one file per area
 * under src/api/. A route whose issue has not landed yet is defined as NULL
 * below and answers 501 not_implemented; implementing it means writing the
 * handler and moving its name from the NULL list to the prototypes. */
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

/* Not implemented yet: issues 3 (identity, sessions), 4 (administration), 5 (MFA, OTP, OAuth). */
#define api_group_role_assign NULL
#define api_group_role_remove NULL
#define api_group_roles_list NULL
#define api_group_user_add NULL
#define api_group_user_remove NULL
#define api_group_users_list NULL
#define api_group_users_list_check NULL
#define api_groups_create NULL
#define api_groups_delete NULL
#define api_groups_get NULL
#define api_groups_list NULL
#define api_groups_list_check NULL
#define api_kv_delete NULL
#define api_kv_get NULL
#define api_kv_list NULL
#define api_kv_put NULL
#define api_mfa_disable NULL
#define api_mfa_disable_check NULL
#define api_mfa_enable NULL
#define api_mfa_validate NULL
#define api_mfa_validate_check NULL
#define api_mfa_verify NULL
#define api_oauth_callback NULL
#define api_oauth_start NULL
#define api_otp_request_check NULL
#define api_otp_request_email NULL
#define api_otp_request_sms NULL
#define api_otp_request_whatsapp NULL
#define api_otp_verify NULL
#define api_otp_verify_check NULL
#define api_packages_actions NULL
#define api_packages_sync NULL
#define api_permissions_check NULL
#define api_permissions_create NULL
#define api_permissions_create_check NULL
#define api_permissions_delete NULL
#define api_permissions_get NULL
#define api_permissions_list NULL
#define api_permissions_list_check NULL
#define api_role_permission_attach NULL
#define api_role_permission_detach NULL
#define api_role_permissions_list NULL
#define api_roles_create NULL
#define api_roles_delete NULL
#define api_roles_hierarchy NULL
#define api_roles_list NULL
#define api_roles_list_check NULL
#define api_roles_set_parent NULL
#define api_tenants_create NULL
#define api_tenants_list NULL
#define api_tenants_update NULL
#define api_user_access_validity NULL
#define api_user_archive NULL
#define api_user_groups_list NULL
#define api_user_mfa_reset NULL
#define api_user_reset_password NULL
#define api_user_role_assign NULL
#define api_user_role_remove NULL
#define api_user_roles_list NULL
#define api_users_create NULL
#define api_users_list NULL
#define api_users_list_check NULL

#endif
