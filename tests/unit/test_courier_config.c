/* test_courier_config.c - provider settings from the KV JSON shapes
 * (API.md 1.16) and from the environment (5.2). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "courier/courier.h"

static courier_provider p;
static err e;

static int kv(courier_channel ch, const char *json)
{
    memset(&e, 0, sizeof e);
    return courier_provider_from_json(ch, json, &p, &e);
}

static void assert_kv_error(courier_channel ch, const char *json, const char *detail)
{
    assert_int_equal(kv(ch, json), -1);
    assert_int_equal(e.kind, ERR_BAD_REQUEST);
    assert_string_equal(e.detail, detail);
}

static void test_smtp_fields(void **state)
{
    (void)state;
    assert_int_equal(kv(COURIER_EMAIL, "{\"host\":\"mail.example.com\",\"from\":\"Acme "
                                       "<a@acme.example>\",\"username\":\"u\",\"password\":\"p\"}"),
                     0);
    smtp_config *c = &p.u.smtp;
    assert_int_equal(p.channel, COURIER_EMAIL);
    assert_string_equal(c->host, "mail.example.com");
    assert_int_equal(c->port, 587);
    assert_int_equal(c->tls, SMTP_TLS_STARTTLS);
    assert_string_equal(c->username, "u");
    assert_string_equal(c->password, "p");
    assert_string_equal(c->from, "Acme <a@acme.example>");
    assert_int_equal(c->timeout_secs, COURIER_SMTP_TIMEOUT_DEFAULT);
    assert_int_equal(kv(COURIER_EMAIL, "{\"host\":\"h\",\"port\":465,\"from\":\"a@b.c\"}"), 0);
    assert_int_equal(c->tls, SMTP_TLS_IMPLICIT);
    assert_int_equal(
        kv(COURIER_EMAIL,
           "{\"host\":\"127.0.0.1\",\"port\":2525,\"from\":\"a@b.c\",\"tls\":\"none\"}"),
        0);
    assert_int_equal(c->tls, SMTP_TLS_NONE);
    assert_int_equal(c->port, 2525);
}

static void test_smtp_url(void **state)
{
    (void)state;
    smtp_config *c = &p.u.smtp;
    assert_int_equal(kv(COURIER_EMAIL, "{\"url\":\"smtp://mailer%40acme.example:p%3Ass@mx.acme."
                                       "example:2587\"}"),
                     0);
    assert_string_equal(c->host, "mx.acme.example");
    assert_int_equal(c->port, 2587);
    assert_int_equal(c->tls, SMTP_TLS_STARTTLS);
    assert_string_equal(c->username, "mailer@acme.example");
    assert_string_equal(c->password, "p:ss");
    assert_string_equal(c->from, "mailer@acme.example"); /* the user, being an address */
    assert_int_equal(kv(COURIER_EMAIL, "{\"url\":\"smtps://mx.example\",\"from\":\"x@y.z\"}"), 0);
    assert_int_equal(c->tls, SMTP_TLS_IMPLICIT);
    assert_int_equal(c->port, 465);
    assert_string_equal(c->username, "");
    assert_string_equal(c->from, "x@y.z");
    assert_int_equal(kv(COURIER_EMAIL, "{\"url\":\"smtp://mx.example\"}"), 0);
    assert_int_equal(c->port, 587);
    assert_string_equal(c->from, "no-reply@mx.example");
}

