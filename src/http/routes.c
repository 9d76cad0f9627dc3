/* routes.c - every route of API.md section 2: method, pattern, tenant class,
 * authentication, admin action, body fields (in validation order), query
 * parameters and handler. A NULL handler answers 501 until its issue lands.
 * The OpenAPI document (api/assets/openapi.json) lists the same routes; a
 * unit test keeps the two equal. */
#include "http/routes.h"

#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "api/api.h"

#define S(n)                                                                                       \
    {                                                                                              \
        n, F_STRING, true                                                                          \
    }
#define s(n)                                                                                       \
    {                                                                                              \
        n, F_STRING, false                                                                         \
    }
#define LISTQ                                                                                      \
    {                                                                                              \
        {"q", Q_STRING}, {"sort", Q_STRING}, {"limit", Q_UINT},                                    \
        {                                                                                          \
            "offset", Q_UINT                                                                       \
        }                                                                                          \
    }

const route routes[] = {
    /* operations */
    {"GET", "/health", .handler = api_health},
    {"GET", "/metrics", .handler = api_metrics},
    {"GET", "/spec", .handler = api_spec},
    {"GET", "/docs", .handler = api_docs},
    /* sign-up and logins */
    {"POST", "/signup", TENANT_REQUIRED, .takes_body = true, .slow = true,
     .fields = {S("firstName"), S("lastName"), S("email"), S("password"), S("retypePassword"),
                s("mobile"), s("countryCode")},
     .check = api_signup_check, .handler = api_signup},
    {"POST", "/signup/verify", .takes_body = true, .fields = {S("token")},
     .handler = api_signup_verify},
    {"POST", "/login/email-password", TENANT_REQUIRED, .takes_body = true, .slow = true,
     .fields = {S("email"), S("password")}, .check = api_login_email_check,
     .handler = api_login_email_password},
    {"POST", "/login/username-password", TENANT_REQUIRED, .takes_body = true, .slow = true,
     .fields = {S("username"), S("password")}, .check = api_login_username_check,
     .handler = api_login_username_password},
    {"POST", "/login/email-otp/request", TENANT_REQUIRED, .takes_body = true,
     .fields = {S("email")}, .check = api_otp_request_check, .handler = api_otp_request_email},
    {"POST", "/login/mobile-otp/request", TENANT_REQUIRED, .takes_body = true,
     .fields = {S("mobile"), S("countryCode")}, .check = api_otp_request_check,
     .handler = api_otp_request_sms},
    {"POST", "/login/mobile-whatsapp-otp/request", TENANT_REQUIRED, .takes_body = true,
     .fields = {S("mobile"), S("countryCode")}, .check = api_otp_request_check,
     .handler = api_otp_request_whatsapp},
    {"POST", "/login/otp/verify", TENANT_REQUIRED, .takes_body = true,
     .fields = {S("identifier"), S("code"), S("channel")}, .check = api_otp_verify_check,
     .handler = api_otp_verify},
    {"GET", "/oauth/{provider}", TENANT_OPTIONAL, .slow = true, .no_head = true,
     .query = {{"tenant", Q_STRING}, {"redirect_uri", Q_STRING}}, .handler = api_oauth_start},
    {"GET", "/oauth/{provider}/callback", .slow = true, .no_head = true,
     .query = {{"code", Q_STRING}, {"state", Q_STRING}, {"error", Q_STRING}},
     .handler = api_oauth_callback},
    /* single sign-on */
    {"POST", "/login/identity", .takes_body = true, .slow = true,
     .fields = {S("email"), S("password")}, .check = api_login_identity_check,
     .handler = api_login_identity},
    {"GET", "/identity/tenants", .auth = AUTH_IDENTITY, .handler = api_identity_tenants},
    {"POST", "/login/select-tenant", .auth = AUTH_IDENTITY, .takes_body = true,
     .fields = {S("tenantId")}, .handler = api_select_tenant},
    {"POST", "/session/switch", .auth = AUTH_SESSION, .takes_body = true, .fields = {S("tenantId")},
     .handler = api_session_switch},
    {"GET", "/session/tenants", .auth = AUTH_SESSION, .handler = api_session_tenants},
    {"POST", "/session/logout/global", .auth = AUTH_SESSION, .handler = api_logout_global},
    /* sessions */
    {"GET", "/session/validate", .auth = AUTH_SESSION, .handler = api_session_validate},
    {"GET", "/session/me", .auth = AUTH_SESSION, .handler = api_session_me},
    {"POST", "/session/change-password", .auth = AUTH_SESSION, .takes_body = true, .slow = true,
     .fields = {S("currentPassword"), S("newPassword"), S("retypePassword")},
     .check = api_change_password_check, .handler = api_change_password},
    {"POST", "/session/force-change-password", .takes_body = true, .slow = true,
     .fields = {S("changeToken"), S("newPassword"), S("retypePassword")},
     .handler = api_force_change_password},
    {"POST", "/session/logout", .auth = AUTH_BEARER_PRESENT, .handler = api_logout},
    {"POST", "/session/logout/all", TENANT_REQUIRED, .auth = AUTH_SESSION,
     .handler = api_logout_all},
    {"POST", "/forgot-password", TENANT_REQUIRED, .takes_body = true, .fields = {S("email")},
     .check = api_forgot_password_check, .handler = api_forgot_password},
    {"POST", "/reset-password", TENANT_REQUIRED, .takes_body = true, .slow = true,
     .fields = {S("token"), S("newPassword"), S("retypePassword")}, .handler = api_reset_password},
    {"POST", "/check-availability/email", TENANT_REQUIRED, .auth = AUTH_SESSION, .takes_body = true,
     .fields = {S("email")}, .check = api_availability_check, .handler = api_availability_email},
    {"POST", "/check-availability/username", TENANT_REQUIRED, .auth = AUTH_SESSION,
     .takes_body = true, .fields = {S("username")}, .check = api_availability_check,
     .handler = api_availability_username},
    {"POST", "/check-availability/mobile", TENANT_REQUIRED, .auth = AUTH_SESSION,
     .takes_body = true, .fields = {S("mobile"), S("countryCode")}, .check = api_availability_check,
     .handler = api_availability_mobile},
    /* MFA */
    {"POST", "/mfa/enable", .auth = AUTH_SESSION, .handler = api_mfa_enable},
    {"POST", "/mfa/verify", .auth = AUTH_SESSION, .takes_body = true, .fields = {S("code")},
     .handler = api_mfa_verify},
    {"POST", "/mfa/validate", .auth = AUTH_MFA, .takes_body = true, .fields = {S("code")},
     .check = api_mfa_validate_check, .handler = api_mfa_validate},
    {"POST", "/mfa/disable", .auth = AUTH_SESSION, .takes_body = true, .fields = {S("code")},
     .check = api_mfa_disable_check, .handler = api_mfa_disable},
    /* admin: users */
    {"POST", "/admin/users", TENANT_REQUIRED, AUTH_ADMIN, "authrs:createUser", true, .slow = true,
     .fields = {s("firstName"), s("lastName"), s("email"), s("username"), s("mobile"),
                s("countryCode"), s("password"), s("retypePassword")},
     .handler = api_users_create},
    {"GET", "/admin/users", TENANT_REQUIRED, AUTH_ADMIN, "authrs:listUsers",
     .query = {{"includeArchived", Q_BOOL},
               {"q", Q_STRING},
               {"sort", Q_STRING},
               {"limit", Q_UINT},
               {"offset", Q_UINT}},
     .check = api_users_list_check, .handler = api_users_list},
    {"GET", "/admin/users/{userId}/roles", TENANT_REQUIRED, AUTH_ADMIN, "authrs:listUserRoles",
     .handler = api_user_roles_list},
    {"POST", "/admin/users/{userId}/roles", TENANT_REQUIRED, AUTH_ADMIN, "authrs:assignRole", true,
     .fields = {{"roleId", F_UUID, true}}, .handler = api_user_role_assign},
    {"DELETE", "/admin/users/{userId}/roles/{roleId}", TENANT_REQUIRED, AUTH_ADMIN,
     "authrs:removeRole", .handler = api_user_role_remove},
    {"GET", "/admin/users/{userId}/groups", TENANT_REQUIRED, AUTH_ADMIN, "authrs:listUserGroups",
     .handler = api_user_groups_list},
    {"POST", "/admin/users/{userId}/archive", TENANT_REQUIRED, AUTH_ADMIN, "authrs:archiveUser",
     .handler = api_user_archive},
    {"POST", "/admin/users/{userId}/reset-password", TENANT_REQUIRED, AUTH_ADMIN,
     "authrs:resetUserPassword", true, .slow = true,
     .fields = {S("newPassword"), S("retypePassword"), {"forcePasswordChange", F_BOOLEAN, false}},
     .handler = api_user_reset_password},
    {"PATCH", "/admin/users/{userId}/access-validity", TENANT_REQUIRED, AUTH_ADMIN,
     "authrs:setAccessValidity", true, .fields = {{"accessValidUntil", F_TIMESTAMP_OR_NULL, false}},
     .handler = api_user_access_validity},
    {"POST", "/admin/users/{userId}/mfa/reset", TENANT_REQUIRED, AUTH_ADMIN, "authrs:resetUserMfa",
     .handler = api_user_mfa_reset},
    /* admin: roles */
    {"POST", "/admin/roles", TENANT_REQUIRED, AUTH_ADMIN, "authrs:createRole", true,
     .fields = {S("name"), {"parentRoleId", F_UUID, false}}, .handler = api_roles_create},
    {"GET", "/admin/roles", TENANT_REQUIRED, AUTH_ADMIN, "authrs:listRoles", .query = LISTQ,
     .check = api_roles_list_check, .handler = api_roles_list},
    {"DELETE", "/admin/roles/{roleId}", TENANT_REQUIRED, AUTH_ADMIN, "authrs:deleteRole",
     .handler = api_roles_delete},
    {"PUT", "/admin/roles/{roleId}/parent", TENANT_REQUIRED, AUTH_ADMIN, "authrs:setRoleParent",
     true, .fields = {{"parentRoleId", F_UUID, false}}, .handler = api_roles_set_parent},
    {"GET", "/admin/roles/{roleId}/hierarchy", TENANT_REQUIRED, AUTH_ADMIN,
     "authrs:getRoleHierarchy", .handler = api_roles_hierarchy},
    {"POST", "/admin/roles/{roleId}/permissions", TENANT_REQUIRED, AUTH_ADMIN,
     "authrs:attachPermissionToRole", true, .fields = {{"permissionId", F_UUID, true}},
     .handler = api_role_permission_attach},
    {"GET", "/admin/roles/{roleId}/permissions", TENANT_REQUIRED, AUTH_ADMIN,
     "authrs:listRolePermissions", .handler = api_role_permissions_list},
    {"DELETE", "/admin/roles/{roleId}/permissions/{permissionId}", TENANT_REQUIRED, AUTH_ADMIN,
     "authrs:detachPermissionFromRole", .handler = api_role_permission_detach},
    /* admin: groups */
    {"POST", "/admin/groups", TENANT_REQUIRED, AUTH_ADMIN, "authrs:createGroup", true,
     .fields = {S("name"), s("description")}, .handler = api_groups_create},
    {"GET", "/admin/groups", TENANT_REQUIRED, AUTH_ADMIN, "authrs:listGroups", .query = LISTQ,
     .check = api_groups_list_check, .handler = api_groups_list},
    {"GET", "/admin/groups/{groupId}", TENANT_REQUIRED, AUTH_ADMIN, "authrs:getGroup",
     .handler = api_groups_get},
    {"DELETE", "/admin/groups/{groupId}", TENANT_REQUIRED, AUTH_ADMIN, "authrs:deleteGroup",
     .handler = api_groups_delete},
    {"POST", "/admin/groups/{groupId}/users", TENANT_REQUIRED, AUTH_ADMIN, "authrs:addUserToGroup",
     true, .fields = {{"userId", F_UUID, true}}, .handler = api_group_user_add},
    {"GET", "/admin/groups/{groupId}/users", TENANT_REQUIRED, AUTH_ADMIN, "authrs:listGroupMembers",
     .query = LISTQ, .check = api_group_users_list_check, .handler = api_group_users_list},
    {"DELETE", "/admin/groups/{groupId}/users/{userId}", TENANT_REQUIRED, AUTH_ADMIN,
     "authrs:removeUserFromGroup", .handler = api_group_user_remove},
    {"POST", "/admin/groups/{groupId}/roles", TENANT_REQUIRED, AUTH_ADMIN,
     "authrs:assignRoleToGroup", true, .fields = {{"roleId", F_UUID, true}},
     .handler = api_group_role_assign},
    {"GET", "/admin/groups/{groupId}/roles", TENANT_REQUIRED, AUTH_ADMIN, "authrs:listGroupRoles",
     .handler = api_group_roles_list},
    {"DELETE", "/admin/groups/{groupId}/roles/{roleId}", TENANT_REQUIRED, AUTH_ADMIN,
     "authrs:removeRoleFromGroup", .handler = api_group_role_remove},
    /* admin: permissions */
    {"POST", "/admin/permissions", TENANT_REQUIRED, AUTH_ADMIN, "authrs:createPermission", true,
     .fields = {S("name"),
                s("description"),
                {"document", F_OBJECT, true},
                {"overwrite", F_BOOLEAN, false}},
     .check = api_permissions_create_check, .handler = api_permissions_create},
    {"GET", "/admin/permissions", TENANT_REQUIRED, AUTH_ADMIN, "authrs:listPermissions",
     .query = LISTQ, .check = api_permissions_list_check, .handler = api_permissions_list},
    {"POST", "/admin/permissions/check", TENANT_REQUIRED, AUTH_ADMIN, "authrs:checkPermission",
     true,
     .fields = {{"userId", F_UUID, true},
                S("resource"),
                s("action"),
                {"context", F_OBJECT_OR_NULL, false},
                {"explain", F_BOOLEAN, false}},
     .handler = api_permissions_check},
    {"GET", "/admin/permissions/{permissionId}", TENANT_REQUIRED, AUTH_ADMIN,
     "authrs:getPermission", .query = {{"format", Q_FORMAT}}, .handler = api_permissions_get},
    {"DELETE", "/admin/permissions/{permissionId}", TENANT_REQUIRED, AUTH_ADMIN,
     "authrs:deletePermission", .handler = api_permissions_delete},
    /* admin: packages and KV */
    {"POST", "/admin/packages/sync", TENANT_REQUIRED, AUTH_ADMIN, "authrs:syncPackage", true,
     .fields = {S("packageId"),
                {"tables", F_STRING_ARRAY, true},
                {"extensibleTables", F_STRING_ARRAY, false},
                {"customActions", F_STRING_ARRAY, false}},
     .handler = api_packages_sync},
    {"GET", "/admin/packages/actions", TENANT_REQUIRED, AUTH_ADMIN, "authrs:listPackageActions",
     .handler = api_packages_actions},
    {"GET", "/admin/kv_store", TENANT_REQUIRED, AUTH_ADMIN, "authrs:listKvKeys",
     .handler = api_kv_list},
    {"GET", "/admin/kv_store/{groupKey}/{key}", TENANT_REQUIRED, AUTH_ADMIN, "authrs:getKvValue",
     .handler = api_kv_get},
    {"PUT", "/admin/kv_store/{groupKey}/{key}", TENANT_REQUIRED, AUTH_ADMIN, "authrs:setKvValue",
     true, .fields = {S("value")}, .handler = api_kv_put},
    {"DELETE", "/admin/kv_store/{groupKey}/{key}", TENANT_REQUIRED, AUTH_ADMIN,
     "authrs:deleteKvValue", .handler = api_kv_delete},
    /* platform */
    {"GET", "/tenants", .auth = AUTH_BUILDER, .handler = api_tenants_list},
    {"POST", "/tenants", .auth = AUTH_BUILDER, .takes_body = true, .slow = true,
     .fields = {S("id"), s("name"), s("adminEmail"), s("adminPassword")},
     .handler = api_tenants_create},
    {"PATCH", "/tenants/{tenantId}", .auth = AUTH_BUILDER, .takes_body = true,
     .fields = {S("status")}, .handler = api_tenants_update},
};

