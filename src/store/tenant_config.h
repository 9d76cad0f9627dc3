/* tenant_config.h - reads one plain (not secret) value of a tenant's KV
 * store: the reserved configuration groups of API.md 1.16 that the sign-in
 * code needs (session_policy, lockout_policy, login_methods, email_policy,
 * password_policy, rate_limits, frontend_config). Writing and validating KV
 * entries is the admin KV store's job. */
#ifndef AUTHRS_STORE_TENANT_CONFIG_H
#define AUTHRS_STORE_TENANT_CONFIG_H

#include "store/db.h"
#include "util/arena.h"

/* 1 found (value arena-allocated), 0 absent (or stored encrypted), -1 error. */
int tenant_config_get(db_conn *c, arena *a, const char *tenant_id, const char *group,
                      const char *key, const char **value, err *e);

#endif
