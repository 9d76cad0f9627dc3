/* config.c - provider settings of the courier: parsed from the KV JSON shapes
 * of groups smtp, sms and whatsapp (API.md 1.16) and from the SMTP_*, SMS_*
 * and WHATSAPP_* variables (5.2). Values are checked so that none can change
 * the meaning of a URL or a header: no control characters anywhere, and
 * restricted alphabets for what goes into a URL. Error details name the
 * field or variable but never quote its value (it may be a credential). */
#include "courier/courier.h"

#include <curl/curl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *courier_channel_name(courier_channel ch)
{
    static const char *names[] = {"email", "sms", "whatsapp"};
    return (unsigned)ch < COURIER_CHANNEL_COUNT ? names[ch] : "unknown";
}

const char *courier_kind_name(courier_kind kind)
{
    static const char *names[] = {"otp", "password_reset", "invite"};
    return (unsigned)kind <= COURIER_INVITE ? names[kind] : "unknown";
}

/* ---- value checks -------------------------------------------------------- */

static bool has_control(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f) return true;
    return false;
}

/* Letters, digits and the given extra characters only. */
static bool only_chars(const char *s, const char *extra)
{
    if (!*s) return false;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        bool alnum = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        if (!alnum && !strchr(extra, c)) return false;
    }
    return true;
}

static bool http_base_valid(const char *url)
{
    const char *rest;
    if (strncasecmp(url, "http://", 7) == 0)
        rest = url + 7;
    else if (strncasecmp(url, "https://", 8) == 0)
        rest = url + 8;
    else
        return false;
    if (!*rest || *rest == '/' || strpbrk(rest, "?#")) return false;
    for (const char *p = url; *p; p++)
        if ((unsigned char)*p <= 0x20 || *p == 0x7f) return false;
    return true;
}

typedef enum { ANY_TEXT, URL_PART, HOST_NAME, HTTP_BASE, MAILBOX } field_rule;

/* Why src (to be stored in a buffer of size n) breaks rule, or NULL. */
static const char *field_problem(const char *src, size_t n, field_rule rule)
{
    char addr[320];
    if (strlen(src) >= n) return "is too long";
    if (has_control(src)) return "must not contain control characters";
    switch (rule) {
    case ANY_TEXT:
        return NULL;
    case URL_PART:
        return only_chars(src, "-_.") ? NULL : "may hold only letters, digits, '-', '_' and '.'";
    case HOST_NAME:
        return only_chars(src, "-_.:[]") ? NULL : "must be a host name or address";
    case HTTP_BASE:
        return http_base_valid(src) ? NULL : "must be an absolute http(s) URL";
    case MAILBOX:
        return courier_mailbox_address(src, addr, sizeof addr) == 0 ? NULL
                                                                    : "must be an email address";
    }
    return NULL;
}

/* Copies a checked value; an HTTP base loses its trailing '/'. */
static void store_field(char *dst, const char *src, field_rule rule)
{
    size_t len = strlen(src);
    memcpy(dst, src, len + 1);
    if (rule == HTTP_BASE)
        while (len > 0 && dst[len - 1] == '/')
            dst[--len] = '\0';
}

/* Parses smtp://user:pass@host:port or smtps://... into c (host, port,
 * credentials, tls). Returns why it is not acceptable, or NULL. */
static const char *smtp_url_parse(const char *url, smtp_config *c)
{
    static const char *bad_url = "must be an smtp:// or smtps:// URL with a host";
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL, *port = NULL, *user = NULL, *pass = NULL;
    const char *problem = bad_url;
    if (!u || has_control(url) || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || !host[0])
        goto done;
    bool implicit = strcasecmp(scheme, "smtps") == 0;
    if (!implicit && strcasecmp(scheme, "smtp") != 0) goto done;
    c->tls = implicit ? SMTP_TLS_IMPLICIT : SMTP_TLS_STARTTLS;
    c->port = implicit ? 465 : 587;
    if (curl_url_get(u, CURLUPART_PORT, &port, 0) == CURLUE_OK) c->port = atoi(port);
    curl_url_get(u, CURLUPART_USER, &user, CURLU_URLDECODE);
    curl_url_get(u, CURLUPART_PASSWORD, &pass, CURLU_URLDECODE);
    if (field_problem(host, sizeof c->host, HOST_NAME)) goto done;
    if ((user && field_problem(user, sizeof c->username, ANY_TEXT)) ||
        (pass && field_problem(pass, sizeof c->password, ANY_TEXT))) {
        problem = "has invalid credentials";
        goto done;
    }
    if (c->port < 1 || c->port > 65535) {
        problem = "has an invalid port";
        goto done;
    }
    store_field(c->host, host, HOST_NAME);
    store_field(c->username, user ? user : "", ANY_TEXT);
    store_field(c->password, pass ? pass : "", ANY_TEXT);
    problem = NULL;
done:
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_free(user);
    curl_free(pass);
    curl_url_cleanup(u);
    return problem;
}

