/* err.h - the error value that services return and handlers render.
 *
 * A service never sees HTTP: it reports what went wrong as a kind plus a human
 * detail. The HTTP layer (http/response.c) maps each kind to its status, its
 * `error` code and its message prefix (API.md 1.6). The detail is written
 * without the prefix: err_set(e, ERR_NOT_FOUND, "Tenant not found") renders
 * as 404 {"error":"not_found","message":"Not found: Tenant not found"}.
 */
#ifndef AUTHRS_ERR_H
#define AUTHRS_ERR_H

#include <stdarg.h>

typedef enum {
    ERR_NONE = 0,
    ERR_BAD_REQUEST,        /* 400 bad_request */
    ERR_UNAUTHORIZED,       /* 401 unauthorized */
    ERR_FORBIDDEN,          /* 403 forbidden */
    ERR_ACCESS_EXPIRED,     /* 403 access_expired */
    ERR_NOT_FOUND,          /* 404 not_found */
    ERR_METHOD_NOT_ALLOWED, /* 405 method_not_allowed */
    ERR_CONFLICT,           /* 409 conflict */
    ERR_PAYLOAD_TOO_LARGE,  /* 413 payload_too_large */
    ERR_UNSUPPORTED_MEDIA,  /* 415 unsupported_media_type */
    ERR_VALIDATION,         /* 422 validation_error */
    ERR_INVALID_FILTER,     /* 422 invalid_filter */
    ERR_LOCKED,             /* 423 account_locked */
    ERR_RATE_LIMITED,       /* 429 rate_limited */
    ERR_INTERNAL,           /* 500 internal_error; detail goes to the log only */
    ERR_BAD_GATEWAY,        /* 502 bad_gateway */
    ERR_UNAVAILABLE,        /* 503, used by /health only */
    ERR__COUNT
} err_kind;

#define ERR_DETAIL_MAX 512

typedef struct err {
    err_kind kind;
    int retry_after;             /* seconds, for ERR_RATE_LIMITED */
    char detail[ERR_DETAIL_MAX]; /* message without the prefix */
} err;

/* Sets kind and a printf-formatted detail; always returns -1 so that
 * services can write `return err_set(e, ERR_NOT_FOUND, "User not found");`. */
int err_set(err *e, err_kind kind, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int err_setv(err *e, err_kind kind, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

/* An unexpected failure: the cause is kept in detail for the log; the client
 * only ever sees "Internal error: An unexpected error occurred". */
int err_internal(err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

void err_clear(err *e);

/* Table data for rendering (http/response.c) and tests. */
int err_status(err_kind kind);
const char *err_code(err_kind kind);
const char *err_prefix(err_kind kind);

#endif
