/* policy_cache.h - the compiled authorization state of each tenant, cached
 * per process: the compiled policy (authz/engine.h) plus the role graph and
 * group-role links needed to compute a member's effective roles.
 *
 * Freshness: every write to a tenant's roles, groups, links or documents
 * bumps the tenant's row in authz_versions inside its transaction
 * (authz_changed). A lookup reads that version (one indexed query) and
 * recompiles when it moved, so a change is seen by the next request on every
 * node and process.
 *
 * Global state: the cache, a list of tenant_authz guarded by one mutex.
 * Each tenant_authz is immutable and reference counted; a replaced entry is
 * freed when its last user releases it.
 */
#ifndef AUTHRS_AUTHZ_POLICY_CACHE_H
#define AUTHRS_AUTHZ_POLICY_CACHE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "authz/document.h"
#include "authz/engine.h"
#include "store/db.h"
#include "store/permissions.h"
#include "util/arena.h"

typedef struct tenant_authz tenant_authz;
struct tenant_authz {
    char tenant_id[64];
    int64_t version;
    arena *a;             /* owns data and everything below */
    authz_data data;      /* roles and groups sorted by id */
    authz_policy *policy; /* one reference */
    int refs;             /* guarded by the cache mutex */
    tenant_authz *next;
};

/* A current tenant_authz with a reference; release it when done. */
int tenant_authz_get(db_conn *c, const char *tenant_id, tenant_authz **out, err *e);
void tenant_authz_release(tenant_authz *t);

/* Current uid of a role / group id (NULL when gone): authz_names callbacks
 * whose ctx is a tenant_authz. */
const char *tenant_authz_role_uid(void *t, const char *role_id);
const char *tenant_authz_group_uid(void *t, const char *group_id);
authz_names tenant_authz_names(tenant_authz *t);

/* Writers: begin a transaction; commit it after bumping the tenant's
 * version and the cross-process cache epoch (sessions report current roles
 * and permissions, 4.4); rollback on failure. */
int authz_write_begin(db_conn *c, err *e);
int authz_write_commit(db_conn *c, const char *tenant_id, err *e);
/* Bumps only (for callers that manage their own transaction). */
int authz_changed(db_conn *c, const char *tenant_id, err *e);

/* A member as a subject of decisions. */
typedef struct authz_member {
    const char *id;
    const char **role_ids; /* effective */
    size_t n_roles;
    const char **group_ids;
    size_t n_groups;
    json_t *attrs; /* owned: authz_member_free */
} authz_member;

/* Loads the membership `member_id` of the tenant: 1, 0 not a member, -1.
 * Arrays come from a. */
int authz_member_load(db_conn *c, arena *a, const tenant_authz *t, const char *member_id,
                      authz_member *out, err *e);
void authz_member_free(authz_member *m);

#endif
