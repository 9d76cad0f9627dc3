/* sms.c - SMS through a Twilio-compatible Messages API (API.md 5.6):
 * POST {apiBase}/2010-04-01/Accounts/{sid}/Messages.json, basic auth,
 * form fields To, From and Body. */
#include "courier/send.h"

#include <stdio.h>
#include <stdlib.h>

#include "util/strbuf.h"

/* Appends name=<value percent-encoded>. */
static int append_form_field(strbuf *form, CURL *h, const char *name, const char *value)
{
    char *escaped = curl_easy_escape(h, value, 0);
    if (!escaped) return -1;
    sb_printf(form, "%s%s=%s", form->len ? "&" : "", name, escaped);
    curl_free(escaped);
    return 0;
}

int sms_send(const sms_config *c, const courier_message *m, const atomic_bool *cancel, int *status,
             err *e)
{
    *status = 0;
    if (!m->to || !m->to[0] || !m->body) return err_internal(e, "sms: no recipient or text");
    char to[64];
    snprintf(to, sizeof to, "%s%s", m->to[0] == '+' ? "" : "+", m->to);
    CURL *h = curl_easy_init(); /* only for escaping */
    if (!h) return err_internal(e, "sms: cannot create a transfer");
    strbuf form = STRBUF_INIT;
    int bad = append_form_field(&form, h, "To", to) ||
              append_form_field(&form, h, "From", c->from) ||
              append_form_field(&form, h, "Body", m->body);
    curl_easy_cleanup(h);
    if (bad) {
        sb_free(&form);
        return err_internal(e, "sms: cannot encode the form");
    }
    char url[1024];
    snprintf(url, sizeof url, "%s/2010-04-01/Accounts/%s/Messages.json", c->api_base,
             c->account_sid);
    static const char *const headers[] = {"Content-Type: application/x-www-form-urlencoded", NULL};
    int rc = courier_http_post("sms", url, headers, c->account_sid, c->auth_token, sb_str(&form),
                               c->timeout_secs, cancel, status, e);
    sb_free(&form);
    return rc;
}
