/* permissions.h - permission rows (API.md 3.14): creation with document
 * validation and principal resolution (authz/document.h), overwrite, lists,
 * deletion, attachment to roles, and the loading of a tenant's whole
 * authorization data for the compiled-policy cache (authz/policy_cache.h).
 * Writes run inside the caller's transaction. */
#ifndef AUTHRS_STORE_PERMISSIONS_H
#define AUTHRS_STORE_PERMISSIONS_H

#include <jansson.h>
#include <stdbool.h>

#include "query/rsql.h"
#include "store/db.h"
#include "store/listing.h"
#include "util/arena.h"

typedef struct permission_row {
    char id[37];
    const char *name, *description; /* description may be NULL */
    const char *document;           /* stored form, JSON text */
} permission_row;

extern const rsql_table permissions_rsql;

/* 1 found in the tenant, 0 not, -1; and the 404 "Permission not found" form. */
int permission_get(db_conn *c, arena *a, const char *tenant_id, const char *id, permission_row *out,
                   err *e);
int permission_must(db_conn *c, arena *a, const char *tenant_id, const char *id,
                    permission_row *out, err *e);

/* POST /admin/permissions steps 1-3 and the write; `doc` is the wire document
 * of the body field "document". Fills *out (arena strings). */
int permission_create(db_conn *c, arena *a, const char *tenant_id, const char *name,
                      const char *description, const json_t *doc, bool overwrite,
                      permission_row *out, err *e);

/* Calls fn for each row of the list / of a role's attachments (by name). */
typedef int (*permission_fn)(const permission_row *p, void *ctx);
int permissions_list(db_conn *c, arena *a, const char *tenant_id, const list_spec *spec,
                     permission_fn fn, void *ctx, err *e);
int permissions_of_role(db_conn *c, arena *a, const char *role_id, permission_fn fn, void *ctx,
                        err *e);
/* Uids of the roles a permission is attached to, as a NULL-terminated arena array. */
int permission_role_uids(db_conn *c, arena *a, const char *permission_id, const char ***out,
                         size_t *n, err *e);

int permission_delete(db_conn *c, arena *a, const char *tenant_id, const char *id, err *e);
/* Role and permission must exist in the tenant (404s of 3.12). */
int permission_attach(db_conn *c, arena *a, const char *tenant_id, const char *role_id,
                      const char *permission_id, err *e);
int permission_detach(db_conn *c, arena *a, const char *tenant_id, const char *role_id,
                      const char *permission_id, err *e);

/* A tenant's authorization data, arena-allocated. */
typedef struct authz_data_role {
    const char *id, *uid, *parent_id; /* parent_id NULL for a root */
} authz_data_role;
typedef struct authz_data_group {
    const char *id, *uid;
    const char **role_ids;
    size_t n_role_ids;
} authz_data_group;
typedef struct authz_data_perm {
    const char *id, *name, *document;
    const char **role_ids;
    size_t n_role_ids;
} authz_data_perm;
typedef struct authz_data {
    authz_data_role *roles; /* sorted by id */
    size_t n_roles;
    authz_data_group *groups; /* sorted by id */
    size_t n_groups;
    authz_data_perm *perms; /* by name */
    size_t n_perms;
} authz_data;

int authz_data_load(db_conn *c, arena *a, const char *tenant_id, authz_data *out, err *e);

#endif