/* The sender of a URL-configured server without an explicit from: the user
 * name when it is an address, else no-reply@<host>. */
static void smtp_default_from(smtp_config *c)
{
    if (strchr(c->username, '@') && !strpbrk(c->username, "<>\" ,"))
        snprintf(c->from, sizeof c->from, "%s", c->username);
    else
        snprintf(c->from, sizeof c->from, "no-reply@%s", c->host);
}

static int parse_tls(const char *s, smtp_tls_mode *out)
{
    if (strcmp(s, "starttls") == 0)
        *out = SMTP_TLS_STARTTLS;
    else if (strcmp(s, "tls") == 0)
        *out = SMTP_TLS_IMPLICIT;
    else if (strcmp(s, "none") == 0)
        *out = SMTP_TLS_NONE;
    else
        return -1;
    return 0;
}

/* ---- KV JSON ------------------------------------------------------------- */

static int check_known(json_t *obj, const char *const *known, err *e)
{
    const char *key;
    json_t *value;
    json_object_foreach(obj, key, value)
    {
        bool found = false;
        for (const char *const *k = known; *k && !found; k++)
            found = strcmp(*k, key) == 0;
        if (!found) {
            if (has_control(key) || strlen(key) > 64)
                return err_set(e, ERR_BAD_REQUEST, "unknown field");
            return err_set(e, ERR_BAD_REQUEST, "unknown field %s", key);
        }
    }
    return 0;
}

/* Reads string field key into dst: *given tells whether it is present and
 * non-empty (null and "" count as absent). */
static int json_field(json_t *obj, const char *key, bool required, char *dst, size_t n,
                      field_rule rule, bool *given, err *e)
{
    json_t *v = json_object_get(obj, key);
    *given = false;
    if (v && !json_is_null(v) && !json_is_string(v))
        return err_set(e, ERR_BAD_REQUEST, "%s must be a string", key);
    const char *s = v && json_is_string(v) ? json_string_value(v) : "";
    if (!*s) {
        if (required) return err_set(e, ERR_BAD_REQUEST, "%s is required", key);
        return 0;
    }
    const char *problem = field_problem(s, n, rule); /* jansson refuses NUL in strings */
    if (problem) return err_set(e, ERR_BAD_REQUEST, "%s %s", key, problem);
    store_field(dst, s, rule);
    *given = true;
    return 0;
}

static int smtp_url_from_json(json_t *o, smtp_config *c, const char *url, err *e)
{
    static const char *const others[] = {"host", "port", "username", "password", "tls", NULL};
    bool given;
    for (const char *const *k = others; *k; k++)
        if (json_object_get(o, *k))
            return err_set(e, ERR_BAD_REQUEST, "url cannot be combined with %s", *k);
    const char *problem = smtp_url_parse(url, c);
    if (problem) return err_set(e, ERR_BAD_REQUEST, "url %s", problem);
    if (json_field(o, "from", false, c->from, sizeof c->from, MAILBOX, &given, e)) return -1;
    if (!given) smtp_default_from(c);
    return 0;
}

static int smtp_from_json(json_t *o, smtp_config *c, err *e)
{
    static const char *const known[] = {"url",      "host", "port", "username",
                                        "password", "from", "tls",  NULL};
    bool given, tls_given;
    char url[2048], tls[16];
    if (check_known(o, known, e)) return -1;
    c->timeout_secs = COURIER_SMTP_TIMEOUT_DEFAULT;
    if (json_field(o, "url", false, url, sizeof url, ANY_TEXT, &given, e)) return -1;
    if (given) return smtp_url_from_json(o, c, url, e);
    if (json_field(o, "host", true, c->host, sizeof c->host, HOST_NAME, &given, e) ||
        json_field(o, "from", true, c->from, sizeof c->from, MAILBOX, &given, e) ||
        json_field(o, "username", false, c->username, sizeof c->username, ANY_TEXT, &given, e) ||
        json_field(o, "password", false, c->password, sizeof c->password, ANY_TEXT, &given, e) ||
        json_field(o, "tls", false, tls, sizeof tls, ANY_TEXT, &tls_given, e))
        return -1;
    json_t *port = json_object_get(o, "port");
    c->port = 587;
    if (port && !json_is_null(port)) {
        if (!json_is_integer(port) || json_integer_value(port) < 1 ||
            json_integer_value(port) > 65535)
            return err_set(e, ERR_BAD_REQUEST, "port must be an integer from 1 to 65535");
        c->port = (int)json_integer_value(port);
    }
    c->tls = c->port == 465 ? SMTP_TLS_IMPLICIT : SMTP_TLS_STARTTLS;
    if (tls_given && parse_tls(tls, &c->tls) != 0)
        return err_set(e, ERR_BAD_REQUEST, "tls must be one of starttls, tls, none");
    return 0;
}

