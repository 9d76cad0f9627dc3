/* kv.c - /admin/kv_store routes (API.md 3.16). */
#include "api/admin_common.h"
#include "api/api.h"
#include "store/kv.h"
#include "store/store.h"
#include "tenant_config.h"

void api_kv_list(request *req)
{
    err e = {0};
    json_t *list = json_array();
    db_conn *c = req_db(req);
    int rc = kv_list(c, req->tenant_id, list, &e);
    admin_reply(req, rc, &e, 200, list);
}

void api_kv_get(request *req)
{
    err e = {0};
    json_t *out = NULL;
    db_conn *c = req_db(req);
    int rc = kv_get(c, req->tenant_id, req_param(req, "groupKey"), req_param(req, "key"), &out, &e);
    admin_reply(req, rc, &e, 200, out);
}

void api_kv_put(request *req)
{
    err e = {0};
    json_t *out = NULL;
    db_conn *c = req_db(req);
    int rc = tenant_config_put(c, req->tenant_id, req_param(req, "groupKey"), req_param(req, "key"),
                               body_str(req, "value"), &out, &e);
    admin_reply(req, rc, &e, 200, out);
}

void api_kv_delete(request *req)
{
    err e = {0};
    db_conn *c = req_db(req);
    int rc = tenant_config_delete(c, req->tenant_id, req_param(req, "groupKey"),
                                  req_param(req, "key"), &e);
    admin_reply_message(req, rc, &e, 200, "Key deleted");
}
