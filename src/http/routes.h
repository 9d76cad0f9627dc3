/* routes.h - the route table of API.md section 2 and its matcher. */
#ifndef AUTHRS_ROUTES_H
#define AUTHRS_ROUTES_H

#include "http/http.h"

extern const route routes[];
extern const size_t route_count;

typedef enum { MATCH_FOUND, MATCH_NO_PATH, MATCH_NO_METHOD } match_result;

/* Matches decoded path segments against the table. On MATCH_FOUND fills
 * *out and the path parameters (pointing into segs); on MATCH_NO_METHOD
 * fills allow (e.g. "GET, HEAD, OPTIONS"). `method` HEAD matches GET routes
 * that allow it. */
match_result routes_match(const char *method, char **segs, int nsegs, const route **out,
                          char (*param_names)[32], const char **param_values, int *nparams,
                          char *allow, size_t allow_len);

#endif
