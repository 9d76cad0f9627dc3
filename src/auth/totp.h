/* totp.h - RFC 6238 time-based one-time passwords as API.md 3.10 fixes them:
 * HMAC-SHA1, 6 digits, 30-second steps from T0 = 0, codes accepted for the
 * current step +-1 and only for a step later than the last accepted one.
 * Also the secret (20 random bytes as 32 base32 characters) and the
 * otpauth:// URI shown at enrolment. */
#ifndef AUTHRS_TOTP_H
#define AUTHRS_TOTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TOTP_SECRET_BYTES   20
#define TOTP_SECRET_B32_LEN 32
#define TOTP_DIGITS         6
#define TOTP_PERIOD_SECS    30
#define TOTP_NO_STEP        (-1) /* last_step of an identity that never used a code */

/* The RFC 4226 dynamic truncation of HMAC-SHA1(key, counter): a 31-bit
 * value whose last d decimal digits are the d-digit code. */
uint32_t totp_truncated_value(const uint8_t *key, size_t key_len, uint64_t counter);

/* The time step of a Unix time (floor(unix_secs / 30)). */
int64_t totp_step(int64_t unix_secs);

/* The 6-digit code of a step, with leading zeros, NUL-terminated. */
void totp_code(const uint8_t *key, size_t key_len, int64_t step, char out[TOTP_DIGITS + 1]);

/* Checks code (exactly 6 ASCII digits, already trimmed by the caller) against
 * the steps now-1, now and now+1 of unix_now, accepting only a step greater
 * than last_step (TOTP_NO_STEP when none). On a match returns true and stores
 * the matched step in *matched_step, which the caller records as the new
 * last_step. Every candidate is computed and compared in constant time. */
bool totp_verify(const uint8_t *key, size_t key_len, const char *code, int64_t unix_now,
                 int64_t last_step, int64_t *matched_step);

/* A new secret: 20 bytes from the CSPRNG written as base32. */
void totp_secret_new(char out[TOTP_SECRET_B32_LEN + 1]);

/* Decodes a base32 secret into key (at most 64 bytes); returns its length or
 * -1 when it is not valid base32 or is empty. */
long totp_secret_decode(const char *secret_b32, uint8_t key[64]);

/* otpauth://totp/<Issuer>:<account>?secret=<secret>&issuer=<Issuer>
 * &algorithm=SHA1&digits=6&period=30, with issuer and account
 * percent-encoded (RFC 3986 unreserved characters kept, a space as %20).
 * Returns a heap string that the caller frees. */
char *totp_uri(const char *issuer, const char *account, const char *secret_b32);

#endif
