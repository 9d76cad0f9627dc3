/* otp.c - one-time codes: policy, issue, delivery, verification (see otp.h).
 * Global state: the global providers, below. */
#include "auth/otp.h"

#include <openssl/crypto.h>
#include <pthread.h>
#include <string.h>

#include "auth/codes.h"
#include "auth/login.h"
#include "auth/tenant_policy.h"
#include "config.h"
#include "store/oauth.h"
#include "store/otp.h"
#include "tenant_config.h"
#include "util/log.h"

/* ---- global providers (read once per process) ---- */

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static courier_provider global_provider[COURIER_CHANNEL_COUNT];
static bool global_configured[COURIER_CHANNEL_COUNT];

static const char *env_get(const char *name, void *ctx)
{
    (void)ctx;
    return config_env(name);
}

static void init_global_providers(void)
{
    for (int ch = 0; ch < COURIER_CHANNEL_COUNT; ch++) {
        err e = {0};
        if (courier_provider_from_env((courier_channel)ch, env_get, NULL, &global_provider[ch],
                                      &global_configured[ch], &e))
            global_configured[ch] = false;
    }
}

/* ---- policy and channels ---- */

/* kv otp_policy/default (1.16) with its defaults. */
typedef struct code_policy {
    int ttl_secs;     /* default 600 */
    int max_attempts; /* default 5 */
} code_policy;

static int code_policy_read(db_conn *c, arena *a, const char *tenant_id, code_policy *out, err *e)
{
    out->ttl_secs = 600;
    out->max_attempts = 5;
    const char *text = NULL;
    int rc = tenant_config_read(c, a, tenant_id, "otp_policy", "default", &text, e);
    if (rc < 0) return -1;
    if (rc == 0) return 0;
    json_t *v = json_loads(text, 0, NULL);
    json_t *ttl = json_object_get(v, "ttlSecs"), *max = json_object_get(v, "maxAttempts");
    if (json_is_integer(ttl) && json_integer_value(ttl) >= 60 && json_integer_value(ttl) <= 3600)
        out->ttl_secs = (int)json_integer_value(ttl);
    if (json_is_integer(max) && json_integer_value(max) >= 1 && json_integer_value(max) <= 20)
        out->max_attempts = (int)json_integer_value(max);
    json_decref(v);
    return 0;
}

int otp_channel_method(courier_channel ch)
{
    return ch == COURIER_EMAIL ? LOGIN_EMAIL_OTP
           : ch == COURIER_SMS ? LOGIN_SMS_OTP
                               : LOGIN_WHATSAPP_OTP;
}

const char *otp_channel_metric(courier_channel ch)
{
    return ch == COURIER_EMAIL ? "email_otp" : ch == COURIER_SMS ? "sms_otp" : "whatsapp_otp";
}

static const char *channel_group(courier_channel ch)
{
    return ch == COURIER_EMAIL ? "smtp" : ch == COURIER_SMS ? "sms" : "whatsapp";
}

static bool delivery_required(courier_channel ch)
{
    return ch == COURIER_EMAIL ? cfg.require_email
           : ch == COURIER_SMS ? cfg.require_sms
                               : cfg.require_whatsapp;
}

/* The tenant's own provider of the channel: 1 configured, 0 none. A value
 * that no longer parses counts as none (it was validated when it was PUT). */
static int tenant_provider(db_conn *c, arena *a, const char *tenant_id, courier_channel ch,
                           courier_provider *out, err *e)
{
    const char *text = NULL;
    int rc = tenant_config_read(c, a, tenant_id, channel_group(ch), "default", &text, e);
    if (rc != 1) return rc;
    err perr = {0};
    if (courier_provider_from_json(ch, text, out, &perr)) {
        log_emit(LOG_WARN, "provider_config_invalid",
                 json_pack("{s:s,s:s}", "tenant", tenant_id, "channel", courier_channel_name(ch)));
        return 0;
    }
    if (ch == COURIER_EMAIL && cfg.smtp_timeout_secs > 0)
        out->u.smtp.timeout_secs = cfg.smtp_timeout_secs;
    return 1;
}

/* ---- request ---- */

static int member_eligible(db_conn *c, arena *a, const identity *id, const membership *m,
                           courier_channel ch, err *e)
{
    const char *reason;
    err gate = {0};
    if (login_gates(id, m, GATES_ALL, &reason, &gate)) return 0;
    return login_method_allowed(c, a, id, m, otp_channel_method(ch), e);
}

static int issue_code(db_conn *c, arena *a, const tenant *t, courier_channel ch, const char *mid,
                      const char *identifier, const char *to, const char *bare_mobile, err *e)
{
    pthread_once(&init_once, init_global_providers);
    code_policy pol;
    if (code_policy_read(c, a, t->id, &pol, e)) return -1;
    courier_provider own;
    int has_own = tenant_provider(c, a, t->id, ch, &own, e);
    if (has_own < 0) return -1;
    const courier_provider *chosen = NULL;
    courier_route route =
        courier_choose(has_own ? &own : NULL, global_configured[ch] ? &global_provider[ch] : NULL,
                       delivery_required(ch), false, &chosen);
    char code[OTP_CODE_LEN + 1];
    otp_code_new(code);
    otp_row r = {0};
    snprintf(r.tenant_id, sizeof r.tenant_id, "%s", t->id);
    snprintf(r.channel, sizeof r.channel, "%s", courier_channel_name(ch));
    snprintf(r.identifier, sizeof r.identifier, "%s", identifier);
    snprintf(r.bare_mobile, sizeof r.bare_mobile, "%s", bare_mobile ? bare_mobile : "");
    snprintf(r.membership_id, sizeof r.membership_id, "%s", mid);
    r.tenant_delivery = route == COURIER_ROUTE_TENANT;
    secretbox_key k;
    secretbox_key_init(&k, cfg.kv_key);
    int rc = otp_code_hash(&k, code, r.code_hash, e);
    secretbox_key_wipe(&k);
    if (rc || otp_code_replace(c, &r, pol.ttl_secs, e)) {
        OPENSSL_cleanse(code, sizeof code);
        return -1;
    }
    courier_message msg;
    courier_build_otp(&msg, ch, t->id, t->name, to, code, pol.ttl_secs);
    courier_enqueue(&msg, route, chosen);
    courier_message_free(&msg);
    OPENSSL_cleanse(code, sizeof code);
    return 0;
}

