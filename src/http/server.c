/* server.c - libmicrohttpd glue: request state allocation, the size limits
 * of API.md 1.1 (request line, headers, body), CORS preflight, routing,
 * suspend/resume for slow routes, and graceful shutdown.
 *
 * The access handler is called once after the headers (routing and early
 * refusals happen there), then once per body chunk, then once more when the
 * body is complete: that last call runs the pipeline, inline for fast routes
 * and on the worker pool for slow ones (the connection is suspended meanwhile).
 */
#include "http/server.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "http/internal.h"
#include "http/pipeline.h"
#include "http/routes.h"
#include "http/workers.h"
#include "store/db.h"
#include "store/store.h"
#include "util/log.h"
#include "util/timeutil.h"

#define MAX_REQUEST_LINE 8192
#define MAX_HEADER_BLOCK 16384
#define MAX_SEGMENTS     16
#define MAX_DISCARD      (16u << 20) /* body bytes read and dropped after a 413 */
/* libmicrohttpd's per-connection memory, zeroed between requests, so no
 * bigger than needed: a 16 KiB header block fits, and a larger one still
 * reaches on_headers for its 431 (at 17 KiB the library drops the connection). */
#define CONNECTION_POOL (20u << 10)

static atomic_int in_flight;

/* One conn_state per TCP connection, made when it opens and reused by each of
 * its requests (the arena keeps its first block): a keep-alive request
 * allocates nothing here. */
static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
    (void)cls;
    (void)conn;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        conn_state *cs = calloc(1, sizeof *cs);
        if (!cs) abort();
        cs->req.arena = arena_new(4096);
        *socket_context = cs;
        return;
    }
    conn_state *cs = *socket_context;
    if (cs) {
        arena_free(cs->req.arena);
        free(cs);
    }
    *socket_context = NULL;
}

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
    (void)cls;
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    conn_state *cs = ci ? ci->socket_context : NULL;
    if (!cs) abort(); /* on_connection made it */
    arena *a = cs->req.arena;
    arena_reset(a);
    memset(cs, 0, sizeof *cs);
    cs->req.arena = a;
    cs->req.server_data = cs;
    cs->conn = conn;
    cs->start_us = monotonic_us();
    cs->raw_uri = arena_strdup(a, uri);
    cs->route_label = "unmatched";
    atomic_fetch_add(&in_flight, 1);
    return cs;
}

/* The request is over (answered, or its connection closed): its resources go;
 * the conn_state stays with the connection. */
static void on_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)conn;
    (void)toe;
    conn_state *cs = *req_cls;
    if (!cs) return;
    if (cs->db) db_release(store_db, cs->db);
    cs->db = NULL;
    json_decref(cs->req.body);
    cs->req.body = NULL;
    sb_free(&cs->body);
    *req_cls = NULL;
    atomic_fetch_sub(&in_flight, 1);
}

static size_t no_unescape(void *cls, struct MHD_Connection *c, char *s)
{
    (void)cls;
    (void)c;
    return strlen(s); /* the router decodes each path segment itself (1.1) */
}

static enum MHD_Result queue_prepared(conn_state *cs)
{
    struct MHD_Response *r = response_build(cs);
    if (!r) return MHD_NO;
    response_observe(cs);
    enum MHD_Result ok = MHD_queue_response(cs->conn, (unsigned)cs->status, r);
    MHD_destroy_response(r);
    cs->queued = true;
    return ok;
}

/* 414 and 431 are refused before parsing, so they carry no JSON envelope. */
static enum MHD_Result queue_plain(conn_state *cs, int status)
{
    cs->replied = true;
    cs->status = status;
    return queue_prepared(cs);
}

/* Request ids need to be unique, not secret: a per-thread xorshift generator
 * seeded once from the CSPRNG spares a getrandom() call per request.
 * Thread-local state: the generator of each event thread. */
static void request_id_new(char out[UUID_STR_LEN + 1])
{
    static _Thread_local uint64_t state[2];
    if (!state[0] && !state[1]) crypto_random(state, sizeof state);
    uint8_t b[16];
    for (int half = 0; half < 2; half++) {
        uint64_t x = state[0], y = state[1]; /* xorshift128+ */
        state[0] = y;
        x ^= x << 23;
        state[1] = x ^ y ^ (x >> 17) ^ (y >> 26);
        uint64_t v = state[1] + y;
        memcpy(b + 8 * half, &v, 8);
    }
    b[6] = (uint8_t)((b[6] & 0x0f) | 0x40);
    b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);
    static const char hexdigits[] = "0123456789abcdef";
    size_t o = 0;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10) out[o++] = '-';
        out[o++] = hexdigits[b[i] >> 4];
        out[o++] = hexdigits[b[i] & 15];
    }
    out[o] = '\0';
}

