/* otp.h - one-time sign-in codes by email, SMS and WhatsApp (API.md 3.4):
 * the tenant's otp_policy, issuing a code to an eligible member through the
 * tenant's provider, else the global one, else the dev outbox (1.16, 5.6),
 * and verifying a code into a LoginResult. Also the courier result hook that
 * moves the otp_sent_total and message_delivery_failures_total metrics.
 *
 * Global state: the global providers of the three channels, read once from
 * the environment, and the one-time start of the courier queue. */
#ifndef AUTHRS_AUTH_OTP_H
#define AUTHRS_AUTH_OTP_H

#include <jansson.h>
#include <stdbool.h>

#include "courier/courier.h"
#include "store/db.h"
#include "store/identities.h"
#include "store/tenants.h"
#include "util/arena.h"

/* The login method of a channel (2, 3, 6) and its metric label. */
int otp_channel_method(courier_channel ch);
const char *otp_channel_metric(courier_channel ch);

/* A request for a code (steps after input checks): when the member exists,
 * passes G1-G3 and may use the channel's method, a new code replaces the
 * earlier ones and is queued for delivery to `to`. Then the attempt
 * counters of the identifier (and of bare_mobile when not NULL) are reset.
 * m and id are NULL when no member matched. */
int otp_request(db_conn *c, arena *a, const tenant *t, courier_channel ch, const identity *id,
                const membership *m, const char *identifier, const char *bare_mobile, err *e);

/* POST /login/otp/verify steps 4-8 for a normalised identifier (an E.164
 * number, a bare mobile, or a lower-cased email) and a trimmed code. On
 * failure *reason is the login_failure_total reason. */
int otp_verify(db_conn *c, arena *a, const char *tenant_id, courier_channel ch,
               const char *identifier, const char *code, json_t **result, const char **reason,
               err *e);

#endif
