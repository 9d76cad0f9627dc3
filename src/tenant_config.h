/* tenant_config.h - the reserved KV groups of API.md 1.16: which groups are
 * reserved and which are secret, validation of a value on PUT, and a short
 * per-process cache of plain configuration values that a PUT or DELETE of
 * the tenant evicts (other processes drop entries after TENANT_CONFIG_TTL_US).
 *
 * Global state: the cache (a small table guarded by one mutex); its strings
 * are heap-owned by the cache, readers get arena copies.
 */
#ifndef AUTHRS_TENANT_CONFIG_H
#define AUTHRS_TENANT_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "store/db.h"
#include "util/arena.h"
#include "util/err.h"

#define TENANT_CONFIG_TTL_US (1000 * 1000) /* one second */

bool tenant_config_reserved(const char *group);
bool tenant_config_secret(const char *group); /* oauth, smtp, sms, whatsapp */

/* Validates `value` for a reserved group/key: 0, or -1 with
 * 400 "Invalid value for <group>/<key>: <detail>". Non-reserved groups pass. */
int tenant_config_validate(const char *group, const char *key, const char *value, err *e);

/* A plain (non-secret) entry through the cache: 1 found (arena copy), 0 absent, -1. */
int tenant_config_read(db_conn *c, arena *a, const char *tenant_id, const char *group,
                       const char *key, const char **value, err *e);
/* Drops every cached entry of the tenant (after a KV write). */
void tenant_config_evict(const char *tenant_id);

/* Typed readers of the groups the sign-in code of other issues reads through
 * this module (defaults when absent). */
typedef struct otp_policy {
    int ttl_secs;     /* 600 */
    int max_attempts; /* 5 */
} otp_policy;
int tenant_otp_policy(db_conn *c, arena *a, const char *tenant_id, otp_policy *out, err *e);
/* mfa/default issuer, or NULL (the caller falls back to the tenant name). */
int tenant_mfa_issuer(db_conn *c, arena *a, const char *tenant_id, const char **out, err *e);

#endif
