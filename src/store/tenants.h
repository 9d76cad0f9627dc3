/* tenants.h - tenant rows and the tenant bootstrap (Admin role + authrs-admin
 * permission, API.md 1.14). */
#ifndef AUTHRS_STORE_TENANTS_H
#define AUTHRS_STORE_TENANTS_H

#include <stdbool.h>
#include <stdint.h>

#include "store/db.h"

struct tenant {
    char id[64];
    char name[256 * 4 + 1]; /* 255 code points */
    char status[16];        /* "active" or "suspended" */
    int64_t created_at;
};
typedef struct tenant tenant;

/* 1 found, 0 not found, -1 error. */
int tenant_get(db_conn *c, const char *id, tenant *out, err *e);
/* Creates the tenant; ERR_CONFLICT "Tenant already exists" / "A tenant with this name already
 * exists". */
int tenant_insert(db_conn *c, const char *id, const char *name, err *e);
int tenant_set_name(db_conn *c, const char *id, const char *name, err *e);
int tenant_set_status(db_conn *c, const char *id, const char *status, err *e);
/* Ensures the Admin role (uid admin) and the authrs-admin permission exist and are
 * attached, without overwriting a customised document. Fills admin_role_id. */
int tenant_bootstrap(db_conn *c, const char *tenant_id, char admin_role_id[37], err *e);
/* All tenants ordered by name; calls fn for each. */
int tenant_list(db_conn *c, int (*fn)(const tenant *t, void *ctx), void *ctx, err *e);

#endif