const size_t route_count = sizeof routes / sizeof routes[0];

/* The patterns split into segments once, at first use: matching then
 * compares lengths and bytes only. Global state: this table, read-only
 * after the pthread_once that builds it. */
#define MAX_PATTERN_SEGS 8

typedef struct pattern_seg {
    const char *text; /* into the pattern; for a parameter, the name after '{' */
    size_t len;
    bool param;
} pattern_seg;

typedef struct compiled_route {
    int nsegs;
    size_t pattern_id; /* index of the first route with the same pattern */
    pattern_seg segs[MAX_PATTERN_SEGS];
} compiled_route;

_Static_assert(sizeof routes / sizeof routes[0] < 256, "route indexes are bytes");
static compiled_route compiled[sizeof routes / sizeof routes[0]];
/* Route indexes by segment count: only routes of the path's length are scored. */
static uint8_t by_length[MAX_PATTERN_SEGS + 1][sizeof routes / sizeof routes[0]];
static size_t by_length_count[MAX_PATTERN_SEGS + 1];
static pthread_once_t compiled_once = PTHREAD_ONCE_INIT;

static void compile_routes(void)
{
    for (size_t i = 0; i < route_count; i++) {
        compiled_route *cr = &compiled[i];
        const char *p = routes[i].pattern;
        cr->pattern_id = i;
        for (size_t j = 0; j < i; j++)
            if (strcmp(routes[j].pattern, p) == 0) {
                cr->pattern_id = j;
                break;
            }
        while (strcmp(p, "/") != 0 && *p == '/' && cr->nsegs < MAX_PATTERN_SEGS) {
            p++;
            size_t n = strcspn(p, "/");
            pattern_seg *sg = &cr->segs[cr->nsegs++];
            sg->param = n > 2 && p[0] == '{';
            sg->text = sg->param ? p + 1 : p;
            sg->len = sg->param ? n - 2 : n;
            p += n;
        }
        int len = cr->nsegs;
        by_length[len][by_length_count[len]++] = (uint8_t)i;
    }
}

