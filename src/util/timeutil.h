/* timeutil.h - time as int64 microseconds since the Unix epoch (UTC), and its
 * RFC 3339 text forms (API.md 1.4). */
#ifndef AUTHRS_TIMEUTIL_H
#define AUTHRS_TIMEUTIL_H

#include <stdbool.h>
#include <stdint.h>

#define RFC3339_LEN 27 /* 2026-11-27T13:35:00.123456Z */

int64_t now_us(void);       /* wall clock */
int64_t monotonic_us(void); /* for durations */

/* Writes e.g. "2026-11-27T13:35:00.123456Z" (RFC3339_LEN chars + NUL). */
void time_format(int64_t us, char out[RFC3339_LEN + 1]);

/* Parses an RFC 3339 date-time with Z or a numeric offset; T and Z are
 * case-insensitive; up to 9 fractional digits, truncated to microseconds.
 * Returns false on anything else. */
bool time_parse(const char *s, int64_t *us_out);

#endif
