/* test_oauth_jwt.c - JWKS keys, RS256/ES256 verification, refused algorithms
 * and keys, the ID-token claim checks with their clock-skew edges, and the
 * RFC 7636 PKCE vector. Keys and tokens are made here with OpenSSL. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "auth/oauth_jwt.h"
#include "util/crypto.h"

static EVP_PKEY *rsa, *ec, *rsa_other;
static char jwks[4096];

static char *b64(const uint8_t *in, size_t n)
{
    char *out = malloc(base64url_encoded_len(n) + 1);
    base64url_encode(in, n, out);
    return out;
}

static char *bn_b64(const EVP_PKEY *k, const char *name)
{
    BIGNUM *bn = NULL;
    EVP_PKEY_get_bn_param(k, name, &bn);
    uint8_t buf[512];
    int n = BN_bn2bin(bn, buf);
    BN_free(bn);
    return b64(buf, (size_t)n);
}

static void ec_xy(const EVP_PKEY *k, char **x, char **y)
{
    uint8_t pub[65];
    size_t len = 0;
    EVP_PKEY_get_octet_string_param(k, OSSL_PKEY_PARAM_PUB_KEY, pub, sizeof pub, &len);
    assert_int_equal(len, 65);
    *x = b64(pub + 1, 32);
    *y = b64(pub + 33, 32);
}

static int setup(void **state)
{
    (void)state;
    rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    rsa_other = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    char *n = bn_b64(rsa, OSSL_PKEY_PARAM_RSA_N), *e = bn_b64(rsa, OSSL_PKEY_PARAM_RSA_E), *x, *y;
    ec_xy(ec, &x, &y);
    snprintf(
        jwks, sizeof jwks,
        "{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"r1\",\"use\":\"sig\",\"n\":\"%s\",\"e\":\"%s\"},"
        "{\"kty\":\"EC\",\"kid\":\"e1\",\"crv\":\"P-256\",\"x\":\"%s\",\"y\":\"%s\"},"
        "{\"kty\":\"RSA\",\"kid\":\"enc\",\"use\":\"enc\",\"n\":\"%s\",\"e\":\"%s\"}]}",
        n, e, x, y, n, e);
    free(n);
    free(e);
    free(x);
    free(y);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    EVP_PKEY_free(rsa);
    EVP_PKEY_free(rsa_other);
    EVP_PKEY_free(ec);
    return 0;
}

/* header.payload.signature; ES256 signatures converted from DER to r||s. */
static char *make_jwt(const char *header, const char *payload, EVP_PKEY *key, bool es256)
{
    char *h = b64((const uint8_t *)header, strlen(header));
    char *p = b64((const uint8_t *)payload, strlen(payload));
    size_t in_len = strlen(h) + strlen(p) + 1;
    char *input = malloc(in_len + 1);
    snprintf(input, in_len + 1, "%s.%s", h, p);
    uint8_t sig[512], raw[64];
    size_t sig_len = sizeof sig;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    assert_int_equal(EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key), 1);
    assert_int_equal(EVP_DigestSign(md, sig, &sig_len, (uint8_t *)input, in_len), 1);
    EVP_MD_CTX_free(md);
    const uint8_t *s = sig;
    if (es256) {
        const uint8_t *d = sig;
        ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &d, (long)sig_len);
        BN_bn2binpad(ECDSA_SIG_get0_r(es), raw, 32);
        BN_bn2binpad(ECDSA_SIG_get0_s(es), raw + 32, 32);
        ECDSA_SIG_free(es);
        s = raw;
        sig_len = 64;
    }
    char *sg = b64(s, sig_len);
    char *out = malloc(in_len + strlen(sg) + 2);
    sprintf(out, "%s.%s", input, sg);
    free(h);
    free(p);
    free(input);
    free(sg);
    return out;
}

static const char *payload = "{\"iss\":\"https://op.test\",\"sub\":\"u1\",\"aud\":\"cid\"}";

