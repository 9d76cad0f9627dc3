/* test_config.c - configuration parsing and validation (API.md 5.2). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

static const char *vars[] = {"DATABASE_URL",
                             "SERVER_PORT",
                             "LOG_LEVEL",
                             "BODY_LIMIT_BYTES",
                             "CORS_ORIGINS",
                             "RATE_LIMIT_LOGIN_IP",
                             "RATE_LIMIT_BOGUS",
                             "ADMIN_AUTH",
                             "DEFAULT_SESSION_TTL_SECS",
                             "KV_STORE_ENCRYPTION_KEY",
                             "ALLOWED_ROLES",
                             "REQUIRE_DELIVERY",
                             "SMTP_HOST",
                             "SMTP_FROM",
                             "FRONTEND_URL",
                             "RATE_LIMITS_ENABLED",
                             "SMTP_PORT",
                             "SMTP_TLS",
                             NULL};

static int reset(void **state)
{
    (void)state;
    for (const char **v = vars; *v; v++)
        unsetenv(*v);
    return 0;
}

static void test_defaults(void **state)
{
    (void)state;
    assert_int_equal(config_load(), 0);
    assert_string_equal(cfg.sqlite_path, "authrs.db");
    assert_false(cfg.db_is_postgres);
    assert_int_equal(cfg.server_port, 3000);
    assert_int_equal(cfg.body_limit, 1048576);
    assert_null(cfg.cors_origins);
    assert_true(cfg.admin_auth);
    assert_true(cfg.rate_limits_enabled);
    assert_int_equal(cfg.default_session_ttl_secs, 3600);
    assert_int_equal(cfg.argon2_m_kib, 19456);
    const rate_limit_default *rl = config_rate_limit("forgot_password_identifier");
    assert_non_null(rl);
    assert_int_equal(rl->max_requests, 5);
    assert_int_equal(rl->window_secs, 900);
    assert_false(rl->tenant_keyed);
    assert_true(config_rate_limit("login_ip")->tenant_keyed);
    assert_null(config_rate_limit("nope"));
    assert_null(cfg.allowed_roles[0]);
    assert_string_equal(cfg.smtp_tls, "starttls");
}

static void test_values(void **state)
{
    (void)state;
    setenv("SERVER_PORT", "8080", 1);
    setenv("CORS_ORIGINS", "https://a.example.com, https://b.example.com", 1);
    setenv("RATE_LIMIT_LOGIN_IP", "60/120", 1);
    setenv("ALLOWED_ROLES", " builder , ,ops", 1);
    setenv("ADMIN_AUTH", "off", 1);
    setenv("SMTP_PORT", "465", 1);
    setenv("KV_STORE_ENCRYPTION_KEY", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", 1);
    assert_int_equal(config_load(), 0);
    assert_int_equal(cfg.server_port, 8080);
    assert_string_equal(cfg.cors_origins[0], "https://a.example.com");
    assert_string_equal(cfg.cors_origins[1], "https://b.example.com");
    assert_null(cfg.cors_origins[2]);
    assert_int_equal(config_rate_limit("login_ip")->max_requests, 60);
    assert_int_equal(config_rate_limit("login_ip")->window_secs, 120);
    assert_string_equal(cfg.allowed_roles[0], "builder");
    assert_string_equal(cfg.allowed_roles[1], "ops");
    assert_null(cfg.allowed_roles[2]);
    assert_false(cfg.admin_auth);
    assert_string_equal(cfg.smtp_tls, "tls");
    assert_true(cfg.kv_key_set);
    assert_int_equal(cfg.kv_key[31], 31);
}

static void expect_invalid(const char *var, const char *value)
{
    reset(NULL);
    setenv(var, value, 1);
    assert_int_equal(config_load(), -1);
}

static void test_invalid(void **state)
{
    (void)state;
    expect_invalid("SERVER_PORT", "0");
    expect_invalid("SERVER_PORT", "65536");
    expect_invalid("SERVER_PORT", "12ab");
    expect_invalid("LOG_LEVEL", "verbose");
    expect_invalid("BODY_LIMIT_BYTES", "1023");
    expect_invalid("RATE_LIMIT_BOGUS", "1/1");
    expect_invalid("RATE_LIMIT_LOGIN_IP", "1/0");
    expect_invalid("RATE_LIMIT_LOGIN_IP", "100001/60");
    expect_invalid("RATE_LIMIT_LOGIN_IP", "10/60x");
    expect_invalid("ADMIN_AUTH", "yes");
    expect_invalid("DEFAULT_SESSION_TTL_SECS", "0");
    expect_invalid("KV_STORE_ENCRYPTION_KEY", "c2hvcnQ=");
    expect_invalid("DATABASE_URL", "mysql://x");
    expect_invalid("DATABASE_URL", "postgres://x"); /* needs KV_STORE_ENCRYPTION_KEY */
    expect_invalid("FRONTEND_URL", "not a url");
    expect_invalid("REQUIRE_DELIVERY", "email"); /* no SMTP configured */
    expect_invalid("RATE_LIMITS_ENABLED", "1");
    expect_invalid("CORS_ORIGINS", "app.example.com");
    /* an empty variable counts as unset */
    reset(NULL);
    setenv("SERVER_PORT", "", 1);
    assert_int_equal(config_load(), 0);
    assert_int_equal(cfg.server_port, 3000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_defaults, reset),
        cmocka_unit_test_setup(test_values, reset),
        cmocka_unit_test_setup(test_invalid, reset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
