/* log.h - structured logs on stderr, one line per event (API.md 5.4).
 *
 * Global state: the level and format, set once at start by log_configure().
 * Never pass a password, token, code, secret, request body or query string.
 */
#ifndef AUTHRS_LOG_H
#define AUTHRS_LOG_H

#include <jansson.h>
#include <stdbool.h>

typedef enum { LOG_ERROR = 0, LOG_WARN, LOG_INFO, LOG_DEBUG } log_level;

void log_configure(log_level level, bool json_format);
bool log_enabled(log_level level);

/* Writes {"ts":..,"level":..,"event":event, ...fields}. Steals the reference
 * to fields (which may be NULL). */
void log_emit(log_level level, const char *event, json_t *fields);

/* Convenience: log_msg(LOG_WARN, "admin_auth_off", "admin API is unauthenticated") adds a
 * "message" field. */
void log_msg(log_level level, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