static void expect(const char *jwt, jwt_status want)
{
    json_t *claims = NULL;
    assert_int_equal(oauth_jwt_verify(jwt, jwks, &claims), want);
    if (want == JWT_OK) {
        assert_string_equal(json_string_value(json_object_get(claims, "sub")), "u1");
        json_decref(claims);
    } else {
        assert_null(claims);
    }
}

static void test_rs256_and_es256(void **state)
{
    (void)state;
    char *t = make_jwt("{\"alg\":\"RS256\",\"kid\":\"r1\"}", payload, rsa, false);
    expect(t, JWT_OK);
    char kid[16];
    oauth_jwt_kid(t, kid, sizeof kid);
    assert_string_equal(kid, "r1");
    /* one altered signature character */
    char *sig = strrchr(t, '.') + 10;
    *sig = *sig == 'A' ? 'B' : 'A';
    expect(t, JWT_BAD_SIGNATURE);
    free(t);
    /* a payload signed by the key, then swapped for another payload */
    t = make_jwt("{\"alg\":\"RS256\",\"kid\":\"r1\"}", payload, rsa, false);
    char *other =
        make_jwt("{\"alg\":\"RS256\",\"kid\":\"r1\"}",
                 "{\"iss\":\"https://op.test\",\"sub\":\"u2\",\"aud\":\"cid\"}", rsa, false);
    char *d1 = strchr(t, '.'), *d2 = strrchr(t, '.');
    char *o1 = strchr(other, '.'), *o2 = strrchr(other, '.');
    char swapped[2048];
    snprintf(swapped, sizeof swapped, "%.*s%.*s%s", (int)(d1 - t), t, (int)(o2 - o1), o1, d2);
    expect(swapped, JWT_BAD_SIGNATURE);
    free(other);
    free(t);
    t = make_jwt("{\"alg\":\"ES256\",\"kid\":\"e1\"}", payload, ec, true);
    expect(t, JWT_OK);
    free(t);
    /* no kid: the only key of the kty */
    t = make_jwt("{\"alg\":\"ES256\"}", payload, ec, true);
    expect(t, JWT_OK);
    free(t);
    /* no kid and two RSA keys of which one is for encryption: still one signing key */
    t = make_jwt("{\"alg\":\"RS256\"}", payload, rsa, false);
    expect(t, JWT_OK);
    free(t);
}

static void test_refused_keys_and_algs(void **state)
{
    (void)state;
    char *t = make_jwt("{\"alg\":\"RS256\",\"kid\":\"r1\"}", payload, rsa_other, false);
    expect(t, JWT_BAD_SIGNATURE);
    free(t);
    t = make_jwt("{\"alg\":\"RS256\",\"kid\":\"zz\"}", payload, rsa, false);
    expect(t, JWT_UNKNOWN_KID);
    free(t);
    t = make_jwt("{\"alg\":\"RS256\",\"kid\":\"enc\"}", payload, rsa, false);
    expect(t, JWT_UNKNOWN_KID); /* an encryption key never verifies */
    free(t);
    t = make_jwt("{\"alg\":\"ES256\",\"kid\":\"r1\"}", payload, ec, true);
    expect(t, JWT_UNKNOWN_KID); /* EC alg with an RSA key id */
    free(t);
    t = make_jwt("{\"alg\":\"RS512\",\"kid\":\"r1\"}", payload, rsa, false);
    expect(t, JWT_MALFORMED);
    free(t);
    /* alg none, HS256 keyed with anything, and broken shapes */
    char *h = b64((const uint8_t *)"{\"alg\":\"none\"}", 14);
    char *p = b64((const uint8_t *)payload, strlen(payload));
    char buf[1024];
    snprintf(buf, sizeof buf, "%s.%s.", h, p);
    expect(buf, JWT_MALFORMED);
    free(h);
    h = b64((const uint8_t *)"{\"alg\":\"HS256\"}", 15);
    snprintf(buf, sizeof buf, "%s.%s.c2lnbmF0dXJl", h, p);
    expect(buf, JWT_MALFORMED);
    snprintf(buf, sizeof buf, "%s.%s", h, p);
    expect(buf, JWT_MALFORMED);
    snprintf(buf, sizeof buf, "%s.%s.a.b", h, p);
    expect(buf, JWT_MALFORMED);
    expect("not a token", JWT_MALFORMED);
    expect("..", JWT_MALFORMED);
    free(h);
    free(p);
}

