/* test_codes.c - one-time codes, backup codes, normalisation and the keyed
 * hashes they are stored as. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "auth/codes.h"
#include "util/crypto.h"

static void test_otp_code_new(void **state)
{
    (void)state;
    bool leading_zero = false;
    int seen_digit[10] = {0};
    for (int i = 0; i < 3000; i++) {
        char code[OTP_CODE_LEN + 1];
        otp_code_new(code);
        assert_int_equal(strlen(code), OTP_CODE_LEN);
        assert_true(otp_code_wellformed(code));
        if (code[0] == '0') leading_zero = true;
        for (int k = 0; k < OTP_CODE_LEN; k++)
            seen_digit[code[k] - '0']++;
    }
    assert_true(leading_zero); /* P(no leading zero in 3000) = 0.9^3000 */
    for (int d = 0; d < 10; d++)
        assert_true(seen_digit[d] > 0);
}

static void test_otp_code_wellformed(void **state)
{
    (void)state;
    assert_true(otp_code_wellformed("000000"));
    assert_true(otp_code_wellformed("123456"));
    assert_false(otp_code_wellformed("12345"));
    assert_false(otp_code_wellformed("1234567"));
    assert_false(otp_code_wellformed("12345a"));
    assert_false(otp_code_wellformed(""));
    assert_false(otp_code_wellformed(" 12345"));
}

static void test_backup_codes_new(void **state)
{
    (void)state;
    char codes[BACKUP_CODE_COUNT][BACKUP_CODE_SHOWN_LEN + 1];
    backup_codes_new(codes);
    for (int i = 0; i < BACKUP_CODE_COUNT; i++) {
        assert_int_equal(strlen(codes[i]), 11);
        assert_int_equal(codes[i][5], '-');
        for (int k = 0; k < 11; k++)
            if (k != 5) assert_non_null(strchr(BACKUP_CODE_ALPHABET, codes[i][k]));
        for (int j = 0; j < i; j++)
            assert_string_not_equal(codes[i], codes[j]);
        char norm[BACKUP_CODE_LEN + 1];
        assert_true(backup_code_normalize(codes[i], norm));
        assert_int_equal(strlen(norm), BACKUP_CODE_LEN);
    }
    /* the alphabet leaves out look-alikes */
    for (const char *c = "il1o0"; *c; c++)
        assert_null(strchr(BACKUP_CODE_ALPHABET, *c));
}

static void test_backup_code_normalize(void **state)
{
    (void)state;
    char out[BACKUP_CODE_LEN + 1];
    const char *same[] = {"k7m2p-x9q4r",   "K7M2P-X9Q4R",         "k7m2px9q4r",   " k7m2p x9q4r ",
                          "k7m2p - x9q4r", "k-7-m-2-p-x-9-q-4-r", "\tK7m2P-x9Q4r"};
    for (size_t i = 0; i < sizeof same / sizeof same[0]; i++) {
        assert_true(backup_code_normalize(same[i], out));
        assert_string_equal(out, "k7m2px9q4r");
    }
    const char *bad[] = {"",
                         "k7m2p-x9q4",
                         "k7m2p-x9q4rr",
                         "k7m2p-x9q4l",
                         "k7m2p_x9q4r",
                         "k7m2p-x9q40",
                         "k7m2p-x9q4\xc3\xa9",
                         "123456"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_false(backup_code_normalize(bad[i], out));
}

static void test_hashes(void **state)
{
    (void)state;
    uint8_t raw[SECRETBOX_KEY_LEN];
    secretbox_key k, other;
    for (int i = 0; i < SECRETBOX_KEY_LEN; i++)
        raw[i] = (uint8_t)i;
    secretbox_key_init(&k, raw);
    raw[0] ^= 1;
    secretbox_key_init(&other, raw);
    err e;
    char a[SECRETBOX_HASH_HEX_LEN + 1], b[SECRETBOX_HASH_HEX_LEN + 1];

    assert_int_equal(otp_code_hash(&k, "012345", a, &e), 0);
    assert_int_equal(strlen(a), SECRETBOX_HASH_HEX_LEN);
    assert_int_equal(otp_code_hash(&k, "012345", b, &e), 0);
    assert_string_equal(a, b);
    assert_int_equal(otp_code_hash(&k, "012346", b, &e), 0);
    assert_string_not_equal(a, b);
    assert_int_equal(otp_code_hash(&other, "012345", b, &e), 0);
    assert_string_not_equal(a, b);

    /* a backup code hashes by its normalised form */
    assert_int_equal(backup_code_hash(&k, "k7m2p-x9q4r", a, &e), 0);
    assert_int_equal(backup_code_hash(&k, " K7M2P X9Q4R", b, &e), 0);
    assert_string_equal(a, b);
    /* the two kinds use different sub-keys */
    assert_int_equal(otp_code_hash(&k, "k7m2px9q4r", b, &e), 0);
    assert_string_not_equal(a, b);
    assert_int_equal(backup_code_hash(&k, "not-a-code", a, &e), -1);
    assert_int_equal(e.kind, ERR_BAD_REQUEST);
    assert_string_equal(e.detail, "Invalid MFA code");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_otp_code_new),     cmocka_unit_test(test_otp_code_wellformed),
        cmocka_unit_test(test_backup_codes_new), cmocka_unit_test(test_backup_code_normalize),
        cmocka_unit_test(test_hashes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