int otp_request(db_conn *c, arena *a, const tenant *t, courier_channel ch, const identity *id,
                const membership *m, const char *identifier, const char *bare_mobile, err *e)
{
    if (id && m) {
        int ok = member_eligible(c, a, id, m, ch, e);
        if (ok < 0) return -1;
        /* an email goes to the address as the identity stores it */
        const char *to = ch == COURIER_EMAIL && id->email ? id->email : identifier;
        if (ok && issue_code(c, a, t, ch, m->id, identifier, to, bare_mobile, e)) return -1;
    }
    const char *chn = courier_channel_name(ch);
    if (otp_attempts_reset(c, t->id, chn, identifier, e)) return -1;
    if (bare_mobile && otp_attempts_reset(c, t->id, chn, bare_mobile, e)) return -1;
    return 0;
}

/* ---- verify ---- */

/* Step 5: the pending code for the identifier, compared in constant time
 * (against a dummy when there is none). 1 match (row filled), 0 no. */
static int code_matches(db_conn *c, const char *tenant_id, courier_channel ch,
                        const char *identifier, const char *code, otp_row *row, err *e)
{
    const char *chn = courier_channel_name(ch);
    bool bare = ch != COURIER_EMAIL && identifier[0] != '+';
    int rc = bare ? otp_code_find_bare(c, tenant_id, chn, identifier, row, e)
                  : otp_code_find(c, tenant_id, chn, identifier, row, e);
    if (rc < 0) return -1;
    if (rc == 0) memset(row->code_hash, '0', SECRETBOX_HASH_HEX_LEN);
    char given[SECRETBOX_HASH_HEX_LEN + 1];
    secretbox_key k;
    secretbox_key_init(&k, cfg.kv_key);
    int hrc = otp_code_hash(&k, otp_code_wellformed(code) ? code : "------", given, e);
    secretbox_key_wipe(&k);
    if (hrc) return -1;
    bool same = crypto_equal(given, row->code_hash, SECRETBOX_HASH_HEX_LEN);
    return rc == 1 && same && otp_code_wellformed(code);
}

static const char *method_refusal(courier_channel ch)
{
    return ch == COURIER_EMAIL ? "Email OTP login is not allowed for your account"
           : ch == COURIER_SMS ? "SMS OTP login is not allowed for your account"
                               : "WhatsApp OTP login is not allowed for your account";
}

/* Steps 6-8 once the code matched. */
static int verify_member(db_conn *c, arena *a, courier_channel ch, const char *identifier,
                         const otp_row *row, json_t **result, const char **reason, err *e)
{
    membership m;
    identity id;
    int rc = membership_get(c, a, row->membership_id, &m, e);
    if (rc == 1) rc = identity_get(c, a, m.identity_id, &id, e);
    if (rc < 0) return -1;
    *reason = "invalid_code";
    if (rc == 0) return err_set(e, ERR_UNAUTHORIZED, "Invalid or expired code");
    if (login_gates(&id, &m, GATES_ALL, reason, e)) return -1;
    rc = login_method_allowed(c, a, &id, &m, otp_channel_method(ch), e);
    if (rc < 0) return -1;
    if (rc == 0) {
        *reason = "method_not_allowed";
        return err_set(e, ERR_FORBIDDEN, "%s", method_refusal(ch));
    }
    rc = otp_code_consume(c, row->id, e);
    if (rc < 0) return -1;
    if (rc == 0) return err_set(e, ERR_UNAUTHORIZED, "Invalid or expired code");
    if (otp_attempts_reset(c, row->tenant_id, row->channel, identifier, e)) return -1;
    if (ch == COURIER_EMAIL && !id.email_verified) {
        if (identity_set_email_verified(c, id.id, e)) return -1;
        id.email_verified = true;
    }
    return login_finalize(c, a, &id, &m, otp_channel_method(ch), row->tenant_delivery, false,
                          result, e);
}

int otp_verify(db_conn *c, arena *a, const char *tenant_id, courier_channel ch,
               const char *identifier, const char *code, json_t **result, const char **reason,
               err *e)
{
    code_policy pol;
    if (code_policy_read(c, a, tenant_id, &pol, e)) return -1;
    const char *chn = courier_channel_name(ch);
    int n = otp_attempts_get(c, tenant_id, chn, identifier, pol.ttl_secs, e);
    if (n < 0) return -1;
    if (n >= pol.max_attempts) {
        *reason = "too_many_attempts";
        return err_set(e, ERR_UNAUTHORIZED, "Too many attempts. Request a new code.");
    }
    otp_row row;
    int rc = code_matches(c, tenant_id, ch, identifier, code, &row, e);
    if (rc < 0) return -1;
    if (rc == 0) {
        *reason = "invalid_code";
        if (otp_attempt_add(c, tenant_id, chn, identifier, pol.ttl_secs, e) < 0) return -1;
        return err_set(e, ERR_UNAUTHORIZED, "Invalid or expired code");
    }
    return verify_member(c, a, ch, identifier, &row, result, reason, e);
}
