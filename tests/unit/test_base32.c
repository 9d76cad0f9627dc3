/* test_base32.c - RFC 4648 base32: the RFC's vectors, tolerant decoding,
 * rejects, round trips. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "util/base32.h"
#include "util/crypto.h"

static const struct {
    const char *plain, *encoded;
} rfc_vectors[] = {
    {"", ""},
    {"f", "MY"},
    {"fo", "MZXQ"},
    {"foo", "MZXW6"},
    {"foob", "MZXW6YQ"},
    {"fooba", "MZXW6YTB"},
    {"foobar", "MZXW6YTBOI"},
};

static void test_encode_rfc_vectors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof rfc_vectors / sizeof rfc_vectors[0]; i++) {
        const char *plain = rfc_vectors[i].plain;
        char out[32];
        assert_int_equal(base32_encoded_len(strlen(plain)), strlen(rfc_vectors[i].encoded));
        base32_encode((const uint8_t *)plain, strlen(plain), out);
        assert_string_equal(out, rfc_vectors[i].encoded);
    }
}

static void test_decode_rfc_vectors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof rfc_vectors / sizeof rfc_vectors[0]; i++) {
        const char *enc = rfc_vectors[i].encoded;
        uint8_t out[16];
        long n = base32_decode(enc, strlen(enc), out, sizeof out);
        assert_int_equal(n, (long)strlen(rfc_vectors[i].plain));
        assert_memory_equal(out, rfc_vectors[i].plain, (size_t)n);
    }
}

static void test_decode_lower_case_and_padding(void **state)
{
    (void)state;
    uint8_t out[16];
    assert_int_equal(base32_decode("mzxw6ytboi", 10, out, sizeof out), 6);
    assert_memory_equal(out, "foobar", 6);
    assert_int_equal(base32_decode("MZXW6===", 8, out, sizeof out), 3);
    assert_memory_equal(out, "foo", 3);
    assert_int_equal(base32_decode("MY======", 8, out, sizeof out), 1);
    assert_memory_equal(out, "f", 1);
    assert_int_equal(base32_decode("MzXw6YtB", 8, out, sizeof out), 5);
    assert_memory_equal(out, "fooba", 5);
}

static void test_decode_rejects(void **state)
{
    (void)state;
    uint8_t out[16];
    assert_int_equal(base32_decode("MZXW1", 5, out, sizeof out), -1); /* '1' not in alphabet */
    assert_int_equal(base32_decode("MZ=XW", 5, out, sizeof out), -1); /* padding inside */
    assert_int_equal(base32_decode("M", 1, out, sizeof out), -1);     /* impossible lengths */
    assert_int_equal(base32_decode("MZX", 3, out, sizeof out), -1);
    assert_int_equal(base32_decode("MZXW6Y", 6, out, sizeof out), -1);
    assert_int_equal(base32_decode("MZ XW", 5, out, sizeof out), -1);
    assert_int_equal(base32_decode("MZXW6YTBOI", 10, out, 5), -1); /* out too small */
}

static void test_round_trip(void **state)
{
    (void)state;
    for (size_t n = 0; n <= 40; n++) {
        uint8_t in[40], back[40];
        char enc[80];
        crypto_random(in, n);
        base32_encode(in, n, enc);
        assert_int_equal(strlen(enc), base32_encoded_len(n));
        assert_int_equal(base32_decode(enc, strlen(enc), back, sizeof back), (long)n);
        assert_memory_equal(in, back, n);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_encode_rfc_vectors),
        cmocka_unit_test(test_decode_rfc_vectors),
        cmocka_unit_test(test_decode_lower_case_and_padding),
        cmocka_unit_test(test_decode_rejects),
        cmocka_unit_test(test_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
