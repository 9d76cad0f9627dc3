/* authn.c - Bearer header parsing and per-mode authentication (see authn.h). */
#include "auth/authn.h"

#include <string.h>
#include <strings.h>

#include "config.h"

static bool printable_ascii(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e) return false;
    return true;
}

int authn_parse_bearer(request *req, err *e)
{
    const char *h = req_header(req, "Authorization");
    if (!h || !*h || !printable_ascii(h))
        return err_set(e, ERR_UNAUTHORIZED, "Missing Authorization header");
    if (strncasecmp(h, "Bearer ", 7) != 0)
        return err_set(e, ERR_UNAUTHORIZED, "Invalid Authorization header");
    req->bearer = h + 7; /* not trimmed (1.8) */
    token_hash(req->bearer, req->bearer_hash);
    return 0;
}

int authn_request(request *req, err *e)
{
    auth_mode mode = req->route->auth;
    if (mode == AUTH_NONE) return 0;
    if (mode == AUTH_ADMIN && !cfg.admin_auth) return 0;
    if (authn_parse_bearer(req, e)) return -1;
    if (mode == AUTH_BEARER_PRESENT) return 0;
    return err_set(e, ERR_NOT_IMPLEMENTED, "Session authentication has not landed yet");
}