static void test_smtp_errors(void **state)
{
    (void)state;
    assert_kv_error(COURIER_EMAIL, "not json", "must be a JSON object");
    assert_kv_error(COURIER_EMAIL, "[1]", "must be a JSON object");
    assert_kv_error(COURIER_EMAIL, "{\"host\":\"h\",\"from\":\"a@b.c\",\"secure\":true}",
                    "unknown field secure");
    assert_kv_error(COURIER_EMAIL, "{\"from\":\"a@b.c\"}", "host is required");
    assert_kv_error(COURIER_EMAIL, "{\"host\":\"h\"}", "from is required");
    assert_kv_error(COURIER_EMAIL, "{\"host\":\"h\",\"from\":\"nobody\"}",
                    "from must be an email address");
    assert_kv_error(COURIER_EMAIL, "{\"host\":\"h\",\"from\":\"a@b.c\",\"port\":0}",
                    "port must be an integer from 1 to 65535");
    assert_kv_error(COURIER_EMAIL, "{\"host\":\"h\",\"from\":\"a@b.c\",\"port\":\"25\"}",
                    "port must be an integer from 1 to 65535");
    assert_kv_error(COURIER_EMAIL, "{\"host\":\"h\",\"from\":\"a@b.c\",\"tls\":\"ssl\"}",
                    "tls must be one of starttls, tls, none");
    assert_kv_error(COURIER_EMAIL, "{\"host\":\"h/x@evil\",\"from\":\"a@b.c\"}",
                    "host must be a host name or address");
    assert_kv_error(COURIER_EMAIL, "{\"host\":\"h\",\"from\":\"a@b.c\",\"username\":5}",
                    "username must be a string");
    assert_kv_error(COURIER_EMAIL,
                    "{\"host\":\"h\",\"from\":\"a@b.c\",\"password\":\"se\\r\\ncret\"}",
                    "password must not contain control characters");
    assert_kv_error(COURIER_EMAIL,
                    "{\"host\":\"h\",\"from\":\"a@b.c\",\"password\":\"se\\u0000cret\"}",
                    "must be a JSON object"); /* jansson refuses NUL in strings */
    assert_kv_error(COURIER_EMAIL, "{\"url\":\"http://user:s3cret@h\"}",
                    "url must be an smtp:// or smtps:// URL with a host");
    assert_kv_error(COURIER_EMAIL, "{\"url\":\"smtp://h\",\"host\":\"h\"}",
                    "url cannot be combined with host");
    assert_kv_error(COURIER_EMAIL, "{\"host\":\"h\",\"from\":\"a@b.c\",\"host\":\"i\"}",
                    "must be a JSON object");
    assert_null(strstr(e.detail, "s3cret"));
}

static void test_sms_json(void **state)
{
    (void)state;
    sms_config *c = &p.u.sms;
    assert_int_equal(
        kv(COURIER_SMS, "{\"accountSid\":\"AC1\",\"authToken\":\"t\",\"from\":\"+1\"}"), 0);
    assert_string_equal(c->api_base, "https://api.twilio.com");
    assert_int_equal(c->timeout_secs, COURIER_HTTP_TIMEOUT);
    assert_int_equal(kv(COURIER_SMS, "{\"accountSid\":\"AC1\",\"authToken\":\"t\",\"from\":\"+1\","
                                     "\"apiBase\":\"http://127.0.0.1:8080/twilio/\"}"),
                     0);
    assert_string_equal(c->api_base, "http://127.0.0.1:8080/twilio");
    assert_kv_error(COURIER_SMS, "{\"authToken\":\"t\",\"from\":\"+1\"}", "accountSid is required");
    assert_kv_error(COURIER_SMS, "{\"accountSid\":\"AC1\",\"from\":\"+1\"}",
                    "authToken is required");
    assert_kv_error(COURIER_SMS, "{\"accountSid\":\"AC1\",\"authToken\":\"t\"}",
                    "from is required");
    assert_kv_error(COURIER_SMS, "{\"accountSid\":\"../AC1\",\"authToken\":\"t\",\"from\":\"+1\"}",
                    "accountSid may hold only letters, digits, '-', '_' and '.'");
    assert_kv_error(COURIER_SMS,
                    "{\"accountSid\":\"AC1\",\"authToken\":\"t\",\"from\":\"+1\",\"apiBase\":"
                    "\"ftp://x\"}",
                    "apiBase must be an absolute http(s) URL");
    assert_kv_error(COURIER_SMS,
                    "{\"accountSid\":\"AC1\",\"authToken\":\"t\",\"from\":\"+1\",\"x\":1}",
                    "unknown field x");
}

