/* server.c - the HTTP/1.1 server: event threads over epoll, connections,
 * request parsing (nodejs http-parser), the size limits of API.md 1.1,
 * routing and early refusals, fast routes run inline and slow ones on the
 * worker pool, keep-alive and pipelining, lingering close, idle timeouts and
 * graceful shutdown.
 *
 * Each event thread owns an epoll set holding the shared listening socket
 * (EPOLLEXCLUSIVE) and the connections it accepted; a connection never moves
 * to another thread. A connection reads into the thread's scratch buffer and
 * feeds the parser; when a request is complete the parser is paused, the
 * pipeline runs (inline, or on a worker that hands the connection back
 * through the thread's completion queue and eventfd), the response is written
 * in one buffer, and parsing resumes on whatever the client sent meanwhile.
 *
 * Global state: the listening socket, the event threads and the stop flags
 * below, set up by server_run.
 */
#define _GNU_SOURCE /* accept4 */
#include "http/server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <http_parser.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
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
#define MAX_DISCARD      (16u << 20) /* body bytes read and dropped before a close */
#define SCRATCH_SIZE     (64u << 10) /* one read */
#define LINGER_US        (2 * 1000000LL)
#define KEEP_BUFFER_MAX  (64u << 10) /* larger per-connection buffers are freed after use */

typedef enum {
    CONN_READING, /* parsing; no request handed out */
    CONN_BUSY,    /* a worker runs the request */
    CONN_WRITING, /* response not fully sent */
    CONN_LINGER,  /* answer sent, write side shut: reading and dropping until EOF */
} conn_phase;

typedef struct loop loop;

struct connection {
    int fd;
    loop *lp;
    connection *prev, *next; /* the loop's list */
    connection *done_next;   /* completion queue link */
    conn_phase phase;
    http_parser parser;
    conn_state cs;
    char peer[64];
    strbuf pending; /* bytes read but not parsed (pipelined after a paused request) */
    size_t pending_off;
    strbuf out;
    size_t out_off;
    strbuf url, field, value; /* parse accumulators */
    size_t head_bytes, discarded;
    bool closed;       /* socket closed; freed after the epoll batch */
    bool in_value;     /* the current header's value has begun */
    bool in_request;   /* message begun, not answered */
    bool message_done; /* the parser paused on a complete request */
    bool close_after;  /* close once the response is written */
    int64_t last_active_us, linger_until_us;
};

struct loop {
    pthread_t thread;
    int epfd, wakefd;
    connection *conns;
    connection *graveyard; /* closed during this batch */
    pthread_mutex_t done_lock;
    connection *done; /* handed back by workers */
    bool listening;
    int64_t accept_paused_until_us;
    char *scratch;
};

static int listen_fd = -1;
static loop *loops;
static int nloops;
static atomic_int in_flight;
static atomic_bool stopping;      /* no new connections or requests */
static atomic_bool loops_exiting; /* close everything and return */
static volatile sig_atomic_t stop_requested;

/* ---- request state ---- */

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
    const char *id = req_header(&cs->req, "X-Request-ID");
    size_t n = id ? strlen(id) : 0;
    bool ok = n >= 1 && n <= 128;
    for (size_t i = 0; ok && i < n; i++)
        ok = id[i] >= 0x21 && id[i] <= 0x7e;
    if (ok)
        memcpy(cs->req.request_id, id, n + 1);
    else if (!cs->req.request_id[0])
        request_id_new(cs->req.request_id);
}

/* Empties the connection's conn_state for a new request; the arena keeps its
 * first block, so a keep-alive request allocates little. */
