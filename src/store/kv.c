/* kv.c - KV entries, sealing and masking (see kv.h). */
#include "store/kv.h"

#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "util/secretbox.h"
#include "util/timeutil.h"

bool kv_group_secret(const char *group)
{
    static const char *const secret[] = {"oauth", "smtp", "sms", "whatsapp"};
    for (size_t i = 0; i < sizeof secret / sizeof secret[0]; i++)
        if (strcmp(group, secret[i]) == 0) return true;
    return false;
}

static json_t *entry(const char *group, const char *key, const char *value)
{
    return json_pack("{s:s, s:s, s:s}", "groupKey", group, "key", key, "value",
                     kv_group_secret(group) ? KV_MASK : value);
}

int kv_list(db_conn *c, const char *tenant_id, json_t *out, err *e)
{
    db_stmt *st = db_query(c, e,
                           "SELECT group_key, key, value FROM kv_store WHERE tenant_id = $1"
                           " ORDER BY group_key, key",
                           "s", tenant_id);
    if (!st) return -1;
    int rc;
    while ((rc = db_step(st, e)) == 1)
        json_array_append_new(out,
                              entry(db_col_text(st, 0), db_col_text(st, 1), db_col_text(st, 2)));
    db_done(st);
    return rc < 0 ? -1 : 0;
}

int kv_get(db_conn *c, const char *tenant_id, const char *group, const char *key, json_t **out,
           err *e)
{
    db_stmt *st = db_query(c, e,
                           "SELECT value FROM kv_store WHERE tenant_id = $1 AND group_key = $2"
                           " AND key = $3",
                           "sss", tenant_id, group, key);
    if (!st) return -1;
    int rc = db_step(st, e);
    if (rc == 1) *out = entry(group, key, db_col_text(st, 0));
    db_done(st);
    if (rc == 0) return err_set(e, ERR_NOT_FOUND, "Key not found");
    return rc < 0 ? -1 : 0;
}

static const char *seal_context(arena *a, const char *tenant_id, const char *group, const char *key)
{
    return arena_printf(a, "kv:%s/%s/%s", tenant_id, group, key);
}

int kv_put(db_conn *c, const char *tenant_id, const char *group, const char *key, const char *value,
           json_t **out, err *e)
{
    bool secret = kv_group_secret(group);
    char *sealed = NULL;
    if (secret) {
        secretbox_key k;
        secretbox_key_init(&k, cfg.kv_key);
        arena *a = arena_new(256);
        int rc = secretbox_seal(&k, seal_context(a, tenant_id, group, key), value, strlen(value),
                                &sealed, e);
        arena_free(a);
        secretbox_key_wipe(&k);
        if (rc) return -1;
    }
    long n =
        db_exec(c, e,
                "INSERT INTO kv_store (tenant_id, group_key, key, value, encrypted, updated_at)"
                " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (tenant_id, group_key, key)"
                " DO UPDATE SET value = excluded.value, encrypted = excluded.encrypted,"
                " updated_at = excluded.updated_at",
                "ssssbi", tenant_id, group, key, secret ? sealed : value, secret, now_us());
    free(sealed);
    if (n < 0) return -1;
    *out = entry(group, key, value);
    return 0;
}

int kv_delete(db_conn *c, const char *tenant_id, const char *group, const char *key, err *e)
{
    long n =
        db_exec(c, e, "DELETE FROM kv_store WHERE tenant_id = $1 AND group_key = $2 AND key = $3",
                "sss", tenant_id, group, key);
    if (n < 0) return -1;
    if (n == 0) return err_set(e, ERR_NOT_FOUND, "Key not found");
    return 0;
}

int kv_read(db_conn *c, arena *a, const char *tenant_id, const char *group, const char *key,
            const char **value, err *e)
{
    db_stmt *st = db_query(c, e,
                           "SELECT value, encrypted FROM kv_store WHERE tenant_id = $1"
                           " AND group_key = $2 AND key = $3",
                           "sss", tenant_id, group, key);
    if (!st) return -1;
    int rc = db_step(st, e);
    const char *v = rc == 1 ? arena_strdup(a, db_col_text(st, 0)) : NULL;
    bool sealed = rc == 1 && db_col_int(st, 1) != 0;
    db_done(st);
    if (rc != 1) return rc;
    if (sealed) {
        secretbox_key k;
        secretbox_key_init(&k, cfg.kv_key);
        char *plain = NULL;
        int r = secretbox_open(&k, seal_context(a, tenant_id, group, key), v, &plain, NULL, e);
        secretbox_key_wipe(&k);
        if (r) return -1;
        v = arena_strdup(a, plain);
        free(plain);
    }
    *value = v;
    return 1;
}
