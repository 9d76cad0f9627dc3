/* crypto.c - CSPRNG, hashes, encodings, tokens and UUIDs (see crypto.h). */
#include "util/crypto.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

void crypto_random(void *buf, size_t n)
{
    unsigned char *p = buf;
    while (n > 0) {
        ssize_t got = getrandom(p, n, 0);
        if (got < 0) {
            if (RAND_bytes(p, (int)n) == 1) return;
            fputs("authrs: no randomness available\n", stderr);
            abort();
        }
        p += got;
        n -= (size_t)got;
    }
}

uint32_t crypto_random_below(uint32_t bound)
{
    /* rejection sampling: no modulo bias */
    uint32_t limit = UINT32_MAX - (UINT32_MAX % bound);
    uint32_t v;
    do {
        crypto_random(&v, sizeof v);
    } while (v >= limit);
    return v % bound;
}

/* SHA-256 fetched once: OpenSSL 3 would otherwise look the algorithm up in
 * its provider store (locks, string compares) on every digest, and a token
 * hash runs on every authenticated request. Global state: this handle,
 * read-only after the pthread_once that fetches it. */
static EVP_MD *sha256_md;
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;

/* Each thread keeps one digest context (made on first use, freed by the key's
 * destructor when the thread ends): no allocation per token hash.
 * Thread-local state. */
static pthread_key_t sha256_ctx_key;

static void sha256_ctx_free(void *ctx)
{
    EVP_MD_CTX_free(ctx);
}

static void sha256_fetch(void)
{
    sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
    pthread_key_create(&sha256_ctx_key, sha256_ctx_free);
}

void crypto_sha256(const void *data, size_t n, uint8_t out[SHA256_LEN])
{
    pthread_once(&sha256_once, sha256_fetch);
    EVP_MD_CTX *ctx = pthread_getspecific(sha256_ctx_key);
    if (!ctx && (ctx = EVP_MD_CTX_new()) != NULL) pthread_setspecific(sha256_ctx_key, ctx);
    unsigned int len = SHA256_LEN;
    if (!ctx || !sha256_md || !EVP_DigestInit_ex2(ctx, sha256_md, NULL) ||
        !EVP_DigestUpdate(ctx, data, n) || !EVP_DigestFinal_ex(ctx, out, &len)) {
        fputs("authrs: SHA-256 failed\n", stderr);
        abort();
    }
}

void crypto_hmac_sha256(const void *key, size_t key_len, const void *data, size_t n,
                        uint8_t out[SHA256_LEN])
{
    unsigned int len = SHA256_LEN;
    HMAC(EVP_sha256(), key, (int)key_len, data, n, out, &len);
}

bool crypto_equal(const void *a, const void *b, size_t n)
{
    return CRYPTO_memcmp(a, b, n) == 0;
}

void hex_encode(const uint8_t *in, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * n] = '\0';
}

static const char b64url_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

size_t base64url_encoded_len(size_t n)
{
    return (n / 3) * 4 + (n % 3 ? n % 3 + 1 : 0);
}

void base64url_encode(const uint8_t *in, size_t n, char *out)
{
    size_t o = 0, i = 0;
    for (; i + 2 < n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        out[o++] = b64url_alphabet[(v >> 18) & 63];
        out[o++] = b64url_alphabet[(v >> 12) & 63];
        out[o++] = b64url_alphabet[(v >> 6) & 63];
        out[o++] = b64url_alphabet[v & 63];
    }
    if (n - i == 1) {
        uint32_t v = (uint32_t)in[i] << 16;
        out[o++] = b64url_alphabet[(v >> 18) & 63];
        out[o++] = b64url_alphabet[(v >> 12) & 63];
    } else if (n - i == 2) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
        out[o++] = b64url_alphabet[(v >> 18) & 63];
        out[o++] = b64url_alphabet[(v >> 12) & 63];
        out[o++] = b64url_alphabet[(v >> 6) & 63];
    }
    out[o] = '\0';
}

static int b64_value(char c, bool url)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (url ? c == '-' : c == '+') return 62;
    if (url ? c == '_' : c == '/') return 63;
    return -1;
}

static long b64_decode(const char *in, size_t len, uint8_t *out, bool url)
{
    while (len > 0 && in[len - 1] == '=')
        len--;
    if (len % 4 == 1) return -1;
    uint32_t acc = 0;
    int bits = 0;
    long o = 0;
    for (size_t i = 0; i < len; i++) {
        int v = b64_value(in[i], url);
        if (v < 0) return -1;
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (uint8_t)(acc >> bits);
        }
    }
    return o;
}

long base64url_decode(const char *in, size_t len, uint8_t *out)
{
    return b64_decode(in, len, out, true);
}

long base64_decode(const char *in, size_t len, uint8_t *out)
{
    return b64_decode(in, len, out, false);
}

void token_hash(const char *token, char hash_hex[TOKEN_HASH_HEX_LEN + 1])
{
    uint8_t digest[SHA256_LEN];
    crypto_sha256(token, strlen(token), digest);
    hex_encode(digest, SHA256_LEN, hash_hex);
}

void token_new(char token[TOKEN_LEN + 1], char hash_hex[TOKEN_HASH_HEX_LEN + 1])
{
    uint8_t raw[32];
    crypto_random(raw, sizeof raw);
    base64url_encode(raw, sizeof raw, token);
    if (hash_hex) token_hash(token, hash_hex);
}

static void uuid_format(const uint8_t b[16], char out[UUID_STR_LEN + 1])
{
    static const char digits[] = "0123456789abcdef";
    size_t o = 0;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10) out[o++] = '-';
        out[o++] = digits[b[i] >> 4];
        out[o++] = digits[b[i] & 15];
    }
    out[o] = '\0';
}

void uuid_v4(char out[UUID_STR_LEN + 1])
{
    uint8_t b[16];
    crypto_random(b, sizeof b);
    b[6] = (uint8_t)((b[6] & 0x0f) | 0x40);
    b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);
    uuid_format(b, out);
}

void uuid_v7(char out[UUID_STR_LEN + 1])
{
    uint8_t b[16];
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t ms = (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
    crypto_random(b, sizeof b);
    for (int i = 0; i < 6; i++)
        b[i] = (uint8_t)(ms >> (40 - 8 * i));
    b[6] = (uint8_t)((b[6] & 0x0f) | 0x70);
    b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);
    uuid_format(b, out);
}

bool uuid_parse(const char *s, char out[UUID_STR_LEN + 1])
{
    if (!s || strlen(s) != UUID_STR_LEN) return false;
    for (int i = 0; i < UUID_STR_LEN; i++) {
        char c = s[i];
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (c != '-') return false;
        } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
            return false;
        }
    }
    if (out) {
        for (int i = 0; i <= UUID_STR_LEN; i++)
            out[i] = (s[i] >= 'A' && s[i] <= 'F') ? (char)(s[i] - 'A' + 'a') : s[i];
    }
    return true;
}