static void request_begin(connection *c)
{
    conn_state *cs = &c->cs;
    arena *a = cs->req.arena;
    strbuf body = cs->body;
    arena_reset(a);
    sb_reset(&body);
    memset(cs, 0, sizeof *cs);
    cs->req.arena = a;
    cs->body = body;
    cs->req.server_data = cs;
    cs->conn = c;
    cs->start_us = monotonic_us();
    cs->route_label = "unmatched";
    memcpy(cs->req.client_ip, c->peer, sizeof c->peer);
    sb_reset(&c->url);
    sb_reset(&c->field);
    sb_reset(&c->value);
    c->in_value = false;
    c->head_bytes = 0;
    c->in_request = true;
    c->message_done = false;
    atomic_fetch_add(&in_flight, 1);
}

/* The request is answered (or abandoned): what it holds goes back. */
static void request_end(connection *c)
{
    conn_state *cs = &c->cs;
    if (cs->db) db_release(store_db, cs->db);
    cs->db = NULL;
    json_decref(cs->req.body);
    cs->req.body = NULL;
    if (cs->body.cap > KEEP_BUFFER_MAX) sb_free(&cs->body); /* a big upload's buffer goes */
    if (c->in_request) atomic_fetch_sub(&in_flight, 1);
    c->in_request = false;
}

/* ---- parser callbacks ---- */

#define CONN(p) ((connection *)(p)->data)

static int on_message_begin(http_parser *p)
{
    request_begin(CONN(p));
    return 0;
}

/* Stops the parser after the current byte: the request is handed out (or
 * refused) before anything after it is parsed. */
static int stop_here(http_parser *p)
{
    http_parser_pause(p, 1);
    return 0;
}

/* Answers and closes. With status 0 the answer is already prepared; else it
 * is that status alone (414, 431, 505: no JSON envelope, as API.md 1.1 says
 * for the first two). */
static int refuse(http_parser *p, int status)
{
    connection *c = CONN(p);
    if (!c->cs.replied) {
        c->cs.replied = true;
        c->cs.status = status;
    }
    c->close_after = true;
    return stop_here(p);
}

static int on_url(http_parser *p, const char *at, size_t n)
{
    connection *c = CONN(p);
    sb_append_n(&c->url, at, n);
    if (c->url.len + strlen(http_method_str((enum http_method)p->method)) + 11 > MAX_REQUEST_LINE)
        return refuse(p, 414);
    return 0;
}

static void header_store(connection *c)
{
    conn_state *cs = &c->cs;
    if (!c->field.len) return;
    if (cs->nheaders_in == cs->headers_cap) {
        int cap = cs->headers_cap ? cs->headers_cap * 2 : 16;
        header_kv *grown = arena_alloc(cs->req.arena, (size_t)cap * sizeof *grown);
        if (cs->nheaders_in) memcpy(grown, cs->headers_in, (size_t)cs->nheaders_in * sizeof *grown);
        cs->headers_in = grown;
        cs->headers_cap = cap;
    }
    header_kv *h = &cs->headers_in[cs->nheaders_in++];
    h->name = arena_strndup(cs->req.arena, c->field.data, c->field.len);
    h->value = arena_strndup(cs->req.arena, c->value.len ? c->value.data : "", c->value.len);
    sb_reset(&c->field);
    sb_reset(&c->value);
    c->in_value = false;
}

/* RFC 9110 tchar: http-parser lets a space through in a header name, and
 * "Transfer-Encoding : chunked" is a request-smuggling classic. */
static bool is_token(const char *s, size_t n)
{
    static const char extra[] = "!#$%&'*+-.^_`|~";
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        bool ok = (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') ||
                  (ch >= 'A' && ch <= 'Z') || (ch && strchr(extra, ch));
        if (!ok) return false;
    }
    return true;
}

static int on_header_field(http_parser *p, const char *at, size_t n)
{
    connection *c = CONN(p);
    if (!is_token(at, n)) {
        reply_error(&c->cs.req, ERR_BAD_REQUEST, "Malformed HTTP request");
        return refuse(p, 0);
    }
    if (c->in_value) header_store(c);          /* a new header starts */
    if (c->field.len == 0) c->head_bytes += 4; /* ": " and CRLF */
    sb_append_n(&c->field, at, n);
    c->head_bytes += n;
    return c->head_bytes > MAX_HEADER_BLOCK ? refuse(p, 431) : 0;
}

