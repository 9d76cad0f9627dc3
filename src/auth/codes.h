/* codes.h - the short secrets a person types: 6-digit one-time codes
 * (API.md 3.4) and MFA backup codes (3.10), their input normalisation and
 * the keyed hashes they are stored as (4.6). */
#ifndef AUTHRS_CODES_H
#define AUTHRS_CODES_H

#include <stdbool.h>

#include "util/err.h"
#include "util/secretbox.h"

#define OTP_CODE_LEN          6
#define BACKUP_CODE_COUNT     10
#define BACKUP_CODE_LEN       10                    /* characters, without the '-' */
#define BACKUP_CODE_SHOWN_LEN (BACKUP_CODE_LEN + 1) /* "xxxxx-xxxxx" */
#define BACKUP_CODE_ALPHABET  "abcdefghjkmnpqrstuvwxyz23456789"

/* HKDF labels of the keyed hashes; changing one invalidates stored hashes. */
#define OTP_CODE_HASH_LABEL    "authrs/otp-code/v1"
#define BACKUP_CODE_HASH_LABEL "authrs/backup-code/v1"

/* A new one-time code: 6 decimal digits from the CSPRNG (leading zeros kept). */
void otp_code_new(char out[OTP_CODE_LEN + 1]);
/* True when s is exactly 6 ASCII digits. */
bool otp_code_wellformed(const char *s);

/* One new backup code as shown, "xxxxx-xxxxx", from the alphabet above. */
void backup_code_new(char out[BACKUP_CODE_SHOWN_LEN + 1]);
/* The 10 codes handed out at MFA enrolment. */
void backup_codes_new(char out[BACKUP_CODE_COUNT][BACKUP_CODE_SHOWN_LEN + 1]);

/* Normalises typed input: ASCII lower-casing, spaces, tabs and '-' removed.
 * Returns true and writes the 10-character form to out when the result is a
 * possible backup code; false otherwise (the caller answers "Invalid MFA code"). */
bool backup_code_normalize(const char *in, char out[BACKUP_CODE_LEN + 1]);

/* The stored forms (hex HMAC-SHA-256 under a sub-key of k). otp_code_hash
 * takes the 6 digits; backup_code_hash takes a shown or typed code and
 * hashes its normalised form (a code that does not normalise fails with
 * ERR_BAD_REQUEST "Invalid MFA code"). */
int otp_code_hash(const secretbox_key *k, const char *code, char out[SECRETBOX_HASH_HEX_LEN + 1],
                  err *e);
int backup_code_hash(const secretbox_key *k, const char *code, char out[SECRETBOX_HASH_HEX_LEN + 1],
                     err *e);

#endif
