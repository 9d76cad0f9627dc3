/* server.h - the HTTP/1.1 server: epoll event threads, nodejs http-parser. */
#ifndef AUTHRS_SERVER_H
#define AUTHRS_SERVER_H

#include "util/err.h"

/* Listens on cfg.server_host:cfg.server_port and serves until SIGTERM or
 * SIGINT; then stops accepting, lets in-flight requests finish for up to
 * 10 s, and returns 0. */
int server_run(err *e);

#endif
