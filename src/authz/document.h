/* document.h - permission documents (API.md 3.14): validation of the wire
 * form, principal resolution into the stored form, rendering back to the
 * wire form, and removal of principals that name a deleted role or group.
 *
 * Wire form:   principals "*", "role:<uid or name>", "user:<uuid|email|username>",
 *              "group:<uid>"; effect any case; sid and conditions optional.
 * Stored form: the same document with principals "*", "role:<role id>",
 *              "user:<membership id>", "group:<group id>", every sid set,
 *              effect "Allow"/"Deny", conditions always present. Every other
 *              module of authz/ reads only the stored form.
 */
#ifndef AUTHRS_AUTHZ_DOCUMENT_H
#define AUTHRS_AUTHZ_DOCUMENT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "util/err.h"

#define AUTHZ_ID_MAX   64  /* internal ids are UUIDs; room to spare */
#define AUTHZ_NAME_MAX 128 /* action names, resource segment ids */

typedef enum {
    AUTHZ_OP_EQ,
    AUTHZ_OP_NEQ,
    AUTHZ_OP_GT,
    AUTHZ_OP_GTE,
    AUTHZ_OP_LT,
    AUTHZ_OP_LTE,
    AUTHZ_OP_IN,
    AUTHZ_OP_CONTAINS,
    AUTHZ_OP_STARTS_WITH,
    AUTHZ_OP_EXISTS,
} authz_op;

/* "eq" -> AUTHZ_OP_EQ ...; -1 for an unknown operator. */
int authz_op_parse(const char *s);

/* Looks up the internal id of a principal value (the text after the first
 * ':', as sent). Each callback writes the id (NUL-terminated, shorter than
 * AUTHZ_ID_MAX) to out and returns 1 when found, 0 when not found, or -1 on a
 * failure of its own, with e filled.
 *   role:  uid match first, then exact name -> role id
 *   user:  membership UUID, then email (case-insensitive), then username -> membership id
 *   group: uid -> group id */
typedef int (*authz_lookup_fn)(void *ctx, const char *ref, char out[AUTHZ_ID_MAX], err *e);
typedef struct authz_resolver {
    void *ctx;
    authz_lookup_fn role, user, group;
} authz_resolver;

/* Maps internal ids back to current uids. Each returns a string that stays
 * valid until the call that received the authz_names returns, or NULL when
 * the id no longer exists (the principal is then left out). */
typedef struct authz_names {
    void *ctx;
    const char *(*role_uid)(void *ctx, const char *role_id);
    const char *(*group_uid)(void *ctx, const char *group_id);
} authz_names;

/* Validates the wire document `doc`, found in the request body under the
 * field name `field` (used in 422 paths, e.g. "document"), and resolves its
 * principals. Errors, first problem only: ERR_VALIDATION for JSON shape
 * ("field 'document.statements[2].principals' must be an array of strings"),
 * then ERR_BAD_REQUEST for rules ("Invalid permission document:
 * statements[0].effect: must be Allow or Deny", "Invalid principal format:
 * x", "Unknown principal prefix: x"), then ERR_BAD_REQUEST for resolution
 * ("Role not found: x", ...), or whatever a resolver callback reports.
 * Returns a new stored document (the caller owns the reference) or NULL. */
json_t *authz_document_parse(const json_t *doc, const char *field, const authz_resolver *r, err *e);

/* Returns a new wire-form document (caller owns it) for a stored one, with
 * role and group principals written with their current uid. */
json_t *authz_document_render(const json_t *stored, const authz_names *names);

/* Removes every principal equal to `stored_principal` (e.g. "role:<id>")
 * from a stored document, in place. Returns the number removed. */
size_t authz_document_drop_principal(json_t *stored, const char *stored_principal);

/* The shared lexical rules, also used by the check route and package sync. */
bool authz_action_name_valid(const char *s);    /* ^[A-Za-z0-9_.:-]{1,128}$ */
bool authz_action_pattern_valid(const char *s); /* a name, optionally ending in one '*'; or "*" */
bool authz_resource_valid(const char *s);       /* a concrete 1-4 segment path (not "*") */

#endif
