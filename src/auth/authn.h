/* authn.h - step 6 of the check order (API.md 1.7, 1.8, 1.14, 3.17): reading
 * the Bearer header and authenticating it for the route's auth mode. */
#ifndef AUTHRS_AUTHN_H
#define AUTHRS_AUTHN_H

#include "http/http.h"
#include "store/tokens.h"

/* Parses Authorization into req->bearer / req->bearer_hash. Returns 0 when a
 * well-formed Bearer header is present, -1 with the 401 of 1.8 otherwise.
 * Called early (rate limits key on the token hash) without failing the request. */
int authn_parse_bearer(request *req, err *e);

/* Authenticates req for req->route->auth (after authn_parse_bearer):
 * AUTH_SESSION/ADMIN/BUILDER fill req->session; AUTH_IDENTITY and AUTH_MFA
 * check the Bearer token of that kind (the handler reads it with
 * authn_token). */
int authn_request(request *req, err *e);

/* Looks up the request's Bearer token as a token of `kind` (identity or MFA):
 * 0 with *out filled, or -1 with that kind's 401 (1.8). */
int authn_token(request *req, token_kind kind, token_row *out, err *e);

/* Admin authorization, step 3 of 1.14: whether the session's membership may
 * perform `action` on service:authrs. Provided by the authorization module;
 * declared weak so that, until it is linked in, every action is allowed. */
int admin_authorize(request *req, const char *action, err *e) __attribute__((weak));

#endif
