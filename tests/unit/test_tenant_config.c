/* test_tenant_config.c - validation of the reserved KV groups (API.md 1.16). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "tenant_config.h"

static void ok(const char *group, const char *key, const char *value)
{
    err e = {0};
    if (tenant_config_validate(group, key, value, &e) != 0)
        fail_msg("%s/%s = %s refused: %s", group, key, value, e.detail);
}

static void refused(const char *group, const char *key, const char *value, const char *detail)
{
    err e = {0};
    if (tenant_config_validate(group, key, value, &e) != -1)
        fail_msg("%s/%s = %s accepted", group, key, value);
    assert_int_equal(e.kind, ERR_BAD_REQUEST);
    char want[600];
    snprintf(want, sizeof want, "Invalid value for %s/%s: %s", group, key, detail);
    if (detail)
        assert_string_equal(e.detail, want);
    else
        assert_true(strncmp(e.detail, "Invalid value for ", 18) == 0);
}

static void test_reserved_groups(void **state)
{
    (void)state;
    assert_true(tenant_config_reserved("password_policy"));
    assert_true(tenant_config_reserved("oauth"));
    assert_false(tenant_config_reserved("my_app"));
    /* a non-reserved group takes any string */
    ok("my_app", "anything", "not json at all {");
}

static void test_policies(void **state)
{
    (void)state;
    ok("password_policy", "default", "{\"minLength\":12,\"requireDigit\":true,\"maxAgeDays\":90}");
    refused("password_policy", "default", "{\"minLength\":0}", NULL);
    refused("password_policy", "default", "{\"bogus\":1}", NULL);
    ok("session_policy", "default", "{\"absoluteTimeoutMins\":60,\"idleTimeoutMins\":5}");
    refused("session_policy", "default", "{\"idleTimeoutMins\":0}",
            "idleTimeoutMins must be an integer between 1 and 525600");
    refused("session_policy", "default", "[]", "must be a JSON object");
    refused("session_policy", "other", "{}", "unknown key 'other'");
    ok("lockout_policy", "default", "{\"maxAttempts\":3,\"lockMinutes\":1}");
    refused("lockout_policy", "default", "{\"maxAttempts\":101}",
            "maxAttempts must be an integer between 1 and 100");
    ok("otp_policy", "default", "{\"ttlSecs\":60,\"maxAttempts\":20}");
    refused("otp_policy", "default", "{\"ttlSecs\":59}",
            "ttlSecs must be an integer between 60 and 3600");
    refused("otp_policy", "default", "not json", NULL);
}

static void test_lists_and_urls(void **state)
{
    (void)state;
    ok("login_methods", "allowed", "[1,2,6]");
    refused("login_methods", "allowed", "[]", "must be a non-empty array");
    refused("login_methods", "allowed", "[1,1]", "elements must be distinct");
    refused("login_methods", "allowed", "[7]", "every element must be an integer between 1 and 6");
    ok("email_policy", "allowed_domains", "[\"@corp.io\",\"example.com\"]");
    refused("email_policy", "allowed_domains", "[1]", "must be an array of strings");
    ok("frontend_config", "base_url", "\"https://app.example.com\"");
    ok("frontend_config", "base_url", "https://app.example.com"); /* bare URL accepted */
    refused("frontend_config", "base_url", "ftp://x", NULL);
    ok("rate_limits", "login_ip", "{\"maxRequests\":0,\"windowSecs\":60}");
    ok("rate_limits", "identity_login_ip", "{\"maxRequests\":5,\"windowSecs\":60}");
    refused("rate_limits", "no_such_limit", "{\"maxRequests\":5,\"windowSecs\":60}", NULL);
    refused("rate_limits", "login_ip", "{\"maxRequests\":5}", "missing field 'windowSecs'");
    ok("mfa", "default", "{\"issuer\":\"Acme Corp\"}");
    refused("mfa", "default", "{\"issuer\":\"\"}", "issuer must be a string of 1 to 64 characters");
}

static void test_secret_groups(void **state)
{
    (void)state;
    ok("oauth", "google",
       "{\"clientId\":\"c\",\"clientSecret\":\"s\",\"redirectUrl\":\"https://app.example.com/"
       "cb\"}");
    refused("oauth", "google", "{\"clientId\":\"c\",\"clientSecret\":\"s\"}",
            "missing field 'redirectUrl'");
    refused("oauth", "google",
            "{\"clientId\":\"c\",\"clientSecret\":\"s\",\"redirectUrl\":\"https://a/cb\",\"x\":1}",
            "unknown field 'x'");
    /* any other name is a generic OIDC provider and needs an issuer */
    refused("oauth", "acme_idp",
            "{\"clientId\":\"c\",\"clientSecret\":\"s\",\"redirectUrl\":\"https://a/cb\"}", NULL);
    ok("smtp", "default",
       "{\"host\":\"mail.example.com\",\"port\":587,\"from\":\"a@example.com\"}");
    refused("smtp", "default", "{\"port\":99999}", NULL);
    ok("sms", "default", "{\"accountSid\":\"AC1\",\"authToken\":\"t\",\"from\":\"+15550001\"}");
    ok("whatsapp", "default", "{\"phoneNumberId\":\"1\",\"accessToken\":\"t\"}");
    refused("whatsapp", "default", "{\"phoneNumberId\":\"1\"}", NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reserved_groups),
        cmocka_unit_test(test_policies),
        cmocka_unit_test(test_lists_and_urls),
        cmocka_unit_test(test_secret_groups),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
