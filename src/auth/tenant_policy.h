/* tenant_policy.h - a tenant's sign-in configuration (API.md 1.16), read from
 * its KV store with defaults for absent or unreadable values: session,
 * lockout, login methods, the email-domain allow-list, rate-limit overrides
 * and the frontend link base. Values were validated when they were PUT;
 * anything unparseable falls back to the default. */
#ifndef AUTHRS_AUTH_TENANT_POLICY_H
#define AUTHRS_AUTH_TENANT_POLICY_H

#include <stdbool.h>
#include <stdint.h>

#include "store/db.h"
#include "util/arena.h"

typedef struct session_policy {
    int64_t absolute_us; /* lifetime from creation */
    int64_t idle_us;     /* 0 = no idle timeout */
} session_policy;

typedef struct lockout_policy {
    int max_attempts; /* default 5 */
    int lock_minutes; /* default 15 */
} lockout_policy;

enum {
    LOGIN_EMAIL_PASSWORD = 1,
    LOGIN_EMAIL_OTP,
    LOGIN_SMS_OTP,
    LOGIN_USERNAME_PASSWORD,
    LOGIN_OAUTH,
    LOGIN_WHATSAPP_OTP
};

int tenant_session_policy(db_conn *c, arena *a, const char *tenant_id, session_policy *out, err *e);
void lockout_policy_default(lockout_policy *out);
int tenant_lockout_policy(db_conn *c, arena *a, const char *tenant_id, lockout_policy *out, err *e);
/* Bit (1 << method) for each allowed method 1-6; default all. */
int tenant_login_methods(db_conn *c, arena *a, const char *tenant_id, unsigned *mask, err *e);
/* 1 allowed, 0 denied (1.12), -1 error. email may be NULL (denied by a non-empty list). */
int tenant_email_domain_allowed(db_conn *c, arena *a, const char *tenant_id, const char *email,
                                err *e);
/* A tenant's rate_limits/<name> override: 1 found (max, window set), 0 none. */
int tenant_rate_limit(db_conn *c, arena *a, const char *tenant_id, const char *name, int *max,
                      int *window_secs, err *e);
/* frontend_config/base_url without trailing '/', or NULL (arena string). */
int tenant_frontend_base(db_conn *c, arena *a, const char *tenant_id, const char **out, err *e);

/* Pure: whether an email's domain is in `list` (a JSON array text), 1.12 rules. */
bool email_domain_in_list(const char *email, const char *list_json);

#endif