static void set_request_id(conn_state *cs)
{
    const char *id = MHD_lookup_connection_value(cs->conn, MHD_HEADER_KIND, "X-Request-ID");
    size_t n = id ? strlen(id) : 0;
    bool ok = n >= 1 && n <= 128;
    for (size_t i = 0; ok && i < n; i++)
        ok = id[i] >= 0x21 && id[i] <= 0x7e;
    if (ok)
        memcpy(cs->req.request_id, id, n + 1);
    else
        request_id_new(cs->req.request_id);
}

/* Dotted quad without inet_ntop (which goes through sprintf). */
static void ipv4_format(const struct in_addr *a, char out[16])
{
    const uint8_t *b = (const uint8_t *)&a->s_addr;
    size_t o = 0;
    for (int i = 0; i < 4; i++) {
        unsigned v = b[i];
        if (v >= 100) out[o++] = (char)('0' + v / 100);
        if (v >= 10) out[o++] = (char)('0' + v / 10 % 10);
        out[o++] = (char)('0' + v % 10);
        out[o++] = i < 3 ? '.' : '\0';
    }
}

static void set_client_ip(conn_state *cs)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(cs->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct sockaddr *sa = ci ? ci->client_addr : NULL;
    strcpy(cs->req.client_ip, "unknown");
    if (!sa) return;
    if (sa->sa_family == AF_INET)
        ipv4_format(&((const struct sockaddr_in *)sa)->sin_addr, cs->req.client_ip);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, cs->req.client_ip,
                  sizeof cs->req.client_ip);
}

static enum MHD_Result sum_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                  const char *value)
{
    (void)kind;
    *(size_t *)cls += strlen(key) + strlen(value) + 4;
    return MHD_YES;
}

/* Splits the path of the raw URI on '/' and percent-decodes each segment.
 * A segment that does not decode is kept raw: it then matches no literal and
 * fails its parameter rule. Returns the segment count, or -1 (unknown route). */
static int split_path(conn_state *cs, char **segs)
{
    char *uri = cs->raw_uri;
    char *q = strchr(uri, '?');
    size_t path_len = q ? (size_t)(q - uri) : strlen(uri);
    cs->raw_query = q ? q + 1 : NULL;
    if (path_len == 0 || uri[0] != '/') return -1;
    int n = 0;
    size_t i = 1;
    if (path_len == 1) return 0;
    while (i <= path_len) {
        size_t start = i;
        while (i < path_len && uri[i] != '/')
            i++;
        if (n == MAX_SEGMENTS) return -1;
        char *seg = percent_decode(cs->req.arena, uri + start, i - start, false);
        segs[n++] = seg ? seg : arena_strndup(cs->req.arena, uri + start, i - start);
        i++;
    }
    return n;
}

/* An answer decided from the head alone. Without a body it is sent at the
 * final call, so the connection stays alive; with a body it goes at once and
 * libmicrohttpd closes the connection instead of reading what is left. */
static enum MHD_Result early_reply(conn_state *cs)
{
    const char *cl = MHD_lookup_connection_value(cs->conn, MHD_HEADER_KIND, "Content-Length");
    const char *te = MHD_lookup_connection_value(cs->conn, MHD_HEADER_KIND, "Transfer-Encoding");
    bool has_body = te || (cl && strcmp(cl, "0") != 0);
    return has_body ? queue_prepared(cs) : MHD_YES;
}

/* First call: everything that can be decided from the request head. */
static enum MHD_Result on_headers(conn_state *cs, const char *method)
{
    request *req = &cs->req;
    req->method = arena_strdup(req->arena, method);
    set_request_id(cs);
    set_client_ip(cs);
    if (strlen(cs->raw_uri) + strlen(method) + 11 > MAX_REQUEST_LINE) return queue_plain(cs, 414);
    size_t header_bytes = 0;
    MHD_get_connection_values(cs->conn, MHD_HEADER_KIND, sum_header, &header_bytes);
    if (header_bytes > MAX_HEADER_BLOCK) return queue_plain(cs, 431);

    if (strcmp(method, "OPTIONS") == 0) {
        reply_text(req, 204, NULL, "", 0);
        return early_reply(cs);
    }
    char *segs[MAX_SEGMENTS];
    int nsegs = split_path(cs, segs);
    char allow[128];
    match_result m = nsegs < 0
                         ? MATCH_NO_PATH
                         : routes_match(method, segs, nsegs, &req->route, req->param_names,
                                        req->param_values, &req->nparams, allow, sizeof allow);
    if (m == MATCH_NO_PATH) {
        reply_error(req, ERR_NOT_FOUND, "Route not found");
        return early_reply(cs);
    }
    if (m == MATCH_NO_METHOD) {
        reply_header(req, "Allow", allow);
        reply_error(req, ERR_METHOD_NOT_ALLOWED, "%s is not supported on this route", method);
        return early_reply(cs);
    }
    cs->route_label = req->route->pattern;
    const char *cl = MHD_lookup_connection_value(cs->conn, MHD_HEADER_KIND, "Content-Length");
    if (cl && strtoull(cl, NULL, 10) > cfg.body_limit) {
        reply_error(req, ERR_PAYLOAD_TOO_LARGE, "Request body exceeds %zu bytes", cfg.body_limit);
        return queue_prepared(cs);
    }
    return MHD_YES;
}

