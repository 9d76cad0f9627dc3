/* test_password_policy.c - parsing password_policy/default, the checks of
 * API.md 4.1 with their messages and order over several policies, Unicode
 * classes, and the built-in common list. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "auth/password_policy.h"

/* The generated list itself, to check its invariants. */
#include "auth/common_passwords.inc"

static void assert_parse_error(const char *json, const char *detail)
{
    password_policy p;
    err e;
    err_clear(&e);
    assert_int_equal(password_policy_parse(json, &p, &e), -1);
    assert_int_equal(e.kind, ERR_BAD_REQUEST);
    assert_string_equal(e.detail, detail);
}

static void assert_check_error(const password_policy *ps, size_t n, const char *pw,
                               const char *detail)
{
    err e;
    err_clear(&e);
    assert_int_equal(password_policy_check(ps, n, pw, &e), -1);
    assert_int_equal(e.kind, ERR_BAD_REQUEST);
    assert_string_equal(e.detail, detail);
}

static void assert_check_ok(const password_policy *ps, size_t n, const char *pw)
{
    err e;
    err_clear(&e);
    assert_int_equal(password_policy_check(ps, n, pw, &e), 0);
}

/* Field by field: the struct has padding, which memcmp would compare too. */
static void assert_policy_equal(const password_policy *a, const password_policy *b)
{
    assert_int_equal(a->min_length, b->min_length);
    assert_int_equal(a->max_length, b->max_length);
    assert_int_equal(a->require_uppercase, b->require_uppercase);
    assert_int_equal(a->require_lowercase, b->require_lowercase);
    assert_int_equal(a->require_digit, b->require_digit);
    assert_int_equal(a->require_symbol, b->require_symbol);
    assert_int_equal(a->reject_common, b->reject_common);
}

static void test_defaults(void **state)
{
    (void)state;
    password_policy p;
    password_policy_default(&p);
    assert_int_equal(p.min_length, 8);
    assert_int_equal(p.max_length, 256);
    assert_false(p.require_uppercase || p.require_lowercase || p.require_digit || p.require_symbol);
    assert_true(p.reject_common);
    err e;
    password_policy q;
    assert_int_equal(password_policy_parse("{}", &q, &e), 0);
    assert_policy_equal(&p, &q);
    assert_int_equal(password_policy_parse(" {\"minLength\":null} ", &q, &e), 0);
    assert_policy_equal(&p, &q);
}

static void test_parse_full(void **state)
{
    (void)state;
    password_policy p;
    err e;
    assert_int_equal(password_policy_parse("{\"minLength\":12,\"maxLength\":64,"
                                           "\"requireUppercase\":true,\"requireLowercase\":true,"
                                           "\"requireDigit\":true,\"requireSymbol\":true,"
                                           "\"rejectCommon\":false,\"maxAgeDays\":90}",
                                           &p, &e),
                     0);
    assert_int_equal(p.min_length, 12);
    assert_int_equal(p.max_length, 64);
    assert_true(p.require_uppercase && p.require_lowercase && p.require_digit && p.require_symbol);
    assert_false(p.reject_common);
    /* bounds are inclusive; maxLength may equal minLength */
    assert_int_equal(password_policy_parse("{\"minLength\":1,\"maxLength\":1}", &p, &e), 0);
    assert_int_equal(password_policy_parse("{\"minLength\":1024,\"maxLength\":1024}", &p, &e), 0);
    assert_int_equal(password_policy_parse("{\"minLength\":300}", &p, &e), -1); /* > 256 */
    assert_int_equal(password_policy_parse("{\"minLength\":300,\"maxLength\":300}", &p, &e), 0);
    assert_int_equal(password_policy_parse("{\"maxAgeDays\":-5}", &p, &e), 0);
}