static int on_header_value(http_parser *p, const char *at, size_t n)
{
    connection *c = CONN(p);
    sb_append_n(&c->value, at, n);
    c->in_value = true;
    c->head_bytes += n;
    return c->head_bytes > MAX_HEADER_BLOCK ? refuse(p, 431) : 0;
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

static bool has_body(const http_parser *p)
{
    return (p->flags & F_CHUNKED) || (p->content_length > 0 && p->content_length != ULLONG_MAX);
}

/* An answer decided from the head alone. Without a body it is sent when the
 * message completes, so the connection stays alive; with a body it goes at
 * once and the connection is closed (after reading and dropping the rest). */
static int early_reply(http_parser *p)
{
    return has_body(p) ? refuse(p, 0) : 0;
}

static void send_continue(connection *c)
{
    const char *expect = req_header(&c->cs.req, "Expect");
    if (expect && strcasecmp(expect, "100-continue") == 0 && c->parser.http_minor >= 1) {
        static const char line[] = "HTTP/1.1 100 Continue\r\n\r\n";
        ssize_t w = send(c->fd, line, sizeof line - 1, MSG_NOSIGNAL);
        (void)w; /* best effort: a client that waits for it sends the body after a timeout */
    }
}

/* Everything that can be decided from the request head (API.md 1.7 steps 1-2
 * plus the limits of 1.1). */
static int on_headers_complete(http_parser *p)
{
    connection *c = CONN(p);
    header_store(c);
    conn_state *cs = &c->cs;
    request *req = &cs->req;
    req->method = http_method_str((enum http_method)p->method);
    cs->raw_uri = arena_strndup(req->arena, c->url.len ? c->url.data : "", c->url.len);
    set_request_id(cs);
    if (p->http_major != 1) return refuse(p, 505);
    if (!http_should_keep_alive(p) || p->upgrade || atomic_load(&stopping)) c->close_after = true;
    if (p->method == HTTP_OPTIONS) {
        reply_text(req, 204, NULL, "", 0);
        return early_reply(p);
    }
    char *segs[MAX_SEGMENTS];
    int nsegs = split_path(cs, segs);
    char allow[128];
    match_result m = nsegs < 0
                         ? MATCH_NO_PATH
                         : routes_match(req->method, segs, nsegs, &req->route, req->param_names,
                                        req->param_values, &req->nparams, allow, sizeof allow);
    if (m == MATCH_NO_PATH) {
        reply_error(req, ERR_NOT_FOUND, "Route not found");
        return early_reply(p);
    }
    if (m == MATCH_NO_METHOD) {
        reply_header(req, "Allow", allow);
        reply_error(req, ERR_METHOD_NOT_ALLOWED, "%s is not supported on this route", req->method);
        return early_reply(p);
    }
    cs->route_label = req->route->pattern;
    if (p->content_length != ULLONG_MAX && p->content_length > cfg.body_limit) {
        reply_error(req, ERR_PAYLOAD_TOO_LARGE, "Request body exceeds %zu bytes", cfg.body_limit);
        return refuse(p, 0);
    }
    if (has_body(p)) send_continue(c);
    return 0;
}

static int on_body(http_parser *p, const char *at, size_t n)
{
    connection *c = CONN(p);
    conn_state *cs = &c->cs;
    if (cs->body.len + n > cfg.body_limit) {
        reply_error(&cs->req, ERR_PAYLOAD_TOO_LARGE, "Request body exceeds %zu bytes",
                    cfg.body_limit);
        return refuse(p, 0);
    }
    sb_append_n(&cs->body, at, n);
    return 0;
}

static int on_message_complete(http_parser *p)
{
    CONN(p)->message_done = true;
    return stop_here(p);
}

static const http_parser_settings parser_settings = {
    .on_message_begin = on_message_begin,
    .on_url = on_url,
    .on_header_field = on_header_field,
    .on_header_value = on_header_value,
    .on_headers_complete = on_headers_complete,
    .on_body = on_body,
    .on_message_complete = on_message_complete,
};

/* ---- connections ---- */

/* Closes the socket and unlinks the connection; its memory is freed only
 * after the current epoll batch (loop_bury), since a later event of the same
 * batch may still name it. */
static void conn_close(connection *c)
{
    if (c->closed) return;
    loop *lp = c->lp;
    request_end(c);
    epoll_ctl(lp->epfd, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    c->closed = true;
    if (c->prev)
        c->prev->next = c->next;
    else
        lp->conns = c->next;
    if (c->next) c->next->prev = c->prev;
    c->prev = NULL;
    c->next = lp->graveyard;
    lp->graveyard = c;
}

static void conn_free(connection *c)
{
    arena_free(c->cs.req.arena);
    sb_free(&c->cs.body);
    sb_free(&c->pending);
    sb_free(&c->out);
    sb_free(&c->url);
    sb_free(&c->field);
    sb_free(&c->value);
    free(c);
}

static void loop_bury(loop *lp)
{
    while (lp->graveyard) {
        connection *c = lp->graveyard;
        lp->graveyard = c->next;
        conn_free(c);
    }
}

/* Writes what is pending. Returns false when the connection was closed. */
static bool conn_flush(connection *c)
{
    while (c->out_off < c->out.len) {
        ssize_t w = send(c->fd, c->out.data + c->out_off, c->out.len - c->out_off, MSG_NOSIGNAL);
        if (w > 0) {
            c->out_off += (size_t)w;
            continue;
        }
        if (w < 0 && errno == EINTR) continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            c->phase = CONN_WRITING;
            return true;
        }
        conn_close(c);
        return false;
    }
    if (c->out.cap > KEEP_BUFFER_MAX)
        sb_free(&c->out);
    else
        sb_reset(&c->out);
    c->out_off = 0;
    if (c->close_after) {
        shutdown(c->fd, SHUT_WR);
        c->phase = CONN_LINGER;
        c->linger_until_us = monotonic_us() + LINGER_US;
    } else {
        c->phase = CONN_READING;
    }
    return true;
}

/* Sends the prepared answer of the current request. Returns false when the
 * connection was closed. */
static bool conn_respond(connection *c)
{
    conn_state *cs = &c->cs;
    if (!cs->req.request_id[0]) request_id_new(cs->req.request_id);
    if (!cs->replied) reply_error(&cs->req, ERR_BAD_REQUEST, "Malformed HTTP request");
    response_observe(cs);
    const char *connection_header = NULL;
    if (c->close_after)
        connection_header = "close";
    else if (c->parser.http_major == 1 && c->parser.http_minor == 0)
        connection_header = "keep-alive";
    bool head = cs->req.method && strcmp(cs->req.method, "HEAD") == 0;
    response_render(cs, &c->out, head, connection_header);
    request_end(c);
    if (HTTP_PARSER_ERRNO(&c->parser) == HPE_PAUSED) http_parser_pause(&c->parser, 0);
    return conn_flush(c);
}

static void run_slow(void *arg)
{
    connection *c = arg;
    conn_state *cs = &c->cs;
    pipeline_run(&cs->req, cs->raw_query, sb_str(&cs->body), cs->body.len);
    if (cs->db) {
        db_release(store_db, cs->db);
        cs->db = NULL;
    }
    loop *lp = c->lp;
    pthread_mutex_lock(&lp->done_lock);
    c->done_next = lp->done;
    lp->done = c;
    pthread_mutex_unlock(&lp->done_lock);
    uint64_t one = 1;
    ssize_t w = write(lp->wakefd, &one, sizeof one);
    (void)w; /* the counter only saturates; the loop reads it on every wake */
}

/* A complete (or refused) request: run it. Returns false when the
 * connection was closed. */
static bool conn_dispatch(connection *c)
{
    conn_state *cs = &c->cs;
    if (cs->replied || !c->message_done) return conn_respond(c);
    if (cs->req.route->slow) {
        c->phase = CONN_BUSY;
        if (workers_submit(run_slow, c) == 0) return true;
        c->phase = CONN_READING;
        err e;
        err_set(&e, ERR_RATE_LIMITED, "Too many requests, retry after 1 seconds");
        e.retry_after = 1;
        reply_err(&cs->req, &e);
        return conn_respond(c);
    }
    pipeline_run(&cs->req, cs->raw_query, sb_str(&cs->body), cs->body.len);
    return conn_respond(c);
}

/* Feeds bytes to the parser until they are used up or a request is handed
 * out; what is left waits in c->pending. Returns false when closed. */
static bool conn_feed(connection *c, const char *data, size_t n)
{
    size_t used = http_parser_execute(&c->parser, &parser_settings, data, n);
    enum http_errno er = HTTP_PARSER_ERRNO(&c->parser);
    if (er == HPE_PAUSED) {
        if (used < n) sb_append_n(&c->pending, data + used, n - used);
        return conn_dispatch(c);
    }
    if (er != HPE_OK) {
        if (!c->in_request) request_begin(c);
        c->close_after = true;
        return conn_respond(c);
    }
    return true;
}

/* Reads and parses until the socket is drained or the connection waits for
 * a worker or for the peer to take the output. */
static void conn_process(connection *c)
{
    char *scratch = c->lp->scratch;
    for (;;) {
        if (c->phase == CONN_READING && c->pending_off < c->pending.len) {
            /* parse what was pipelined behind the last request, in place */
            strbuf rest = c->pending;
            size_t off = c->pending_off;
            c->pending = (strbuf)STRBUF_INIT;
            c->pending_off = 0;
            bool alive = conn_feed(c, rest.data + off, rest.len - off);
            sb_free(&rest);
            if (!alive) return;
            continue;
        }
        if (c->phase != CONN_READING && c->phase != CONN_LINGER) return;
        ssize_t n = recv(c->fd, scratch, SCRATCH_SIZE, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
        if (n <= 0) { /* EOF or reset */
            conn_close(c);
            return;
        }
        c->last_active_us = monotonic_us();
        if (c->phase == CONN_LINGER) {
            c->discarded += (size_t)n;
            if (c->discarded > MAX_DISCARD) {
                conn_close(c);
                return;
            }
            continue;
        }
        if (!conn_feed(c, scratch, (size_t)n)) return;
    }
}

static void conn_event(connection *c, uint32_t events)
{
    if (c->closed) return;
    if (c->phase == CONN_BUSY) return; /* the answer is written when the worker is done */
    if ((events & EPOLLOUT) && c->phase == CONN_WRITING && !conn_flush(c)) return;
    if (c->phase == CONN_READING || c->phase == CONN_LINGER) conn_process(c);
}

static void format_peer(const struct sockaddr_storage *ss, char out[64])
{
    strcpy(out, "unknown");
    if (ss->ss_family == AF_INET) {
        const uint8_t *b = (const uint8_t *)&((const struct sockaddr_in *)ss)->sin_addr.s_addr;
        snprintf(out, 64, "%u.%u.%u.%u", b[0], b[1], b[2], b[3]);
    } else if (ss->ss_family == AF_INET6) {
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ss)->sin6_addr, out, 64);
    }
}

