/* tenants.c - tenant queries and bootstrap (see tenants.h). */
#include "store/tenants.h"

#include <stdio.h>
#include <string.h>

#include "util/crypto.h"
#include "util/timeutil.h"

#define ADMIN_DOCUMENT                                                                             \
    "{\"version\":\"1.0\",\"statements\":[{\"sid\":\"AuthrsAdmin\",\"effect\":\"Allow\","          \
    "\"principals\":[\"*\"],\"actions\":[\"authrs:*\"],\"resources\":[\"service:authrs\"],"        \
    "\"conditions\":[]}]}"

static void copy(char *dst, size_t cap, const char *src)
{
    snprintf(dst, cap, "%s", src ? src : "");
}

int tenant_get(db_conn *c, const char *id, tenant *out, err *e)
{
    db_stmt *st =
        db_query(c, e, "SELECT id, name, status, created_at FROM tenants WHERE id = $1", "s", id);
    if (!st) return -1;
    int rc = db_step(st, e);
    if (rc == 1 && out) {
        copy(out->id, sizeof out->id, db_col_text(st, 0));
        copy(out->name, sizeof out->name, db_col_text(st, 1));
        copy(out->status, sizeof out->status, db_col_text(st, 2));
        out->created_at = db_col_int(st, 3);
    }
    db_done(st);
    return rc;
}

static int name_taken(db_conn *c, const char *name, const char *except_id, err *e)
{
    db_stmt *st = db_query(c, e, "SELECT id FROM tenants WHERE name = $1 AND id <> $2", "ss", name,
                           except_id);
    if (!st) return -1;
    int rc = db_step(st, e);
    db_done(st);
    return rc;
}

int tenant_insert(db_conn *c, const char *id, const char *name, err *e)
{
    int rc = tenant_get(c, id, NULL, e);
    if (rc < 0) return -1;
    if (rc == 1) return err_set(e, ERR_CONFLICT, "Tenant already exists");
    rc = name_taken(c, name, id, e);
    if (rc < 0) return -1;
    if (rc == 1) return err_set(e, ERR_CONFLICT, "A tenant with this name already exists");
    int64_t now = now_us();
    if (db_exec(c, e,
                "INSERT INTO tenants (id, name, status, created_at, updated_at)"
                " VALUES ($1, $2, 'active', $3, $3)",
                "ssi", id, name, now) < 0)
        return -1;
    return 0;
}

int tenant_set_name(db_conn *c, const char *id, const char *name, err *e)
{
    int rc = name_taken(c, name, id, e);
    if (rc < 0) return -1;
    if (rc == 1) return err_set(e, ERR_CONFLICT, "A tenant with this name already exists");
    return db_exec(c, e, "UPDATE tenants SET name = $2, updated_at = $3 WHERE id = $1", "ssi", id,
                   name, now_us()) < 0
               ? -1
               : 0;
}

int tenant_set_status(db_conn *c, const char *id, const char *status, err *e)
{
    long n = db_exec(c, e, "UPDATE tenants SET status = $2, updated_at = $3 WHERE id = $1", "ssi",
                     id, status, now_us());
    if (n < 0) return -1;
    if (n == 0) return err_set(e, ERR_NOT_FOUND, "Tenant not found");
    return 0;
}

/* Finds the id of a row by (tenant, key column); 1 found, 0 not, -1 error. */
static int find_id(db_conn *c, const char *sql, const char *tenant_id, const char *key, char id[37],
                   err *e)
{
    db_stmt *st = db_query(c, e, sql, "ss", tenant_id, key);
    if (!st) return -1;
    int rc = db_step(st, e);
    if (rc == 1) copy(id, 37, db_col_text(st, 0));
    db_done(st);
    return rc;
}

int tenant_bootstrap(db_conn *c, const char *tenant_id, char admin_role_id[37], err *e)
{
    int64_t now = now_us();
    int rc = find_id(c, "SELECT id FROM roles WHERE tenant_id = $1 AND uid = $2", tenant_id,
                     "admin", admin_role_id, e);
    if (rc < 0) return -1;
    if (rc == 0) {
        uuid_v7(admin_role_id);
        if (db_exec(c, e,
                    "INSERT INTO roles (id, tenant_id, name, uid, parent_role_id, created_at)"
                    " VALUES ($1, $2, 'Admin', 'admin', NULL, $3)",
                    "ssi", admin_role_id, tenant_id, now) < 0)
            return -1;
    }
    char perm_id[37];
    rc = find_id(c, "SELECT id FROM permissions WHERE tenant_id = $1 AND name = $2", tenant_id,
                 "authrs-admin", perm_id, e);
    if (rc < 0) return -1;
    if (rc == 0) {
        uuid_v7(perm_id);
        if (db_exec(c, e,
                    "INSERT INTO permissions (id, tenant_id, name, description, document,"
                    " created_at, updated_at) VALUES ($1, $2, 'authrs-admin',"
                    " 'Full access to the authrs admin API', $3, $4, $4)",
                    "sssi", perm_id, tenant_id, ADMIN_DOCUMENT, now) < 0)
            return -1;
    }
    if (db_exec(c, e,
                "INSERT INTO role_permissions (role_id, permission_id, created_at)"
                " VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                "ssi", admin_role_id, perm_id, now) < 0)
        return -1;
    return 0;
}

int tenant_list(db_conn *c, int (*fn)(const tenant *t, void *ctx), void *ctx, err *e)
{
    db_stmt *st =
        db_query(c, e, "SELECT id, name, status, created_at FROM tenants ORDER BY name, id", NULL);
    if (!st) return -1;
    int rc;
    while ((rc = db_step(st, e)) == 1) {
        tenant t;
        copy(t.id, sizeof t.id, db_col_text(st, 0));
        copy(t.name, sizeof t.name, db_col_text(st, 1));
        copy(t.status, sizeof t.status, db_col_text(st, 2));
        t.created_at = db_col_int(st, 3);
        if (fn(&t, ctx)) {
            rc = -1;
            break;
        }
    }
    db_done(st);
    return rc < 0 ? -1 : 0;
}
