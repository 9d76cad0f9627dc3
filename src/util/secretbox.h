/* secretbox.h - secrets at rest (API.md 4.6) under KV_STORE_ENCRYPTION_KEY:
 *
 *  - AES-256-GCM sealing of values (TOTP secrets, KV secret groups) with a
 *    fresh 12-byte random nonce per value, written as one printable string
 *    "v1.<base64url nonce>.<base64url ciphertext||16-byte tag>";
 *  - HKDF-SHA-256 sub-keys and HMAC-SHA-256 keyed hashes (hex) of short
 *    secrets (OTP and backup codes).
 *
 * The key lives in a secretbox_key held by the caller (decoding the base64
 * environment value is config's job); nothing here keeps global state. */
#ifndef AUTHRS_SECRETBOX_H
#define AUTHRS_SECRETBOX_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

#define SECRETBOX_KEY_LEN      32
#define SECRETBOX_NONCE_LEN    12
#define SECRETBOX_TAG_LEN      16
#define SECRETBOX_HASH_HEX_LEN 64 /* hex of HMAC-SHA-256 */
/* Largest plaintext accepted by seal/open (KV values are at most 64 KiB). */
#define SECRETBOX_MAX_PLAIN (1024 * 1024)

typedef struct secretbox_key {
    uint8_t bytes[SECRETBOX_KEY_LEN];
} secretbox_key;

void secretbox_key_init(secretbox_key *k, const uint8_t raw[SECRETBOX_KEY_LEN]);
void secretbox_key_wipe(secretbox_key *k); /* overwrites the key bytes */

/* Seals n bytes of plain. context (may be NULL, meaning "") is authenticated
 * but not stored: open must be given the same context, which binds a value to
 * where it belongs (for example "kv:<tenant>/<group>/<key>"). On success *out
 * is a NUL-terminated heap string that the caller frees. */
int secretbox_seal(const secretbox_key *k, const char *context, const void *plain, size_t n,
                   char **out, err *e);

/* Opens a sealed string. On success *plain is a heap buffer of *plain_len
 * bytes plus a NUL terminator (the caller frees it; plain_len may be NULL).
 * A malformed string, another key, another context or any altered byte
 * fails with ERR_INTERNAL and leaves *plain NULL. */
int secretbox_open(const secretbox_key *k, const char *context, const char *sealed, char **plain,
                   size_t *plain_len, err *e);

/* HKDF-SHA-256 (no salt, info = label) of the key into a 32-byte sub-key. */
int secretbox_derive(const secretbox_key *k, const char *label, uint8_t out[SECRETBOX_KEY_LEN],
                     err *e);

/* Lower-case hex of HMAC-SHA-256(secretbox_derive(label), data). */
int secretbox_keyed_hash(const secretbox_key *k, const char *label, const void *data, size_t n,
                         char out[SECRETBOX_HASH_HEX_LEN + 1], err *e);

#endif