static void accept_all(loop *lp)
{
    for (int i = 0; i < 64; i++) {
        struct sockaddr_storage ss;
        socklen_t len = sizeof ss;
        int fd = accept4(listen_fd, (struct sockaddr *)&ss, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
                /* out of descriptors: stop listening for a moment instead of spinning */
                epoll_ctl(lp->epfd, EPOLL_CTL_DEL, listen_fd, NULL);
                lp->listening = false;
                lp->accept_paused_until_us = monotonic_us() + 100000;
            }
            return;
        }
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        connection *c = calloc(1, sizeof *c);
        if (!c) abort();
        c->fd = fd;
        c->lp = lp;
        c->phase = CONN_READING;
        c->last_active_us = monotonic_us();
        format_peer(&ss, c->peer);
        c->cs.req.arena = arena_new(4096);
        http_parser_init(&c->parser, HTTP_REQUEST);
        c->parser.data = c;
        c->next = lp->conns;
        if (lp->conns) lp->conns->prev = c;
        lp->conns = c;
        struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET,
                                 .data.ptr = c};
        if (epoll_ctl(lp->epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
            conn_close(c);
            continue;
        }
        conn_process(c);
    }
}

/* ---- event threads ---- */

static void loop_take_done(loop *lp)
{
    uint64_t count;
    ssize_t r = read(lp->wakefd, &count, sizeof count);
    (void)r;
    pthread_mutex_lock(&lp->done_lock);
    connection *list = lp->done;
    lp->done = NULL;
    pthread_mutex_unlock(&lp->done_lock);
    while (list) {
        connection *c = list;
        list = c->done_next;
        c->phase = CONN_READING;
        if (atomic_load(&stopping)) c->close_after = true;
        if (conn_respond(c) && c->phase == CONN_READING) conn_process(c);
    }
}

