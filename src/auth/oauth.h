/* oauth.h - sign-in through OAuth 2 / OpenID Connect providers (API.md 3.5):
 * the authorization redirect (state, nonce, PKCE S256) and the callback
 * (code exchange, ID-token verification or the GitHub user API, account
 * linking, sign-up when allowed, gates, finalization). */
#ifndef AUTHRS_AUTH_OAUTH_H
#define AUTHRS_AUTH_OAUTH_H

#include <jansson.h>

#include "store/db.h"
#include "util/arena.h"

#define OAUTH_STATE_TTL 600

/* GET /oauth/{provider} steps 2-7 for an active tenant: *location is the
 * authorization URL (arena). */
int oauth_start(db_conn *c, arena *a, const char *tenant_id, const char *provider,
                const char *redirect_uri, const char **location, err *e);

/* GET /oauth/{provider}/callback: *result is the LoginResult (new ref);
 * on failure *reason is the login_failure_total reason (or NULL), and
 * *tenant_id the state's tenant once known. */
int oauth_callback(db_conn *c, arena *a, const char *provider, const char *code, const char *state,
                   const char *error, json_t **result, const char **reason, const char **tenant_id,
                   err *e);

#endif
