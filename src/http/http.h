/* http.h - what a handler sees: the request context, the route descriptor,
 * and the reply helpers. The server (http/server.c) runs the check order of
 * API.md 1.7 before a handler is called, so a handler receives a request
 * whose tenant, path parameters, query parameters and JSON body have passed
 * their generic checks, and whose bearer token (where the route needs one)
 * has been authenticated.
 */
#ifndef AUTHRS_HTTP_H
#define AUTHRS_HTTP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/arena.h"
#include "util/crypto.h"
#include "util/err.h"

typedef struct request request;
typedef struct tenant tenant;
typedef struct db_conn db_conn;
typedef struct session_info session_info;

typedef void (*handler_fn)(request *req);
/* Route-specific checks run in check-order steps 3-5 (RSQL, body shape beyond
 * the field table, rate limits). Return 0 or -1 with e set. */
typedef int (*check_fn)(request *req, err *e);

typedef enum { TENANT_IGNORED = 0, TENANT_REQUIRED, TENANT_OPTIONAL } tenant_mode;

typedef enum {
    AUTH_NONE = 0,
    AUTH_SESSION,        /* Bearer session token */
    AUTH_IDENTITY,       /* Bearer identity token */
    AUTH_MFA,            /* Bearer MFA token */
    AUTH_BEARER_PRESENT, /* header must be well-formed; token need not be valid (logout) */
    AUTH_ADMIN,          /* session of the X-Tenant-ID tenant allowed route->action (1.14) */
    AUTH_BUILDER,        /* builder session (3.17) */
} auth_mode;

/* Body field types of API.md 1.2 ("field 'x' must be <kind>"). */
typedef enum {
    F_STRING = 1,
    F_BOOLEAN,
    F_INTEGER,
    F_OBJECT,
    F_ARRAY,
    F_STRING_ARRAY,
    F_UUID,
    F_TIMESTAMP_OR_NULL,
    F_OBJECT_OR_NULL, /* "must be an object" when neither */
} field_type;

typedef struct body_field {
    const char *name;
    field_type type;
    bool required;
} body_field;

/* Query parameter types of API.md 1.3. */
typedef enum { Q_STRING = 1, Q_UINT, Q_BOOL, Q_FORMAT } query_type;

typedef struct query_param {
    const char *name;
    query_type type;
} query_param;

#define ROUTE_MAX_FIELDS 12
#define ROUTE_MAX_QUERY  8

typedef struct route {
    const char *method;  /* "GET", "POST", ... */
    const char *pattern; /* "/admin/users/{userId}/roles" */
    tenant_mode tenant;
    auth_mode auth;
    const char *action; /* admin action, "authrs:createUser" */
    bool takes_body;    /* JSON body required (415/400/422 checks) */
    bool slow;          /* run on the worker pool (hashing, outbound calls) */
    bool no_head;       /* HEAD gets 405 (the OAuth routes) */
    body_field fields[ROUTE_MAX_FIELDS];
    query_param query[ROUTE_MAX_QUERY];
    check_fn check; /* optional, steps 3-5 */
    handler_fn handler;
} route;

#define MAX_PATH_PARAMS 4

typedef struct query_kv {
    char *key, *value;
} query_kv;

struct request {
    arena *arena; /* request-scoped memory */
    const route *route;
    const char *method; /* as received ("HEAD" stays "HEAD") */
    char request_id[129];
    char client_ip[64];
    /* path parameters, in pattern order, decoded and (UUIDs) normalised */
    char param_names[MAX_PATH_PARAMS][32];
    const char *param_values[MAX_PATH_PARAMS];
    int nparams;
    query_kv *query;
    int nquery;
    json_t *body;          /* parsed body for takes_body routes (owned) */
    const char *tenant_id; /* resolved tenant (header, or a handler's choice) */
    tenant *tenant;        /* loaded tenant row, arena-owned */
    const char *bearer;    /* raw token when a well-formed Bearer header came */
    char bearer_hash[TOKEN_HASH_HEX_LEN + 1];
    session_info *session; /* AUTH_SESSION/ADMIN/BUILDER: the authenticated session */
    void *route_data;      /* for check_fn -> handler hand-over (e.g. compiled RSQL) */
    void *server_data;     /* http/server.c private */
};

/* The request's database connection: acquired on first use, released when
 * the request ends. */
db_conn *req_db(request *req);

/* Accessors. */
const char *req_param(const request *req, const char *name);
const char *req_query(const request *req, const char *name); /* NULL when absent */
const char *req_header(const request *req, const char *name);
/* Body field helpers (the field table has already checked types). NULL/false/dflt when absent or
 * null. */
const char *body_str(const request *req, const char *name);
bool body_bool(const request *req, const char *name, bool dflt);
json_t *body_get(const request *req, const char *name);

/* Replies. Each request gets exactly one reply. */
void reply_json(request *req, int status, json_t *body); /* steals body */
void reply_text(request *req, int status, const char *content_type, const char *text, size_t len);
void reply_err(request *req, const err *e);
void reply_error(request *req, err_kind kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void reply_message(request *req, int status, const char *message);    /* {"message":...} */
void reply_header(request *req, const char *name, const char *value); /* extra header */

#endif
