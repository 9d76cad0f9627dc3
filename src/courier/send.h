/* send.h - the senders behind the queue: one message, one provider, one
 * attempt, synchronously. Each returns 0 or -1 with an ERR_INTERNAL detail
 * for the log ("smtp: ...", "sms: HTTP 500", ...) that never holds a
 * credential, the message text, a code or a token. *status is the provider's
 * last reply code (SMTP reply or HTTP status), 0 when there was none.
 * cancel (may be NULL) aborts a transfer in progress when it becomes true.
 */
#ifndef AUTHRS_COURIER_SEND_H
#define AUTHRS_COURIER_SEND_H

#include <curl/curl.h>
#include <stdatomic.h>

#include "courier/courier.h"

int smtp_send(const smtp_config *c, const courier_message *m, const atomic_bool *cancel,
              int *status, err *e);
int sms_send(const sms_config *c, const courier_message *m, const atomic_bool *cancel, int *status,
             err *e);
int whatsapp_send(const whatsapp_config *c, const courier_message *m, const atomic_bool *cancel,
                  int *status, err *e);

/* Appends m as one JSON line to path (created 0600), or logs it as event
 * "outbox" at warn when path is NULL (API.md 5.6). Thread-safe. */
int outbox_write(const char *path, const courier_message *m, err *e);

/* The WhatsApp request body of API.md 5.6 (template mode when the config
 * names a template and m has a code, else text mode); caller frees. */
char *whatsapp_body(const whatsapp_config *c, const courier_message *m);

/* A curl handle with the settings every courier transfer shares: no
 * signals, connect and total timeout, the cancel flag polled by a progress
 * callback, errors written to errbuf (CURL_ERROR_SIZE bytes). NULL when
 * curl cannot allocate one. */
CURL *courier_curl_new(int timeout_secs, const atomic_bool *cancel, char *errbuf);

/* POSTs body to url with the given extra headers (NULL-terminated) and,
 * when basic_user is not NULL, HTTP basic authentication. 2xx is success;
 * the response body is discarded. what names the channel in details. */
int courier_http_post(const char *what, const char *url, const char *const *headers,
                      const char *basic_user, const char *basic_password, const char *body,
                      int timeout_secs, const atomic_bool *cancel, int *status, err *e);

/* Delivers m through route (provider for tenant/global; outbox_path for
 * the outbox): the single dispatch used by the queue. */
int courier_deliver(const courier_message *m, courier_route route, const courier_provider *provider,
                    const char *outbox_path, const atomic_bool *cancel, int *status, err *e);

#endif
