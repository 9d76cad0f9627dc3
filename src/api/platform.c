/* platform.c - builder routes /tenants (API.md 3.17). The builder check
 * itself runs in auth/authn.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/admin_common.h"
#include "api/api.h"
#include "auth/login.h"
#include "auth/password.h"
#include "auth/password_policy.h"
#include "auth/session.h"
#include "config.h"
#include "store/members_bootstrap.h"
#include "store/store.h"
#include "store/tenants.h"
#include "util/timeutil.h"
#include "util/utf8.h"
#include "util/validate.h"

static json_t *tenant_json(const tenant *t)
{
    char ts[RFC3339_LEN + 1];
    time_format(t->created_at, ts);
    return json_pack("{s:s, s:s, s:s, s:s}", "id", t->id, "name", t->name, "status", t->status,
                     "createdAt", ts);
}

static int add_tenant(const tenant *t, void *ctx)
{
    json_array_append_new(ctx, tenant_json(t));
    return 0;
}

void api_tenants_list(request *req)
{
    err e = {0};
    json_t *list = json_array();
    db_conn *c = req_db(req);
    int rc = tenant_list(c, add_tenant, list, &e);
    admin_reply(req, rc, &e, 200, json_pack("{s:o}", "tenants", list));
}

typedef struct tenant_in {
    const char *id, *name, *email, *password;
} tenant_in;

static int tenant_validate(request *req, tenant_in *in, err *e)
{
    in->id = body_str(req, "id");
    if (!tenant_id_valid(in->id))
        return err_set(
            e, ERR_BAD_REQUEST,
            "Tenant id must be lower snake_case (e.g. my_tenant), at most 63 characters");
    const char *name = body_str(req, "name");
    if (name) {
        char *t = utf8_trim(name);
        in->name = arena_strdup(req->arena, t);
        free(t);
        if (!*in->name) return err_set(e, ERR_BAD_REQUEST, "Tenant name is required");
        if (utf8_length(in->name) > 255)
            return err_set(e, ERR_BAD_REQUEST, "Tenant name must be at most 255 characters");
    } else {
        char *n = arena_strdup(req->arena, in->id);
        for (char *p = n; *p; p++)
            if (*p == '_') *p = ' ';
        in->name = n;
    }
    in->email = NULL;
    const char *email = body_str(req, "adminEmail");
    if (email) {
        char *t = utf8_trim(email);
        in->email = arena_strdup(req->arena, t);
        free(t);
        if (!email_valid(in->email)) return err_set(e, ERR_BAD_REQUEST, "Email is invalid");
    }
    in->password = body_str(req, "adminPassword");
    if (in->email && !in->password)
        return err_set(e, ERR_BAD_REQUEST, "adminPassword is required with adminEmail");
    if (in->email && password_policy_check(NULL, 0, in->password, e)) return -1;
    return 0;
}

static int tenant_create(db_conn *c, const tenant_in *in, tenant *out, err *e)
{
    char hash[PASSWORD_PHC_MAX] = "";
    if (in->email) {
        int exists = members_identity_exists(c, in->email, e);
        if (exists < 0) return -1;
        if (!exists && login_hash_password(in->password, hash, e)) return -1;
    }
    char role_id[37];
    bool created;
    if (db_begin(c, e)) return -1;
    if (tenant_insert(c, in->id, in->name, e) || tenant_bootstrap(c, in->id, role_id, e) ||
        (in->email && members_bootstrap_admin(c, in->id, in->email, hash, role_id, &created, e)) ||
        store_bump_cache_epoch(c, e) || tenant_get(c, in->id, out, e) != 1 || db_commit(c, e)) {
        db_rollback(c);
        return -1;
    }
    return 0;
}

void api_tenants_create(request *req)
{
    err e = {0};
    tenant_in in = {0};
    tenant t = {0};
    if (tenant_validate(req, &in, &e)) {
        reply_err(req, &e);
        return;
    }
    db_conn *c = req_db(req);
    int rc = tenant_create(c, &in, &t, &e);
    admin_reply(req, rc, &e, 201, rc == 0 ? tenant_json(&t) : NULL);
}

void api_tenants_update(request *req)
{
    err e = {0};
    tenant t = {0};
    const char *status = body_str(req, "status");
    const char *id = req_param(req, "tenantId");
    if (strcmp(status, "active") != 0 && strcmp(status, "suspended") != 0) {
        reply_error(req, ERR_BAD_REQUEST, "status must be active or suspended");
        return;
    }
    db_conn *c = req_db(req);
    int rc = tenant_get(c, id, &t, &e);
    if (rc == 0)
        rc = err_set(&e, ERR_NOT_FOUND, "Tenant not found");
    else if (rc == 1) {
        rc = 0;
        if (strcmp(status, "suspended") == 0 && cfg.builder_tenant_id &&
            strcmp(cfg.builder_tenant_id, id) == 0)
            rc = err_set(&e, ERR_BAD_REQUEST, "The builder tenant cannot be suspended");
    }
    if (rc == 0) rc = tenant_set_status(c, id, status, &e);
    if (rc == 0) rc = session_cache_changed(c, &e);
    if (rc == 0 && tenant_get(c, id, &t, &e) != 1) rc = -1;
    admin_reply(req, rc, &e, 200, rc == 0 ? tenant_json(&t) : NULL);
}
