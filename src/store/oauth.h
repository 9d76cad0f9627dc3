/* oauth.h - OAuth authorization requests in flight (state rows, API.md 3.5,
 * 4.6: the PKCE verifier and nonce stay server side) and provider links
 * (issuer, subject) -> identity, with the tenant for links made through a
 * tenant provider.
 *
 * Also the reader of a tenant's KV configuration entry that may be stored
 * encrypted (the secret groups oauth, smtp, sms, whatsapp of 1.16); it
 * opens sealed values with KV_STORE_ENCRYPTION_KEY under the context
 * "kv:<tenant>/<group>/<key>". */
#ifndef AUTHRS_STORE_OAUTH_H
#define AUTHRS_STORE_OAUTH_H

#include <stdbool.h>
#include <stdint.h>

#include "store/db.h"
#include "util/arena.h"
#include "util/crypto.h"

typedef struct oauth_state_row {
    char hash[TOKEN_HASH_HEX_LEN + 1];
    char tenant_id[64];
    char provider[40];
    bool tenant_trust;        /* a tenant provider (else global) */
    const char *redirect_uri; /* arena */
    char nonce[64];
    char verifier[64];
    int64_t created_at, expires_at;
} oauth_state_row;

int oauth_state_insert(db_conn *c, oauth_state_row *s, int ttl_secs, err *e);
/* Consumes the unexpired state of this hash issued for `provider`: 1 taken
 * (out filled), 0 unknown, expired, used or of another provider. */
int oauth_state_take(db_conn *c, arena *a, const char *hash, const char *provider,
                     oauth_state_row *out, err *e);

/* The identity linked to (tenant, issuer, subject); tenant NULL for a global
 * link. 1 found (identity_id filled), 0 none. */
int oauth_link_find(db_conn *c, const char *tenant_id, const char *issuer, const char *subject,
                    char identity_id[37], err *e);
int oauth_link_insert(db_conn *c, const char *identity_id, const char *tenant_id,
                      const char *provider, const char *issuer, const char *subject, err *e);

#endif
