/* whatsapp.c - WhatsApp through the Cloud API (API.md 5.6): POST
 * {apiBase}/{apiVersion}/{phoneNumberId}/messages with a Bearer token, as a
 * template message when a template is configured, else as a text message. */
#include "courier/send.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

char *whatsapp_body(const whatsapp_config *c, const courier_message *m)
{
    const char *to = m->to[0] == '+' ? m->to + 1 : m->to;
    json_t *msg;
    if (c->template_name[0] && m->code) {
        json_t *text = json_pack("[{s:s, s:s}]", "type", "text", "text", m->code);
        json_t *components =
            json_pack("[{s:s, s:O}, {s:s, s:s, s:s, s:O}]", "type", "body", "parameters", text,
                      "type", "button", "sub_type", "url", "index", "0", "parameters", text);
        msg = json_pack("{s:s, s:s, s:s, s:s, s:{s:s, s:{s:s}, s:o}}", "messaging_product",
                        "whatsapp", "recipient_type", "individual", "to", to, "type", "template",
                        "template", "name", c->template_name, "language", "code",
                        c->template_language, "components", components);
        json_decref(text);
    } else {
        msg = json_pack("{s:s, s:s, s:s, s:s, s:{s:b, s:s}}", "messaging_product", "whatsapp",
                        "recipient_type", "individual", "to", to, "type", "text", "text",
                        "preview_url", 0, "body", m->body);
    }
    if (!msg) return NULL;
    char *body = json_dumps(msg, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(msg);
    return body;
}

int whatsapp_send(const whatsapp_config *c, const courier_message *m, const atomic_bool *cancel,
                  int *status, err *e)
{
    *status = 0;
    if (!m->to || !m->to[0] || !m->body) return err_internal(e, "whatsapp: no recipient or text");
    char *body = whatsapp_body(c, m);
    if (!body) return err_internal(e, "whatsapp: cannot build the request");
    char url[1024], auth[1100];
    snprintf(url, sizeof url, "%s/%s/%s/messages", c->api_base, c->api_version, c->phone_number_id);
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", c->access_token);
    const char *const headers[] = {auth, "Content-Type: application/json", NULL};
    int rc = courier_http_post("whatsapp", url, headers, NULL, NULL, body, c->timeout_secs, cancel,
                               status, e);
    free(body);
    return rc;
}
