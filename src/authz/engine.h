/* engine.h - the compiled authorization index of one tenant and its
 * evaluator (API.md 3.14 "Evaluation"), with Cedar semantics: default deny,
 * any applicable Deny wins, a condition that errors makes its statement not
 * apply.
 *
 * An authz_policy is immutable once compiled, so any number of threads may
 * evaluate against it at once. It is reference counted (atomically): whoever
 * swaps a tenant's policy on change keeps evaluations that already hold the
 * old one safe.
 */
#ifndef AUTHRS_AUTHZ_ENGINE_H
#define AUTHRS_AUTHZ_ENGINE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

/* One permission as stored: the document is in stored form (document.h). */
typedef struct authz_permission {
    const char *id;
    const char *name;
    const json_t *document;
    const char *const *role_ids; /* roles the permission is attached to */
    size_t n_role_ids;
} authz_permission;

typedef struct authz_policy authz_policy;

/* Compiles a tenant's permissions (borrowed; everything needed is copied).
 * Returns a policy with one reference, or NULL with ERR_INTERNAL when a
 * stored document is malformed. */
authz_policy *authz_compile(const authz_permission *perms, size_t n, err *e);
authz_policy *authz_policy_ref(authz_policy *p);
void authz_policy_unref(authz_policy *p); /* frees on the last reference; NULL is fine */

/* The member a decision is about. Strings and arrays are borrowed. */
typedef struct authz_subject {
    const char *member_id;       /* membership id */
    const char *const *role_ids; /* effective roles: direct, via groups, and ancestors */
    size_t n_role_ids;
    const char *const *group_ids; /* groups the member is in */
    size_t n_group_ids;
    const json_t *attrs; /* principal attributes: email, username, status, ... */
} authz_subject;

/* A subject resolved against one policy, reusable for many decisions. Owns
 * heap memory: release with authz_principal_free. Borrows attrs and the
 * policy, which must outlive it. */
typedef struct authz_principal {
    const authz_policy *policy;
    const json_t *attrs;
    int user;         /* interned membership id, -1 when no statement names it */
    uint64_t *roles;  /* bitset over the policy's interned role ids */
    uint64_t *groups; /* bitset over the policy's interned group ids */
} authz_principal;

void authz_principal_init(authz_principal *pr, const authz_policy *p, const authz_subject *s);
void authz_principal_free(authz_principal *pr);

/* An applicable statement, for `explain`. Strings point into the policy. */
typedef struct authz_match {
    const char *permission_id;
    const char *permission;
    const char *sid;
    bool allow;
} authz_match;

typedef struct authz_matches {
    authz_match *items; /* heap; authz_matches_free */
    size_t len, cap;
} authz_matches;

void authz_matches_free(authz_matches *m);

/* The decision for (principal, action, resource, context). context NULL
 * means {}. When `explain` is not NULL the applicable statements are
 * appended to it, ordered by permission name and then statement position. */
bool authz_check(const authz_principal *pr, const char *action, const char *resource,
                 const json_t *context, authz_matches *explain);

/* The context rule of the check route: a JSON object (or NULL, meaning {})
 * holding only strings, integers, booleans, arrays and objects, at any
 * depth. (Integers outside the signed 64-bit range never reach jansson
 * values: the body parser refuses them.) */
bool authz_context_valid(const json_t *context);

/* Counts of the compiled index (for logs and tests). */
size_t authz_policy_statements(const authz_policy *p);

#endif
