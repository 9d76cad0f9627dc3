/* oauth_provider.h - which OAuth providers a tenant has and where they live
 * (API.md 3.5, 1.16, 5.2): a tenant provider from kv oauth/<name>, else a
 * global provider from the OAUTH_<NAME>_* variables; the built-in google,
 * microsoft and github, and any other name as a generic OIDC issuer; the
 * endpoints from OIDC discovery (or the configured overrides) and the JWKS.
 *
 * Global state: a cache of discovery documents and JWKS by URL (1 hour),
 * guarded by a mutex. */
#ifndef AUTHRS_AUTH_OAUTH_PROVIDER_H
#define AUTHRS_AUTH_OAUTH_PROVIDER_H

#include <stdbool.h>

#include "store/db.h"
#include "util/arena.h"

#define OAUTH_CACHE_SECS 3600

typedef enum { OAUTH_OIDC = 0, OAUTH_GITHUB } oauth_kind;
typedef enum { OAUTH_TRUST_ANY = -1, OAUTH_TRUST_GLOBAL = 0, OAUTH_TRUST_TENANT = 1 } oauth_trust;

/* Strings are arena-owned; NULL when absent. */
typedef struct oauth_provider {
    char name[40];
    oauth_kind kind;
    bool tenant_trust; /* configured by the tenant's kv (else global) */
    const char *client_id, *client_secret, *redirect_url;
    const char **allowed_redirects; /* NULL-terminated */
    const char *issuer;
    const char *scopes; /* space-separated */
    bool allow_signup;
    const char *ms_tenant;
    const char *authorization_endpoint, *token_endpoint, *userinfo_endpoint, *jwks_uri;
    bool token_basic_auth; /* discovery lists only client_secret_basic */
} oauth_provider;

/* Loads provider `name` for the tenant: with OAUTH_TRUST_ANY the tenant's
 * kv entry, else the global one; with a given trust only that kind. 1 found,
 * 0 not configured, -1 error. */
int oauth_provider_load(db_conn *c, arena *a, const char *tenant_id, const char *name,
                        oauth_trust trust, oauth_provider *out, err *e);

/* Fills the endpoints still missing: OIDC discovery (cached; skipped when
 * the configuration names the authorization, token and JWKS endpoints) or
 * GitHub's built-in ones. 502 "Could not reach the provider" when discovery fails or
 * an endpoint is not allowed (https unless OAUTH_ALLOW_HTTP). */
int oauth_provider_endpoints(arena *a, oauth_provider *p, err *e);

/* The provider's JWKS text (cached; `refresh` fetches again). 502 on failure. */
int oauth_provider_jwks(arena *a, const oauth_provider *p, bool refresh, const char **jwks, err *e);

/* Empties the discovery/JWKS cache (tests). */
void oauth_cache_clear(void);

#endif
