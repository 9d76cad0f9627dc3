/* session.h - sessions as a service (API.md 4.4, 4.5): issuing, the validity
 * rules, authentication of a Bearer session token through the in-memory cache
 * (auth/session_cache.c), and revocation. */
#ifndef AUTHRS_AUTH_SESSION_H
#define AUTHRS_AUTH_SESSION_H

#include <stdbool.h>
#include <stdint.h>

#include "auth/tenant_policy.h"
#include "http/http.h"
#include "store/db.h"
#include "util/arena.h"
#include "util/crypto.h"

/* What a handler knows about the authenticated session (req->session). All
 * strings are owned by the request arena. */
struct session_info {
    char id[37];
    char token_hash[TOKEN_HASH_HEX_LEN + 1];
    char tenant_id[64];
    char membership_id[37];
    char identity_id[37];
    int auth_method;
    bool confined;
    int64_t expires_at; /* effective expiry after this use (4.4) */
    /* {"tenantId":..,"userId":..,"identityId":..,"roles":[..],"permissions":[..], -- the
     * validate answer up to "expiresAt" */
    const char *validate_prefix;
    const char *roles_json;       /* JSON array of effective role uids */
    const char *permissions_json; /* JSON array of permission names */
};

/* Pure 4.4 rule: whether a session is valid at `now`; fills the effective
 * expiry. access_valid_until 0 means none. */
bool session_valid_at(int64_t now, int64_t created_at, int64_t last_used_at,
                      const session_policy *p, int64_t access_valid_until, int64_t *expires_at);

/* Creates a session for the membership; writes the token and its effective expiry. */
int session_issue(db_conn *c, arena *a, const char *tenant_id, const char *membership_id,
                  const char *identity_id, int auth_method, bool confined,
                  char token[TOKEN_LEN + 1], int64_t *expires_at, err *e);

/* Authenticates a token hash: cache first, then the store. 401 "Invalid or
 * expired session" when it does not validate. Refreshes the idle timer. */
int session_authenticate(arena *a, const char *token_hash, session_info **out, err *e);

/* Revocation (4.5). They return the number of sessions that were live just
 * before (3.6, 3.7), or -1, and evict the cache and bump the cache epoch. */
long session_revoke_token(db_conn *c, const char *token_hash, err *e);
long session_revoke_membership(db_conn *c, const char *membership_id, err *e);
long session_revoke_identity(db_conn *c, const char *identity_id, const char *except_hash, err *e);

/* To call after any committed change that can alter a cached session's
 * validity, roles or permissions (membership status or access validity,
 * identity status, tenant status, roles/groups/permissions, session_policy):
 * empties this process's session cache and bumps the cross-process cache
 * epoch (store/store.h) so that other processes do the same within 500 ms. */
int session_cache_changed(db_conn *c, err *e);

/* Writes pending idle-timer refreshes and stops the background flusher (at
 * shutdown; it starts by itself with the first cached session). */
/* Starts the background flusher and cache-epoch poll (serve calls it at start;
 * the first session load would otherwise). */
void session_service_start(void);
void session_service_stop(void);

/* For the active_sessions_total gauge: sessions valid now (reads the store). */
double session_count_active(void *ctx);

#endif
