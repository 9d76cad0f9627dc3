/* admin_users.h - the member administration of API.md 3.11 (the rules; the
 * queries are in store/users_admin.h). */
#ifndef AUTHRS_ADMIN_USERS_H
#define AUTHRS_ADMIN_USERS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "store/tenants.h"
#include "store/users_admin.h"
#include "util/arena.h"

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

#endif
