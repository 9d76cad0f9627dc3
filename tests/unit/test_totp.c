/* test_totp.c - RFC 4226 / RFC 6238 (SHA-1) vectors, the +-1 window, the
 * replay guard, secrets and the otpauth URI. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "auth/totp.h"

/* The RFC test key: ASCII "12345678901234567890" (20 bytes). */
static const uint8_t rfc_key[] = "12345678901234567890";
#define RFC_KEY_LEN 20

static void test_hotp_rfc4226_vectors(void **state)
{
    (void)state;
    static const char *expected[] = {"755224", "287082", "359152", "969429", "338314",
                                     "254676", "287922", "162583", "399871", "520489"};
    for (int counter = 0; counter < 10; counter++) {
        char code[TOTP_DIGITS + 1];
        totp_code(rfc_key, RFC_KEY_LEN, counter, code);
        assert_string_equal(code, expected[counter]);
    }
}

static const struct {
    int64_t unix_time;
    int64_t step;
    uint32_t eight_digits; /* RFC 6238 Appendix B, SHA1 column */
    const char *six_digits;
} rfc6238[] = {
    {59, 0x1, 94287082, "287082"},
    {1111111109, 0x23523EC, 7081804, "081804"},
    {1111111111, 0x23523ED, 14050471, "050471"},
    {1234567890, 0x273EF07, 89005924, "005924"},
    {2000000000, 0x3F940AA, 69279037, "279037"},
    {20000000000, 0x27BC86AA, 65353130, "353130"},
};

static void test_totp_rfc6238_vectors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof rfc6238 / sizeof rfc6238[0]; i++) {
        int64_t step = totp_step(rfc6238[i].unix_time);
        assert_int_equal(step, rfc6238[i].step);
        uint32_t v = totp_truncated_value(rfc_key, RFC_KEY_LEN, (uint64_t)step);
        assert_int_equal(v % 100000000u, rfc6238[i].eight_digits);
        assert_int_equal(v % 1000000u, rfc6238[i].eight_digits % 1000000u);
        char code[TOTP_DIGITS + 1];
        totp_code(rfc_key, RFC_KEY_LEN, step, code);
        assert_string_equal(code, rfc6238[i].six_digits);
        int64_t matched = 0;
        assert_true(totp_verify(rfc_key, RFC_KEY_LEN, rfc6238[i].six_digits, rfc6238[i].unix_time,
                                TOTP_NO_STEP, &matched));
        assert_int_equal(matched, step);
    }
}

static void test_step_boundaries(void **state)
{
    (void)state;
    assert_int_equal(totp_step(0), 0);
    assert_int_equal(totp_step(29), 0);
    assert_int_equal(totp_step(30), 1);
    assert_int_equal(totp_step(-1), -1);
}

static void test_verify_window(void **state)
{
    (void)state;
    const int64_t now = 1234567890, step = totp_step(now);
    char code[TOTP_DIGITS + 1];
    int64_t matched = 0;
    for (int64_t d = -1; d <= 1; d++) {
        totp_code(rfc_key, RFC_KEY_LEN, step + d, code);
        assert_true(totp_verify(rfc_key, RFC_KEY_LEN, code, now, TOTP_NO_STEP, &matched));
        assert_int_equal(matched, step + d);
    }
    for (int64_t d = -3; d <= 3; d += 1) {
        if (d >= -1 && d <= 1) continue;
        totp_code(rfc_key, RFC_KEY_LEN, step + d, code);
        matched = 42;
        assert_false(totp_verify(rfc_key, RFC_KEY_LEN, code, now, TOTP_NO_STEP, &matched));
        assert_int_equal(matched, 42);
    }
}

