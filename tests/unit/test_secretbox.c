/* test_secretbox.c - AES-256-GCM sealing (round trip, tampering, wrong key,
 * wrong context, malformed input), HKDF sub-keys and keyed hashes checked
 * against an independent HMAC computation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/crypto.h"
#include "util/secretbox.h"

static void make_key(secretbox_key *k, uint8_t seed)
{
    uint8_t raw[SECRETBOX_KEY_LEN];
    for (int i = 0; i < SECRETBOX_KEY_LEN; i++)
        raw[i] = (uint8_t)(seed + i * 7);
    secretbox_key_init(k, raw);
}

static void test_round_trip(void **state)
{
    (void)state;
    secretbox_key k;
    make_key(&k, 1);
    err e;
    const char *values[] = {"", "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
                            "{\"clientSecret\":\"s3cr\xc3\xa9t\"}"};
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        char *sealed = NULL, *plain = NULL;
        size_t len = 99;
        assert_int_equal(secretbox_seal(&k, "ctx", values[i], strlen(values[i]), &sealed, &e), 0);
        assert_true(strncmp(sealed, "v1.", 3) == 0);
        for (const char *c = sealed; *c; c++)
            assert_true(*c > 0x20 && *c < 0x7f);
        assert_int_equal(secretbox_open(&k, "ctx", sealed, &plain, &len, &e), 0);
        assert_int_equal(len, strlen(values[i]));
        assert_string_equal(plain, values[i]);
        free(plain);
        free(sealed);
    }
}

static void test_binary_and_null_context(void **state)
{
    (void)state;
    secretbox_key k;
    make_key(&k, 2);
    err e;
    uint8_t bin[300];
    for (int i = 0; i < 300; i++)
        bin[i] = (uint8_t)i;
    char *sealed, *plain;
    size_t len;
    assert_int_equal(secretbox_seal(&k, NULL, bin, sizeof bin, &sealed, &e), 0);
    /* NULL and "" are the same (empty) context */
    assert_int_equal(secretbox_open(&k, "", sealed, &plain, &len, &e), 0);
    assert_int_equal(len, sizeof bin);
    assert_memory_equal(plain, bin, sizeof bin);
    free(plain);
    free(sealed);
}

static void test_nonce_is_fresh(void **state)
{
    (void)state;
    secretbox_key k;
    make_key(&k, 3);
    err e;
    char *a, *b;
    assert_int_equal(secretbox_seal(&k, NULL, "same", 4, &a, &e), 0);
    assert_int_equal(secretbox_seal(&k, NULL, "same", 4, &b, &e), 0);
    assert_string_not_equal(a, b);
    assert_true(memcmp(a, b, 3 + 16) != 0); /* the nonce part differs */
    free(a);
    free(b);
}

static void test_tampering_fails(void **state)
{
    (void)state;
    secretbox_key k;
    make_key(&k, 4);
    err e;
    char *sealed, *plain;
    assert_int_equal(secretbox_seal(&k, "ctx", "top secret value", 16, &sealed, &e), 0);
    size_t n = strlen(sealed);
    /* change every character in turn to another base64url character */
    for (size_t i = 0; i < n; i++) {
        char *copy = strdup(sealed);
        copy[i] = copy[i] == 'A' ? 'B' : 'A';
        plain = (char *)1;
        assert_int_equal(secretbox_open(&k, "ctx", copy, &plain, NULL, &e), -1);
        assert_null(plain);
        assert_int_equal(e.kind, ERR_INTERNAL);
        free(copy);
    }
    /* truncated, extended, and with the tag cut off */
    char *copy = strdup(sealed);
    copy[n - 1] = '\0';
    assert_int_equal(secretbox_open(&k, "ctx", copy, &plain, NULL, &e), -1);
    copy[3 + 16 + 1 + 10] = '\0';
    assert_int_equal(secretbox_open(&k, "ctx", copy, &plain, NULL, &e), -1);
    free(copy);
    size_t big = n + 4;
    char *longer = malloc(big + 1);
    memcpy(longer, sealed, n);
    memcpy(longer + n, "AAAA", 5);
    assert_int_equal(secretbox_open(&k, "ctx", longer, &plain, NULL, &e), -1);
    free(longer);
    free(sealed);
}

