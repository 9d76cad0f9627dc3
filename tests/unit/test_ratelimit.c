/* test_ratelimit.c - fixed windows of API.md 1.15 (count including the
 * refused requests, Retry-After rounding, a new window after expiry, keys
 * independent) and the trusted-proxy list. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>

#include "auth/ratelimit.h"

#define SEC 1000000LL

static void windows(void **state)
{
    (void)state;
    ratelimit_reset();
    int retry = 0;
    int64_t t0 = 1000 * SEC;
    for (int i = 0; i < 3; i++)
        assert_true(ratelimit_hit("k", 3, 60, t0 + i * SEC, &retry));
    assert_false(ratelimit_hit("k", 3, 60, t0 + 10 * SEC, &retry));
    assert_int_equal(retry, 50);
    assert_false(ratelimit_hit("k", 3, 60, t0 + 59 * SEC + 1, &retry));
    assert_int_equal(retry, 1); /* never below 1 */
    assert_true(ratelimit_hit("other", 3, 60, t0 + 10 * SEC, &retry));
    /* the window started at the first request; a new one opens after it */
    assert_true(ratelimit_hit("k", 3, 60, t0 + 60 * SEC, &retry));
    assert_true(ratelimit_hit("k", 3, 60, t0 + 61 * SEC, &retry));
    assert_true(ratelimit_hit("k", 3, 60, t0 + 62 * SEC, &retry));
    assert_false(ratelimit_hit("k", 3, 60, t0 + 63 * SEC, &retry));
    assert_int_equal(retry, 57);
}

static void many_keys_swept(void **state)
{
    (void)state;
    ratelimit_reset();
    int retry;
    char key[32];
    for (int i = 0; i < 200000; i++) {
        snprintf(key, sizeof key, "key-%d", i);
        assert_true(ratelimit_hit(key, 1, 1, (int64_t)i * 100, &retry));
    }
    ratelimit_reset();
}

static void trusted_list(void **state)
{
    (void)state;
    assert_true(ip_in_list("10.1.2.3", "192.168.0.1, 10.0.0.0/8"));
    assert_false(ip_in_list("11.1.2.3", "192.168.0.1, 10.0.0.0/8"));
    assert_true(ip_in_list("192.168.0.1", "192.168.0.1"));
    assert_true(ip_in_list("::1", "127.0.0.1,::1"));
    assert_true(ip_in_list("2001:db8::5", "2001:db8::/32"));
    assert_false(ip_in_list("2001:db9::5", "2001:db8::/32"));
    assert_false(ip_in_list("not-an-ip", "0.0.0.0/0"));
    assert_false(ip_in_list("1.2.3.4", ""));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(windows),
        cmocka_unit_test(many_keys_swept),
        cmocka_unit_test(trusted_list),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