static void test_parse_errors(void **state)
{
    (void)state;
    assert_parse_error("{\"minLenght\":8}", "unknown field 'minLenght'");
    assert_parse_error("{\"minLength\":\"8\"}", "field 'minLength' must be an integer");
    assert_parse_error("{\"minLength\":8.0}", "field 'minLength' must be an integer");
    assert_parse_error("{\"maxLength\":true}", "field 'maxLength' must be an integer");
    assert_parse_error("{\"requireDigit\":1}", "field 'requireDigit' must be a boolean");
    assert_parse_error("{\"rejectCommon\":\"yes\"}", "field 'rejectCommon' must be a boolean");
    assert_parse_error("{\"maxAgeDays\":\"90\"}", "field 'maxAgeDays' must be an integer");
    assert_parse_error("{\"minLength\":0}", "minLength must be an integer between 1 and 1024");
    assert_parse_error("{\"minLength\":1025}", "minLength must be an integer between 1 and 1024");
    assert_parse_error("{\"minLength\":-3}", "minLength must be an integer between 1 and 1024");
    assert_parse_error("{\"minLength\":99999999999999}",
                       "minLength must be an integer between 1 and 1024");
    assert_parse_error("{\"maxLength\":1025}", "maxLength must be an integer between 8 and 1024");
    assert_parse_error("{\"minLength\":10,\"maxLength\":9}",
                       "maxLength must be an integer between 10 and 1024");
    assert_parse_error("{\"maxLength\":4}", "maxLength must be an integer between 8 and 1024");
    assert_parse_error("[]", "must be a JSON object");
    assert_parse_error("12", "must be a JSON object");
    assert_parse_error("\"x\"", "must be a JSON object");
    assert_parse_error("", "malformed JSON at line 1, column 0");
    assert_parse_error("{\"minLength\":8,}", "malformed JSON at line 1, column 16");
    assert_parse_error("{\"minLength\":8,\"minLength\":9}", "malformed JSON at line 1, column 26");
    assert_parse_error("{\"minLength\":8} x", "malformed JSON at line 1, column 17");
}

static void test_each_check_and_message(void **state)
{
    (void)state;
    password_policy p;
    password_policy_default(&p);
    assert_check_error(&p, 1, "Ab1!xyz", "Password must be at least 8 characters");
    assert_check_ok(&p, 1, "Ab1!xyzw");
    p.max_length = 10;
    assert_check_error(&p, 1, "Ab1!xyzwvut", "Password must be at most 10 characters");
    p.require_uppercase = true;
    assert_check_error(&p, 1, "ab1!xyzw", "Password must contain at least one uppercase letter");
    p.require_lowercase = true;
    assert_check_error(&p, 1, "AB1!XYZW", "Password must contain at least one lowercase letter");
    p.require_digit = true;
    assert_check_error(&p, 1, "ABc!XYZW", "Password must contain at least one digit");
    p.require_symbol = true;
    assert_check_error(&p, 1, "ABc1XYZW", "Password must contain at least one symbol");
    assert_check_ok(&p, 1, "ABc1XY!W");
    password_policy_default(&p);
    assert_check_error(&p, 1, "password1", "Password is too common");
    p.reject_common = false;
    assert_check_ok(&p, 1, "password1");
    /* n == 0 checks against the defaults */
    assert_check_error(NULL, 0, "short", "Password must be at least 8 characters");
    assert_check_error(NULL, 0, "iloveyou", "Password is too common");
    assert_check_ok(NULL, 0, "correct horse battery staple");
}

static void test_two_policies(void **state)
{
    (void)state;
    password_policy ps[2];
    password_policy_default(&ps[0]);
    password_policy_default(&ps[1]);
    ps[0].require_uppercase = true;
    ps[1].min_length = 12;
    /* the length check comes before the uppercase one, whatever the policy order */
    assert_check_error(ps, 2, "lowercase1x", "Password must be at least 12 characters");
    assert_check_error(ps, 2, "lowercase1xyz",
                       "Password must contain at least one uppercase letter");
    assert_check_ok(ps, 2, "Lowercase1xyz");
    /* within one check, the numbers are those of the first failing policy */
    ps[0].min_length = 10;
    assert_check_error(ps, 2, "Short", "Password must be at least 10 characters");
    ps[0].max_length = 20;
    ps[1].max_length = 15;
    assert_check_error(ps, 2, "Aaaaaaaaaaaaaaaaaaaaaaaa", "Password must be at most 20 characters");
    assert_check_error(ps, 2, "Aaaaaaaaaaaaaaaaa", "Password must be at most 15 characters");
    /* one policy rejecting common passwords is enough */
    password_policy_default(&ps[0]);
    password_policy_default(&ps[1]);
    ps[0].reject_common = false;
    ps[1].require_digit = true;
    assert_check_error(ps, 2, "iloveyou", "Password must contain at least one digit");
    assert_check_error(ps, 2, "Password1", "Password is too common");
}

