/* test_password.c - Argon2id PHC strings: format, verification, interop
 * with libargon2's own encoder, hostile stored strings, rehash decisions and
 * the dummy verification. Small parameters keep the suite fast. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <argon2.h>
#include <cmocka.h>

#include "auth/password.h"

static const argon2_params fast = {1024, 1, 1};

static bool verifies(const char *stored, const char *pw)
{
    bool match = true;
    err e;
    assert_int_equal(password_verify(stored, pw, strlen(pw), &match, &e), 0);
    return match;
}

static void test_hash_format(void **state)
{
    (void)state;
    char phc[PASSWORD_PHC_MAX];
    err e;
    assert_int_equal(password_hash(&fast, "correct horse", 13, phc, &e), 0);
    const char *prefix = "$argon2id$v=19$m=1024,t=1,p=1$";
    assert_true(strncmp(phc, prefix, strlen(prefix)) == 0);
    const char *salt = phc + strlen(prefix), *dollar = strchr(salt, '$');
    assert_non_null(dollar);
    assert_int_equal(dollar - salt, 22);      /* 16 bytes, no padding */
    assert_int_equal(strlen(dollar + 1), 43); /* 32 bytes, no padding */
    assert_null(strchr(salt, '='));
    for (const char *c = salt; *c; c++)
        assert_true(*c != '-' && *c != '_');
}

static void test_verify_right_and_wrong(void **state)
{
    (void)state;
    char a[PASSWORD_PHC_MAX], b[PASSWORD_PHC_MAX];
    err e;
    assert_int_equal(password_hash(&fast, "S3cure pässword", strlen("S3cure pässword"), a, &e), 0);
    assert_int_equal(password_hash(&fast, "S3cure pässword", strlen("S3cure pässword"), b, &e), 0);
    assert_string_not_equal(a, b); /* fresh salt each time */
    assert_true(verifies(a, "S3cure pässword"));
    assert_true(verifies(b, "S3cure pässword"));
    assert_false(verifies(a, "S3cure password"));
    assert_false(verifies(a, ""));
    /* an empty password hashes and verifies too */
    assert_int_equal(password_hash(&fast, "", 0, a, &e), 0);
    assert_true(verifies(a, ""));
    assert_false(verifies(a, " "));
}

static void test_interop_with_libargon2(void **state)
{
    (void)state;
    /* a string made by libargon2's encoder verifies here ... */
    char encoded[256];
    const uint8_t salt[16] = "0123456789abcdef";
    assert_int_equal(
        argon2id_hash_encoded(2, 2048, 2, "hunter22", 8, salt, 16, 32, encoded, sizeof encoded),
        ARGON2_OK);
    assert_true(verifies(encoded, "hunter22"));
    assert_false(verifies(encoded, "hunter23"));
    /* ... and ours verifies there */
    char phc[PASSWORD_PHC_MAX];
    err e;
    assert_int_equal(password_hash(&fast, "hunter22", 8, phc, &e), 0);
    assert_int_equal(argon2id_verify(phc, "hunter22", 8), ARGON2_OK);
}

static void test_known_vector(void **state)
{
    (void)state;
    /* from the Argon2 reference test suite (m=64 MiB, t=2, p=1, salt "somesalt") */
    const char *stored = "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$"
                         "CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc";
    assert_true(verifies(stored, "password"));
    assert_false(verifies(stored, "Password"));
}

