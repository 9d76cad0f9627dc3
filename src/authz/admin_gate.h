/* admin_gate.h - admin authorization, step 3 of API.md 1.14: the session's
 * membership must be allowed `authrs:<operation>` on service:authrs by its
 * tenant's own permission documents, with an empty context. The declaration
 * the HTTP layer calls is in auth/authn.h (admin_authorize). */
#ifndef AUTHRS_AUTHZ_ADMIN_GATE_H
#define AUTHRS_AUTHZ_ADMIN_GATE_H

#include "auth/authn.h"

#define ADMIN_RESOURCE "service:authrs"

#endif
