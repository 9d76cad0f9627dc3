/* oauth_http.h - the outbound HTTP calls of OAuth (API.md 3.5) over libcurl:
 * discovery, JWKS, token exchange and the GitHub user API. Every call has a
 * 10 s timeout, follows no redirects, speaks only http/https and keeps at
 * most 1 MiB of the answer. */
#ifndef AUTHRS_AUTH_OAUTH_HTTP_H
#define AUTHRS_AUTH_OAUTH_HTTP_H

#include <stdbool.h>

#include "util/err.h"

#define OAUTH_HTTP_TIMEOUT_SECS 10

typedef struct oauth_http_resp {
    long status; /* HTTP status */
    char *body;  /* heap, NUL-terminated; free with oauth_http_free */
} oauth_http_resp;

/* GET url with extra headers (NULL-terminated list, may be NULL). -1 with an
 * ERR_BAD_GATEWAY detail when no HTTP answer arrived. */
int oauth_http_get(const char *url, const char *const *headers, oauth_http_resp *out, err *e);
/* POST an application/x-www-form-urlencoded body with Accept:
 * application/json, and HTTP basic authentication when basic_user is set. */
int oauth_http_post_form(const char *url, const char *form, const char *basic_user,
                         const char *basic_password, oauth_http_resp *out, err *e);
void oauth_http_free(oauth_http_resp *r);

/* Whether an endpoint URL may be used: https, or http with OAUTH_ALLOW_HTTP. */
bool oauth_url_allowed(const char *url);

/* Appends name=value, form-urlencoded, to a heap string (*form may be NULL). */
void oauth_form_add(char **form, const char *name, const char *value);
/* Form-urlencodes s into a new heap string. */
char *oauth_form_escape(const char *s);

#endif
