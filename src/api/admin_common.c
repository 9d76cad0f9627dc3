/* admin_common.c - shared plumbing of the admin handlers (see admin_common.h). */
#include "api/admin_common.h"

#include <stdlib.h>

int admin_list_check(request *req, const rsql_table *table, int first_param, err *e)
{
    const char *l = req_query(req, "limit"), *o = req_query(req, "offset");
    int64_t limit = l ? (int64_t)strtoull(l, NULL, 10) : 50;
    int64_t offset = o ? (int64_t)strtoull(o, NULL, 10) : 0;
    list_spec *spec = arena_alloc(req->arena, sizeof *spec);
    if (listing_compile(req->arena, table, req_query(req, "q"), req_query(req, "sort"), first_param,
                        limit, offset, spec, e))
        return -1;
    req->route_data = spec;
    return 0;
}

const list_spec *admin_list_spec(const request *req)
{
    return req->route_data;
}

void admin_reply(request *req, int rc, const err *e, int status, json_t *body)
{
    if (rc == 0) {
        reply_json(req, status, body);
        return;
    }
    json_decref(body);
    reply_err(req, e);
}

void admin_reply_message(request *req, int rc, const err *e, int status, const char *msg)
{
    if (rc == 0)
        reply_message(req, status, msg);
    else
        reply_err(req, e);
}
