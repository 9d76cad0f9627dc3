/* password_policy.h - the password rules of API.md 4.1: the tenant KV entry
 * password_policy/default (1.16), and the check of a new password against the
 * policies of every tenant it must satisfy, with the built-in common list. */
#ifndef AUTHRS_PASSWORD_POLICY_H
#define AUTHRS_PASSWORD_POLICY_H

#include <stdbool.h>
#include <stddef.h>

#include "util/err.h"

#define PASSWORD_POLICY_LENGTH_MAX 1024

typedef struct password_policy {
    int min_length; /* code points, 1..1024, default 8 */
    int max_length; /* code points, min_length..1024, default 256 */
    bool require_uppercase, require_lowercase, require_digit, require_symbol; /* default false */
    bool reject_common;                                                       /* default true */
} password_policy;

void password_policy_default(password_policy *p);

/* Parses the JSON text of password_policy/default into *p (absent or null
 * fields take their defaults; maxAgeDays is accepted and ignored). On a
 * malformed value fails with ERR_BAD_REQUEST and a detail such as
 * "unknown field 'x'" or "minLength must be an integer between 1 and 1024";
 * the caller prefixes "Invalid value for password_policy/default: ". */
int password_policy_parse(const char *json_text, password_policy *p, err *e);

/* Checks a UTF-8 password against policies[0..n-1] (n == 0 means the
 * defaults): the checks of 4.1 in their order, each applied with every
 * policy in turn; the first failure sets ERR_BAD_REQUEST with its message. */
int password_policy_check(const password_policy *policies, size_t n, const char *password, err *e);

/* True when the lower-cased password is on the built-in common list. */
bool password_is_common(const char *password);

#endif
