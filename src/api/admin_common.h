/* admin_common.h - what the admin handlers (api/users.c, roles.c, groups.c,
 * permissions.c, packages.c, kv.c, platform.c) share: the list-route check
 * hook (q, sort, limit, offset -> a list_spec for the handler) and the
 * store connection + reply plumbing. */
#ifndef AUTHRS_API_ADMIN_COMMON_H
#define AUTHRS_API_ADMIN_COMMON_H

#include "http/http.h"
#include "query/rsql.h"
#include "authz/policy_cache.h"
#include "store/listing.h"

/* Compiles the list parameters of req for `table` (fixed params $1..$(first-1))
 * into req->route_data (a list_spec in the request arena). */
int admin_list_check(request *req, const rsql_table *table, int first_param, err *e);
const list_spec *admin_list_spec(const request *req);

/* Replies `body` with `status` on success (rc == 0), else the error. Steals body. */
void admin_reply(request *req, int rc, const err *e, int status, json_t *body);
/* Replies {"message": msg} with status on success, else the error. */
void admin_reply_message(request *req, int rc, const err *e, int status, const char *msg);

/* Runs one store write (an int expression that sets e) in a transaction that
 * bumps the request tenant's authorization version (authz/policy_cache.h).
 * Uses `req` from the calling scope. */
#define ADMIN_WRITE(c, e, call)                                                                    \
    (authz_write_begin(c, e) ? -1                                                                  \
     : (call)                ? (db_rollback(c), -1)                                                \
                             : authz_write_commit(c, req->tenant_id, e))

#endif
