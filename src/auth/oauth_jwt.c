/* oauth_jwt.c - JWKS keys, RS256/ES256 verification, claim checks, PKCE (see
 * oauth_jwt.h). */
#include "auth/oauth_jwt.h"

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <stdlib.h>
#include <string.h>

#include "util/crypto.h"

/* Decodes base64url text into a new heap buffer; -1 on bad input. */
static long b64url(const char *s, size_t n, uint8_t **out)
{
    *out = malloc(3 * n / 4 + 4);
    if (!*out) abort();
    long len = base64url_decode(s, n, *out);
    if (len < 0) {
        free(*out);
        *out = NULL;
    }
    return len;
}

static json_t *b64url_json(const char *s, size_t n)
{
    uint8_t *buf;
    long len = b64url(s, n, &buf);
    if (len < 0) return NULL;
    json_t *v = json_loadb((const char *)buf, (size_t)len, JSON_REJECT_DUPLICATES, NULL);
    free(buf);
    if (v && !json_is_object(v)) {
        json_decref(v);
        v = NULL;
    }
    return v;
}

/* BIGNUM of a base64url JWK member, or NULL. */
static BIGNUM *jwk_bn(const json_t *jwk, const char *name)
{
    const char *s = json_string_value(json_object_get(jwk, name));
    if (!s) return NULL;
    uint8_t *buf;
    long len = b64url(s, strlen(s), &buf);
    if (len <= 0) return NULL;
    BIGNUM *bn = BN_bin2bn(buf, (int)len, NULL);
    free(buf);
    return bn;
}

static EVP_PKEY *rsa_key(const json_t *jwk)
{
    BIGNUM *n = jwk_bn(jwk, "n"), *e = jwk_bn(jwk, "e");
    EVP_PKEY *pkey = NULL;
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    OSSL_PARAM *params = NULL;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
    if (n && e && bld && ctx && BN_num_bits(n) >= 2048 &&
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) &&
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) &&
        (params = OSSL_PARAM_BLD_to_param(bld)) && EVP_PKEY_fromdata_init(ctx) > 0)
        EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    EVP_PKEY_CTX_free(ctx);
    BN_free(n);
    BN_free(e);
    return pkey;
}

static EVP_PKEY *ec_key(const json_t *jwk)
{
    const char *crv = json_string_value(json_object_get(jwk, "crv"));
    const char *xs = json_string_value(json_object_get(jwk, "x"));
    const char *ys = json_string_value(json_object_get(jwk, "y"));
    if (!crv || strcmp(crv, "P-256") != 0 || !xs || !ys) return NULL;
    uint8_t *x = NULL, *y = NULL;
    long xl = b64url(xs, strlen(xs), &x), yl = b64url(ys, strlen(ys), &y);
    EVP_PKEY *pkey = NULL;
    if (xl == 32 && yl == 32) {
        uint8_t point[65];
        point[0] = 0x04;
        memcpy(point + 1, x, 32);
        memcpy(point + 33, y, 32);
        OSSL_PARAM params[] = {
            OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)"prime256v1", 0),
            OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, point, sizeof point),
            OSSL_PARAM_construct_end()};
        EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
        if (ctx && EVP_PKEY_fromdata_init(ctx) > 0)
            EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params);
        EVP_PKEY_CTX_free(ctx);
    }
    free(x);
    free(y);
    return pkey;
}

/* The key of the JWKS that fits (kid, kty); NULL when none. A header without
 * kid fits only a JWKS with exactly one key of that kty. */
static EVP_PKEY *jwks_key(const char *jwks, const char *kid, const char *kty)
{
    json_t *doc = json_loads(jwks, 0, NULL);
    json_t *keys = json_object_get(doc, "keys"), *k, *pick = NULL;
    size_t i;
    int fits = 0;
    json_array_foreach(keys, i, k)
    {
        const char *t = json_string_value(json_object_get(k, "kty"));
        const char *use = json_string_value(json_object_get(k, "use"));
        const char *id = json_string_value(json_object_get(k, "kid"));
        if (!t || strcmp(t, kty) != 0 || (use && strcmp(use, "sig") != 0)) continue;
        if (kid && (!id || strcmp(id, kid) != 0)) continue;
        pick = k;
        fits++;
    }
    EVP_PKEY *pkey = NULL;
    if (pick && (kid || fits == 1)) pkey = strcmp(kty, "RSA") == 0 ? rsa_key(pick) : ec_key(pick);
    json_decref(doc);
    return pkey;
}

/* Raw r||s (64 bytes) to DER for EVP; heap buffer in *der. */
static int es256_der(const uint8_t *sig, uint8_t **der)
{
    ECDSA_SIG *s = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(sig, 32, NULL), *ss = BN_bin2bn(sig + 32, 32, NULL);
    if (!s || !r || !ss || !ECDSA_SIG_set0(s, r, ss)) {
        BN_free(r);
        BN_free(ss);
        ECDSA_SIG_free(s);
        return -1;
    }
    *der = NULL;
    int n = i2d_ECDSA_SIG(s, der);
    ECDSA_SIG_free(s);
    return n;
}