static void test_replay_guard(void **state)
{
    (void)state;
    const int64_t now = 2000000000, step = totp_step(now);
    char code[TOTP_DIGITS + 1];
    int64_t matched = 0;
    totp_code(rfc_key, RFC_KEY_LEN, step, code);
    assert_true(totp_verify(rfc_key, RFC_KEY_LEN, code, now, step - 1, &matched));
    assert_int_equal(matched, step);
    /* the same code again (same or later time) is refused */
    assert_false(totp_verify(rfc_key, RFC_KEY_LEN, code, now, matched, &matched));
    assert_false(totp_verify(rfc_key, RFC_KEY_LEN, code, now + 30, step, &matched));
    /* an older step within the window is refused once a later one was used */
    totp_code(rfc_key, RFC_KEY_LEN, step - 1, code);
    assert_false(totp_verify(rfc_key, RFC_KEY_LEN, code, now, step, &matched));
    /* the next step is still fine */
    totp_code(rfc_key, RFC_KEY_LEN, step + 1, code);
    assert_true(totp_verify(rfc_key, RFC_KEY_LEN, code, now, step, &matched));
    assert_int_equal(matched, step + 1);
}

static void test_verify_malformed_codes(void **state)
{
    (void)state;
    int64_t matched;
    const int64_t now = 1234567890; /* the code is 005924 */
    assert_true(totp_verify(rfc_key, RFC_KEY_LEN, "005924", now, TOTP_NO_STEP, &matched));
    const char *bad[] = {"5924",    "05924", "0059240", "00592a", " 05924",
                         "005924 ", "",      "+05924",  "-05924", "005 924"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_false(totp_verify(rfc_key, RFC_KEY_LEN, bad[i], now, TOTP_NO_STEP, &matched));
    assert_false(totp_verify(rfc_key, RFC_KEY_LEN, NULL, now, TOTP_NO_STEP, &matched));
}

static void test_secret_new(void **state)
{
    (void)state;
    char a[TOTP_SECRET_B32_LEN + 1], b[TOTP_SECRET_B32_LEN + 1];
    totp_secret_new(a);
    totp_secret_new(b);
    assert_int_equal(strlen(a), TOTP_SECRET_B32_LEN);
    assert_string_not_equal(a, b);
    for (int i = 0; i < TOTP_SECRET_B32_LEN; i++)
        assert_true((a[i] >= 'A' && a[i] <= 'Z') || (a[i] >= '2' && a[i] <= '7'));
    uint8_t key[64];
    assert_int_equal(totp_secret_decode(a, key), TOTP_SECRET_BYTES);
    assert_int_equal(totp_secret_decode("", key), -1);
    assert_int_equal(totp_secret_decode("NOT*BASE32", key), -1);
    /* the RFC key in base32 */
    assert_int_equal(totp_secret_decode("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", key), 20);
    assert_memory_equal(key, rfc_key, 20);
}

static void test_uri(void **state)
{
    (void)state;
    char *uri = totp_uri("Acme Corp", "jane@example.com", "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP");
    assert_string_equal(uri, "otpauth://totp/Acme%20Corp:jane%40example.com"
                             "?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Acme%20Corp"
                             "&algorithm=SHA1&digits=6&period=30");
    free(uri);
    uri = totp_uri("A+B/C:D&E?", "\xc3\xa9t\xc3\xa9-_.~", "ABC");
    assert_string_equal(uri, "otpauth://totp/A%2BB%2FC%3AD%26E%3F:%C3%A9t%C3%A9-_.~"
                             "?secret=ABC&issuer=A%2BB%2FC%3AD%26E%3F"
                             "&algorithm=SHA1&digits=6&period=30");
    free(uri);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hotp_rfc4226_vectors), cmocka_unit_test(test_totp_rfc6238_vectors),
        cmocka_unit_test(test_step_boundaries),      cmocka_unit_test(test_verify_window),
        cmocka_unit_test(test_replay_guard),         cmocka_unit_test(test_verify_malformed_codes),
        cmocka_unit_test(test_secret_new),           cmocka_unit_test(test_uri),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