static void test_whatsapp_json(void **state)
{
    (void)state;
    whatsapp_config *c = &p.u.whatsapp;
    assert_int_equal(kv(COURIER_WHATSAPP, "{\"phoneNumberId\":\"123\",\"accessToken\":\"EAAG\"}"),
                     0);
    assert_string_equal(c->phone_number_id, "123");
    assert_string_equal(c->access_token, "EAAG");
    assert_string_equal(c->template_name, "");
    assert_string_equal(c->template_language, "en_US");
    assert_string_equal(c->api_base, "https://graph.facebook.com");
    assert_string_equal(c->api_version, "v21.0");
    assert_int_equal(kv(COURIER_WHATSAPP,
                        "{\"phoneNumberId\":\"123\",\"accessToken\":\"EAAG\",\"templateName\":"
                        "\"otp\",\"templateLanguage\":\"de\",\"apiBase\":\"https://wa.example\","
                        "\"apiVersion\":\"v19.0\"}"),
                     0);
    assert_string_equal(c->template_name, "otp");
    assert_string_equal(c->template_language, "de");
    assert_string_equal(c->api_base, "https://wa.example");
    assert_string_equal(c->api_version, "v19.0");
    assert_kv_error(COURIER_WHATSAPP, "{\"accessToken\":\"EAAG\"}", "phoneNumberId is required");
    assert_kv_error(COURIER_WHATSAPP, "{\"phoneNumberId\":\"1\"}", "accessToken is required");
    assert_kv_error(COURIER_WHATSAPP,
                    "{\"phoneNumberId\":\"1\",\"accessToken\":\"a\\nInjected: x\"}",
                    "accessToken must not contain control characters");
    assert_kv_error(COURIER_WHATSAPP,
                    "{\"phoneNumberId\":\"1\",\"accessToken\":\"a\",\"apiVersion\":\"v1/../x\"}",
                    "apiVersion may hold only letters, digits, '-', '_' and '.'");
}

/* ---- environment ---- */

static const char *const *env_table;

static const char *lookup(const char *name, void *ctx)
{
    (void)ctx;
    for (const char *const *kvp = env_table; *kvp; kvp += 2)
        if (strcmp(kvp[0], name) == 0) return kvp[1];
    return NULL;
}

static int env(courier_channel ch, const char *const *table, bool *configured)
{
    env_table = table;
    memset(&e, 0, sizeof e);
    return courier_provider_from_env(ch, lookup, NULL, &p, configured, &e);
}

