/* migrate.c - schema migrations (see migrate.h). */
#include "store/migrate.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "util/embedded.h"
#include "util/log.h"
#include "util/timeutil.h"

static int migration_version(const char *name)
{
    size_t n = strlen(name);
    if (n < 9 || strcmp(name + n - 4, ".sql") != 0) return -1;
    for (int i = 0; i < 4; i++)
        if (!isdigit((unsigned char)name[i])) return -1;
    if (name[4] != '_') return -1;
    return atoi(name);
}

static int is_applied(db_conn *c, int version, err *e)
{
    db_stmt *st =
        db_query(c, e, "SELECT 1 FROM schema_migrations WHERE version = $1", "i", (int64_t)version);
    if (!st) return -1;
    int rc = db_step(st, e);
    db_done(st);
    return rc;
}

#define MIGRATION_LOCK 0x61757468 /* application lock id for migrations */

static int apply_one(db_conn *c, const embedded_file *f, int version, err *e)
{
    if (db_begin(c, e) || db_lock(c, MIGRATION_LOCK, e)) {
        db_rollback(c);
        return -1;
    }
    int applied = is_applied(c, version, e); /* re-check under the lock */
    if (applied < 0) goto fail;
    if (applied == 1) {
        db_rollback(c);
        return 0;
    }
    if (db_exec_script(c, f->data, e)) goto fail;
    if (db_exec(c, e,
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
                "isi", (int64_t)version, f->name, now_us()) < 0)
        goto fail;
    if (db_commit(c, e)) return -1;
    log_emit(LOG_INFO, "migration", json_pack("{s:i, s:s}", "version", version, "name", f->name));
    return 1;
fail:
    db_rollback(c);
    return -1;
}

int migrate_apply(db *d, err *e)
{
    db_conn *c = db_acquire(d);
    int count = 0;
    if (db_begin(c, e) || db_lock(c, MIGRATION_LOCK, e) ||
        db_exec_script(
            c,
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
            e) ||
        db_commit(c, e)) {
        db_release(d, c);
        return -1;
    }
    for (const embedded_file *f = embedded_files; f->name; f++) {
        int version = migration_version(f->name);
        if (version < 0) continue;
        int rc = apply_one(c, f, version, e);
        if (rc < 0) {
            db_release(d, c);
            return -1;
        }
        count += rc;
    }
    db_release(d, c);
    return count;
}
