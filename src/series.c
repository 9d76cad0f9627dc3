/* series.c - registration of the API.md 5.3 series (see series.h). */
#include "series.h"

#include "util/procstat.h"

metric *series_login_success;
metric *series_login_failure;
metric *series_otp_sent;
metric *series_delivery_failures;
metric *series_rate_limited;
metric *series_http_requests;
metric *series_http_duration;

static double zero(void *ctx)
{
    (void)ctx;
    return 0;
}

void series_init(double (*active_sessions)(void *), double (*mfa_enabled)(void *), void *ctx)
{
    static const char *const method[] = {"method", NULL};
    static const char *const method_reason[] = {"method", "reason", NULL};
    static const char *const channel[] = {"channel", NULL};
    static const char *const route[] = {"route", NULL};
    static const char *const route_method_status[] = {"route", "method", "status", NULL};
    static const char *const version[] = {"version", NULL};
    static const double buckets[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

    series_login_success = metrics_counter(
        "login_success_total", "First factor accepted (any LoginResult), or MFA completed", method);
    series_login_failure = metrics_counter("login_failure_total", "Logins refused", method_reason);
    series_otp_sent = metrics_counter("otp_sent_total",
                                      "OTP messages handed to a provider or the outbox", channel);
    series_delivery_failures = metrics_counter("message_delivery_failures_total",
                                               "Provider errors for any message", channel);
    metrics_gauge_callback("active_sessions_total", "Sessions currently valid",
                           active_sessions ? active_sessions : zero, ctx);
    metrics_gauge_callback("mfa_enabled_total", "Identities with MFA enabled",
                           mfa_enabled ? mfa_enabled : zero, ctx);
    series_rate_limited = metrics_counter("rate_limited_total", "429 answers", route);
    series_http_requests =
        metrics_counter("http_requests_total", "Every answered request", route_method_status);
    series_http_duration =
        metrics_histogram("http_request_duration_seconds", "Request duration in seconds", route,
                          buckets, sizeof buckets / sizeof buckets[0]);
    metric *build = metrics_gauge("authrs_build_info", "Build version", version);
    const char *v[] = {AUTHRS_VERSION, NULL};
    metric_set(build, v, 1);
    procstat_register();
}
