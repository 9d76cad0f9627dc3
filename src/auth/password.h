/* password.h - Argon2id password hashes as PHC strings (API.md 4.1):
 * "$argon2id$v=19$m=<KiB>,t=<passes>,p=<lanes>$<salt>$<hash>" with a 16-byte
 * random salt and a 32-byte hash, both standard base64 without padding.
 * Verification takes the parameters from the stored string, within the
 * ranges of API.md 5.2, so a hostile or corrupt row cannot demand more work
 * than an operator could configure. */
#ifndef AUTHRS_PASSWORD_H
#define AUTHRS_PASSWORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

typedef struct argon2_params {
    uint32_t m_kib, t, p;
} argon2_params;

/* Limits of the stored parameters accepted by verify (API.md 5.2 maxima;
 * the minima are Argon2's own: m >= 8 * p). */
#define ARGON2_M_KIB_CAP 4194304u
#define ARGON2_T_CAP     10u
#define ARGON2_P_CAP     16u

#define PASSWORD_SALT_LEN  16
#define PASSWORD_HASH_LEN  32
#define PASSWORD_MAX_BYTES 4096 /* longer passwords never verify */
#define PASSWORD_PHC_MAX   128  /* buffer size for a PHC string we produce */

/* Hashes len bytes of password with params (within the caps above) into out.
 * Fails with ERR_INTERNAL on bad parameters or when Argon2 cannot run (out of
 * memory). */
int password_hash(const argon2_params *params, const char *password, size_t len,
                  char out[PASSWORD_PHC_MAX], err *e);

/* Verifies password against a stored PHC string in constant time. A
 * malformed string, another algorithm or version, parameters outside the
 * caps, or a password over PASSWORD_MAX_BYTES set *match to false and return
 * 0. Returns -1 (ERR_INTERNAL) only when Argon2 itself fails. */
int password_verify(const char *stored, const char *password, size_t len, bool *match, err *e);

/* True when stored is not an Argon2id v19 string of exactly these parameters
 * with a 16-byte salt and 32-byte hash (so a successful login should store a
 * fresh hash). */
bool password_needs_rehash(const char *stored, const argon2_params *params);

/* Does the work of one password_verify with params, against a fixed hash that
 * never matches: used for unknown accounts so they take the same time. */
void password_dummy_verify(const argon2_params *params, const char *password, size_t len);

#endif
