/* pipeline.h - the check order of API.md 1.7, steps 1-7, for a routed request
 * whose body has been received. Used by http/server.c. */
#ifndef AUTHRS_PIPELINE_H
#define AUTHRS_PIPELINE_H

#include <stddef.h>

#include "http/http.h"

/* Runs tenant, path, query, body, route check, authentication and the
 * handler. Always leaves exactly one reply on req. */
void pipeline_run(request *req, const char *raw_query, const char *body, size_t body_len);

/* Parses an x-www-form-urlencoded query into the request; -1 on a bad escape
 * or invalid UTF-8. Exposed for unit tests. */
int query_parse(request *req, const char *raw_query);

/* Percent-decodes s (no '+' rule) into an arena string; NULL on a bad escape. */
char *percent_decode(arena *a, const char *s, size_t n, bool plus_is_space);

/* Checks a body against the route's field table (API.md 1.2 step 3-4). */
int body_check_fields(request *req, err *e);

#endif
