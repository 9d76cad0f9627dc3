/* packages.c - package registry rows (see packages.h). */
#include "store/packages.h"

#include <stdlib.h>
#include <string.h>

int packages_replace(db_conn *c, const char *tenant_id, const char *package_id,
                     const char *const *tables, size_t n_tables, const char *const *actions,
                     size_t n_actions, err *e)
{
    if (db_exec(c, e, "DELETE FROM package_tables WHERE tenant_id = $1 AND package_id = $2", "ss",
                tenant_id, package_id) < 0 ||
        db_exec(c, e, "DELETE FROM package_actions WHERE tenant_id = $1 AND package_id = $2", "ss",
                tenant_id, package_id) < 0)
        return -1;
    for (size_t i = 0; i < n_tables; i++)
        if (db_exec(c, e,
                    "INSERT INTO package_tables (tenant_id, package_id, table_name)"
                    " VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                    "sss", tenant_id, package_id, tables[i]) < 0)
            return -1;
    for (size_t i = 0; i < n_actions; i++)
        if (db_exec(c, e,
                    "INSERT INTO package_actions (tenant_id, package_id, action)"
                    " VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                    "sss", tenant_id, package_id, actions[i]) < 0)
            return -1;
    return 0;
}

/* Appends s to a heap array of arena strings. */
static void push(arena *a, const char ***v, size_t *n, size_t *cap, const char *s)
{
    if (*n == *cap) {
        *cap = *cap ? *cap * 2 : 8;
        const char **nv = arena_alloc(a, *cap * sizeof *nv);
        if (*n) memcpy(nv, *v, *n * sizeof *nv);
        *v = nv;
    }
    (*v)[(*n)++] = arena_strdup(a, s);
}

int packages_load(db_conn *c, arena *a, const char *tenant_id, authz_package **out, size_t *n,
                  err *e)
{
    /* kind 0 = table, 1 = action; byte order within each package. */
    db_stmt *st =
        db_query(c, e,
                 "SELECT package_id, 0, table_name FROM package_tables WHERE tenant_id = $1"
                 " UNION ALL SELECT package_id, 1, action FROM package_actions"
                 " WHERE tenant_id = $1 ORDER BY 1, 2, 3",
                 "s", tenant_id);
    if (!st) return -1;
    size_t cap = 0, count = 0;
    authz_package *pk = NULL;
    size_t tcap = 0, acap = 0;
    int rc;
    while ((rc = db_step(st, e)) == 1) {
        const char *pid = db_col_text(st, 0);
        if (count == 0 || strcmp(pk[count - 1].package_id, pid) != 0) {
            if (count == cap) {
                cap = cap ? cap * 2 : 8;
                authz_package *np = arena_alloc(a, cap * sizeof *np);
                if (count) memcpy(np, pk, count * sizeof *np);
                pk = np;
            }
            pk[count++] = (authz_package){arena_strdup(a, pid), NULL, 0, NULL, 0};
            tcap = acap = 0;
        }
        authz_package *p = &pk[count - 1];
        if (db_col_int(st, 1) == 0)
            push(a, (const char ***)&p->tables, &p->n_tables, &tcap, db_col_text(st, 2));
        else
            push(a, (const char ***)&p->actions, &p->n_actions, &acap, db_col_text(st, 2));
    }
    db_done(st);
    *out = pk;
    *n = count;
    return rc < 0 ? -1 : 0;
}
