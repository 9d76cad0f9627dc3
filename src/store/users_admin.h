/* users_admin.h - the member administration of API.md 3.11 that the identity
 * store (store/identities.h) does not already offer: the users lists with
 * RSQL (1.13, on the values an invited member's User shows), admin creation
 * with invited memberships, archive, admin password reset, access validity
 * and the MFA reset. Sessions and tokens are revoked through auth/session.h
 * and store/tokens.h. */
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

/* POST /admin/users input: raw body strings (NULL when absent). */
typedef struct admin_user_input {
    const char *first_name, *last_name, *email, *username, *mobile, *country_code;
    const char *password, *retype;
} admin_user_input;

/* The whole of POST /admin/users (3.11 steps 1-6), invite included; *user is
 * a new User object. */
int admin_user_create(db_conn *c, arena *a, const tenant *t, const admin_user_input *in,
                      json_t **user, err *e);

/* 3.11 archive / reset-password / access-validity / mfa reset, after the
 * route's own earlier checks. */
int admin_user_archive(db_conn *c, arena *a, const char *tenant_id, const char *id, err *e);
int admin_user_reset_password(db_conn *c, arena *a, const char *tenant_id, const char *id,
                              const char *password, const char *retype, bool force, err *e);
int admin_user_set_access(db_conn *c, arena *a, const char *tenant_id, const char *id,
                          int64_t valid_until /* 0 = none */, err *e);
int admin_user_mfa_reset(db_conn *c, arena *a, const char *tenant_id, const char *id, err *e);

/* A member's direct links: assigned role ids and the groups it is in (arena arrays). */
typedef struct member_links {
    const char **role_ids, **group_ids;
    size_t n_roles, n_groups;
} member_links;
int admin_member_links(db_conn *c, arena *a, const char *member_id, member_links *out, err *e);

#endif