static void test_hostile_stored_strings(void **state)
{
    (void)state;
    const char *h = "c29tZXNhbHRzb21lc2FsdA$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc";
    char s[512];
    const char *params[] = {
        "m=4294967295,t=1,p=1", /* absurd memory */
        "m=4194305,t=1,p=1",    /* just over the cap */
        "m=1024,t=11,p=1",      /* too many passes */
        "m=1024,t=4294967295,p=1",
        "m=1024,t=1,p=17", /* too many lanes */
        "m=1024,t=1,p=0",
        "m=1024,t=0,p=1",
        "m=7,t=1,p=1", /* below 8 * p */
        "m=99999999999,t=1,p=1",
        "m=1024,t=1",
        "m=1024,p=1,t=1",
        "m=-1,t=1,p=1",
        "m=,t=1,p=1",
        "m=1024,t=1,p=1,data=x",
    };
    for (size_t i = 0; i < sizeof params / sizeof params[0]; i++) {
        snprintf(s, sizeof s, "$argon2id$v=19$%s$%s", params[i], h);
        assert_false(verifies(s, "password"));
    }
    const char *whole[] = {
        "",
        "$",
        "$argon2id$",
        "$argon2id$v=19$",
        "$argon2id$v=19$m=1024,t=1,p=1$",
        "$argon2id$v=19$m=1024,t=1,p=1$c29tZXNhbHQ",
        "$argon2id$v=19$m=1024,t=1,p=1$c29tZXNhbHQ$",
        "$argon2id$v=19$m=1024,t=1,p=1$$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
        "$argon2id$v=19$m=1024,t=1,p=1$c2FsdA$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
        "$argon2id$v=19$m=1024,t=1,p=1$c29tZXNhbHQ$c2hvcnQ",
        "$argon2id$v=19$m=1024,t=1,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPP*",
        "$argon2id$v=19$m=1024,t=1,p=1$c29tZXNhbHQ=$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
        "$argon2id$v=19$m=1024,t=1,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc$",
        "$argon2i$v=19$m=1024,t=1,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
        "$argon2id$v=16$m=1024,t=1,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
        "$argon2id$m=1024,t=1,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
        "$2b$12$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234",
        "plaintext",
    };
    for (size_t i = 0; i < sizeof whole / sizeof whole[0]; i++)
        assert_false(verifies(whole[i], "password"));
    /* an over-long salt or hash segment */
    char big[400];
    memset(big, 'A', sizeof big);
    big[sizeof big - 1] = '\0';
    snprintf(s, sizeof s, "$argon2id$v=19$m=1024,t=1,p=1$%s$%s", big + 300,
             "c2hvcnRoYXNoc2hvcnRoYXNo");
    assert_false(verifies(s, "password"));
    bool match = true;
    err e;
    assert_int_equal(password_verify(NULL, "password", 8, &match, &e), 0);
    assert_false(match);
}

static void test_overlong_password(void **state)
{
    (void)state;
    static char pw[PASSWORD_MAX_BYTES + 2];
    memset(pw, 'x', sizeof pw - 1);
    char phc[PASSWORD_PHC_MAX];
    err e;
    assert_int_equal(password_hash(&fast, pw, PASSWORD_MAX_BYTES, phc, &e), 0);
    bool match = false;
    assert_int_equal(password_verify(phc, pw, PASSWORD_MAX_BYTES, &match, &e), 0);
    assert_true(match);
    assert_int_equal(password_verify(phc, pw, PASSWORD_MAX_BYTES + 1, &match, &e), 0);
    assert_false(match);
    assert_int_equal(password_hash(&fast, pw, PASSWORD_MAX_BYTES + 1, phc, &e), -1);
    assert_int_equal(e.kind, ERR_INTERNAL);
}

static void test_bad_params_for_hashing(void **state)
{
    (void)state;
    char phc[PASSWORD_PHC_MAX];
    err e;
    const argon2_params bad[] = {{4, 1, 1},     {1024, 0, 1},  {1024, 1, 0},
                                 {1024, 11, 1}, {1024, 1, 17}, {ARGON2_M_KIB_CAP + 1, 1, 1}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(password_hash(&bad[i], "pw", 2, phc, &e), -1);
        assert_int_equal(e.kind, ERR_INTERNAL);
    }
}

static void test_needs_rehash(void **state)
{
    (void)state;
    char phc[PASSWORD_PHC_MAX];
    err e;
    assert_int_equal(password_hash(&fast, "pw", 2, phc, &e), 0);
    assert_false(password_needs_rehash(phc, &fast));
    const argon2_params more_memory = {2048, 1, 1}, more_passes = {1024, 2, 1},
                        more_lanes = {1024, 1, 2};
    assert_true(password_needs_rehash(phc, &more_memory));
    assert_true(password_needs_rehash(phc, &more_passes));
    assert_true(password_needs_rehash(phc, &more_lanes));
    assert_true(password_needs_rehash("garbage", &fast));
    assert_true(password_needs_rehash(NULL, &fast));
    /* same parameters but an 8-byte salt: rehash to today's format */
    assert_true(password_needs_rehash("$argon2id$v=19$m=1024,t=1,p=1$c29tZXNhbHQ$"
                                      "CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
                                      &fast));
}

static void test_dummy_verify(void **state)
{
    (void)state;
    /* it must run the full work without failing or crashing, for any input */
    password_dummy_verify(&fast, "anything", 8);
    password_dummy_verify(&fast, "", 0);
    const argon2_params two_lanes = {2048, 2, 2};
    password_dummy_verify(&two_lanes, "anything", 8);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hash_format),
        cmocka_unit_test(test_verify_right_and_wrong),
        cmocka_unit_test(test_interop_with_libargon2),
        cmocka_unit_test(test_known_vector),
        cmocka_unit_test(test_hostile_stored_strings),
        cmocka_unit_test(test_overlong_password),
        cmocka_unit_test(test_bad_params_for_hashing),
        cmocka_unit_test(test_needs_rehash),
        cmocka_unit_test(test_dummy_verify),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
