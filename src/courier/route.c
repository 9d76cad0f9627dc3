/* route.c - which way a message goes (API.md 1.16, 5.6) and the dispatch of
 * one message to the sender of that way. */
#include "courier/send.h"

const char *courier_route_name(courier_route r)
{
    static const char *names[] = {"none", "tenant", "global", "outbox"};
    return (unsigned)r <= COURIER_ROUTE_OUTBOX ? names[r] : "unknown";
}

courier_route courier_choose(const courier_provider *tenant, const courier_provider *global,
                             bool delivery_required, bool global_credential,
                             const courier_provider **chosen)
{
    *chosen = NULL;
    if (tenant && !global_credential) {
        *chosen = tenant;
        return COURIER_ROUTE_TENANT;
    }
    if (global) {
        *chosen = global;
        return COURIER_ROUTE_GLOBAL;
    }
    return delivery_required ? COURIER_ROUTE_NONE : COURIER_ROUTE_OUTBOX;
}

int courier_deliver(const courier_message *m, courier_route route, const courier_provider *provider,
                    const char *outbox_path, const atomic_bool *cancel, int *status, err *e)
{
    *status = 0;
    if (route == COURIER_ROUTE_OUTBOX) return outbox_write(outbox_path, m, e);
    if (route != COURIER_ROUTE_TENANT && route != COURIER_ROUTE_GLOBAL)
        return err_internal(e, "no provider for channel %s", courier_channel_name(m->channel));
    if (!provider || provider->channel != m->channel)
        return err_internal(e, "provider does not serve channel %s",
                            courier_channel_name(m->channel));
    switch (m->channel) {
    case COURIER_EMAIL:
        return smtp_send(&provider->u.smtp, m, cancel, status, e);
    case COURIER_SMS:
        return sms_send(&provider->u.sms, m, cancel, status, e);
    case COURIER_WHATSAPP:
        return whatsapp_send(&provider->u.whatsapp, m, cancel, status, e);
    default:
        return err_internal(e, "unknown channel");
    }
}
