/* users_admin.h - member queries of API.md 3.11 that the identity store
 * (store/identities.h) does not already offer: the users lists with RSQL
 * (1.13, on the values an invited member's User shows), the lookups and
 * writes of admin creation, archive, password reset and access validity, and
 * a member's direct role and group links. The rules are in auth/admin_users.c. */
#ifndef AUTHRS_STORE_USERS_ADMIN_H
#define AUTHRS_STORE_USERS_ADMIN_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "query/rsql.h"
#include "store/db.h"
#include "store/identities.h"
#include "store/listing.h"
#include "store/tenants.h"
#include "util/arena.h"

extern const rsql_table users_rsql;         /* /admin/users, default -createdAt */
extern const rsql_table group_members_rsql; /* /admin/groups/{id}/users, join order */

/* The membership `id` of the tenant and its identity: 1, 0 not found, -1. */
int admin_user_get(db_conn *c, arena *a, const char *tenant_id, const char *id, identity *idn,
                   membership *m, err *e);
/* Same, with 404 "User not found" when absent. */
int admin_user_must(db_conn *c, arena *a, const char *tenant_id, const char *id, identity *idn,
                    membership *m, err *e);

/* Appends the User objects of the tenant (archived ones only with include_archived). */
int users_list(db_conn *c, arena *a, const char *tenant_id, bool include_archived,
               const list_spec *spec, json_t *out, err *e);
/* Appends the User objects of a group's members. */
int group_members_list(db_conn *c, arena *a, const char *group_id, const list_spec *spec,
                       json_t *out, err *e);

/* Queries of the member administration (rules in auth/admin_users.c). */
int member_with_email_exists(db_conn *c, const char *tenant_id, const char *email, err *e);
int member_with_mobile_exists(db_conn *c, const char *tenant_id, const char *cc, const char *mobile,
                              err *e);
/* 1 when the identity has a non-archived membership outside tenant_id. */
int identity_member_elsewhere(db_conn *c, const char *identity_id, const char *tenant_id, err *e);
/* Inserts a membership (invited: with the handles the admin typed) and fills *m. */
int membership_insert(db_conn *c, const char *tenant_id, const char *identity_id,
                      const char *username, bool invited, const char *shown_email,
                      const char *shown_mobile, const char *shown_cc, membership *m, err *e);
int membership_archive(db_conn *c, const char *id, err *e);
int membership_set_access(db_conn *c, const char *id, int64_t valid_until /* 0 = none */, err *e);
/* New hash, forced-change flag as given, failure counter and lock cleared. */
int identity_admin_set_password(db_conn *c, const char *id, const char *hash, bool force, err *e);

/* A member's direct links: assigned role ids and the groups it is in (arena arrays). */
typedef struct member_links {
    const char **role_ids, **group_ids;
    size_t n_roles, n_groups;
} member_links;
int admin_member_links(db_conn *c, arena *a, const char *member_id, member_links *out, err *e);

#endif
