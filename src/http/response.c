/* response.c - replies and request accessors: the JSON error envelope, the
 * headers every response carries (X-Request-ID, nosniff, no-store, CORS),
 * and the one log line plus metrics of each answered request. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

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
    const conn_state *cs = STATE(req);
    for (int i = 0; i < cs->nheaders_in; i++)
        if (strcasecmp(cs->headers_in[i].name, name) == 0) return cs->headers_in[i].value;
    return NULL;
}

int req_header_count(const request *req, const char *name)
{
    const conn_state *cs = STATE(req);
    int count = 0;
    for (int i = 0; i < cs->nheaders_in; i++)
        if (strcasecmp(cs->headers_in[i].name, name) == 0) count++;
    return count;
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
    const char *origin = req_header(&cs->req, "Origin");
    if (!origin) return NULL;
    if (!cfg.cors_origins) return "*";
    for (char **o = cfg.cors_origins; *o; o++)
        if (strcmp(*o, origin) == 0) return origin;
    return NULL;
}

static const char *reason_phrase(int status)
{
    switch (status) {
    case 100:
        return "Continue";
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 202:
        return "Accepted";
    case 204:
        return "No Content";
    case 302:
        return "Found";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 409:
        return "Conflict";
    case 413:
        return "Content Too Large";
    case 414:
        return "URI Too Long";
    case 415:
        return "Unsupported Media Type";
    case 422:
        return "Unprocessable Content";
    case 423:
        return "Locked";
    case 429:
        return "Too Many Requests";
    case 431:
        return "Request Header Fields Too Large";
    case 500:
        return "Internal Server Error";
    case 501:
        return "Not Implemented";
    case 502:
        return "Bad Gateway";
    case 503:
        return "Service Unavailable";
    case 505:
        return "HTTP Version Not Supported";
    default:
        return "Unknown";
    }
}

/* "Fri, 27 Nov 2026 13:35:00 GMT" for the current second, formatted once per
 * second per thread. Thread-local state: the cached line. */
static const char *http_date(void)
{
    static _Thread_local time_t cached_sec = -1;
    static _Thread_local char cached[64];
    time_t now = time(NULL);
    if (now != cached_sec) {
        static const char days[][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
        static const char months[][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
        struct tm tm;
        gmtime_r(&now, &tm);
        snprintf(cached, sizeof cached, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday],
                 tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                 tm.tm_sec);
        cached_sec = now;
    }
    return cached;
}

static void put_header(strbuf *out, const char *name, const char *value)
{
    sb_append(out, name);
    sb_append_n(out, ": ", 2);
    sb_append(out, value);
    sb_append_n(out, "\r\n", 2);
}

static void put_uint(strbuf *out, size_t v)
{
    char digits[24];
    size_t i = sizeof digits;
    do {
        digits[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    sb_append_n(out, digits + i, sizeof digits - i);
}

void response_render(conn_state *cs, strbuf *out, bool head_only, const char *conn_header)
{
    int status = cs->status >= 100 && cs->status <= 999 ? cs->status : 500;
    sb_append_n(out, "HTTP/1.1 ", 9);
    put_uint(out, (size_t)status);
    sb_append_char(out, ' ');
    sb_append(out, reason_phrase(status));
    sb_append_n(out, "\r\n", 2);
    put_header(out, "Date", http_date());
    bool has_body = status != 204 && status != 304 && status >= 200;
    if (has_body) {
        sb_append_n(out, "Content-Length: ", 16);
        put_uint(out, cs->resp_len);
        sb_append_n(out, "\r\n", 2);
    }
    if (cs->content_type) put_header(out, "Content-Type", cs->content_type);
    put_header(out, "X-Request-ID", cs->req.request_id);
    put_header(out, "X-Content-Type-Options", "nosniff");
    put_header(out, "Cache-Control", "no-store");
    const char *origin = allowed_origin(cs);
    if (origin) {
        put_header(out, "Access-Control-Allow-Origin", origin);
        if (cfg.cors_origins) put_header(out, "Vary", "Origin");
        put_header(out, "Access-Control-Expose-Headers", "Retry-After, X-Request-ID");
        if (cs->req.method && strcmp(cs->req.method, "OPTIONS") == 0) {
            put_header(out, "Access-Control-Allow-Methods",
                       "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS");
            put_header(out, "Access-Control-Allow-Headers",
                       "Authorization, Content-Type, X-Tenant-ID, X-Request-ID");
            put_header(out, "Access-Control-Max-Age", "600");
        }
    }
    for (resp_header *h = cs->headers; h; h = h->next)
        put_header(out, h->name, h->value);
    if (conn_header) put_header(out, "Connection", conn_header);
    sb_append_n(out, "\r\n", 2);
    if (has_body && !head_only && cs->resp_len) sb_append_n(out, cs->resp_body, cs->resp_len);
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
    log_level level = cs->status >= 500 && cs->status != 505 ? LOG_ERROR : LOG_INFO;
    if (!log_enabled(level)) return;
    json_t *tenant_json = cs->req.tenant_id ? json_string(cs->req.tenant_id) : json_null();
    log_emit(level, "request",
             json_pack("{s:s, s:o, s:s, s:s, s:i, s:f, s:s}", "requestId", cs->req.request_id,
                       "tenant", tenant_json, "method", method, "route", cs->route_label, "status",
                       cs->status, "ms", secs * 1000.0, "ip", cs->req.client_ip));
}
