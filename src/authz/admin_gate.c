/* admin_gate.c - admin_authorize (see admin_gate.h, auth/authn.h). */
#include "authz/admin_gate.h"

#include "auth/session.h"
#include "authz/policy_cache.h"
#include "store/store.h"

int admin_authorize(request *req, const char *action, err *e)
{
    db_conn *c = db_acquire(store_db);
    tenant_authz *t = NULL;
    authz_member m = {0};
    int rc = tenant_authz_get(c, req->session->tenant_id, &t, e);
    if (rc == 0) rc = authz_member_load(c, req->arena, t, req->session->membership_id, &m, e);
    db_release(store_db, c);
    bool allowed = rc == 1 && authz_member_check(t, &m, action, ADMIN_RESOURCE, NULL, NULL);
    authz_member_free(&m);
    tenant_authz_release(t);
    if (rc < 0) return -1;
    if (!allowed) return err_set(e, ERR_FORBIDDEN, "Not allowed to perform %s", action);
    return 0;
}
