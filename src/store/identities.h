/* identities.h - identities (the global human), memberships (the per-tenant
 * "user" of the wire), their effective roles and permissions, and the User
 * JSON object of API.md 1.11.
 *
 * Strings in the structs below are allocated from the arena passed to the
 * loader and live as long as it does. Timestamps are microseconds; an absent
 * optional timestamp is 0.
 */
#ifndef AUTHRS_STORE_IDENTITIES_H
#define AUTHRS_STORE_IDENTITIES_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "store/db.h"
#include "util/arena.h"

typedef struct identity {
    char id[37];
    const char *email; /* as typed (trimmed), or NULL */
    bool email_verified;
    const char *first_name, *last_name;
    const char *country_code, *mobile; /* "+91", "9876543210" or both NULL */
    const char *password_hash;         /* PHC string or NULL */
    bool force_password_change;
    bool active; /* status == "active" (else "disabled") */
    int failed_attempts;
    int64_t locked_until; /* 0 = not locked */
    bool mfa_enabled;
    int64_t created_at, updated_at;
} identity;

typedef struct membership {
    char id[37];
    char tenant_id[64];
    char identity_id[37];
    const char *username;       /* or NULL */
    char status[16];            /* "active", "invited" or "archived" */
    int64_t access_valid_until; /* 0 = none */
    const char *shown_email, *shown_mobile, *shown_country_code;
    int64_t created_at, updated_at;
} membership;

/* ---- identities: 1 found, 0 not found, -1 error ---- */
int identity_get(db_conn *c, arena *a, const char *id, identity *out, err *e);
/* email is compared case-insensitively (stored email_norm = Unicode lower-case). */
int identity_find_by_email(db_conn *c, arena *a, const char *email, identity *out, err *e);
int identity_find_by_mobile(db_conn *c, arena *a, const char *country_code, const char *mobile,
                            identity *out, err *e);
/* Inserts `in` (id, email, names, mobile pair, password_hash; created now). */
int identity_insert(db_conn *c, const identity *in, err *e);
/* Sets the password hash; clears the forced-change flag when clear_force. */
int identity_set_password(db_conn *c, const char *id, const char *hash, bool clear_force, err *e);
int identity_set_email_verified(db_conn *c, const char *id, err *e);
/* status "active" or "disabled" (the operator's `authrs user disable|enable`). */
int identity_set_status(db_conn *c, const char *id, const char *status, err *e);
/* Sets the forced-change flag (the operator's `user create --force-password-change`). */
int identity_require_password_change(db_conn *c, const char *id, err *e);
/* Counts one failed password (API.md 4.2): a lock that has expired restarts
 * the counter; the failure that reaches max_attempts locks for lock_minutes. */
int identity_record_failure(db_conn *c, const char *id, int max_attempts, int lock_minutes, err *e);
int identity_clear_failures(db_conn *c, const char *id, err *e);
/* 1 when identity is locked at `now`. */
bool identity_locked(const identity *id, int64_t now);
/* Ids of the tenants where the identity has an active membership, in id
 * order, as a NULL-terminated arena array. */
int identity_active_tenants(db_conn *c, arena *a, const char *identity_id, char ***out, err *e);
/* Whether any identity has this email (case-insensitive) / mobile pair. */
int identity_email_taken(db_conn *c, const char *email, err *e);
int identity_mobile_taken(db_conn *c, const char *country_code, const char *mobile, err *e);

/* ---- memberships: 1 found, 0 not found, -1 error ---- */
int membership_get(db_conn *c, arena *a, const char *id, membership *out, err *e);
int membership_find(db_conn *c, arena *a, const char *tenant_id, const char *identity_id,
                    membership *out, err *e);
int membership_find_by_username(db_conn *c, arena *a, const char *tenant_id, const char *username,
                                membership *out, err *e);
/* The membership in tenant_id whose identity email equals email case-insensitively. */
int membership_find_by_email(db_conn *c, arena *a, const char *tenant_id, const char *email,
                             membership *out, err *e);
/* Inserts an active membership without username; fills out (id, times). */
int membership_insert_active(db_conn *c, const char *tenant_id, const char *identity_id,
                             membership *out, err *e);
/* invited -> active, updatedAt now. */
int membership_activate(db_conn *c, const char *id, err *e);
int username_taken(db_conn *c, const char *tenant_id, const char *username, err *e);

/* The SSO tenant list (3.6): {"tenantId","status"} of the identity's active
 * memberships in active tenants, oldest first. Returns a new JSON array. */
json_t *identity_tenant_list(db_conn *c, const char *identity_id, err *e);

/* Effective role uids and permission names of a membership (1.10), each
 * sorted and distinct, as new JSON arrays of strings. */
int membership_roles_permissions(db_conn *c, const char *membership_id, json_t **roles,
                                 json_t **permissions, err *e);

/* The User object of 1.11 (with the invited-membership masking). New reference. */
json_t *user_json(const identity *id, const membership *m);

#endif
