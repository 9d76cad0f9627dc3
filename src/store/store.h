/* store.h - the process's database pool and the store entry points shared by
 * every area. Each area keeps its queries in its own file (store/tenants.c,
 * store/identities.c, ...), declared in its own header.
 * Global state: `store_db`, the pool opened by store_open(). */
#ifndef AUTHRS_STORE_H
#define AUTHRS_STORE_H

#include "store/db.h"

extern db *store_db;

/* Opens the pool for cfg.database_url and applies pending migrations. */
int store_open(int pool_size, err *e);
void store_close(void);

/* A small read for /health; -1 when the store does not answer within 2 s. */
int store_ping(err *e);

/* Cross-node cache invalidation: writers bump the epoch; cache owners poll it. */
int store_bump_cache_epoch(db_conn *c, err *e);
int64_t store_cache_epoch(db_conn *c, err *e);

/* Per-tenant authorization version (roles, groups, links, documents): writers
 * bump it in their transaction; the stamp combines it with the cache epoch,
 * so it moves whenever the tenant's compiled policy may be stale. */
int store_bump_authz_version(db_conn *c, const char *tenant_id, err *e);
int64_t store_authz_stamp(db_conn *c, const char *tenant_id, err *e);

#endif
