/* roles.h - a tenant's roles (API.md 3.12): the uid slug, creation, the
 * parent hierarchy with cycle rejection, ancestors, deletion (links and the
 * principals that name the role), and the user-role and group-role links.
 * Every write bumps the tenant's authorization version (authz/policy_cache.h)
 * inside the caller's transaction. Arena strings live as long as the arena. */
#ifndef AUTHRS_STORE_ROLES_H
#define AUTHRS_STORE_ROLES_H

#include <jansson.h>

#include "query/rsql.h"
#include "store/db.h"
#include "store/listing.h"
#include "util/arena.h"

typedef struct role_row {
    char id[37];
    const char *name, *uid;
    char parent_id[37]; /* "" for a root */
} role_row;

extern const rsql_table roles_rsql;

/* The uid slug of 3.12 (trim, lower-case, alphanumeric runs joined by '_'),
 * arena-allocated; "" when nothing is left. Shared by groups. */
char *admin_slug(arena *a, const char *name);

json_t *role_json(const role_row *r); /* new reference */

/* 1 found in the tenant, 0 not, -1 error. */
int role_get(db_conn *c, arena *a, const char *tenant_id, const char *id, role_row *out, err *e);
/* The id of the tenant's role with this uid: 1 found, 0 not, -1 error. */
int role_id_by_uid(db_conn *c, const char *tenant_id, const char *uid, char id[37], err *e);
/* The rules of POST /admin/roles (name checks, uid conflict, parent). */
int role_create(db_conn *c, arena *a, const char *tenant_id, const char *name,
                const char *parent_id, role_row *out, err *e);
/* Appends Role objects to `out`. */
int roles_list(db_conn *c, arena *a, const char *tenant_id, const list_spec *spec, json_t *out,
               err *e);
/* 404 Role not found; removes links and principals; children become roots. */
int role_delete(db_conn *c, arena *a, const char *tenant_id, const char *id, err *e);
/* The rules of PUT /admin/roles/{roleId}/parent; parent_id NULL makes a root. */
int role_set_parent(db_conn *c, arena *a, const char *tenant_id, const char *id,
                    const char *parent_id, err *e);
/* Ancestors root first, direct parent last (404 for an unknown role). */
int role_ancestors(db_conn *c, arena *a, const char *tenant_id, const char *id, json_t *out,
                   err *e);

/* Direct roles of a membership / of a group, ordered by name, as Role objects. */
int roles_of_user(db_conn *c, arena *a, const char *membership_id, json_t *out, err *e);
int roles_of_group(db_conn *c, arena *a, const char *group_id, json_t *out, err *e);

/* Links. Callers have checked that the user/group exists in the tenant; these
 * check the role (404 "Role not found") and the link itself. */
int user_role_assign(db_conn *c, arena *a, const char *tenant_id, const char *membership_id,
                     const char *role_id, err *e);
int user_role_remove(db_conn *c, arena *a, const char *tenant_id, const char *membership_id,
                     const char *role_id, err *e);
int group_role_assign(db_conn *c, arena *a, const char *tenant_id, const char *group_id,
                      const char *role_id, err *e);
int group_role_remove(db_conn *c, arena *a, const char *tenant_id, const char *group_id,
                      const char *role_id, err *e);

/* Removes the stored principal (e.g. "role:<id>") from every permission
 * document of the tenant. Shared with groups. */
int permissions_drop_principal(db_conn *c, const char *tenant_id, const char *principal, err *e);

#endif
