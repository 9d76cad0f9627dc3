/* migrate.h - applies the numbered SQL migrations embedded from
 * src/store/migrations/ (NNNN_name.sql), each once, recorded in
 * schema_migrations, under the database's write lock. */
#ifndef AUTHRS_MIGRATE_H
#define AUTHRS_MIGRATE_H

#include "store/db.h"

/* Returns the number of migrations applied now (0 when up to date), or -1. */
int migrate_apply(db *d, err *e);

#endif
