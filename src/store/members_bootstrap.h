/* members_bootstrap.h - the operator's shortcut for a tenant's first admin
 * (`authrs tenant create --admin-email`, POST /tenants): find or create the
 * identity, its membership in the tenant, and the Admin role assignment. */
#ifndef AUTHRS_MEMBERS_BOOTSTRAP_H
#define AUTHRS_MEMBERS_BOOTSTRAP_H

#include <stdbool.h>

#include "store/db.h"

/* password_hash is used only when the identity is created (an existing
 * identity keeps its password); *created tells which happened. */
int members_bootstrap_admin(db_conn *c, const char *tenant_id, const char *email,
                            const char *password_hash, const char *admin_role_id, bool *created,
                            err *e);

/* 1 when an identity with this email (case-insensitive) exists. */
int members_identity_exists(db_conn *c, const char *email, err *e);

#endif