/* Specificity score of a route vs a path: -1 when it does not match;
 * otherwise a bitmask where earlier literal segments weigh more (literal
 * beats parameter). */
static long match_score(const compiled_route *cr, char **segs, const size_t *lens, int nsegs)
{
    if (cr->nsegs != nsegs) return -1;
    long score = 0;
    for (int i = 0; i < nsegs; i++) {
        const pattern_seg *sg = &cr->segs[i];
        score <<= 1;
        if (sg->param) continue;
        if (lens[i] != sg->len || memcmp(segs[i], sg->text, sg->len) != 0) return -1;
        score |= 1;
    }
    return score;
}

static bool method_allows(const route *r, const char *method)
{
    if (strcmp(r->method, method) == 0) return true;
    return strcmp(method, "HEAD") == 0 && strcmp(r->method, "GET") == 0 && !r->no_head;
}

/* The Allow header value for the routes sharing pattern `id` (405 answers). */
static void allow_list(size_t id, char *allow, size_t allow_len)
{
    allow[0] = '\0';
    bool has_get_head = false;
    for (size_t i = id; i < route_count; i++) {
        if (compiled[i].pattern_id != id) continue;
        if (allow[0]) strncat(allow, ", ", allow_len - strlen(allow) - 1);
        strncat(allow, routes[i].method, allow_len - strlen(allow) - 1);
        if (strcmp(routes[i].method, "GET") == 0 && !routes[i].no_head) has_get_head = true;
    }
    if (has_get_head) strncat(allow, ", HEAD", allow_len - strlen(allow) - 1);
    strncat(allow, ", OPTIONS", allow_len - strlen(allow) - 1);
}

