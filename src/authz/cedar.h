/* cedar.h - Cedar forms of authrs data (API.md 3.14 "Cedar rendering"): the
 * policy text of a permission, and the entities of a request, so that the
 * official Cedar engine can be fed exactly what authrs decides on. */
#ifndef AUTHRS_AUTHZ_CEDAR_H
#define AUTHRS_AUTHZ_CEDAR_H

#include <jansson.h>
#include <stddef.h>

#include "authz/document.h"
#include "util/strbuf.h"

/* Appends s as a Cedar string literal, quotes included. */
void authz_cedar_string(strbuf *out, const char *s);

/* Appends the Cedar text of one permission: `name`, its stored document,
 * the uids of the roles it is attached to, and `names` to render role and
 * group principals with their current uids. */
void authz_cedar_permission(strbuf *out, const char *name, const json_t *stored,
                            const char *const *attached_role_uids, size_t n_attached,
                            const authz_names *names);

/* A role of the tenant, by uid, with its parent's uid (NULL for a root). */
typedef struct authz_cedar_role {
    const char *uid;
    const char *parent_uid;
} authz_cedar_role;

/* A group the member is in, with the uids of the roles assigned to it. */
typedef struct authz_cedar_group {
    const char *uid;
    const char *const *role_uids;
    size_t n_role_uids;
} authz_cedar_group;

/* The data of one request, all borrowed. `roles` must hold at least every
 * role reachable from the member (direct, through groups, ancestors). */
typedef struct authz_cedar_request {
    const char *member_id;
    const char *const *direct_role_uids;
    size_t n_direct_role_uids;
    const authz_cedar_group *groups;
    size_t n_groups;
    const authz_cedar_role *roles;
    size_t n_roles;
    const json_t *attrs; /* principal attributes */
    const char *action;
    const char *resource;
} authz_cedar_request;

/* Returns a new JSON array (caller owns it) in Cedar's entities format:
 * the User, its roles and groups, the resource's segments and the action
 * with its prefix parents. */
json_t *authz_cedar_entities(const authz_cedar_request *r);

#endif
