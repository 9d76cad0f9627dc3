/* crypto.h - small cryptographic building blocks over OpenSSL libcrypto:
 * CSPRNG, SHA-256, HMAC-SHA-256, base64url, constant-time compare, opaque
 * tokens (API.md 1.8) and UUIDs (v4 and v7, lower-case, hyphenated).
 */
#ifndef AUTHRS_CRYPTO_H
#define AUTHRS_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SHA256_LEN         32
#define TOKEN_LEN          43 /* base64url of 32 random bytes, no padding */
#define TOKEN_HASH_HEX_LEN 64 /* hex SHA-256 of a token, as stored */
#define UUID_STR_LEN       36

/* Fills buf with n bytes from the OS CSPRNG. Aborts on failure: a server
 * that cannot get randomness must not issue tokens. */
void crypto_random(void *buf, size_t n);
uint32_t crypto_random_below(uint32_t bound); /* uniform in [0, bound) */

void crypto_sha256(const void *data, size_t n, uint8_t out[SHA256_LEN]);
void crypto_hmac_sha256(const void *key, size_t key_len, const void *data, size_t n,
                        uint8_t out[SHA256_LEN]);

/* Constant-time equality of two equal-length buffers. */
bool crypto_equal(const void *a, const void *b, size_t n);

/* Lower-case hex. out must hold 2n+1 bytes. */
void hex_encode(const uint8_t *in, size_t n, char *out);

/* base64url without padding. out must hold base64url_encoded_len(n)+1 bytes. */
size_t base64url_encoded_len(size_t n);
void base64url_encode(const uint8_t *in, size_t n, char *out);
/* Decodes (padding optional); returns the decoded length or -1 on bad input.
 * out must hold at least 3*len/4+3 bytes. */
long base64url_decode(const char *in, size_t len, uint8_t *out);
/* Standard base64 with padding (for keys in the environment); -1 on error. */
long base64_decode(const char *in, size_t len, uint8_t *out);

/* A new opaque token (TOKEN_LEN chars + NUL) and the hex SHA-256 that is
 * stored for it (TOKEN_HASH_HEX_LEN chars + NUL). */
void token_new(char token[TOKEN_LEN + 1], char hash_hex[TOKEN_HASH_HEX_LEN + 1]);
void token_hash(const char *token, char hash_hex[TOKEN_HASH_HEX_LEN + 1]);

void uuid_v4(char out[UUID_STR_LEN + 1]);
void uuid_v7(char out[UUID_STR_LEN + 1]); /* time-ordered */
/* Checks 8-4-4-4-12 hex form (either case); writes the lower-case form to out
 * when out is not NULL. */
bool uuid_parse(const char *s, char out[UUID_STR_LEN + 1]);

#endif
