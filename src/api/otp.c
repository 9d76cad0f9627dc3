/* otp.c - the one-time code routes (API.md 3.4): the three requests and the
 * verification, with their rate-limit checks. */
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "util/validate.h"
#include "auth/login.h"
#include "auth/otp.h"
#include "auth/ratelimit.h"
#include "auth/tenant_policy.h"
#include "store/identities.h"
#include "store/store.h"
#include "util/utf8.h"

static const char *trimmed(request *req, const char *s)
{
    char *t = utf8_trim(s ? s : "");
    char *out = arena_strdup(req->arena, t);
    free(t);
    return out;
}

static const char *lowered(request *req, const char *s)
{
    char *l = utf8_lower(s);
    char *out = arena_strdup(req->arena, l);
    free(l);
    return out;
}

static courier_channel route_channel(const request *req)
{
    const char *p = req->route->pattern;
    return strstr(p, "email")      ? COURIER_EMAIL
           : strstr(p, "whatsapp") ? COURIER_WHATSAPP
                                   : COURIER_SMS;
}

/* ---- rate limits (step 5) ---- */

int api_otp_request_check(request *req, err *e)
{
    char ip[64];
    ratelimit_client_ip(req, ip, sizeof ip);
    if (ratelimit_check(req, "otp_request_ip", ip, e)) return -1;
    courier_channel ch = route_channel(req);
    const char *key;
    if (ch == COURIER_EMAIL) {
        key = lowered(req, trimmed(req, body_str(req, "email")));
    } else {
        const char *cc = trimmed(req, body_str(req, "countryCode"));
        key = arena_printf(req->arena, "+%s%s", cc[0] == '+' ? cc + 1 : cc,
                           trimmed(req, body_str(req, "mobile")));
    }
    return ratelimit_check(req, "otp_request_identifier",
                           arena_printf(req->arena, "%s:%s", courier_channel_name(ch), key), e);
}

/* Step 1-3 of verify: 0 with the channel and normalised identifier. */
static int verify_input(request *req, courier_channel *ch, const char **identifier,
                        const char **code, err *e)
{
    const char *id = trimmed(req, body_str(req, "identifier"));
    const char *chn = trimmed(req, body_str(req, "channel"));
    *code = trimmed(req, body_str(req, "code"));
    if (!*id || !**code || !*chn)
        return err_set(e, ERR_BAD_REQUEST, "identifier, code, and channel are required");
    if (strcmp(chn, "email") == 0)
        *ch = COURIER_EMAIL;
    else if (strcmp(chn, "sms") == 0)
        *ch = COURIER_SMS;
    else if (strcmp(chn, "whatsapp") == 0)
        *ch = COURIER_WHATSAPP;
    else
        return err_set(e, ERR_BAD_REQUEST, "channel must be one of email, sms, whatsapp");
    *identifier = *ch == COURIER_EMAIL ? lowered(req, id) : id;
    return 0;
}

int api_otp_verify_check(request *req, err *e)
{
    char ip[64];
    ratelimit_client_ip(req, ip, sizeof ip);
    courier_channel ch;
    const char *identifier, *code;
    err input = {0};
    bool valid = verify_input(req, &ch, &identifier, &code, &input) == 0;
    int rc = ratelimit_check(req, "otp_verify_ip", ip, e);
    if (rc == 0 && valid)
        rc = ratelimit_check(
            req, "otp_verify_identifier",
            arena_printf(req->arena, "%s:%s", courier_channel_name(ch), identifier), e);
    if (rc && valid) login_metric_failure(otp_channel_metric(ch), "rate_limited");
    return rc;
}

/* ---- requests ---- */

static void request_done(request *req, db_conn *c, int rc, err *e, const char *message)
{
    db_release(store_db, c);
    if (rc)
        reply_err(req, e);
    else
        reply_message(req, 200, message);
}

void api_otp_request_email(request *req)
{
    err e = {0};
    db_conn *c = db_acquire(store_db);
    const char *email = lowered(req, trimmed(req, body_str(req, "email")));
    int rc = 0;
    if (!*email) rc = err_set(&e, ERR_BAD_REQUEST, "email is required");
    if (rc == 0) {
        int ok = tenant_email_domain_allowed(c, req->arena, req->tenant_id, email, &e);
        if (ok == 0) err_set(&e, ERR_FORBIDDEN, "Email domain is not permitted");
        rc = ok == 1 ? 0 : -1;
    }
    membership m;
    identity id;
    int found = 0;
    if (rc == 0) found = membership_find_by_email(c, req->arena, req->tenant_id, email, &m, &e);
    if (found == 1) found = identity_get(c, req->arena, m.identity_id, &id, &e);
    if (found < 0) rc = -1;
    if (rc == 0)
        rc = otp_request(c, req->arena, req->tenant, COURIER_EMAIL, found ? &id : NULL,
                         found ? &m : NULL, email, NULL, &e);
    request_done(req, c, rc, &e,
                 "If this email is registered, you will receive a verification code shortly.");
}

static void mobile_request(request *req, courier_channel ch, const char *message)
{
    err e = {0};
    db_conn *c = db_acquire(store_db);
    const char *mobile = trimmed(req, body_str(req, "mobile"));
    const char *cc = trimmed(req, body_str(req, "countryCode"));
    int rc = 0;
    if (!*mobile)
        rc = err_set(&e, ERR_BAD_REQUEST, "mobile is required");
    else if (!*cc)
        rc = err_set(&e, ERR_BAD_REQUEST, "countryCode is required");
    else
        rc = mobile_format(req->arena, cc, mobile, &cc, &e);
    identity id;
    membership m;
    int found = 0;
    if (rc == 0) found = identity_find_by_mobile(c, req->arena, cc, mobile, &id, &e);
    if (found == 1) found = membership_find(c, req->arena, req->tenant_id, id.id, &m, &e);
    if (found < 0) rc = -1;
    if (rc == 0) {
        const char *e164 = arena_printf(req->arena, "%s%s", cc, mobile);
        rc = otp_request(c, req->arena, req->tenant, ch, found ? &id : NULL, found ? &m : NULL,
                         e164, mobile, &e);
    }
    request_done(req, c, rc, &e, message);
}

void api_otp_request_sms(request *req)
{
    mobile_request(req, COURIER_SMS,
                   "If this mobile number is registered, you will receive a verification code "
                   "shortly.");
}

void api_otp_request_whatsapp(request *req)
{
    mobile_request(req, COURIER_WHATSAPP,
                   "If this mobile number is registered, you will receive a verification code on "
                   "WhatsApp shortly.");
}

/* ---- verify ---- */

void api_otp_verify(request *req)
{
    err e = {0};
    courier_channel ch = COURIER_EMAIL;
    const char *identifier, *code, *reason = NULL;
    json_t *result = NULL;
    if (verify_input(req, &ch, &identifier, &code, &e)) {
        reply_err(req, &e);
        return;
    }
    db_conn *c = db_acquire(store_db);
    int rc = otp_verify(c, req->arena, req->tenant_id, ch, identifier, code, &result, &reason, &e);
    db_release(store_db, c);
    if (rc) {
        if (reason && e.kind != ERR_INTERNAL) login_metric_failure(otp_channel_metric(ch), reason);
        reply_err(req, &e);
        return;
    }
    login_metric_success(otp_channel_metric(ch));
    reply_json(req, 200, result);
}
