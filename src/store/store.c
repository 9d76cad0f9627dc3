/* store.c - opening the store, health ping and the cache epoch (see store.h).
 * Global state: store_db, the pool; set once by store_open(). */
#include "store/store.h"

#include <stdlib.h>

#include "config.h"
#include "store/migrate.h"

db *store_db;

int store_open(int pool_size, err *e)
{
    if (!cfg.db_is_postgres && config_ensure_kv_key())
        return err_internal(e, "no encryption key for the KV store");
    if (db_open(cfg.database_url, pool_size, &store_db, e)) return -1;
    if (migrate_apply(store_db, e) < 0) {
        store_close();
        return -1;
    }
    return 0;
}

void store_close(void)
{
    db_close(store_db);
    store_db = NULL;
}

int store_ping(err *e)
{
    return db_ping(store_db, 2000, e);
}

int store_bump_cache_epoch(db_conn *c, err *e)
{
    return db_exec(c, e,
                   "UPDATE meta SET value = CAST(CAST(value AS BIGINT) + 1 AS TEXT)"
                   " WHERE key = 'cache_epoch'",
                   NULL) < 0
               ? -1
               : 0;
}

int64_t store_cache_epoch(db_conn *c, err *e)
{
    db_stmt *st = db_query(c, e, "SELECT value FROM meta WHERE key = 'cache_epoch'", NULL);
    if (!st) return -1;
    int64_t v = -1;
    if (db_step(st, e) == 1) v = atoll(db_col_text(st, 0));
    db_done(st);
    return v;
}

int store_bump_authz_version(db_conn *c, const char *tenant_id, err *e)
{
    return db_exec(c, e,
                   "INSERT INTO authz_versions (tenant_id, version) VALUES ($1, 1)"
                   " ON CONFLICT (tenant_id) DO UPDATE SET version = authz_versions.version + 1",
                   "s", tenant_id) < 0
               ? -1
               : 0;
}

int64_t store_authz_stamp(db_conn *c, const char *tenant_id, err *e)
{
    db_stmt *st = db_query(c, e,
                           "SELECT (SELECT version FROM authz_versions WHERE tenant_id = $1),"
                           " (SELECT value FROM meta WHERE key = 'cache_epoch')",
                           "s", tenant_id);
    if (!st) return -1;
    int rc = db_step(st, e);
    int64_t v = 0;
    if (rc == 1) {
        const char *epoch = db_col_text(st, 1);
        v = (db_col_int(st, 0) << 32) ^ (epoch ? strtoll(epoch, NULL, 10) : 0);
    }
    db_done(st);
    return rc < 0 ? -1 : v;
}
