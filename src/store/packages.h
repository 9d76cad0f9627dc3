/* packages.h - a tenant's package registry (API.md 3.15): replacing one
 * package's tables and actions, and reading the whole registry. */
#ifndef AUTHRS_STORE_PACKAGES_H
#define AUTHRS_STORE_PACKAGES_H

#include "authz/packages.h"
#include "store/db.h"
#include "util/arena.h"

/* Replaces the package's tables and actions (in the caller's transaction). */
int packages_replace(db_conn *c, const char *tenant_id, const char *package_id,
                     const char *const *tables, size_t n_tables, const char *const *actions,
                     size_t n_actions, err *e);

/* Every package with tables or actions, sorted by packageId, tables and
 * actions in byte order; arena-allocated. */
int packages_load(db_conn *c, arena *a, const char *tenant_id, authz_package **out, size_t *n,
                  err *e);

#endif
