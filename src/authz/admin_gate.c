/* admin_gate.c - authz_decide and admin_authorize (see admin_gate.h). */
#include "authz/admin_gate.h"

#include "auth/session.h"
#include "store/store.h"

bool authz_decide(const tenant_authz *t, const authz_member *m, const char *action,
                  const char *resource, const json_t *context, authz_matches *explain)
{
    authz_subject s = {m->id, m->role_ids, m->n_roles, m->group_ids, m->n_groups, m->attrs};
    authz_principal pr;
    authz_principal_init(&pr, t->policy, &s);
    bool allowed = authz_check(&pr, action, resource, context, explain);
    authz_principal_free(&pr);
    return allowed;
}

int admin_authorize(request *req, const char *action, err *e)
{
    db_conn *c = req_db(req);
    tenant_authz *t = NULL;
    authz_member m = {0};
    int rc = tenant_authz_get(c, req->session->tenant_id, &t, e);
    if (rc == 0) rc = authz_member_load(c, req->arena, t, req->session->membership_id, &m, e);
    bool allowed = rc == 1 && authz_decide(t, &m, action, ADMIN_RESOURCE, NULL, NULL);
    authz_member_free(&m);
    tenant_authz_release(t);
    if (rc < 0) return -1;
    if (!allowed) return err_set(e, ERR_FORBIDDEN, "Not allowed to perform %s", action);
    return 0;
}
