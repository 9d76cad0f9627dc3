/* kv.h - storage of the per-tenant KV store (API.md 3.16, 4.6): entries are
 * strings; secret groups are sealed with AES-256-GCM under
 * KV_STORE_ENCRYPTION_KEY and always read back as "********" on the wire.
 * Validation of reserved groups and the read cache live in tenant_config.h. */
#ifndef AUTHRS_STORE_KV_H
#define AUTHRS_STORE_KV_H

#include <jansson.h>
#include <stdbool.h>

#include "store/db.h"
#include "util/arena.h"

#define KV_MASK      "********"
#define KV_VALUE_MAX 65536

/* oauth, smtp, sms and whatsapp: sealed at rest, masked on the wire. */
bool kv_group_secret(const char *group);

/* Appends the masked KvEntry objects of the tenant, by group then key. */
int kv_list(db_conn *c, const char *tenant_id, json_t *out, err *e);
/* The masked KvEntry; 404 "Key not found". */
int kv_get(db_conn *c, const char *tenant_id, const char *group, const char *key, json_t **out,
           err *e);
/* Seals secret groups and upserts; *out is the masked KvEntry. */
int kv_put(db_conn *c, const char *tenant_id, const char *group, const char *key, const char *value,
           json_t **out, err *e);
int kv_delete(db_conn *c, const char *tenant_id, const char *group, const char *key, err *e);
/* The plain value (opened when sealed) for internal readers: 1, 0 absent, -1. */
int kv_read(db_conn *c, arena *a, const char *tenant_id, const char *group, const char *key,
            const char **value, err *e);

#endif
