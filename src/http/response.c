/* response.c - replies and request accessors: the JSON error envelope, the
 * headers every response carries (X-Request-ID, nosniff, no-store, CORS),
 * and the one log line plus metrics of each answered request. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "http/internal.h"
#include "series.h"
#include "store/db.h"
#include "store/store.h"
#include "util/log.h"
#include "util/timeutil.h"

/* ---- accessors ---- */

const char *req_param(const request *req, const char *name)
{
    for (int i = 0; i < req->nparams; i++)
        if (strcmp(req->param_names[i], name) == 0) return req->param_values[i];
    return NULL;
}

const char *req_query(const request *req, const char *name)
{
    for (int i = 0; i < req->nquery; i++)
        if (strcmp(req->query[i].key, name) == 0) return req->query[i].value;
    return NULL;
}

const char *req_header(const request *req, const char *name)
{
    return MHD_lookup_connection_value(STATE(req)->conn, MHD_HEADER_KIND, name);
}

typedef struct count_ctx {
    const char *name;
    int count;
} count_ctx;

static enum MHD_Result count_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                    const char *value)
{
    (void)kind;
    (void)value;
    count_ctx *cc = cls;
    if (strcasecmp(key, cc->name) == 0) cc->count++;
    return MHD_YES;
}

int req_header_count(const request *req, const char *name)
{
    count_ctx cc = {name, 0};
    MHD_get_connection_values(STATE(req)->conn, MHD_HEADER_KIND, count_header, &cc);
    return cc.count;
}

db_conn *req_db(request *req)
{
    conn_state *cs = STATE(req);
    if (!cs->db) cs->db = db_acquire(store_db);
    return cs->db;
}

const char *body_str(const request *req, const char *name)
{
    return json_string_value(json_object_get(req->body, name));
}

bool body_bool(const request *req, const char *name, bool dflt)
{
    json_t *v = json_object_get(req->body, name);
    return json_is_boolean(v) ? json_is_true(v) : dflt;
}

json_t *body_get(const request *req, const char *name)
{
    return json_object_get(req->body, name);
}

/* ---- replies ---- */

void reply_header(request *req, const char *name, const char *value)
{
    conn_state *cs = STATE(req);
    resp_header *h = arena_alloc(req->arena, sizeof *h);
    h->name = arena_strdup(req->arena, name);
    h->value = arena_strdup(req->arena, value);
    h->next = cs->headers;
    cs->headers = h;
}

void reply_text(request *req, int status, const char *content_type, const char *text, size_t len)
{
    conn_state *cs = STATE(req);
    if (cs->replied) {
        log_msg(LOG_ERROR, "internal_error", "second reply on request %s", req->request_id);
        return;
    }
    cs->replied = true;
    cs->status = status;
    cs->content_type = content_type;
    cs->resp_body = arena_alloc(req->arena, len + 1);
    memcpy(cs->resp_body, text, len);
    cs->resp_body[len] = '\0';
    cs->resp_len = len;
}

void reply_json(request *req, int status, json_t *body)
{
    char *text = json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
    json_decref(body);
    if (!text) {
        err e;
        err_internal(&e, "json_dumps failed");
        reply_err(req, &e);
        return;
    }
    reply_text(req, status, "application/json", text, strlen(text));
    free(text);
}

void reply_message(request *req, int status, const char *message)
{
    reply_json(req, status, json_pack("{s:s}", "message", message));
}

