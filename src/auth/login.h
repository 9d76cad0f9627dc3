/* login.h - what every login-style route shares (API.md 1.12, 4.1, 4.2):
 * gates G1-G3, the login-method rule, finalization into a LoginResult, the
 * password check with lockout and rehash, the password policies of an
 * identity's tenants, and the login metrics of 5.3. */
#ifndef AUTHRS_AUTH_LOGIN_H
#define AUTHRS_AUTH_LOGIN_H

#include <jansson.h>
#include <stdbool.h>

#include "auth/password_policy.h"
#include "store/db.h"
#include "store/identities.h"
#include "util/arena.h"

/* G1 (403 inactive), G2 (423 locked), G3 (403 access expired), in order.
 * Which gates: a mask of the bits below. On failure, *reason is the metric
 * reason ("inactive", "locked", "access_expired"). */
enum { GATE_G1 = 1, GATE_G2 = 2, GATE_G3 = 4, GATES_ALL = 7 };
int login_gates(const identity *id, const membership *m, int gates, const char **reason, err *e);

/* 1 when `method` is in the tenant's allowed set and the member's own set (1.12). */
int login_method_allowed(db_conn *c, arena *a, const identity *id, const membership *m, int method,
                         err *e);

/* Finalization (1.12): MFA challenge (unless mfa_passed), forced change, or
 * session. Sets *result to a new JSON LoginResult. */
int login_finalize(db_conn *c, arena *a, const identity *id, const membership *m, int method,
                   bool confined, bool mfa_passed, json_t **result, err *e);

/* Verifies password against the identity's hash. 1 match, 0 mismatch or no
 * password (a mismatch with a hash counts toward the lockout of `lockout_tenant`,
 * NULL meaning the default policy). On a match clears the failure counter and
 * re-hashes when the parameters differ from the configuration. */
int login_check_password(db_conn *c, arena *a, const identity *id, const char *password,
                         const char *lockout_tenant, err *e);
/* The dummy verification for an unknown account. */
void login_dummy_verify(const char *password);

/* Policies a new password of the identity must satisfy (4.1): those of its
 * active memberships' tenants, plus `joining_tenant` when not NULL. n == 0
 * means the defaults. */
int login_password_policies(db_conn *c, arena *a, const char *identity_id,
                            const char *joining_tenant, password_policy **out, size_t *n, err *e);
/* Checks password against the policies above (400 on failure). */
int login_check_policy(db_conn *c, arena *a, const char *identity_id, const char *joining_tenant,
                       const char *password, err *e);
/* Hashes a new password with the configured parameters. */
int login_hash_password(const char *password, char *out /* PASSWORD_PHC_MAX */, err *e);

/* Metrics of 5.3; no-ops when the series are not registered. */
void login_metric_success(const char *method);
void login_metric_failure(const char *method, const char *reason);

#endif