static void test_unicode(void **state)
{
    (void)state;
    password_policy p;
    password_policy_default(&p);
    /* lengths are code points, not bytes */
    assert_check_error(&p, 1, "\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4",
                       "Password must be at least 8 characters");
    assert_check_ok(&p, 1, "\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4");
    p.max_length = 8;
    assert_check_ok(&p, 1,
                    "\xf0\x9f\x94\x91\xf0\x9f\x94\x91\xf0\x9f\x94\x91\xf0\x9f\x94\x91"
                    "abcd"); /* 4 emoji + 4 letters */
    password_policy_default(&p);
    p.require_uppercase = true;
    p.require_lowercase = true;
    /* Ä (Lu) and ß (Ll) count */
    assert_check_ok(&p, 1,
                    "\xc3\x84\xc3\x9f"
                    "xxxxxx");
    assert_check_error(&p, 1,
                       "\xc3\x9f"
                       "xxxxxxx",
                       "Password must contain at least one uppercase letter");
    /* a Greek capital alone has no lower-case letter */
    assert_check_error(&p, 1, "\xce\xa9\xce\xa9\xce\xa9\xce\xa9\xce\xa9\xce\xa9\xce\xa9\xce\xa9",
                       "Password must contain at least one lowercase letter");
    password_policy_default(&p);
    p.require_digit = true;
    /* only ASCII digits count: ARABIC-INDIC DIGIT THREE does not */
    assert_check_error(&p, 1, "abcdefgh\xd9\xa3", "Password must contain at least one digit");
    password_policy_default(&p);
    p.require_symbol = true;
    /* white space, letters and numbers are not symbols */
    assert_check_error(&p, 1, "abc def\xc2\xa0g\xd9\xa3",
                       "Password must contain at least one symbol");
    assert_check_ok(&p, 1, "abcdefg\xe2\x82\xac"); /* euro sign */
    assert_check_ok(&p, 1, "abcdefg_");
    assert_check_ok(&p, 1, "abcdefg\xf0\x9f\x94\x91"); /* emoji */
}

static void test_mandatory_common_passwords(void **state)
{
    (void)state;
    static const char *mandatory[] = {
        "password", "password1", "12345678", "123456789", "1234567890", "qwerty123", "qwertyuiop",
        "11111111", "iloveyou",  "abc12345", "admin123",  "letmein1",   "welcome1",  "passw0rd"};
    for (size_t i = 0; i < sizeof mandatory / sizeof mandatory[0]; i++) {
        assert_true(password_is_common(mandatory[i]));
        assert_check_error(NULL, 0, mandatory[i], "Password is too common");
    }
    /* the comparison is on the lower-cased password */
    assert_true(password_is_common("PassWord1"));
    assert_true(password_is_common("QWERTYUIOP"));
    assert_false(password_is_common("correct horse battery staple"));
    assert_false(password_is_common("password12345678x"));
    assert_false(password_is_common(""));
}

static void test_common_list_invariants(void **state)
{
    (void)state;
    assert_true(COMMON_PASSWORDS_COUNT >= 10000);
    for (size_t i = 0; i < COMMON_PASSWORDS_COUNT; i++) {
        if (i > 0) assert_true(strcmp(common_passwords[i - 1], common_passwords[i]) < 0);
        for (const char *c = common_passwords[i]; *c; c++)
            assert_false(*c >= 'A' && *c <= 'Z');
        assert_true(password_is_common(common_passwords[i]));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_parse_full),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_each_check_and_message),
        cmocka_unit_test(test_two_policies),
        cmocka_unit_test(test_unicode),
        cmocka_unit_test(test_mandatory_common_passwords),
        cmocka_unit_test(test_common_list_invariants),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