static void run_slow(void *arg)
{
    conn_state *cs = arg;
    pipeline_run(&cs->req, cs->raw_query, sb_str(&cs->body), cs->body.len);
    if (cs->db) {
        db_release(store_db, cs->db);
        cs->db = NULL;
    }
    MHD_resume_connection(cs->conn);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **req_cls)
{
    (void)cls;
    (void)url;
    (void)version;
    conn_state *cs = *req_cls;
    if (cs->queued) return MHD_YES;
    if (!cs->headers_seen) {
        cs->headers_seen = true;
        return on_headers(cs, method);
    }
    if (*upload_data_size > 0) {
        if (cs->replied) {
            /* Answer already decided: read and drop the rest of a chunked body so
             * the client gets the answer, up to a bound, then cut the connection. */
            cs->discarded += *upload_data_size;
            *upload_data_size = 0;
            return cs->discarded > MAX_DISCARD ? queue_prepared(cs) : MHD_YES;
        }
        if (cs->body.len + *upload_data_size > cfg.body_limit) {
            reply_error(&cs->req, ERR_PAYLOAD_TOO_LARGE, "Request body exceeds %zu bytes",
                        cfg.body_limit);
            *upload_data_size = 0;
            return MHD_YES;
        }
        sb_append_n(&cs->body, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (cs->replied) return queue_prepared(cs); /* early answer, or resumed after slow work */
    if (cs->req.route->slow) {
        MHD_suspend_connection(conn);
        if (workers_submit(run_slow, cs) == 0) return MHD_YES;
        MHD_resume_connection(conn);
        err e;
        err_set(&e, ERR_RATE_LIMITED, "Too many requests, retry after 1 seconds");
        e.retry_after = 1;
        reply_err(&cs->req, &e);
        return queue_prepared(cs);
    }
    pipeline_run(&cs->req, cs->raw_query, sb_str(&cs->body), cs->body.len);
    if (cs->db) {
        db_release(store_db, cs->db);
        cs->db = NULL;
    }
    return queue_prepared(cs);
}

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static int resolve_listen(struct sockaddr_storage *ss, socklen_t *len, err *e)
{
    struct addrinfo hints = {
        .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE};
    struct addrinfo *res = NULL;
    char port[8];
    snprintf(port, sizeof port, "%d", cfg.server_port);
    int rc = getaddrinfo(cfg.server_host, port, &hints, &res);
    if (rc != 0 || !res)
        return err_internal(e, "cannot resolve SERVER_HOST %s: %s", cfg.server_host,
                            gai_strerror(rc));
    memcpy(ss, res->ai_addr, res->ai_addrlen);
    *len = res->ai_addrlen;
    freeaddrinfo(res);
    return 0;
}

int server_run(err *e)
{
    struct sockaddr_storage addr;
    socklen_t addr_len;
    if (resolve_listen(&addr, &addr_len, e)) return -1;
    if (workers_start(cfg.worker_threads, 4096)) return err_internal(e, "cannot start workers");
    unsigned flags =
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_TURBO;
    if (addr.ss_family == AF_INET6) flags |= MHD_USE_IPv6;
    struct MHD_Daemon *d = MHD_start_daemon(
        flags, (uint16_t)cfg.server_port, NULL, NULL, on_request, NULL, MHD_OPTION_SOCK_ADDR,
        (struct sockaddr *)&addr, MHD_OPTION_THREAD_POOL_SIZE, (unsigned)cfg.http_threads,
        MHD_OPTION_URI_LOG_CALLBACK, on_uri, NULL, MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
        MHD_OPTION_NOTIFY_CONNECTION, on_connection, NULL, MHD_OPTION_UNESCAPE_CALLBACK,
        no_unescape, NULL, MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONNECTION_POOL,
        MHD_OPTION_CONNECTION_TIMEOUT, 30u, MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024u, MHD_OPTION_END);
    if (!d) {
        workers_stop();
        return err_internal(e, "cannot listen on %s:%d (port in use?)", cfg.server_host,
                            cfg.server_port);
    }
    log_emit(LOG_INFO, "start",
             json_pack("{s:s, s:s, s:s, s:i}", "version", AUTHRS_VERSION, "store",
                       db_kind(store_db), "host", cfg.server_host, "port", cfg.server_port));
    if (!cfg.admin_auth)
        log_msg(LOG_WARN, "admin_auth_off", "ADMIN_AUTH=off: the admin API is unauthenticated");
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    signal(SIGPIPE, SIG_IGN);
    while (!stop_requested)
        usleep(100 * 1000);
    MHD_quiesce_daemon(d);
    int64_t deadline = monotonic_us() + 10 * 1000000;
    while (atomic_load(&in_flight) > 0 && monotonic_us() < deadline)
        usleep(20 * 1000);
    MHD_stop_daemon(d);
    workers_stop();
    log_msg(LOG_INFO, "shutdown", "stopped");
    return 0;
}