static void test_smtp_env(void **state)
{
    (void)state;
    bool configured;
    const char *const none[] = {NULL};
    assert_int_equal(env(COURIER_EMAIL, none, &configured), 0);
    assert_false(configured);
    const char *const host_only[] = {"SMTP_HOST", "mx", "SMTP_FROM", "", NULL};
    assert_int_equal(env(COURIER_EMAIL, host_only, &configured), 0);
    assert_false(configured); /* an empty variable counts as unset */
    const char *const full[] = {"SMTP_HOST", "mx", "SMTP_FROM", "a@b.c", "SMTP_PORT",         "465",
                                "SMTP_USER", "u",  "SMTP_PASS", "p",     "SMTP_TIMEOUT_SECS", "7",
                                NULL};
    assert_int_equal(env(COURIER_EMAIL, full, &configured), 0);
    assert_true(configured);
    assert_int_equal(p.u.smtp.port, 465);
    assert_int_equal(p.u.smtp.tls, SMTP_TLS_IMPLICIT);
    assert_int_equal(p.u.smtp.timeout_secs, 7);
    assert_string_equal(p.u.smtp.password, "p");
    const char *const url[] = {"SMTP_URL",  "smtp://u:p@mx2:2525", "SMTP_HOST", "ignored",
                               "SMTP_FROM", "Acme <a@b.c>",        NULL};
    assert_int_equal(env(COURIER_EMAIL, url, &configured), 0);
    assert_true(configured);
    assert_string_equal(p.u.smtp.host, "mx2");
    assert_int_equal(p.u.smtp.port, 2525);
    assert_int_equal(p.u.smtp.tls, SMTP_TLS_STARTTLS);
    assert_string_equal(p.u.smtp.from, "Acme <a@b.c>");
    const char *const bad_port[] = {"SMTP_PORT", "70000", NULL};
    assert_int_equal(env(COURIER_EMAIL, bad_port, &configured), -1);
    assert_string_equal(e.detail, "SMTP_PORT: must be an integer from 1 to 65535");
    const char *const bad_tls[] = {"SMTP_TLS", "ssl", NULL};
    assert_int_equal(env(COURIER_EMAIL, bad_tls, &configured), -1);
    assert_string_equal(e.detail, "SMTP_TLS: must be starttls, tls or none");
    const char *const bad_url[] = {"SMTP_URL", "https://u:secret@x", NULL};
    assert_int_equal(env(COURIER_EMAIL, bad_url, &configured), -1);
    assert_string_equal(e.detail, "SMTP_URL: must be an smtp:// or smtps:// URL with a host");
    const char *const bad_timeout[] = {"SMTP_TIMEOUT_SECS", "0", NULL};
    assert_int_equal(env(COURIER_EMAIL, bad_timeout, &configured), -1);
    assert_string_equal(e.detail, "SMTP_TIMEOUT_SECS: must be an integer from 1 to 600");
}

static void test_sms_whatsapp_env(void **state)
{
    (void)state;
    bool configured;
    const char *const partial[] = {"SMS_ACCOUNT_SID", "AC1", "SMS_AUTH_TOKEN", "t", NULL};
    assert_int_equal(env(COURIER_SMS, partial, &configured), 0);
    assert_false(configured);
    const char *const sms[] = {
        "SMS_ACCOUNT_SID", "AC1", "SMS_AUTH_TOKEN", "t", "SMS_FROM", "+1", NULL};
    assert_int_equal(env(COURIER_SMS, sms, &configured), 0);
    assert_true(configured);
    assert_string_equal(p.u.sms.api_base, "https://api.twilio.com");
    const char *const bad_base[] = {"SMS_API_BASE", "api.twilio.com", NULL};
    assert_int_equal(env(COURIER_SMS, bad_base, &configured), -1);
    assert_string_equal(e.detail, "SMS_API_BASE: must be an absolute http(s) URL");
    const char *const wa[] = {"WHATSAPP_PHONE_NUMBER_ID",
                              "42",
                              "WHATSAPP_ACCESS_TOKEN",
                              "tok",
                              "WHATSAPP_TEMPLATE_NAME",
                              "otp",
                              NULL};
    assert_int_equal(env(COURIER_WHATSAPP, wa, &configured), 0);
    assert_true(configured);
    assert_string_equal(p.u.whatsapp.api_base, "https://graph.facebook.com");
    assert_string_equal(p.u.whatsapp.api_version, "v21.0");
    assert_string_equal(p.u.whatsapp.template_language, "en_US");
    assert_string_equal(p.u.whatsapp.template_name, "otp");
    const char *const wa_partial[] = {"WHATSAPP_PHONE_NUMBER_ID", "42", NULL};
    assert_int_equal(env(COURIER_WHATSAPP, wa_partial, &configured), 0);
    assert_false(configured);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_smtp_fields),      cmocka_unit_test(test_smtp_url),
        cmocka_unit_test(test_smtp_errors),      cmocka_unit_test(test_sms_json),
        cmocka_unit_test(test_whatsapp_json),    cmocka_unit_test(test_smtp_env),
        cmocka_unit_test(test_sms_whatsapp_env),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