/* Once a second: idle and lingering connections past their time are closed;
 * while stopping, connections between requests are closed too. */
static void loop_sweep(loop *lp)
{
    int64_t now = monotonic_us();
    bool stop = atomic_load(&stopping);
    if (stop && lp->listening) {
        epoll_ctl(lp->epfd, EPOLL_CTL_DEL, listen_fd, NULL);
        lp->listening = false;
    }
    if (!stop && !lp->listening && now >= lp->accept_paused_until_us) {
        struct epoll_event ev = {.events = EPOLLIN | EPOLLEXCLUSIVE, .data.ptr = NULL};
        lp->listening = epoll_ctl(lp->epfd, EPOLL_CTL_ADD, listen_fd, &ev) == 0;
    }
    for (connection *c = lp->conns, *next; c; c = next) {
        next = c->next;
        bool idle = c->phase == CONN_READING && !c->in_request && c->pending_off >= c->pending.len;
        if ((c->phase == CONN_READING &&
             now - c->last_active_us > (int64_t)cfg.http_idle_timeout_s * 1000000) ||
            (c->phase == CONN_LINGER && now > c->linger_until_us) || (stop && idle))
            conn_close(c);
    }
}

static void *loop_main(void *arg)
{
    loop *lp = arg;
    struct epoll_event events[128];
    int64_t last_sweep = monotonic_us();
    while (!atomic_load(&loops_exiting)) {
        int n = epoll_wait(lp->epfd, events, 128, atomic_load(&stopping) ? 100 : 1000);
        for (int i = 0; i < n; i++) {
            void *ptr = events[i].data.ptr;
            if (!ptr)
                accept_all(lp);
            else if (ptr == lp)
                loop_take_done(lp);
            else
                conn_event(ptr, events[i].events);
        }
        int64_t now = monotonic_us();
        if (now - last_sweep >= (atomic_load(&stopping) ? 100000 : 1000000) || n == 0) {
            loop_sweep(lp);
            last_sweep = now;
        }
        loop_bury(lp);
    }
    while (lp->conns)
        conn_close(lp->conns);
    loop_bury(lp);
    return NULL;
}

