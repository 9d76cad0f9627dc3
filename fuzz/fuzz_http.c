/* fuzz_http.c - libFuzzer target for the HTTP layer (src/http/server.c) as a
 * client meets it: the real server runs in this process on a loopback port
 * with a throwaway SQLite store; each input is written on a fresh
 * connection, the write side is shut, and the answer is read until the
 * server closes. A crash, a sanitizer report, an answer that does not start
 * with a status line, a 5xx, or a server that neither answers nor closes
 * within 5 s fails. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "auth/session.h"
#include "config.h"
#include "courier/courier.h"
#include "http/server.h"
#include "series.h"
#include "store/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int port;

static double zero_gauge(void *ctx)
{
    (void)ctx;
    return 0;
}

static void *serve(void *arg)
{
    (void)arg;
    err e;
    if (server_run(&e)) {
        fprintf(stderr, "fuzz_http: %s\n", e.detail);
        abort();
    }
    return NULL;
}

static int connect_server(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0) return fd;
    if (fd >= 0) close(fd);
    return -1;
}

static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof sa;
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) ||
        getsockname(fd, (struct sockaddr *)&sa, &len))
        abort();
    close(fd);
    return ntohs(sa.sin_port);
}

static void start_server(void)
{
    char dir[] = "/tmp/authrs-fuzz-http.XXXXXX";
    if (!mkdtemp(dir)) abort();
    char url[128], portstr[16], outbox[128];
    snprintf(url, sizeof url, "sqlite:%s/fuzz.db", dir);
    snprintf(outbox, sizeof outbox, "%s/outbox", dir);
    port = free_port();
    snprintf(portstr, sizeof portstr, "%d", port);
    setenv("DATABASE_URL", url, 1);
    setenv("SERVER_HOST", "127.0.0.1", 1);
    setenv("SERVER_PORT", portstr, 1);
    setenv("LOG_LEVEL", "error", 1);
    setenv("RATE_LIMITS_ENABLED", "false", 1);
    setenv("HTTP_IDLE_TIMEOUT_SECONDS", "1", 1);
    setenv("AUTHRS_HTTP_THREADS", "1", 1);
    setenv("AUTHRS_WORKERS", "2", 1);
    setenv("ARGON2_M_KIB", "8192", 1);
    setenv("ARGON2_T", "1", 1);
    setenv("KV_STORE_ENCRYPTION_KEY", "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=", 1);
    err e;
    if (config_load()) abort(); /* it said why */
    if (store_open(8, &e)) {
        fprintf(stderr, "fuzz_http: %s\n", e.detail);
        abort();
    }
    series_init(zero_gauge, zero_gauge, NULL);
    session_service_start();
    courier_settings delivery = {.outbox_path = outbox};
    if (courier_start(&delivery, &e)) abort();
    pthread_t t;
    if (pthread_create(&t, NULL, serve, NULL)) abort();
    pthread_detach(t);
    for (int i = 0; i < 200; i++) {
        int fd = connect_server();
        if (fd >= 0) {
            close(fd);
            return;
        }
        usleep(10000);
    }
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, start_server);
    int fd = connect_server();
    if (fd < 0) abort();
    struct timeval tv = {.tv_sec = 5};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    size_t sent = 0;
    while (sent < size) {
        ssize_t w = send(fd, data + sent, size - sent, MSG_NOSIGNAL);
        if (w <= 0) break; /* the server may close early (413, 400): fine */
        sent += (size_t)w;
    }
    shutdown(fd, SHUT_WR);
    char answer[4096], sink[4096];
    size_t got = 0;
    for (;;) {
        bool room = got < sizeof answer;
        ssize_t r =
            recv(fd, room ? answer + got : sink, room ? sizeof answer - got : sizeof sink, 0);
        if (r == 0) break;
        if (r < 0) {
            if (got == 0 && sent == size) {
                fprintf(stderr, "fuzz_http: no answer and no close within 5 s\n");
                abort();
            }
            break; /* reset after an early close */
        }
        if (room) got += (size_t)r;
    }
    close(fd);
    bool bad = got > 0 && (got < 12 || memcmp(answer, "HTTP/1.1 ", 9) != 0 ||
                           (answer[9] == '5' && memcmp(answer + 9, "505", 3) != 0));
    if (bad) {
        fprintf(stderr, "fuzz_http: unexpected answer: %.*s\n", (int)(got < 600 ? got : 600),
                answer);
        abort();
    }
    return 0;
}
