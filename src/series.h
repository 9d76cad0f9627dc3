/* series.h - the metric series of API.md 5.3, registered once at start.
 * Global state: the metric handles below (the registry itself lives in
 * util/metrics.c). */
#ifndef AUTHRS_SERIES_H
#define AUTHRS_SERIES_H

#include "util/metrics.h"

extern metric *series_login_success;     /* {method} */
extern metric *series_login_failure;     /* {method, reason} */
extern metric *series_otp_sent;          /* {channel} */
extern metric *series_delivery_failures; /* {channel} */
extern metric *series_rate_limited;      /* {route} */
extern metric *series_http_requests;     /* {route, method, status} */
extern metric *series_http_duration;     /* {route} */

/* Registers every series. The two scrape-time gauges (active sessions, MFA
 * identities) are computed by the given callbacks (NULL: reported as 0). */
void series_init(double (*active_sessions)(void *), double (*mfa_enabled)(void *), void *ctx);

#endif
