/* delivery.c - invite and reset messages through the courier (see
 * delivery.h). Global state: the global email and SMS providers read once
 * from the environment, and the courier started on first use when the server
 * has not started it. */
#include "auth/delivery.h"

#include <pthread.h>
#include <stdbool.h>
#include <string.h>

#include "auth/tenant_policy.h"
#include "config.h"
#include "courier/courier.h"
#include "util/log.h"

static pthread_once_t once = PTHREAD_ONCE_INIT;
static courier_provider providers[COURIER_CHANNEL_COUNT];
static bool configured[COURIER_CHANNEL_COUNT];

static const char *env_get(const char *name, void *ctx)
{
    (void)ctx;
    return config_env(name);
}

static void init(void)
{
    for (int ch = COURIER_EMAIL; ch <= COURIER_SMS; ch++) {
        err e = {0};
        if (courier_provider_from_env((courier_channel)ch, env_get, NULL, &providers[ch],
                                      &configured[ch], &e))
            configured[ch] = false;
    }
    courier_settings s = {.outbox_path = cfg.outbox_path};
    err e = {0};
    courier_start(&s, &e); /* "already started" when the server started it */
}

static void send(const courier_message *m, courier_channel ch)
{
    pthread_once(&once, init);
    bool required = ch == COURIER_EMAIL ? cfg.require_email : cfg.require_sms;
    const courier_provider *chosen = NULL;
    courier_route r =
        courier_choose(NULL, configured[ch] ? &providers[ch] : NULL, required, true, &chosen);
    courier_enqueue(m, r, chosen);
}

void delivery_invite(db_conn *c, arena *a, const tenant *t, const identity *id, const char *token)
{
    const char *base = NULL;
    err e = {0};
    if (tenant_frontend_base(c, a, t->id, &base, &e) || !base) base = cfg.frontend_url;
    courier_message m;
    if (id->email) {
        courier_build_invite(&m, COURIER_EMAIL, t->id, t->name, id->email, token, base);
        send(&m, COURIER_EMAIL);
    } else if (id->mobile && id->country_code) {
        char to[32];
        snprintf(to, sizeof to, "%s%s", id->country_code, id->mobile);
        courier_build_invite(&m, COURIER_SMS, t->id, t->name, to, token, base);
        send(&m, COURIER_SMS);
    } else {
        return;
    }
    courier_message_free(&m);
}

void delivery_reset(const tenant *t, const identity *id, const char *token, const char *link_base)
{
    if (!id->email) return;
    courier_message m;
    courier_build_reset(&m, t->id, t->name, id->email, token, link_base);
    send(&m, COURIER_EMAIL);
    courier_message_free(&m);
}
