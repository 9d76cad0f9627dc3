/* test_core.c - unit tests of the pure core: router matching, time format
 * and parse, base64url, UUIDs, tenant id and email rules, UTF-8 helpers,
 * the error table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "http/routes.h"
#include "util/crypto.h"
#include "util/err.h"
#include "util/timeutil.h"
#include "util/utf8.h"
#include "util/validate.h"

static match_result match(const char *method, const char *path, const route **r, request *req,
                          char *allow)
{
    char buf[256], *segs[16];
    int n = 0;
    strcpy(buf, path);
    for (char *p = strtok(buf, "/"); p; p = strtok(NULL, "/"))
        segs[n++] = p;
    return routes_match(method, segs, n, r, req->param_names, req->param_values, &req->nparams,
                        allow, 128);
}

static void test_router(void **state)
{
    (void)state;
    const route *r;
    request req = {0};
    char allow[128];
    assert_int_equal(match("GET", "/health", &r, &req, allow), MATCH_FOUND);
    assert_string_equal(r->pattern, "/health");
    assert_int_equal(match("HEAD", "/health", &r, &req, allow), MATCH_FOUND);
    assert_int_equal(match("POST", "/health", &r, &req, allow), MATCH_NO_METHOD);
    assert_string_equal(allow, "GET, HEAD, OPTIONS");
    assert_int_equal(match("GET", "/nothing", &r, &req, allow), MATCH_NO_PATH);
    assert_int_equal(match("GET", "/admin/users/abc/roles", &r, &req, allow), MATCH_FOUND);
    assert_int_equal(req.nparams, 1);
    assert_string_equal(req.param_names[0], "userId");
    assert_string_equal(req.param_values[0], "abc");
    assert_int_equal(match("DELETE", "/admin/groups/g1/users/u1", &r, &req, allow), MATCH_FOUND);
    assert_int_equal(req.nparams, 2);
    assert_string_equal(req.param_names[1], "userId");
    /* the literal "check" beats {permissionId} */
    assert_int_equal(match("GET", "/admin/permissions/check", &r, &req, allow), MATCH_NO_METHOD);
    assert_string_equal(allow, "POST, OPTIONS");
    assert_int_equal(match("GET", "/admin/permissions/p1", &r, &req, allow), MATCH_FOUND);
    /* OAuth routes refuse HEAD */
    assert_int_equal(match("HEAD", "/oauth/google", &r, &req, allow), MATCH_NO_METHOD);
    assert_string_equal(allow, "GET, OPTIONS");
    assert_int_equal(match("GET", "/admin/kv_store", &r, &req, allow), MATCH_FOUND);
    assert_int_equal(match("PUT", "/admin/kv_store/g/k", &r, &req, allow), MATCH_FOUND);
    assert_int_equal(route_count, 77);
}

static void test_time(void **state)
{
    (void)state;
    char out[RFC3339_LEN + 1];
    time_format(0, out);
    assert_string_equal(out, "1970-01-01T00:00:00.000000Z");
    time_format(1795786500123456LL, out);
    assert_string_equal(out, "2026-11-27T13:35:00.123456Z");
    int64_t us;
    assert_true(time_parse("2026-11-27T13:35:00.123456Z", &us));
    assert_int_equal(us, 1795786500123456LL);
    assert_true(time_parse("2026-11-27t14:35:00.123456789+01:00", &us));
    assert_int_equal(us, 1795786500123456LL);
    assert_true(time_parse("2024-02-29T00:00:00z", &us));
    assert_false(time_parse("2023-02-29T00:00:00Z", &us));
    assert_false(time_parse("2026-11-27 13:35:00Z", &us));
    assert_false(time_parse("2026-11-27T13:35:00", &us));
    assert_false(time_parse("2026-11-27T13:35:00.1234567890Z", &us));
    assert_false(time_parse("2026-13-01T00:00:00Z", &us));
    assert_false(time_parse("tomorrow", &us));
}

