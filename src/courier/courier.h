/* courier.h - outbound messages (API.md 1.16, 5.5, 5.6): provider settings,
 * the message and its texts, provider choice, and the delivery queue.
 *
 * A message is built with one of the courier_build_* functions (texts.c),
 * the provider is picked with courier_choose() (choose.c) and the message is
 * handed to courier_enqueue() (queue.c), which copies it and delivers it on a
 * background thread. Sending never runs on the request path.
 *
 * Provider settings are plain structs of fixed-size strings: they can be
 * copied by assignment and need no free. They hold credentials: never log
 * them (API.md 4.7).
 */
#ifndef AUTHRS_COURIER_H
#define AUTHRS_COURIER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"
#include "util/strbuf.h"

typedef enum {
    COURIER_EMAIL = 0,
    COURIER_SMS,
    COURIER_WHATSAPP,
    COURIER_CHANNEL_COUNT
} courier_channel;
typedef enum { COURIER_OTP = 0, COURIER_PASSWORD_RESET, COURIER_INVITE } courier_kind;

const char *courier_channel_name(courier_channel ch); /* "email", "sms", "whatsapp" */
const char *courier_kind_name(courier_kind kind);     /* "otp", "password_reset", "invite" */

/* ---- provider settings (config.c) ---------------------------------------- */

typedef enum { SMTP_TLS_STARTTLS = 0, SMTP_TLS_IMPLICIT, SMTP_TLS_NONE } smtp_tls_mode;

#define COURIER_SMTP_TIMEOUT_DEFAULT 30 /* SMTP_TIMEOUT_SECS default */
#define COURIER_HTTP_TIMEOUT         10 /* SMS and WhatsApp, API.md 5.6 */

typedef struct smtp_config {
    char host[256];
    int port;
    char username[256]; /* AUTH only when username and password are both set */
    char password[256];
    char from[320]; /* header From, e.g. "Authrs <no-reply@example.com>" */
    smtp_tls_mode tls;
    int timeout_secs;
} smtp_config;

typedef struct sms_config {
    char account_sid[128];
    char auth_token[256];
    char from[64];
    char api_base[512]; /* no trailing '/' */
    int timeout_secs;
} sms_config;

typedef struct whatsapp_config {
    char phone_number_id[128];
    char access_token[1024];
    char template_name[256]; /* empty: text mode */
    char template_language[32];
    char api_base[512]; /* no trailing '/' */
    char api_version[32];
    int timeout_secs;
} whatsapp_config;

typedef struct courier_provider {
    courier_channel channel;
    union {
        smtp_config smtp;
        sms_config sms;
        whatsapp_config whatsapp;
    } u;
} courier_provider;

/* Parses the KV value of group smtp, sms or whatsapp (key default, API.md
 * 1.16) for channel ch. On error returns -1 with ERR_BAD_REQUEST and a detail
 * without the "Invalid value for <group>/<key>: " prefix, which the caller
 * adds. Details never quote a value. An smtp entry gets
 * COURIER_SMTP_TIMEOUT_DEFAULT; the caller may put the global
 * SMTP_TIMEOUT_SECS into out->u.smtp.timeout_secs. */
int courier_provider_from_json(courier_channel ch, const char *text, courier_provider *out, err *e);

/* Looks a variable up; returns NULL when unset. An empty value counts as unset. */
typedef const char *(*courier_getenv_fn)(const char *name, void *ctx);

/* Reads the global provider of channel ch from the SMTP_*, SMS_* or
 * WHATSAPP_* variables (API.md 5.2). *configured tells whether the channel
 * has a provider. An invalid value returns -1 with a detail of the form
 * "<VARIABLE>: <reason>". */
int courier_provider_from_env(courier_channel ch, courier_getenv_fn get, void *ctx,
                              courier_provider *out, bool *configured, err *e);

/* ---- messages (texts.c) -------------------------------------------------- */

/* Every string is a heap copy owned by the message (free with
 * courier_message_free). subject is NULL for SMS and WhatsApp; code, token
 * and link are NULL unless the message carries them. */
typedef struct courier_message {
    courier_kind kind;
    courier_channel channel;
    char *tenant_id;
    char *tenant_name;
    char *to; /* email address, or E.164 number with '+' */
    char *subject;
    char *body; /* LF line endings */
    char *code;
    char *token;
    char *link;
} courier_message;

/* Sign-in code (API.md 5.5) for any channel; ttl_secs is shown in whole minutes. */
void courier_build_otp(courier_message *m, courier_channel ch, const char *tenant_id,
                       const char *tenant_name, const char *to, const char *code, int ttl_secs);

