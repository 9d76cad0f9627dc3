/* authn.h - step 6 of the check order (API.md 1.7, 1.8, 1.14, 3.17): reading
 * the Bearer header and authenticating it for the route's auth mode. */
#ifndef AUTHRS_AUTHN_H
#define AUTHRS_AUTHN_H

#include "http/http.h"

/* Parses Authorization into req->bearer / req->bearer_hash. Returns 0 when a
 * well-formed Bearer header is present, -1 with the 401 of 1.8 otherwise.
 * Called early (rate limits key on the token hash) without failing the request. */
int authn_parse_bearer(request *req, err *e);

/* Authenticates req for req->route->auth (after authn_parse_bearer). */
int authn_request(request *req, err *e);

#endif