static int sms_from_json(json_t *o, sms_config *c, err *e)
{
    static const char *const known[] = {"accountSid", "authToken", "from", "apiBase", NULL};
    bool given;
    if (check_known(o, known, e) ||
        json_field(o, "accountSid", true, c->account_sid, sizeof c->account_sid, URL_PART, &given,
                   e) ||
        json_field(o, "authToken", true, c->auth_token, sizeof c->auth_token, ANY_TEXT, &given,
                   e) ||
        json_field(o, "from", true, c->from, sizeof c->from, ANY_TEXT, &given, e) ||
        json_field(o, "apiBase", false, c->api_base, sizeof c->api_base, HTTP_BASE, &given, e))
        return -1;
    if (!given) snprintf(c->api_base, sizeof c->api_base, "https://api.twilio.com");
    c->timeout_secs = COURIER_HTTP_TIMEOUT;
    return 0;
}

static int whatsapp_from_json(json_t *o, whatsapp_config *c, err *e)
{
    static const char *const known[] = {
        "phoneNumberId", "accessToken", "templateName", "templateLanguage", "apiBase",
        "apiVersion",    NULL};
    bool given[3];
    if (check_known(o, known, e) ||
        json_field(o, "phoneNumberId", true, c->phone_number_id, sizeof c->phone_number_id,
                   URL_PART, &given[0], e) ||
        json_field(o, "accessToken", true, c->access_token, sizeof c->access_token, ANY_TEXT,
                   &given[0], e) ||
        json_field(o, "templateName", false, c->template_name, sizeof c->template_name, ANY_TEXT,
                   &given[0], e) ||
        json_field(o, "templateLanguage", false, c->template_language, sizeof c->template_language,
                   ANY_TEXT, &given[0], e) ||
        json_field(o, "apiBase", false, c->api_base, sizeof c->api_base, HTTP_BASE, &given[1], e) ||
        json_field(o, "apiVersion", false, c->api_version, sizeof c->api_version, URL_PART,
                   &given[2], e))
        return -1;
    if (!c->template_language[0])
        snprintf(c->template_language, sizeof c->template_language, "en_US");
    if (!given[1]) snprintf(c->api_base, sizeof c->api_base, "https://graph.facebook.com");
    if (!given[2]) snprintf(c->api_version, sizeof c->api_version, "v21.0");
    c->timeout_secs = COURIER_HTTP_TIMEOUT;
    return 0;
}

int courier_provider_from_json(courier_channel ch, const char *text, courier_provider *out, err *e)
{
    memset(out, 0, sizeof *out);
    out->channel = ch;
    json_t *o = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
    if (!json_is_object(o)) {
        json_decref(o);
        return err_set(e, ERR_BAD_REQUEST, "must be a JSON object");
    }
    int rc;
    switch (ch) {
    case COURIER_EMAIL:
        rc = smtp_from_json(o, &out->u.smtp, e);
        break;
    case COURIER_SMS:
        rc = sms_from_json(o, &out->u.sms, e);
        break;
    case COURIER_WHATSAPP:
        rc = whatsapp_from_json(o, &out->u.whatsapp, e);
        break;
    default:
        rc = err_set(e, ERR_BAD_REQUEST, "unknown channel");
    }
    json_decref(o);
    if (rc) memset(out, 0, sizeof *out);
    return rc;
}

/* ---- environment --------------------------------------------------------- */

typedef struct env_reader {
    courier_getenv_fn get;
    void *ctx;
} env_reader;

static const char *env_get(const env_reader *r, const char *name)
{
    const char *v = r->get(name, r->ctx);
    return v && *v ? v : NULL;
}

/* Copies variable name into dst (when set, else fallback when not NULL)
 * after the rule check; the detail is "<NAME>: <reason>". */
static int env_field(const env_reader *r, const char *name, char *dst, size_t n, field_rule rule,
                     const char *fallback, err *e)
{
    const char *v = env_get(r, name);
    if (!v) v = fallback;
    if (!v) return 0;
    const char *problem = field_problem(v, n, rule);
    if (problem) return err_set(e, ERR_BAD_REQUEST, "%s: %s", name, problem);
    store_field(dst, v, rule);
    return 0;
}

static int env_int(const env_reader *r, const char *name, long lo, long hi, long fallback, int *out,
                   err *e)
{
    const char *v = env_get(r, name);
    *out = (int)fallback;
    if (!v) return 0;
    char *end;
    long n = strtol(v, &end, 10);
    if (*end || end == v || n < lo || n > hi)
        return err_set(e, ERR_BAD_REQUEST, "%s: must be an integer from %ld to %ld", name, lo, hi);
    *out = (int)n;
    return 0;
}

