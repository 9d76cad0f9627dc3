/* oauth.c - OAuth state rows, provider links, secret KV reads (see oauth.h). */
#include "store/oauth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "util/timeutil.h"

int oauth_state_insert(db_conn *c, oauth_state_row *s, int ttl_secs, err *e)
{
    s->created_at = now_us();
    s->expires_at = s->created_at + (int64_t)ttl_secs * 1000000;
    return db_exec(c, e,
                   "INSERT INTO oauth_states (state_hash, tenant_id, provider, trust, redirect_uri,"
                   " nonce, pkce_verifier, created_at, expires_at)"
                   " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                   "sssssssii", s->hash, s->tenant_id, s->provider,
                   s->tenant_trust ? "tenant" : "global", s->redirect_uri, s->nonce, s->verifier,
                   s->created_at, s->expires_at) < 0
               ? -1
               : 0;
}

int oauth_state_take(db_conn *c, arena *a, const char *hash, const char *provider,
                     oauth_state_row *out, err *e)
{
    db_stmt *st =
        db_query(c, e,
                 "SELECT tenant_id, trust, redirect_uri, nonce, pkce_verifier, created_at,"
                 " expires_at FROM oauth_states WHERE state_hash = $1 AND provider = $2"
                 " AND expires_at > $3",
                 "ssi", hash, provider, now_us());
    if (!st) return -1;
    int rc = db_step(st, e);
    if (rc == 1) {
        memset(out, 0, sizeof *out);
        snprintf(out->hash, sizeof out->hash, "%s", hash);
        snprintf(out->provider, sizeof out->provider, "%s", provider);
        snprintf(out->tenant_id, sizeof out->tenant_id, "%s", db_col_text(st, 0));
        out->tenant_trust = strcmp(db_col_text(st, 1), "tenant") == 0;
        out->redirect_uri = arena_strdup(a, db_col_text(st, 2));
        snprintf(out->nonce, sizeof out->nonce, "%s", db_col_text(st, 3));
        snprintf(out->verifier, sizeof out->verifier, "%s", db_col_text(st, 4));
        out->created_at = db_col_int(st, 5);
        out->expires_at = db_col_int(st, 6);
    }
    db_done(st);
    if (rc != 1) return rc;
    long n = db_exec(c, e, "DELETE FROM oauth_states WHERE state_hash = $1", "s", hash);
    return n < 0 ? -1 : n > 0;
}

int oauth_link_find(db_conn *c, const char *tenant_id, const char *issuer, const char *subject,
                    char identity_id[37], err *e)
{
    db_stmt *st = db_query(c, e,
                           "SELECT identity_id FROM oauth_links WHERE COALESCE(tenant_id, '') = $1"
                           " AND issuer = $2 AND subject = $3",
                           "sss", tenant_id ? tenant_id : "", issuer, subject);
    if (!st) return -1;
    int rc = db_step(st, e);
    if (rc == 1) snprintf(identity_id, 37, "%s", db_col_text(st, 0));
    db_done(st);
    return rc;
}

int oauth_link_insert(db_conn *c, const char *identity_id, const char *tenant_id,
                      const char *provider, const char *issuer, const char *subject, err *e)
{
    char id[UUID_STR_LEN + 1];
    uuid_v7(id);
    return db_exec(c, e,
                   "INSERT INTO oauth_links (id, identity_id, tenant_id, provider, issuer, subject,"
                   " created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                   "ssssssi", id, identity_id, tenant_id, provider, issuer, subject, now_us()) < 0
               ? -1
               : 0;
}
