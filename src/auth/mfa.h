/* mfa.h - TOTP multi-factor authentication of an identity (API.md 3.10,
 * 5.1 reset-mfa): enrolment with the otpauth URI and its QR code as SVG,
 * activation with backup codes, checking a TOTP or backup code (with the
 * replay guard), and turning MFA off. The TOTP secret is sealed with
 * secretbox under KV_STORE_ENCRYPTION_KEY, bound to the identity id. */
#ifndef AUTHRS_AUTH_MFA_H
#define AUTHRS_AUTH_MFA_H

#include <jansson.h>
#include <stdbool.h>

#include "store/db.h"
#include "store/mfa.h"
#include "util/arena.h"

#define MFA_MAX_WRONG 5 /* wrong codes that burn an MFA token */

/* POST /mfa/enable for the session's membership: a new pending secret
 * (409 when MFA is on). *out = {"secret","otpauthUri","qrSvg"} (new ref). */
int mfa_enable(db_conn *c, arena *a, const char *tenant_id, const char *membership_id,
               const char *identity_id, json_t **out, err *e);

/* POST /mfa/verify: 409 enabled, 400 no enrolment, 400 invalid code; then MFA
 * on and 10 new backup codes. *out = {"mfaEnabled":true,"backupCodes":[..]}. */
int mfa_verify(db_conn *c, arena *a, const char *identity_id, const char *code, json_t **out,
               err *e);

/* Checks a code against the identity's active MFA: a trimmed 6-digit code as
 * TOTP (recording its step), anything else as an unused backup code
 * (consuming it). 1 accepted, 0 wrong, -1 error. */
int mfa_check_code(db_conn *c, arena *a, const char *identity_id, const mfa_state *st,
                   const char *code, err *e);

/* MFA off: secret, pending enrolment, backup codes and pending MFA tokens gone
 * (/mfa/disable, and the CLI's user reset-mfa of 5.1). */
int mfa_reset_identity(db_conn *c, const char *identity_id, err *e);

/* A complete SVG document of text's QR code: level M, quiet zone of 4
 * modules, no external references. Heap string (caller frees), NULL when
 * the text does not fit in a QR code. */
char *mfa_qr_svg(const char *text);

/* For the mfa_enabled_total gauge (reads the store). */
double mfa_enabled_gauge(void *ctx);

#endif
