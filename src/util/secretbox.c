/* secretbox.c - AES-256-GCM values, HKDF sub-keys and keyed hashes over
 * OpenSSL 3 (see secretbox.h). */
#include "util/secretbox.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <stdlib.h>
#include <string.h>

#include "util/crypto.h"

#define SEALED_PREFIX "v1."

void secretbox_key_init(secretbox_key *k, const uint8_t raw[SECRETBOX_KEY_LEN])
{
    memcpy(k->bytes, raw, SECRETBOX_KEY_LEN);
}

void secretbox_key_wipe(secretbox_key *k)
{
    OPENSSL_cleanse(k->bytes, sizeof k->bytes);
}

/* Runs AES-256-GCM in one direction. For encryption tag is written, for
 * decryption it is checked. Returns 0, or -1 on any failure (including a
 * tag mismatch). */
static int gcm_run(bool encrypt, const secretbox_key *k, const uint8_t *nonce, const char *context,
                   const uint8_t *in, size_t n, uint8_t *out, uint8_t tag[SECRETBOX_TAG_LEN])
{
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    if (!ctx) return -1;
    int len = 0, ok = 0;
    size_t ctx_len = context ? strlen(context) : 0;
    if (EVP_CipherInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL, encrypt) != 1) goto done;
    if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, SECRETBOX_NONCE_LEN, NULL) != 1) goto done;
    if (EVP_CipherInit_ex(ctx, NULL, NULL, k->bytes, nonce, encrypt) != 1) goto done;
    if (ctx_len > 0 &&
        EVP_CipherUpdate(ctx, NULL, &len, (const uint8_t *)context, (int)ctx_len) != 1)
        goto done;
    if (n > 0 && EVP_CipherUpdate(ctx, out, &len, in, (int)n) != 1) goto done;
    if (!encrypt && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, SECRETBOX_TAG_LEN, tag) != 1)
        goto done;
    if (EVP_CipherFinal_ex(ctx, out + (n > 0 ? len : 0), &len) != 1) goto done;
    if (encrypt && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, SECRETBOX_TAG_LEN, tag) != 1)
        goto done;
    ok = 1;
done:
    EVP_CIPHER_CTX_free(ctx);
    return ok ? 0 : -1;
}

int secretbox_seal(const secretbox_key *k, const char *context, const void *plain, size_t n,
                   char **out, err *e)
{
    *out = NULL;
    if (n > SECRETBOX_MAX_PLAIN) return err_internal(e, "secretbox: value too large to seal");
    uint8_t nonce[SECRETBOX_NONCE_LEN];
    crypto_random(nonce, sizeof nonce);
    size_t body_len = n + SECRETBOX_TAG_LEN;
    uint8_t *body = malloc(body_len);
    if (!body) abort();
    if (gcm_run(true, k, nonce, context, plain, n, body, body + n) != 0) {
        free(body);
        return err_internal(e, "secretbox: AES-256-GCM encryption failed");
    }
    size_t prefix = strlen(SEALED_PREFIX);
    size_t nonce_b64 = base64url_encoded_len(SECRETBOX_NONCE_LEN);
    char *s = malloc(prefix + nonce_b64 + 1 + base64url_encoded_len(body_len) + 1);
    if (!s) abort();
    memcpy(s, SEALED_PREFIX, prefix);
    base64url_encode(nonce, SECRETBOX_NONCE_LEN, s + prefix);
    s[prefix + nonce_b64] = '.';
    base64url_encode(body, body_len, s + prefix + nonce_b64 + 1);
    free(body);
    *out = s;
    return 0;
}

/* True when s is exactly base64url_encode(bytes); rejects encodings whose
 * unused trailing bits are set. */
static bool canonical_b64(const uint8_t *bytes, size_t n, const char *s)
{
    char *again = malloc(base64url_encoded_len(n) + 1);
    if (!again) abort();
    base64url_encode(bytes, n, again);
    bool same = strncmp(again, s, base64url_encoded_len(n)) == 0;
    free(again);
    return same;
}

int secretbox_open(const secretbox_key *k, const char *context, const char *sealed, char **plain,
                   size_t *plain_len, err *e)
{
    *plain = NULL;
    size_t prefix = strlen(SEALED_PREFIX);
    size_t nonce_b64 = base64url_encoded_len(SECRETBOX_NONCE_LEN);
    size_t total = strlen(sealed);
    size_t max_body_b64 = base64url_encoded_len(SECRETBOX_MAX_PLAIN + SECRETBOX_TAG_LEN);
    if (total < prefix + nonce_b64 + 1 || strncmp(sealed, SEALED_PREFIX, prefix) != 0 ||
        sealed[prefix + nonce_b64] != '.' || total - prefix - nonce_b64 - 1 > max_body_b64)
        return err_internal(e, "secretbox: malformed sealed value");
    uint8_t nonce[SECRETBOX_NONCE_LEN + 3];
    if (base64url_decode(sealed + prefix, nonce_b64, nonce) != SECRETBOX_NONCE_LEN)
        return err_internal(e, "secretbox: malformed nonce");
    const char *body_b64 = sealed + prefix + nonce_b64 + 1;
    size_t body_b64_len = total - prefix - nonce_b64 - 1;
    uint8_t *body = malloc(3 * body_b64_len / 4 + 3);
    if (!body) abort();
    long body_len = base64url_decode(body_b64, body_b64_len, body);
    /* only the canonical encoding is accepted: one value, one spelling */
    if (body_len < SECRETBOX_TAG_LEN || base64url_encoded_len((size_t)body_len) != body_b64_len ||
        !canonical_b64(body, (size_t)body_len, body_b64)) {
        free(body);
        return err_internal(e, "secretbox: malformed ciphertext");
    }
    size_t n = (size_t)body_len - SECRETBOX_TAG_LEN;
    char *out = malloc(n + 1);
    if (!out) abort();
    if (gcm_run(false, k, nonce, context, body, n, (uint8_t *)out, body + n) != 0) {
        OPENSSL_cleanse(out, n);
        free(out);
        free(body);
        return err_internal(e, "secretbox: authentication failed (wrong key or altered value)");
    }
    free(body);
    out[n] = '\0';
    *plain = out;
    if (plain_len) *plain_len = n;
    return 0;
}

int secretbox_derive(const secretbox_key *k, const char *label, uint8_t out[SECRETBOX_KEY_LEN],
                     err *e)
{
    EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
    EVP_KDF_CTX *ctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
    EVP_KDF_free(kdf);
    if (!ctx) return err_internal(e, "secretbox: HKDF unavailable");
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)k->bytes, SECRETBOX_KEY_LEN),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)label, strlen(label)),
        OSSL_PARAM_construct_end(),
    };
    int rc = EVP_KDF_derive(ctx, out, SECRETBOX_KEY_LEN, params);
    EVP_KDF_CTX_free(ctx);
    if (rc != 1) return err_internal(e, "secretbox: HKDF derivation failed");
    return 0;
}

int secretbox_keyed_hash(const secretbox_key *k, const char *label, const void *data, size_t n,
                         char out[SECRETBOX_HASH_HEX_LEN + 1], err *e)
{
    uint8_t sub[SECRETBOX_KEY_LEN], mac[SHA256_LEN];
    if (secretbox_derive(k, label, sub, e) != 0) return -1;
    crypto_hmac_sha256(sub, sizeof sub, data, n, mac);
    OPENSSL_cleanse(sub, sizeof sub);
    hex_encode(mac, sizeof mac, out);
    return 0;
}