static bool signature_ok(EVP_PKEY *pkey, bool es256, const char *input, size_t input_len,
                         const uint8_t *sig, size_t sig_len)
{
    uint8_t *der = NULL;
    if (es256) {
        if (sig_len != 64) return false;
        int n = es256_der(sig, &der);
        if (n <= 0) return false;
        sig = der;
        sig_len = (size_t)n;
    }
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    bool ok = md && EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, pkey) == 1 &&
              EVP_DigestVerify(md, sig, sig_len, (const uint8_t *)input, input_len) == 1;
    EVP_MD_CTX_free(md);
    OPENSSL_free(der);
    return ok;
}

jwt_status oauth_jwt_verify(const char *jwt, const char *jwks, json_t **claims)
{
    const char *d1 = strchr(jwt, '.'), *d2 = d1 ? strchr(d1 + 1, '.') : NULL;
    if (!d1 || !d2 || strchr(d2 + 1, '.')) return JWT_MALFORMED;
    json_t *hdr = b64url_json(jwt, (size_t)(d1 - jwt));
    json_t *body = b64url_json(d1 + 1, (size_t)(d2 - d1 - 1));
    const char *alg = json_string_value(json_object_get(hdr, "alg"));
    const char *kid = json_string_value(json_object_get(hdr, "kid"));
    jwt_status st = JWT_MALFORMED;
    uint8_t *sig = NULL;
    long sig_len = b64url(d2 + 1, strlen(d2 + 1), &sig);
    bool es256 = alg && strcmp(alg, "ES256") == 0;
    if (hdr && body && sig_len > 0 && alg && (es256 || strcmp(alg, "RS256") == 0)) {
        EVP_PKEY *pkey = jwks_key(jwks, kid, es256 ? "EC" : "RSA");
        if (!pkey)
            st = JWT_UNKNOWN_KID;
        else
            st = signature_ok(pkey, es256, jwt, (size_t)(d2 - jwt), sig, (size_t)sig_len)
                     ? JWT_OK
                     : JWT_BAD_SIGNATURE;
        EVP_PKEY_free(pkey);
    }
    free(sig);
    json_decref(hdr);
    if (st == JWT_OK)
        *claims = body;
    else
        json_decref(body);
    return st;
}

void oauth_jwt_kid(const char *jwt, char *out, size_t n)
{
    out[0] = '\0';
    const char *d1 = strchr(jwt, '.');
    if (!d1) return;
    json_t *hdr = b64url_json(jwt, (size_t)(d1 - jwt));
    const char *kid = json_string_value(json_object_get(hdr, "kid"));
    if (kid) snprintf(out, n, "%s", kid);
    json_decref(hdr);
}

static bool aud_ok(const json_t *claims, const char *client_id)
{
    const json_t *aud = json_object_get(claims, "aud");
    if (json_is_string(aud)) return strcmp(json_string_value(aud), client_id) == 0;
    if (!json_is_array(aud) || json_array_size(aud) == 0) return false;
    bool found = false;
    size_t i;
    const json_t *v;
    json_array_foreach(aud, i, v)
    {
        if (json_is_string(v) && strcmp(json_string_value(v), client_id) == 0) found = true;
    }
    if (!found) return false;
    if (json_array_size(aud) == 1) return true;
    const char *azp = json_string_value(json_object_get(claims, "azp"));
    return azp && strcmp(azp, client_id) == 0;
}

static bool num_claim(const json_t *claims, const char *name, int64_t *out)
{
    const json_t *v = json_object_get(claims, name);
    if (json_is_integer(v))
        *out = json_integer_value(v);
    else if (json_is_real(v))
        *out = (int64_t)json_real_value(v);
    else
        return false;
    return true;
}

int oauth_id_claims_check(const json_t *claims, const char *issuer, const char *client_id,
                          const char *nonce, int64_t now_secs, const char **why)
{
    const char *iss = json_string_value(json_object_get(claims, "iss"));
    const char *sub = json_string_value(json_object_get(claims, "sub"));
    const char *got_nonce = json_string_value(json_object_get(claims, "nonce"));
    int64_t exp, iat;
    *why = NULL;
    if (!iss || strcmp(iss, issuer) != 0)
        *why = "iss";
    else if (!sub || !*sub)
        *why = "sub";
    else if (!aud_ok(claims, client_id))
        *why = "aud";
    else if (!num_claim(claims, "exp", &exp) || exp <= now_secs - OAUTH_CLOCK_SKEW_SECS)
        *why = "exp";
    else if (!num_claim(claims, "iat", &iat) || iat > now_secs + OAUTH_CLOCK_SKEW_SECS)
        *why = "iat";
    else if (!got_nonce || strcmp(got_nonce, nonce) != 0)
        *why = "nonce";
    return *why ? -1 : 0;
}

void oauth_pkce_challenge(const char *verifier, char out[44])
{
    uint8_t d[SHA256_LEN];
    crypto_sha256(verifier, strlen(verifier), d);
    base64url_encode(d, sizeof d, out);
}
