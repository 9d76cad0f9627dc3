/* courier_send - sends one message through the courier, for tests against
 * real peers (tests/courier/run.sh). The global provider of the channel comes
 * from the environment (SMTP_*, SMS_*, WHATSAPP_*, OUTBOX_PATH), a tenant
 * provider from --kv; the route is picked by courier_choose() and the message
 * goes through the delivery queue, so delivery_failed and outbox lines appear
 * on stderr as the server writes them.
 *
 *   courier_send --channel email|sms|whatsapp --kind otp|password_reset|invite
 *                --to ADDRESS [--tenant-id ID] [--tenant-name NAME] [--code CODE]
 *                [--ttl SECS] [--token TOKEN] [--link-base URL] [--kv JSON]
 *                [--require] [--body TEXT] [--subject TEXT]
 *
 * Prints "route=<route>" and exits 0 when delivered, 1 when delivery failed,
 * 2 on bad usage or configuration.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "courier/courier.h"
#include "util/log.h"

typedef struct options {
    const char *channel, *kind, *to, *tenant_id, *tenant_name, *code, *token, *link_base, *kv,
        *body, *subject;
    int ttl;
    bool require;
} options;

static bool delivered;

static void on_result(const courier_message *m, courier_route route, bool ok, void *ctx)
{
    (void)m, (void)route, (void)ctx;
    delivered = ok;
}

static const char *env_lookup(const char *name, void *ctx)
{
    (void)ctx;
    return getenv(name);
}

static int usage(const char *why)
{
    fprintf(stderr, "courier_send: %s\n", why);
    return 2;
}

static int parse_args(int argc, char **argv, options *o)
{
    *o = (options){.tenant_id = "acme", .tenant_name = "Acme", .ttl = 600};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--require") == 0) {
            o->require = true;
            continue;
        }
        if (i + 1 >= argc) return usage("missing value");
        const char *v = argv[++i];
        if (strcmp(a, "--channel") == 0)
            o->channel = v;
        else if (strcmp(a, "--kind") == 0)
            o->kind = v;
        else if (strcmp(a, "--to") == 0)
            o->to = v;
        else if (strcmp(a, "--tenant-id") == 0)
            o->tenant_id = v;
        else if (strcmp(a, "--tenant-name") == 0)
            o->tenant_name = v;
        else if (strcmp(a, "--code") == 0)
            o->code = v;
        else if (strcmp(a, "--ttl") == 0)
            o->ttl = atoi(v);
        else if (strcmp(a, "--token") == 0)
            o->token = v;
        else if (strcmp(a, "--link-base") == 0)
            o->link_base = v;
        else if (strcmp(a, "--kv") == 0)
            o->kv = v;
        else if (strcmp(a, "--body") == 0)
            o->body = v;
        else if (strcmp(a, "--subject") == 0)
            o->subject = v;
        else
            return usage("unknown option");
    }
    if (!o->channel || !o->kind || !o->to) return usage("--channel, --kind and --to are required");
    return 0;
}

static int build(const options *o, courier_message *m)
{
    courier_channel ch;
    if (strcmp(o->channel, "email") == 0)
        ch = COURIER_EMAIL;
    else if (strcmp(o->channel, "sms") == 0)
        ch = COURIER_SMS;
    else if (strcmp(o->channel, "whatsapp") == 0)
        ch = COURIER_WHATSAPP;
    else
        return usage("unknown channel");
    if (strcmp(o->kind, "otp") == 0)
        courier_build_otp(m, ch, o->tenant_id, o->tenant_name, o->to, o->code ? o->code : "",
                          o->ttl);
    else if (strcmp(o->kind, "password_reset") == 0)
        courier_build_reset(m, o->tenant_id, o->tenant_name, o->to, o->token ? o->token : "",
                            o->link_base);
    else if (strcmp(o->kind, "invite") == 0)
        courier_build_invite(m, ch, o->tenant_id, o->tenant_name, o->to, o->token ? o->token : "",
                             o->link_base);
    else
        return usage("unknown kind");
    if (o->body) {
        free(m->body);
        m->body = strdup(o->body);
    }
    if (o->subject) {
        free(m->subject);
        m->subject = strdup(o->subject);
    }
    return 0;
}

/* Picks the route from --kv (tenant), the environment (global) and --require. */
static int choose(const options *o, const courier_message *m, courier_provider *tenant,
                  courier_provider *global, courier_route *route, const courier_provider **p)
{
    err e = {0};
    bool have_global;
    if (o->kv && courier_provider_from_json(m->channel, o->kv, tenant, &e))
        return fprintf(stderr, "courier_send: Invalid value for kv: %s\n", e.detail), 2;
    if (courier_provider_from_env(m->channel, env_lookup, NULL, global, &have_global, &e))
        return fprintf(stderr, "courier_send: %s\n", e.detail), 2;
    *route = courier_choose(o->kv ? tenant : NULL, have_global ? global : NULL, o->require,
                            m->kind != COURIER_OTP, p);
    return 0;
}

int main(int argc, char **argv)
{
    options o;
    courier_message m = {0};
    courier_provider tenant, global;
    const courier_provider *chosen;
    courier_route route;
    err e = {0};
    log_configure(LOG_DEBUG, true);
    int rc = parse_args(argc, argv, &o);
    if (rc == 0) rc = build(&o, &m);
    if (rc == 0) rc = choose(&o, &m, &tenant, &global, &route, &chosen);
    if (rc != 0) {
        courier_message_free(&m);
        return rc;
    }
    printf("route=%s\n", courier_route_name(route));
    fflush(stdout);
    const char *outbox = getenv("OUTBOX_PATH");
    courier_settings s = {
        .outbox_path = outbox && *outbox ? outbox : NULL, .threads = 1, .on_result = on_result};
    if (courier_start(&s, &e)) {
        fprintf(stderr, "courier_send: %s\n", e.detail);
        courier_message_free(&m);
        return 2;
    }
    courier_enqueue(&m, route, chosen);
    courier_flush();
    courier_stop();
    courier_message_free(&m);
    return delivered ? 0 : 1;
}
