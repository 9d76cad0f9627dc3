/* tokens.h - the short-lived single-purpose tokens of API.md 1.8: identity,
 * MFA, change, reset and invite. Stored by hex SHA-256 only. */
#ifndef AUTHRS_STORE_TOKENS_H
#define AUTHRS_STORE_TOKENS_H

#include <stdbool.h>
#include <stdint.h>

#include "store/db.h"
#include "util/crypto.h"

typedef enum {
    TOK_IDENTITY = 1 << 0,
    TOK_MFA = 1 << 1,
    TOK_CHANGE = 1 << 2,
    TOK_RESET = 1 << 3,
    TOK_INVITE = 1 << 4,
} token_kind;

typedef struct token_row {
    char hash[TOKEN_HASH_HEX_LEN + 1];
    token_kind kind;
    char identity_id[37];
    char tenant_id[64];     /* "" when none */
    char membership_id[37]; /* "" when none */
    int auth_method;        /* 0 when none */
    bool confined;
    int attempts;
    int64_t created_at, expires_at;
} token_row;

const char *token_kind_name(token_kind k);

/* Creates a token of r->kind with r's bindings, valid ttl_secs; writes the
 * token (43 chars) to `token` and its hash to r->hash. */
int token_issue(db_conn *c, token_row *r, int ttl_secs, char token[TOKEN_LEN + 1], err *e);
/* Finds an unexpired token of `kind` by hash. 1 found, 0 not, -1 error. */
int token_find(db_conn *c, token_kind kind, const char *hash, token_row *out, err *e);
/* Deletes the token; 1 when this call consumed it, 0 when it was already gone. */
int token_consume(db_conn *c, const char *hash, err *e);
/* Deletes the identity's tokens whose kind is in the `kinds` mask. */
int token_delete_identity(db_conn *c, const char *identity_id, unsigned kinds, err *e);
/* Deletes the membership's tokens whose kind is in the mask. */
int token_delete_membership(db_conn *c, const char *membership_id, unsigned kinds, err *e);
/* Deletes invite tokens of (identity, tenant). */
int token_delete_invites(db_conn *c, const char *identity_id, const char *tenant_id, err *e);
/* Counts a wrong code on an MFA token; returns the new count or -1. */
int token_add_attempt(db_conn *c, const char *hash, err *e);

#endif
