/* delivery.h - hands the sign-up invite and the password-reset message
 * (API.md 3.2, 3.8, 5.5) to the courier. Both carry a credential of the global
 * identity, so they always go through the global provider or the dev outbox
 * (1.16), never a tenant's own. Sending is queued: nothing here waits on the
 * network, and failures are only logged (by the courier). */
#ifndef AUTHRS_AUTH_DELIVERY_H
#define AUTHRS_AUTH_DELIVERY_H

#include "store/db.h"
#include "store/identities.h"
#include "store/tenants.h"
#include "util/arena.h"

/* The invite to the identity's own email, else by SMS to its own mobile. The
 * link base is the inviting tenant's frontend_config/base_url, else FRONTEND_URL. */
void delivery_invite(db_conn *c, arena *a, const tenant *t, const identity *id, const char *token);

/* The reset message to the identity's email; link_base may be NULL (raw token). */
void delivery_reset(const tenant *t, const identity *id, const char *token, const char *link_base);

#endif