static void test_base64url_and_tokens(void **state)
{
    (void)state;
    char out[64];
    base64url_encode((const uint8_t *)"\xfb\xff", 2, out);
    assert_string_equal(out, "-_8");
    uint8_t dec[64];
    assert_int_equal(base64url_decode("-_8", 3, dec), 2);
    assert_memory_equal(dec, "\xfb\xff", 2);
    assert_int_equal(base64url_decode("a", 1, dec), -1);
    assert_int_equal(base64url_decode("a*b=", 4, dec), -1);
    char tok[TOKEN_LEN + 1], hash[TOKEN_HASH_HEX_LEN + 1], again[TOKEN_HASH_HEX_LEN + 1];
    token_new(tok, hash);
    assert_int_equal(strlen(tok), 43);
    for (int i = 0; i < 43; i++)
        assert_non_null(
            strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", tok[i]));
    token_hash(tok, again);
    assert_string_equal(hash, again);
    assert_true(crypto_equal(hash, again, 64));
}

static void test_uuid(void **state)
{
    (void)state;
    char u[UUID_STR_LEN + 1], norm[UUID_STR_LEN + 1];
    uuid_v4(u);
    assert_true(uuid_parse(u, NULL));
    assert_int_equal(u[14], '4');
    uuid_v7(u);
    assert_int_equal(u[14], '7');
    assert_true(uuid_parse("0B9F4C1E-6F1A-4C53-9A43-7F2D1D7A2C10", norm));
    assert_string_equal(norm, "0b9f4c1e-6f1a-4c53-9a43-7f2d1d7a2c10");
    assert_false(uuid_parse("0b9f4c1e6f1a4c539a437f2d1d7a2c10", NULL));
    assert_false(uuid_parse("0b9f4c1e-6f1a-4c53-9a43-7f2d1d7a2c1g", NULL));
}

static void test_tenant_id_and_email(void **state)
{
    (void)state;
    assert_true(tenant_id_valid("acme"));
    assert_true(tenant_id_valid("my_tenant_2"));
    assert_false(tenant_id_valid(""));
    assert_false(tenant_id_valid("2acme"));
    assert_false(tenant_id_valid("Acme"));
    assert_false(tenant_id_valid("a-b"));
    char long_id[70];
    memset(long_id, 'a', 64);
    long_id[64] = '\0';
    assert_false(tenant_id_valid(long_id));
    long_id[63] = '\0';
    assert_true(tenant_id_valid(long_id));
    assert_true(email_valid("jane@example.com"));
    assert_true(email_valid("a@b@c"));
    assert_false(email_valid("jane"));
    assert_false(email_valid("@example.com"));
    assert_false(email_valid("jane@"));
    assert_false(email_valid("ja ne@example.com"));
    assert_false(email_valid("jane@exa\tmple.com"));
    assert_true(url_is_http_absolute("https://app.example.com"));
    assert_false(url_is_http_absolute("ftp://x"));
    assert_false(url_is_http_absolute("https://"));
}

static void test_utf8(void **state)
{
    (void)state;
    assert_true(utf8_valid("h\xc3\xa9llo", 6));
    assert_false(utf8_valid("\xc3", 1));
    assert_false(utf8_valid("\xed\xa0\x80", 3)); /* surrogate */
    assert_false(utf8_valid("\xc0\xaf", 2));     /* overlong */
    assert_int_equal(utf8_length("\xc3\x89quipe"), 6);
    char *t = utf8_trim("\xe2\x80\x83  hi there \t\n");
    assert_string_equal(t, "hi there");
    free(t);
    char *l = utf8_lower("\xc3\x89QUIPE Ventes");
    assert_string_equal(l, "\xc3\xa9quipe ventes");
    free(l);
    assert_true(uc_is_upper(0xc9));
    assert_true(uc_is_lower(0xe9));
    assert_true(uc_is_alnum(0xe9));
    assert_false(uc_is_alnum('!'));
}

static void test_err_table(void **state)
{
    (void)state;
    err e;
    assert_int_equal(err_set(&e, ERR_ACCESS_EXPIRED, "Account access has expired"), -1);
    assert_int_equal(err_status(e.kind), 403);
    assert_string_equal(err_code(e.kind), "access_expired");
    assert_string_equal(err_prefix(e.kind), "Access expired");
    assert_int_equal(err_status(ERR_INVALID_FILTER), 422);
    assert_string_equal(err_code(ERR_INVALID_FILTER), "invalid_filter");
    assert_string_equal(err_prefix(ERR_INVALID_FILTER), "Validation error");
    assert_int_equal(err_status(ERR_LOCKED), 423);
    assert_int_equal(err_status(ERR_BAD_GATEWAY), 502);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_router),
        cmocka_unit_test(test_time),
        cmocka_unit_test(test_base64url_and_tokens),
        cmocka_unit_test(test_uuid),
        cmocka_unit_test(test_tenant_id_and_email),
        cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_err_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
