/* ratelimit.h - the fixed-window rate limits of API.md 1.15, counted in
 * memory per process, and the client IP they key on (TRUSTED_PROXIES and
 * X-Forwarded-For).
 *
 * Global state: the counter table (sharded, mutex-guarded; expired windows
 * are swept as the table grows) and the parsed TRUSTED_PROXIES list. */
#ifndef AUTHRS_AUTH_RATELIMIT_H
#define AUTHRS_AUTH_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

#include "http/http.h"

/* Counts one request for key in a window of window_secs starting at its first
 * request. Returns true when allowed (count <= max); otherwise false with
 * *retry_after the whole seconds left (at least 1). */
bool ratelimit_hit(const char *key, int max, int window_secs, int64_t now, int *retry_after);
/* Forgets every counter (tests). */
void ratelimit_reset(void);

/* The client IP of 1.15 into out (size n): the socket peer, or, when the peer
 * is a trusted proxy, the right-most X-Forwarded-For address that is not. */
void ratelimit_client_ip(const request *req, char *out, size_t n);
/* Whether ip is in the comma-separated list of IPs and CIDRs (exposed for tests). */
bool ip_in_list(const char *ip, const char *list);

/* Applies limit `name` to key `key` (the tenant is added for tenant-keyed
 * limits, and a tenant override from kv rate_limits/<name> applies). 429 on
 * refusal. A NULL key skips the limit. */
int ratelimit_check(request *req, const char *name, const char *key, err *e);

#endif
