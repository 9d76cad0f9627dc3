/* mfa.h - the TOTP columns of an identity (mfa_enabled, the sealed active and
 * pending secrets, the last accepted time step) and its backup codes
 * (API.md 3.10, 4.6). Secrets arrive here already sealed and codes already
 * hashed: this file never sees a plain secret. */
#ifndef AUTHRS_STORE_MFA_H
#define AUTHRS_STORE_MFA_H

#include <stdbool.h>
#include <stdint.h>

#include "store/db.h"
#include "util/arena.h"

typedef struct mfa_state {
    bool enabled;
    const char *secret;  /* sealed active secret, or NULL (arena) */
    const char *pending; /* sealed pending secret, or NULL (arena) */
    int64_t last_step;   /* TOTP_NO_STEP (-1) when none */
} mfa_state;

/* 1 found, 0 no such identity, -1 error. */
int mfa_state_get(db_conn *c, arena *a, const char *identity_id, mfa_state *out, err *e);
/* Stores a new pending secret (replacing any earlier one) while MFA is off;
 * the replay guard starts afresh with the new secret. 1 stored, 0 when MFA
 * is enabled. */
int mfa_set_pending(db_conn *c, const char *identity_id, const char *sealed, err *e);
/* Pending -> active, enabled, last step recorded. 1 done, 0 when the pending
 * secret is no longer `pending_sealed` or MFA got enabled meanwhile. */
int mfa_activate(db_conn *c, const char *identity_id, const char *pending_sealed, int64_t step,
                 err *e);
/* Replay guard: records step only when it is later than the stored one.
 * 1 recorded, 0 the step (or a later one) was already used. */
int mfa_record_step(db_conn *c, const char *identity_id, int64_t step, err *e);
/* Replaces the identity's backup codes by these hashes. */
int mfa_backup_replace(db_conn *c, const char *identity_id, char hashes[][65], int n, err *e);
/* Marks an unused backup code used: 1 consumed, 0 unknown or used. */
int mfa_backup_consume(db_conn *c, const char *identity_id, const char *hash, err *e);
/* MFA off: secret, pending secret, step and backup codes gone. */
int mfa_clear(db_conn *c, const char *identity_id, err *e);
/* Identities with MFA enabled. */
long mfa_count_enabled(db_conn *c, err *e);

#endif
