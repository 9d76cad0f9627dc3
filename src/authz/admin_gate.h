/* admin_gate.h - the one decision function shared by admin authorization
 * (step 3 of API.md 1.14: the session's membership must be allowed
 * `authrs:<operation>` on service:authrs by its tenant's own documents, with
 * an empty context) and POST /admin/permissions/check. admin_authorize itself
 * is declared in auth/authn.h, where the HTTP layer calls it; defining it
 * next to authz_decide, which the check route uses, keeps this object linked
 * in (authn.h declares it weak). */
#ifndef AUTHRS_AUTHZ_ADMIN_GATE_H
#define AUTHRS_AUTHZ_ADMIN_GATE_H

#include <jansson.h>
#include <stdbool.h>

#include "auth/authn.h"
#include "authz/policy_cache.h"

#define ADMIN_RESOURCE "service:authrs"

/* One decision for a loaded member with the tenant's compiled policy;
 * context NULL means {}; explain (may be NULL) receives the applicable
 * statements. */
bool authz_decide(const tenant_authz *t, const authz_member *m, const char *action,
                  const char *resource, const json_t *context, authz_matches *explain);

#endif
