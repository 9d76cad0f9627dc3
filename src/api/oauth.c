/* oauth.c - the OAuth routes (API.md 3.5): the authorization redirect, whose
 * tenant comes from X-Tenant-ID, the `tenant` query parameter or
 * DEFAULT_TENANT_ID (1.5 "optional"), and the callback. Both run on the
 * worker pool: they call out to the provider. */
#include <string.h>

#include "api/api.h"
#include "auth/login.h"
#include "auth/oauth.h"
#include "config.h"
#include "http/internal.h"
#include "store/store.h"
#include "store/tenants.h"

/* Checks 1-3 of 1.5 on a tenant id from the header or the query. */
static int tenant_shape(request *req, const char *raw, const char **out, err *e)
{
    for (const char *p = raw; *p; p++)
        if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
            return err_set(e, ERR_BAD_REQUEST, "Missing X-Tenant-ID header");
    while (*raw == ' ' || *raw == '\t')
        raw++;
    size_t n = strlen(raw);
    while (n && (raw[n - 1] == ' ' || raw[n - 1] == '\t'))
        n--;
    if (n == 0) return err_set(e, ERR_BAD_REQUEST, "X-Tenant-ID must be non-empty");
    char *id = arena_strndup(req->arena, raw, n);
    bool ok = id[0] >= 'a' && id[0] <= 'z';
    for (size_t i = 0; ok && i < n; i++)
        ok = (id[i] >= 'a' && id[i] <= 'z') || (id[i] >= '0' && id[i] <= '9') || id[i] == '_';
    if (!ok)
        return err_set(e, ERR_BAD_REQUEST, "X-Tenant-ID must be lower snake_case (e.g. my_tenant)");
    if (n > 63) return err_set(e, ERR_BAD_REQUEST, "X-Tenant-ID must be at most 63 characters");
    *out = id;
    return 0;
}

/* Step 1 of 3.5 start: the tenant, checked by 1.5 (then 4-5 on the row). */
static int start_tenant(request *req, db_conn *c, err *e)
{
    const char *header = req_header(req, "X-Tenant-ID"), *query = req_query(req, "tenant");
    const char *from_header = NULL, *from_query = NULL;
    if (header) {
        if (req_header_count(req, "X-Tenant-ID") > 1)
            return err_set(e, ERR_BAD_REQUEST, "X-Tenant-ID given more than once");
        if (tenant_shape(req, header, &from_header, e)) return -1;
    }
    if (query && tenant_shape(req, query, &from_query, e)) return -1;
    if (from_header && from_query && strcmp(from_header, from_query) != 0)
        return err_set(e, ERR_BAD_REQUEST, "X-Tenant-ID and tenant parameter disagree");
    const char *id = from_header ? from_header : from_query ? from_query : cfg.default_tenant_id;
    if (!id) return err_set(e, ERR_BAD_REQUEST, "Missing X-Tenant-ID header");
    tenant *t = arena_alloc(req->arena, sizeof *t);
    int rc = tenant_get(c, id, t, e);
    if (rc < 0) return -1;
    if (rc == 0) return err_set(e, ERR_NOT_FOUND, "Tenant not found");
    if (strcmp(t->status, "active") != 0) return err_set(e, ERR_FORBIDDEN, "Tenant is not active");
    req->tenant_id = t->id;
    req->tenant = t;
    return 0;
}

void api_oauth_start(request *req)
{
    err e = {0};
    const char *location = NULL;
    db_conn *c = db_acquire(store_db);
    int rc = start_tenant(req, c, &e);
    if (rc == 0)
        rc = oauth_start(c, req->arena, req->tenant_id, req_param(req, "provider"),
                         req_query(req, "redirect_uri"), &location, &e);
    db_release(store_db, c);
    if (rc) {
        reply_err(req, &e);
        return;
    }
    reply_header(req, "Location", location);
    reply_text(req, 302, NULL, "", 0);
}

void api_oauth_callback(request *req)
{
    err e = {0};
    json_t *result = NULL;
    const char *reason = NULL, *tenant_id = NULL;
    db_conn *c = db_acquire(store_db);
    int rc = oauth_callback(c, req->arena, req_param(req, "provider"), req_query(req, "code"),
                            req_query(req, "state"), req_query(req, "error"), &result, &reason,
                            &tenant_id, &e);
    db_release(store_db, c);
    if (tenant_id) req->tenant_id = tenant_id;
    if (rc) {
        if (reason) login_metric_failure("oauth", reason);
        reply_err(req, &e);
        return;
    }
    login_metric_success("oauth");
    reply_json(req, 200, result);
}
