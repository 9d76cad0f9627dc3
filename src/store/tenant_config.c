/* tenant_config.c - plain KV reads for configuration (see tenant_config.h). */
#include "store/tenant_config.h"

int tenant_config_get(db_conn *c, arena *a, const char *tenant_id, const char *group,
                      const char *key, const char **value, err *e)
{
    db_stmt *st = db_query(c, e,
                           "SELECT value FROM kv_store WHERE tenant_id = $1 AND group_key = $2"
                           " AND key = $3 AND encrypted = 0",
                           "sss", tenant_id, group, key);
    if (!st) return -1;
    int rc = db_step(st, e);
    if (rc == 1) *value = arena_strdup(a, db_col_text(st, 0));
    db_done(st);
    return rc;
}