static int loop_init(loop *lp)
{
    lp->epfd = epoll_create1(EPOLL_CLOEXEC);
    lp->wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    lp->scratch = malloc(SCRATCH_SIZE);
    pthread_mutex_init(&lp->done_lock, NULL);
    if (lp->epfd < 0 || lp->wakefd < 0 || !lp->scratch) return -1;
    struct epoll_event wake = {.events = EPOLLIN, .data.ptr = lp};
    struct epoll_event lst = {.events = EPOLLIN | EPOLLEXCLUSIVE, .data.ptr = NULL};
    if (epoll_ctl(lp->epfd, EPOLL_CTL_ADD, lp->wakefd, &wake) ||
        epoll_ctl(lp->epfd, EPOLL_CTL_ADD, listen_fd, &lst))
        return -1;
    lp->listening = true;
    return 0;
}

static void loop_free(loop *lp)
{
    if (lp->epfd >= 0) close(lp->epfd);
    if (lp->wakefd >= 0) close(lp->wakefd);
    free(lp->scratch);
    pthread_mutex_destroy(&lp->done_lock);
}

static void loops_wake(void)
{
    uint64_t one = 1;
    for (int i = 0; i < nloops; i++) {
        ssize_t w = write(loops[i].wakefd, &one, sizeof one);
        (void)w;
    }
}

