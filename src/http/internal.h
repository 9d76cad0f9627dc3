/* internal.h - state shared by the files of src/http/ only: the per-request
 * server state that wraps a `request`, and the prepared response. */
#ifndef AUTHRS_HTTP_INTERNAL_H
#define AUTHRS_HTTP_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "http/http.h"
#include "util/strbuf.h"

typedef struct connection connection; /* http/server.c */

typedef struct resp_header {
    const char *name, *value;
    struct resp_header *next;
} resp_header;

typedef struct header_kv {
    const char *name, *value; /* in the request arena */
} header_kv;

/* One per connection, reset for each of its requests (server.c). */
typedef struct conn_state {
    request req;
    connection *conn;
    char *raw_uri;         /* arena copy of the request target */
    const char *raw_query; /* points into raw_uri, after '?' (or NULL) */
    header_kv *headers_in; /* request headers in arrival order */
    int nheaders_in, headers_cap;
    int64_t start_us;
    strbuf body;
    /* prepared response */
    bool replied;
    int status;
    char *resp_body; /* in the request arena */
    size_t resp_len;
    const char *content_type;
    resp_header *headers;
    db_conn *db;
    const char *route_label; /* pattern or "unmatched" */
} conn_state;

#define STATE(req) ((conn_state *)(req)->server_data)

/* Number of times a request header occurs (X-Tenant-ID must occur once). */
int req_header_count(const request *req, const char *name);

/* Appends the status line, the headers every response carries (API.md 1.4,
 * 1.9) and the body (not for HEAD) to out. `conn_header` is "close",
 * "keep-alive" or NULL (no Connection header). */
void response_render(conn_state *cs, strbuf *out, bool head_only, const char *conn_header);
/* Logs the request line and records its metrics. */
void response_observe(conn_state *cs);

#endif
