/* err.c - error kinds: their HTTP status, code and message prefix (API.md 1.6). */
#include "util/err.h"

#include <stdio.h>
#include <string.h>

static const struct {
    int status;
    const char *code;
    const char *prefix;
} err_table[ERR__COUNT] = {
    [ERR_NONE] = {200, "", ""},
    [ERR_BAD_REQUEST] = {400, "bad_request", "Bad request"},
    [ERR_UNAUTHORIZED] = {401, "unauthorized", "Unauthorized"},
    [ERR_FORBIDDEN] = {403, "forbidden", "Forbidden"},
    [ERR_ACCESS_EXPIRED] = {403, "access_expired", "Access expired"},
    [ERR_NOT_FOUND] = {404, "not_found", "Not found"},
    [ERR_METHOD_NOT_ALLOWED] = {405, "method_not_allowed", "Method not allowed"},
    [ERR_CONFLICT] = {409, "conflict", "Conflict"},
    [ERR_PAYLOAD_TOO_LARGE] = {413, "payload_too_large", "Payload too large"},
    [ERR_UNSUPPORTED_MEDIA] = {415, "unsupported_media_type", "Unsupported media type"},
    [ERR_VALIDATION] = {422, "validation_error", "Validation error"},
    [ERR_INVALID_FILTER] = {422, "invalid_filter", "Validation error"},
    [ERR_LOCKED] = {423, "account_locked", "Account locked"},
    [ERR_RATE_LIMITED] = {429, "rate_limited", "Rate limit"},
    [ERR_INTERNAL] = {500, "internal_error", "Internal error"},
    [ERR_BAD_GATEWAY] = {502, "bad_gateway", "Bad gateway"},
    [ERR_UNAVAILABLE] = {503, "unavailable", "Service unavailable"},
};

int err_setv(err *e, err_kind kind, const char *fmt, va_list ap)
{
    e->kind = kind;
    e->retry_after = 0;
    vsnprintf(e->detail, sizeof e->detail, fmt, ap);
    return -1;
}

int err_set(err *e, err_kind kind, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    err_setv(e, kind, fmt, ap);
    va_end(ap);
    return -1;
}

int err_internal(err *e, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    err_setv(e, ERR_INTERNAL, fmt, ap);
    va_end(ap);
    return -1;
}

void err_clear(err *e)
{
    e->kind = ERR_NONE;
    e->retry_after = 0;
    e->detail[0] = '\0';
}

int err_status(err_kind kind)
{
    return (kind > ERR_NONE && kind < ERR__COUNT) ? err_table[kind].status : 500;
}

const char *err_code(err_kind kind)
{
    return (kind > ERR_NONE && kind < ERR__COUNT) ? err_table[kind].code : "internal_error";
}

const char *err_prefix(err_kind kind)
{
    return (kind > ERR_NONE && kind < ERR__COUNT) ? err_table[kind].prefix : "Internal error";
}
