/* groups.h - a tenant's groups (API.md 3.13): creation with the uid slug,
 * lists, deletion (links and the principals that name the group), and
 * membership links. Writes run inside the caller's transaction. */
#ifndef AUTHRS_STORE_GROUPS_H
#define AUTHRS_STORE_GROUPS_H

#include <jansson.h>

#include "query/rsql.h"
#include "store/db.h"
#include "store/listing.h"
#include "util/arena.h"

typedef struct group_row {
    char id[37];
    const char *name, *uid, *description; /* description may be NULL */
} group_row;

extern const rsql_table groups_rsql;

json_t *group_json(const group_row *g); /* new reference */
/* 1 found in the tenant, 0 not, -1 error. */
int group_get(db_conn *c, arena *a, const char *tenant_id, const char *id, group_row *out, err *e);
/* Same with 404 "Group not found". */
int group_must(db_conn *c, arena *a, const char *tenant_id, const char *id, group_row *out, err *e);
/* POST /admin/groups rules (name, description, uid conflict). */
int group_create(db_conn *c, arena *a, const char *tenant_id, const char *name,
                 const char *description, group_row *out, err *e);
int groups_list(db_conn *c, arena *a, const char *tenant_id, const list_spec *spec, json_t *out,
                err *e);
/* Groups of a membership ordered by name. */
int groups_of_user(db_conn *c, arena *a, const char *membership_id, json_t *out, err *e);
int group_delete(db_conn *c, arena *a, const char *tenant_id, const char *id, err *e);
/* Idempotent add; remove gives 404 "User is not a member of this group". */
int group_member_add(db_conn *c, const char *group_id, const char *membership_id, err *e);
int group_member_remove(db_conn *c, const char *group_id, const char *membership_id, err *e);

#endif