/* Password-reset email. link_base (NULL or "" for none; a trailing '/' is
 * dropped) gives the link {base}/reset-password?token={token}; without it
 * the message carries the raw token. */
void courier_build_reset(courier_message *m, const char *tenant_id, const char *tenant_name,
                         const char *to, const char *token, const char *link_base);

/* Membership invite by email or SMS (ch is COURIER_EMAIL or COURIER_SMS):
 * link {base}/verify-membership?token={token}, or the raw token without a base. */
void courier_build_invite(courier_message *m, courier_channel ch, const char *tenant_id,
                          const char *tenant_name, const char *to, const char *token,
                          const char *link_base);

/* Deep copy (dst is overwritten) and free (m itself is not freed). */
void courier_message_copy(courier_message *dst, const courier_message *src);
void courier_message_free(courier_message *m);

/* Renders the email of m as RFC 5322 text with CRLF line endings: From,
 * To, Subject (RFC 2047 when not plain ASCII), Date (of date_us), Message-ID,
 * MIME-Version, Content-Type text/plain; charset=utf-8. Refuses (ERR_INTERNAL)
 * a CR, LF or other control character in from, to or the subject, and an
 * address that is not a single mailbox. Appends to out. */
int courier_render_email(const courier_message *m, const char *from, int64_t date_us, strbuf *out,
                         err *e);

/* Appends text as a header value: unchanged when it is printable ASCII,
 * otherwise as RFC 2047 "B" encoded words of at most 75 characters, folded
 * with CRLF SP. Exposed for tests. */
void courier_encode_header_text(const char *text, strbuf *out);

/* The bare address of a mailbox ("Name <a@b>" or "a@b"), in out (size n);
 * -1 when there is none or it does not fit. */
int courier_mailbox_address(const char *mailbox, char *out, size_t n);

/* ---- provider choice (choose.c) ------------------------------------------ */

typedef enum {
    COURIER_ROUTE_NONE = 0, /* no way to deliver: the channel requires a provider */
    COURIER_ROUTE_TENANT,   /* the tenant's own kv provider */
    COURIER_ROUTE_GLOBAL,   /* the global provider of the environment */
    COURIER_ROUTE_OUTBOX,   /* the dev outbox */
} courier_route;

const char *courier_route_name(courier_route r); /* "none", "tenant", "global", "outbox" */

/* API.md 1.16 and 5.6: the tenant's provider, else the global one, else the
 * outbox, which is never used when delivery_required (the channel is listed
 * in REQUIRE_DELIVERY). A message that carries a credential of the global
 * identity (global_credential: password reset, invite) never uses the
 * tenant's provider. *chosen is the provider to use (NULL for the outbox and
 * none). Only COURIER_ROUTE_TENANT confines a session to its tenant (1.12). */
courier_route courier_choose(const courier_provider *tenant, const courier_provider *global,
                             bool delivery_required, bool global_credential,
                             const courier_provider **chosen);

/* ---- delivery queue (queue.c) -------------------------------------------- */

/* Called on a courier thread once per enqueued message, after delivery was
 * tried (ok) or given up (!ok). Must be thread-safe and quick (metrics). */
typedef void (*courier_result_fn)(const courier_message *m, courier_route route, bool ok,
                                  void *ctx);

typedef struct courier_settings {
    const char *outbox_path;     /* OUTBOX_PATH; NULL: outbox lines go to the log */
    int threads;                 /* sending threads; 0: 2 */
    int max_pending;             /* queued messages beyond this are refused; 0: 10000 */
    int drain_secs;              /* courier_stop() waits at most this long; 0: 5 */
    courier_result_fn on_result; /* may be NULL */
    void *result_ctx;
} courier_settings;

/* Starts the sending threads (once; the settings are copied). */
int courier_start(const courier_settings *s, err *e);

/* Queues a copy of m for delivery through route (provider is the one
 * courier_choose returned, copied too). Never blocks on the network. A
 * message that cannot be queued (route none, queue full or stopped, provider
 * of another channel) is reported at once: delivery_failed is logged and
 * the result hook called with ok=false. */
void courier_enqueue(const courier_message *m, courier_route route,
                     const courier_provider *provider);

/* Waits until every queued message has been handled (tests, tools). */
void courier_flush(void);

/* Stops accepting messages, delivers what is queued for at most drain_secs,
 * then cancels transfers still running, reports what is left as failed and
 * joins the threads. */
void courier_stop(void);

#endif