match_result routes_match(const char *method, char **segs, int nsegs, const route **out,
                          char (*param_names)[32], const char **param_values, int *nparams,
                          char *allow, size_t allow_len)
{
    pthread_once(&compiled_once, compile_routes);
    if (nsegs > MAX_PATTERN_SEGS) return MATCH_NO_PATH;
    size_t lens[MAX_PATTERN_SEGS];
    for (int i = 0; i < nsegs; i++)
        lens[i] = strlen(segs[i]);
    long best = -1;
    size_t best_id = 0;
    for (size_t k = 0; k < by_length_count[nsegs]; k++) {
        const compiled_route *cr = &compiled[by_length[nsegs][k]];
        long score = match_score(cr, segs, lens, nsegs);
        if (score > best) {
            best = score;
            best_id = cr->pattern_id;
        }
    }
    if (best < 0) return MATCH_NO_PATH;
    const route *found = NULL;
    for (size_t i = best_id; i < route_count && !found; i++)
        if (compiled[i].pattern_id == best_id && method_allows(&routes[i], method))
            found = &routes[i];
    if (!found) {
        allow_list(best_id, allow, allow_len);
        return MATCH_NO_METHOD;
    }
    *out = found;
    *nparams = 0;
    const compiled_route *cr = &compiled[found - routes];
    for (int i = 0; i < nsegs && *nparams < MAX_PATH_PARAMS; i++) {
        if (!cr->segs[i].param) continue;
        size_t k = cr->segs[i].len < 31 ? cr->segs[i].len : 31;
        memcpy(param_names[*nparams], cr->segs[i].text, k);
        param_names[*nparams][k] = '\0';
        param_values[*nparams] = segs[i];
        (*nparams)++;
    }
    return MATCH_FOUND;
}
