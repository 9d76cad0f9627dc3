/* test_oauth_config.c - global providers from the OAUTH_<P>_* variables
 * (built-in google, microsoft and github, generic issuers, lists), the
 * https rule with OAUTH_ALLOW_HTTP, and form encoding. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "auth/oauth_http.h"
#include "auth/oauth_provider.h"
#include "config.h"

static void set_client(const char *p)
{
    char name[64];
    snprintf(name, sizeof name, "OAUTH_%s_CLIENT_ID", p);
    setenv(name, "id", 1);
    snprintf(name, sizeof name, "OAUTH_%s_CLIENT_SECRET", p);
    setenv(name, "secret", 1);
    snprintf(name, sizeof name, "OAUTH_%s_REDIRECT_URL", p);
    setenv(name, "https://app.test/cb", 1);
}

static int load(arena *a, const char *name, oauth_provider *p)
{
    err e = {0};
    return oauth_provider_load(NULL, a, "t1", name, OAUTH_TRUST_GLOBAL, p, &e);
}

static void test_builtin_providers(void **state)
{
    (void)state;
    arena *a = arena_new(4096);
    oauth_provider p;
    assert_int_equal(load(a, "google", &p), 0); /* not configured */
    set_client("GOOGLE");
    assert_int_equal(load(a, "google", &p), 1);
    assert_false(p.tenant_trust);
    assert_int_equal(p.kind, OAUTH_OIDC);
    assert_string_equal(p.issuer, "https://accounts.google.com");
    assert_string_equal(p.scopes, "openid email profile");
    assert_false(p.allow_signup);
    assert_null(p.allowed_redirects[0]);
    set_client("MICROSOFT");
    assert_int_equal(load(a, "microsoft", &p), 1);
    assert_string_equal(p.issuer, "https://login.microsoftonline.com/common/v2.0");
    set_client("GITHUB");
    setenv("OAUTH_GITHUB_ALLOW_SIGNUP", "true", 1);
    assert_int_equal(load(a, "github", &p), 1);
    assert_int_equal(p.kind, OAUTH_GITHUB);
    assert_string_equal(p.issuer, "https://github.com");
    assert_string_equal(p.scopes, "read:user user:email");
    assert_true(p.allow_signup);
    err e = {0};
    assert_int_equal(oauth_provider_endpoints(a, &p, &e), 0);
    assert_string_equal(p.authorization_endpoint, "https://github.com/login/oauth/authorize");
    assert_string_equal(p.token_endpoint, "https://github.com/login/oauth/access_token");
    assert_string_equal(p.userinfo_endpoint, "https://api.github.com/user");
    arena_free(a);
}

static void test_generic_provider(void **state)
{
    (void)state;
    arena *a = arena_new(4096);
    oauth_provider p;
    set_client("MY_IDP");
    assert_int_equal(load(a, "my-idp", &p), 0); /* a generic provider needs its issuer */
    setenv("OAUTH_MY_IDP_ISSUER", "https://idp.test", 1);
    setenv("OAUTH_MY_IDP_SCOPES", "openid email", 1);
    setenv("OAUTH_MY_IDP_ALLOWED_REDIRECT_URLS", " https://a.test/cb , ,https://b.test/cb", 1);
    assert_int_equal(load(a, "my-idp", &p), 1);
    assert_string_equal(p.issuer, "https://idp.test");
    assert_string_equal(p.scopes, "openid email");
    assert_string_equal(p.allowed_redirects[0], "https://a.test/cb");
    assert_string_equal(p.allowed_redirects[1], "https://b.test/cb");
    assert_null(p.allowed_redirects[2]);
    arena_free(a);
}

static void test_https_rule(void **state)
{
    (void)state;
    cfg.oauth_allow_http = false;
    assert_true(oauth_url_allowed("https://idp.test/token"));
    assert_false(oauth_url_allowed("http://127.0.0.1:9/token"));
    assert_false(oauth_url_allowed("ftp://idp.test/"));
    assert_false(oauth_url_allowed("https://"));
    assert_false(oauth_url_allowed(NULL));
    cfg.oauth_allow_http = true;
    assert_true(oauth_url_allowed("http://127.0.0.1:9/token"));
    assert_false(oauth_url_allowed("file:///etc/passwd"));
    cfg.oauth_allow_http = false;
}

static void test_form_encoding(void **state)
{
    (void)state;
    char *s = oauth_form_escape("a b&c=d/\xc3\xa9~._-");
    assert_string_equal(s, "a%20b%26c%3Dd%2F%C3%A9~._-");
    free(s);
    char *form = NULL;
    oauth_form_add(&form, "redirect_uri", "https://app.test/cb?x=1");
    oauth_form_add(&form, "scope", "openid email");
    assert_string_equal(form,
                        "redirect_uri=https%3A%2F%2Fapp.test%2Fcb%3Fx%3D1&scope=openid%20email");
    free(form);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_builtin_providers),
        cmocka_unit_test(test_generic_provider),
        cmocka_unit_test(test_https_rule),
        cmocka_unit_test(test_form_encoding),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
