/* internal.h - state shared by the files of src/http/ only: the per-request
 * server state that wraps a `request`, and the prepared response. */
#ifndef AUTHRS_HTTP_INTERNAL_H
#define AUTHRS_HTTP_INTERNAL_H

#include <microhttpd.h>
#include <stdbool.h>
#include <stdint.h>

#include "http/http.h"
#include "util/strbuf.h"

typedef struct resp_header {
    const char *name, *value;
    struct resp_header *next;
} resp_header;

typedef struct conn_state {
    request req;
    struct MHD_Connection *conn;
    char *raw_uri;         /* arena copy of the request target */
    const char *raw_query; /* points into raw_uri, after '?' (or NULL) */
    int64_t start_us;
    bool headers_seen; /* first access-handler call done */
    size_t discarded;  /* body bytes dropped after an early answer */
    bool replied;      /* a response is prepared */
    bool queued;
    bool suspended;
    strbuf body;
    /* prepared response */
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

/* Builds the MHD response with every common header (API.md 1.4, 1.9). */
struct MHD_Response *response_build(conn_state *cs);
/* Logs the request line and records its metrics. */
void response_observe(conn_state *cs);

#endif
