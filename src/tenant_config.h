/* tenant_config.h - the reserved KV groups of API.md 1.16: which groups are
 * reserved, validation of a value on PUT, and a per-process cache of plain
 * configuration values that a PUT or DELETE of the tenant evicts here, and
 * that a change of the cross-process cache epoch (another node's write)
 * empties within the session service's poll interval (500 ms); entries also
 * expire after TENANT_CONFIG_TTL_US as a backstop.
 *
 * Global state: the cache (a small table guarded by one mutex); its strings
 * are heap-owned by the cache, readers get arena copies.
 */
#ifndef AUTHRS_TENANT_CONFIG_H
#define AUTHRS_TENANT_CONFIG_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "store/db.h"
#include "util/arena.h"
#include "util/err.h"

#define TENANT_CONFIG_TTL_US (60 * 1000 * 1000) /* a backstop; eviction is explicit */

bool tenant_config_reserved(const char *group);

/* Validates `value` for a reserved group/key: 0, or -1 with
 * 400 "Invalid value for <group>/<key>: <detail>". Non-reserved groups pass. */
int tenant_config_validate(const char *group, const char *key, const char *value, err *e);

/* A tenant's configuration value: 1 found (arena copy), 0 absent, -1. Plain
 * groups come through the cache; secret groups are opened from the store on
 * every read and never cached. */
int tenant_config_read(db_conn *c, arena *a, const char *tenant_id, const char *group,
                       const char *key, const char **value, err *e);
/* PUT /admin/kv_store/{groupKey}/{key}: size and reserved-group validation,
 * then the write, then eviction here and of the session cache; *out is the
 * masked KvEntry. */
int tenant_config_put(db_conn *c, const char *tenant_id, const char *group, const char *key,
                      const char *value, json_t **out, err *e);
int tenant_config_delete(db_conn *c, const char *tenant_id, const char *group, const char *key,
                         err *e);

/* Drops every cached entry of the tenant (after a KV write). */
void tenant_config_evict(const char *tenant_id);
/* Drops everything: another process or node changed the store (the session
 * service's cache-epoch poll calls it). */
void tenant_config_evict_all(void);

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
