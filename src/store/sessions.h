/* sessions.h - session rows (API.md 4.4, 4.5). The token is never stored,
 * only its hex SHA-256. Validity rules live in auth/session.c; this file only
 * reads and writes rows. */
#ifndef AUTHRS_STORE_SESSIONS_H
#define AUTHRS_STORE_SESSIONS_H

#include <stdbool.h>
#include <stdint.h>

#include "store/db.h"
#include "util/crypto.h"

typedef struct session_row {
    char id[37];
    char token_hash[TOKEN_HASH_HEX_LEN + 1];
    char tenant_id[64];
    char membership_id[37];
    char identity_id[37];
    int auth_method;                              /* login method 1-6 (1.12) */
    bool confined;                                /* may not leave its tenant (1.12) */
    int64_t created_at, last_used_at, revoked_at; /* revoked_at 0 = live */
    /* joined state, filled by session_load */
    char membership_status[16];
    int64_t access_valid_until; /* 0 = none */
    bool identity_active;
    bool tenant_active;
} session_row;

/* Inserts s (id, token_hash, tenant, membership, identity, method, confined,
 * created_at = last_used_at). */
int session_insert(db_conn *c, const session_row *s, err *e);
/* Loads the unrevoked session with this token hash, joined with its
 * membership, identity and tenant. 1 found, 0 not, -1 error. */
int session_load(db_conn *c, const char *token_hash, session_row *out, err *e);
int session_touch(db_conn *c, const char *id, int64_t last_used_at, err *e);

typedef enum { SCOPE_TOKEN, SCOPE_MEMBERSHIP, SCOPE_IDENTITY } session_scope;
/* Revokes every unrevoked session of the scope (the token hash, the
 * membership id or the identity id), except the one whose token hash is
 * `except` (may be NULL). is_live(row, ctx) decides which of them count as
 * live (4.4) for the returned number; NULL counts every one. -1 on error. */
long session_revoke(db_conn *c, session_scope scope, const char *key, const char *except,
                    bool (*is_live)(const session_row *s, void *ctx), void *ctx, err *e);
/* Calls fn for every unrevoked session (tenant, created_at, last_used_at
 * filled; joined state not). For the active-sessions gauge. */
int session_each_unrevoked(db_conn *c, void (*fn)(const session_row *s, void *ctx), void *ctx,
                           err *e);

#endif