static void test_wrong_key_or_context_fails(void **state)
{
    (void)state;
    secretbox_key k, other;
    make_key(&k, 5);
    make_key(&other, 6);
    err e;
    char *sealed, *plain;
    assert_int_equal(secretbox_seal(&k, "kv:t1/smtp/default", "pw", 2, &sealed, &e), 0);
    assert_int_equal(secretbox_open(&other, "kv:t1/smtp/default", sealed, &plain, NULL, &e), -1);
    assert_null(plain);
    assert_int_equal(e.kind, ERR_INTERNAL);
    assert_int_equal(secretbox_open(&k, "kv:t2/smtp/default", sealed, &plain, NULL, &e), -1);
    assert_int_equal(secretbox_open(&k, NULL, sealed, &plain, NULL, &e), -1);
    assert_int_equal(secretbox_open(&k, "kv:t1/smtp/default", sealed, &plain, NULL, &e), 0);
    free(plain);
    free(sealed);
}

static void test_malformed_fails(void **state)
{
    (void)state;
    secretbox_key k;
    make_key(&k, 7);
    err e;
    char *plain;
    const char *bad[] = {"",
                         "v1.",
                         "v1.AAAAAAAAAAAAAAAA",
                         "v1.AAAAAAAAAAAAAAAA.",
                         "v1.AAAAAAAAAAAAAAAA.AAAA",
                         "v2.AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAAAA",
                         "v1.AAAAAAAAAAAAAAA*.AAAAAAAAAAAAAAAAAAAAAAAA",
                         "v1.AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA.A",
                         "v1.AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAAAA",
                         "plain text"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(secretbox_open(&k, NULL, bad[i], &plain, NULL, &e), -1);
        assert_null(plain);
    }
}

/* HKDF-SHA-256 with no salt and L = 32, written out per RFC 5869:
 * PRK = HMAC(0^32, IKM), OKM = HMAC(PRK, info || 0x01). */
static void hkdf_reference(const uint8_t ikm[32], const char *info, uint8_t out[32])
{
    uint8_t zeros[32] = {0}, prk[32], msg[128];
    crypto_hmac_sha256(zeros, sizeof zeros, ikm, 32, prk);
    size_t n = strlen(info);
    memcpy(msg, info, n);
    msg[n] = 1;
    crypto_hmac_sha256(prk, sizeof prk, msg, n + 1, out);
}

static void test_derive_and_keyed_hash(void **state)
{
    (void)state;
    secretbox_key k, other;
    make_key(&k, 8);
    make_key(&other, 9);
    err e;
    uint8_t got[32], want[32], again[32];
    assert_int_equal(secretbox_derive(&k, "authrs/otp-code/v1", got, &e), 0);
    hkdf_reference(k.bytes, "authrs/otp-code/v1", want);
    assert_memory_equal(got, want, 32);
    assert_int_equal(secretbox_derive(&k, "authrs/backup-code/v1", again, &e), 0);
    assert_memory_not_equal(got, again, 32);
    assert_memory_not_equal(got, k.bytes, 32);

    char hex[SECRETBOX_HASH_HEX_LEN + 1], want_hex[SECRETBOX_HASH_HEX_LEN + 1];
    uint8_t mac[32];
    assert_int_equal(secretbox_keyed_hash(&k, "authrs/otp-code/v1", "123456", 6, hex, &e), 0);
    crypto_hmac_sha256(want, sizeof want, "123456", 6, mac);
    hex_encode(mac, sizeof mac, want_hex);
    assert_string_equal(hex, want_hex);
    assert_int_equal(secretbox_keyed_hash(&other, "authrs/otp-code/v1", "123456", 6, hex, &e), 0);
    assert_string_not_equal(hex, want_hex);
}

static void test_key_wipe(void **state)
{
    (void)state;
    secretbox_key k;
    make_key(&k, 10);
    secretbox_key_wipe(&k);
    uint8_t zeros[SECRETBOX_KEY_LEN] = {0};
    assert_memory_equal(k.bytes, zeros, SECRETBOX_KEY_LEN);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_binary_and_null_context),
        cmocka_unit_test(test_nonce_is_fresh),
        cmocka_unit_test(test_tampering_fails),
        cmocka_unit_test(test_wrong_key_or_context_fails),
        cmocka_unit_test(test_malformed_fails),
        cmocka_unit_test(test_derive_and_keyed_hash),
        cmocka_unit_test(test_key_wipe),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