void reply_err(request *req, const err *e)
{
    err_kind kind = e->kind == ERR_NONE ? ERR_INTERNAL : e->kind;
    char message[ERR_DETAIL_MAX + 64];
    if (kind == ERR_INTERNAL) {
        log_emit(LOG_ERROR, "internal_error",
                 json_pack("{s:s, s:s}", "requestId", req->request_id, "cause", e->detail));
        snprintf(message, sizeof message, "Internal error: An unexpected error occurred");
    } else {
        snprintf(message, sizeof message, "%s: %s", err_prefix(kind), e->detail);
    }
    if (kind == ERR_RATE_LIMITED) {
        char secs[24];
        snprintf(secs, sizeof secs, "%d", e->retry_after > 0 ? e->retry_after : 1);
        reply_header(req, "Retry-After", secs);
        const char *v[] = {STATE(req)->route_label, NULL};
        metric_inc(series_rate_limited, v);
    }
    reply_json(req, err_status(kind),
               json_pack("{s:s, s:s}", "error", err_code(kind), "message", message));
}

void reply_error(request *req, err_kind kind, const char *fmt, ...)
{
    err e;
    va_list ap;
    va_start(ap, fmt);
    err_setv(&e, kind, fmt, ap);
    va_end(ap);
    reply_err(req, &e);
}

/* ---- building and observing ---- */

static const char *allowed_origin(conn_state *cs)
{
    const char *origin = MHD_lookup_connection_value(cs->conn, MHD_HEADER_KIND, "Origin");
    if (!origin) return NULL;
    if (!cfg.cors_origins) return "*";
    for (char **o = cfg.cors_origins; *o; o++)
        if (strcmp(*o, origin) == 0) return origin;
    return NULL;
}

struct MHD_Response *response_build(conn_state *cs)
{
    /* The body lives in the request arena, which is freed only once the
     * connection has sent the response (server.c on_completed). */
    struct MHD_Response *r = MHD_create_response_from_buffer(
        cs->resp_len, cs->resp_body ? cs->resp_body : (char *)"", MHD_RESPMEM_PERSISTENT);
    if (!r) return NULL;
    if (cs->content_type) MHD_add_response_header(r, "Content-Type", cs->content_type);
    MHD_add_response_header(r, "X-Request-ID", cs->req.request_id);
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "Cache-Control", "no-store");
    const char *origin = allowed_origin(cs);
    if (origin) {
        MHD_add_response_header(r, "Access-Control-Allow-Origin", origin);
        if (cfg.cors_origins) MHD_add_response_header(r, "Vary", "Origin");
        MHD_add_response_header(r, "Access-Control-Expose-Headers", "Retry-After, X-Request-ID");
        if (strcmp(cs->req.method, "OPTIONS") == 0) {
            MHD_add_response_header(r, "Access-Control-Allow-Methods",
                                    "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS");
            MHD_add_response_header(r, "Access-Control-Allow-Headers",
                                    "Authorization, Content-Type, X-Tenant-ID, X-Request-ID");
            MHD_add_response_header(r, "Access-Control-Max-Age", "600");
        }
    }
    for (resp_header *h = cs->headers; h; h = h->next)
        MHD_add_response_header(r, h->name, h->value);
    return r;
}

void response_observe(conn_state *cs)
{
    double secs = (double)(monotonic_us() - cs->start_us) / 1e6;
    char status[4] = "000";
    for (int i = 2, v = cs->status; i >= 0 && v > 0 && v < 1000; i--, v /= 10)
        status[i] = (char)('0' + v % 10);
    const char *method = cs->req.method ? cs->req.method : "?";
    const char *labels[] = {cs->route_label, method, status, NULL};
    metric_inc(series_http_requests, labels);
    const char *route_only[] = {cs->route_label, NULL};
    metric_observe(series_http_duration, route_only, secs);
    log_level level = cs->status >= 500 ? LOG_ERROR : LOG_INFO;
    if (!log_enabled(level)) return;
    json_t *tenant_json = cs->req.tenant_id ? json_string(cs->req.tenant_id) : json_null();
    log_emit(level, "request",
             json_pack("{s:s, s:o, s:s, s:s, s:i, s:f, s:s}", "requestId", cs->req.request_id,
                       "tenant", tenant_json, "method", method, "route", cs->route_label, "status",
                       cs->status, "ms", secs * 1000.0, "ip", cs->req.client_ip));
}