/* ---- start and stop ---- */

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static int open_listener(err *e)
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
    int fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    bool ok = fd >= 0 && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == 0 &&
              bind(fd, res->ai_addr, res->ai_addrlen) == 0 && listen(fd, 1024) == 0;
    freeaddrinfo(res);
    if (!ok) {
        if (fd >= 0) close(fd);
        return err_internal(e, "cannot listen on %s:%d (port in use?)", cfg.server_host,
                            cfg.server_port);
    }
    listen_fd = fd;
    return 0;
}

static void loops_stop(void)
{
    atomic_store(&loops_exiting, true);
    loops_wake();
    for (int i = 0; i < nloops; i++)
        pthread_join(loops[i].thread, NULL);
    for (int i = 0; i < nloops; i++)
        loop_free(&loops[i]);
    free(loops);
    loops = NULL;
    nloops = 0;
    close(listen_fd);
    listen_fd = -1;
}

static int loops_start(err *e)
{
    nloops = cfg.http_threads > 0 ? cfg.http_threads : 1;
    loops = calloc((size_t)nloops, sizeof *loops);
    if (!loops) abort();
    for (int i = 0; i < nloops; i++) {
        loops[i].epfd = loops[i].wakefd = -1;
        if (loop_init(&loops[i]) ||
            pthread_create(&loops[i].thread, NULL, loop_main, &loops[i]) != 0) {
            for (int j = 0; j < i; j++)
                pthread_cancel(loops[j].thread);
            return err_internal(e, "cannot start the event threads");
        }
    }
    return 0;
}

int server_run(err *e)
{
    signal(SIGPIPE, SIG_IGN);
    if (open_listener(e)) return -1;
    if (workers_start(cfg.worker_threads, 4096)) {
        close(listen_fd);
        return err_internal(e, "cannot start workers");
    }
    if (loops_start(e)) {
        workers_stop();
        return -1;
    }
    log_emit(LOG_INFO, "start",
             json_pack("{s:s, s:s, s:s, s:i}", "version", AUTHRS_VERSION, "store",
                       db_kind(store_db), "host", cfg.server_host, "port", cfg.server_port));
    if (!cfg.admin_auth)
        log_msg(LOG_WARN, "admin_auth_off", "ADMIN_AUTH=off: the admin API is unauthenticated");
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    while (!stop_requested)
        usleep(100 * 1000);
    atomic_store(&stopping, true);
    loops_wake();
    int64_t deadline = monotonic_us() + 10 * 1000000;
    while (atomic_load(&in_flight) > 0 && monotonic_us() < deadline)
        usleep(20 * 1000);
    workers_stop();
    loops_stop();
    log_msg(LOG_INFO, "shutdown", "stopped");
    return 0;
}