static int smtp_from_env(const env_reader *r, smtp_config *c, bool *configured, err *e)
{
    const char *url = env_get(r, "SMTP_URL");
    char tls[16] = "";
    if (env_int(r, "SMTP_PORT", 1, 65535, 587, &c->port, e) ||
        env_int(r, "SMTP_TIMEOUT_SECS", 1, 600, COURIER_SMTP_TIMEOUT_DEFAULT, &c->timeout_secs,
                e) ||
        env_field(r, "SMTP_HOST", c->host, sizeof c->host, HOST_NAME, NULL, e) ||
        env_field(r, "SMTP_USER", c->username, sizeof c->username, ANY_TEXT, NULL, e) ||
        env_field(r, "SMTP_PASS", c->password, sizeof c->password, ANY_TEXT, NULL, e) ||
        env_field(r, "SMTP_FROM", c->from, sizeof c->from, MAILBOX, NULL, e) ||
        env_field(r, "SMTP_TLS", tls, sizeof tls, ANY_TEXT, NULL, e))
        return -1;
    c->tls = c->port == 465 ? SMTP_TLS_IMPLICIT : SMTP_TLS_STARTTLS;
    if (tls[0] && parse_tls(tls, &c->tls) != 0)
        return err_set(e, ERR_BAD_REQUEST, "SMTP_TLS: must be starttls, tls or none");
    if (url) {
        const char *problem = smtp_url_parse(url, c);
        if (problem) return err_set(e, ERR_BAD_REQUEST, "SMTP_URL: %s", problem);
        if (!c->from[0]) smtp_default_from(c);
    }
    *configured = url || (c->host[0] && c->from[0]);
    return 0;
}

static int sms_from_env(const env_reader *r, sms_config *c, bool *configured, err *e)
{
    if (env_field(r, "SMS_API_BASE", c->api_base, sizeof c->api_base, HTTP_BASE,
                  "https://api.twilio.com", e) ||
        env_field(r, "SMS_ACCOUNT_SID", c->account_sid, sizeof c->account_sid, URL_PART, NULL, e) ||
        env_field(r, "SMS_AUTH_TOKEN", c->auth_token, sizeof c->auth_token, ANY_TEXT, NULL, e) ||
        env_field(r, "SMS_FROM", c->from, sizeof c->from, ANY_TEXT, NULL, e))
        return -1;
    c->timeout_secs = COURIER_HTTP_TIMEOUT;
    *configured = c->account_sid[0] && c->auth_token[0] && c->from[0];
    return 0;
}

static int whatsapp_from_env(const env_reader *r, whatsapp_config *c, bool *configured, err *e)
{
    if (env_field(r, "WHATSAPP_API_BASE", c->api_base, sizeof c->api_base, HTTP_BASE,
                  "https://graph.facebook.com", e) ||
        env_field(r, "WHATSAPP_API_VERSION", c->api_version, sizeof c->api_version, URL_PART,
                  "v21.0", e) ||
        env_field(r, "WHATSAPP_PHONE_NUMBER_ID", c->phone_number_id, sizeof c->phone_number_id,
                  URL_PART, NULL, e) ||
        env_field(r, "WHATSAPP_ACCESS_TOKEN", c->access_token, sizeof c->access_token, ANY_TEXT,
                  NULL, e) ||
        env_field(r, "WHATSAPP_TEMPLATE_NAME", c->template_name, sizeof c->template_name, ANY_TEXT,
                  NULL, e) ||
        env_field(r, "WHATSAPP_TEMPLATE_LANGUAGE", c->template_language,
                  sizeof c->template_language, ANY_TEXT, "en_US", e))
        return -1;
    c->timeout_secs = COURIER_HTTP_TIMEOUT;
    *configured = c->phone_number_id[0] && c->access_token[0];
    return 0;
}

int courier_provider_from_env(courier_channel ch, courier_getenv_fn get, void *ctx,
                              courier_provider *out, bool *configured, err *e)
{
    env_reader r = {get, ctx};
    int rc;
    memset(out, 0, sizeof *out);
    out->channel = ch;
    *configured = false;
    switch (ch) {
    case COURIER_EMAIL:
        rc = smtp_from_env(&r, &out->u.smtp, configured, e);
        break;
    case COURIER_SMS:
        rc = sms_from_env(&r, &out->u.sms, configured, e);
        break;
    case COURIER_WHATSAPP:
        rc = whatsapp_from_env(&r, &out->u.whatsapp, configured, e);
        break;
    default:
        rc = err_set(e, ERR_BAD_REQUEST, "unknown channel");
    }
    if (rc) *configured = false;
    return rc;
}