static int check(const char *json, int64_t now, const char **why)
{
    json_t *c = json_loads(json, 0, NULL);
    assert_non_null(c);
    int rc = oauth_id_claims_check(c, "https://op.test", "cid", "n1", now, why);
    json_decref(c);
    return rc;
}

static void test_claims(void **state)
{
    (void)state;
    const char *why;
    char buf[512];
#define BASE "\"iss\":\"https://op.test\",\"sub\":\"u1\",\"nonce\":\"n1\""
    snprintf(buf, sizeof buf, "{" BASE ",\"aud\":\"cid\",\"exp\":1100,\"iat\":1000}");
    assert_int_equal(check(buf, 1000, &why), 0);
    /* skew: exp up to 60 s in the past, iat up to 60 s in the future */
    assert_int_equal(check(buf, 1159, &why), 0);
    assert_int_equal(check(buf, 1160, &why), -1);
    assert_string_equal(why, "exp");
    assert_int_equal(check(buf, 940, &why), 0);
    assert_int_equal(check(buf, 939, &why), -1);
    assert_string_equal(why, "iat");
    static const struct {
        const char *json, *why;
    } bad[] = {
        {"{\"iss\":\"https://other\",\"sub\":\"u1\",\"nonce\":\"n1\",\"aud\":\"cid\",\"exp\":1100,"
         "\"iat\":1000}",
         "iss"},
        {"{\"iss\":\"https://op.test\",\"nonce\":\"n1\",\"aud\":\"cid\",\"exp\":1100,\"iat\":1000}",
         "sub"},
        {"{" BASE ",\"aud\":\"x\",\"exp\":1100,\"iat\":1000}", "aud"},
        {"{" BASE ",\"aud\":[],\"exp\":1100,\"iat\":1000}", "aud"},
        {"{" BASE ",\"aud\":[\"cid\",\"x\"],\"exp\":1100,\"iat\":1000}", "aud"},
        {"{" BASE ",\"aud\":[\"cid\",\"x\"],\"azp\":\"x\",\"exp\":1100,\"iat\":1000}", "aud"},
        {"{" BASE ",\"aud\":\"cid\",\"iat\":1000}", "exp"},
        {"{" BASE ",\"aud\":\"cid\",\"exp\":\"1100\",\"iat\":1000}", "exp"},
        {"{" BASE ",\"aud\":\"cid\",\"exp\":1100}", "iat"},
        {"{\"iss\":\"https://"
         "op.test\",\"sub\":\"u1\",\"nonce\":\"n2\",\"aud\":\"cid\",\"exp\":1100,"
         "\"iat\":1000}",
         "nonce"},
        {"{\"iss\":\"https://op.test\",\"sub\":\"u1\",\"aud\":\"cid\",\"exp\":1100,\"iat\":1000}",
         "nonce"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(check(bad[i].json, 1000, &why), -1);
        assert_string_equal(why, bad[i].why);
    }
    snprintf(buf, sizeof buf,
             "{" BASE ",\"aud\":[\"x\",\"cid\"],\"azp\":\"cid\",\"exp\":1100,\"iat\":1000}");
    assert_int_equal(check(buf, 1000, &why), 0);
    snprintf(buf, sizeof buf, "{" BASE ",\"aud\":[\"cid\"],\"exp\":1100.5,\"iat\":1000}");
    assert_int_equal(check(buf, 1000, &why), 0);
#undef BASE
}

static void test_pkce_rfc7636(void **state)
{
    (void)state;
    char out[44];
    oauth_pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", out);
    assert_string_equal(out, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rs256_and_es256),
        cmocka_unit_test(test_refused_keys_and_algs),
        cmocka_unit_test(test_claims),
        cmocka_unit_test(test_pkce_rfc7636),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
