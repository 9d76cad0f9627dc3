/* test_metrics.c - the metrics registry (exact exposition text, escaping,
 * histogram buckets, label-set cap, concurrency with a micro-benchmark) and
 * the process_* metrics. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/log.h"
#include "util/metrics.h"
#include "util/procstat.h"
#include "util/strbuf.h"
#include "util/timeutil.h"

#define LABELS(...) ((const char *const[]){__VA_ARGS__, NULL})
#define VALUES(...) ((const char *const[]){__VA_ARGS__})

static const double http_buckets[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

static int reset(void **state)
{
    (void)state;
    metrics_reset_for_tests();
    return 0;
}

static void expect_render(const char *want)
{
    strbuf sb = STRBUF_INIT;
    metrics_render(&sb);
    assert_string_equal(sb_str(&sb), want);
    sb_free(&sb);
}

static bool render_contains(const char *needle)
{
    strbuf sb = STRBUF_INIT;
    metrics_render(&sb);
    bool found = strstr(sb_str(&sb), needle) != NULL;
    if (!found) fprintf(stderr, "missing %s in:\n%s", needle, sb_str(&sb));
    sb_free(&sb);
    return found;
}

static void test_counter_render(void **state)
{
    (void)state;
    metric *m =
        metrics_counter("login_failure_total", "Logins refused.", LABELS("method", "reason"));
    expect_render("# HELP login_failure_total Logins refused.\n"
                  "# TYPE login_failure_total counter\n");
    metric_inc(m, VALUES("email_password", "locked"));
    metric_inc(m, VALUES("mfa", "invalid_code"));
    metric_add(m, VALUES("email_password", "locked"), 2);
    metric_add(m, VALUES("mfa", "invalid_code"), -5);  /* ignored: counters only go up */
    metric_add(m, VALUES("mfa", "invalid_code"), NAN); /* ignored */
    expect_render("# HELP login_failure_total Logins refused.\n"
                  "# TYPE login_failure_total counter\n"
                  "login_failure_total{method=\"email_password\",reason=\"locked\"} 3\n"
                  "login_failure_total{method=\"mfa\",reason=\"invalid_code\"} 1\n");
}

static void test_unlabelled_and_gauge_render(void **state)
{
    (void)state;
    metric *c = metrics_counter("things_total", "Things.", NULL);
    metric *g = metrics_gauge("level", "A level.", NULL);
    metric *info = metrics_gauge("authrs_build_info", "Build.", LABELS("version"));
    expect_render("# HELP things_total Things.\n# TYPE things_total counter\nthings_total 0\n"
                  "# HELP level A level.\n# TYPE level gauge\nlevel 0\n"
                  "# HELP authrs_build_info Build.\n# TYPE authrs_build_info gauge\n");
    metric_inc(c, NULL);
    metric_set(g, NULL, 7);
    metric_add(g, NULL, -9.5);
    metric_inc(g, NULL);
    metric_set(info, VALUES("0.1.0"), 1);
    expect_render("# HELP things_total Things.\n# TYPE things_total counter\nthings_total 1\n"
                  "# HELP level A level.\n# TYPE level gauge\nlevel -1.5\n"
                  "# HELP authrs_build_info Build.\n# TYPE authrs_build_info gauge\n"
                  "authrs_build_info{version=\"0.1.0\"} 1\n");
}

static void test_histogram_render(void **state)
{
    (void)state;
    static const double buckets[] = {0.25, 0.5, 1};
    metric *h = metrics_histogram("d_seconds", "Durations.", LABELS("route"), buckets, 3);
    expect_render("# HELP d_seconds Durations.\n# TYPE d_seconds histogram\n");
    /* 0.25 lands in le="0.25" (upper bounds are inclusive); 8 only in +Inf. */
    const double obs[] = {0.125, 0.25, 0.375, 1, 8};
    for (size_t i = 0; i < 5; i++)
        metric_observe(h, VALUES("/a"), obs[i]);
    metric_observe(h, VALUES("/b/{id}"), 0.75);
    expect_render("# HELP d_seconds Durations.\n# TYPE d_seconds histogram\n"
                  "d_seconds_bucket{route=\"/a\",le=\"0.25\"} 2\n"
                  "d_seconds_bucket{route=\"/a\",le=\"0.5\"} 3\n"
                  "d_seconds_bucket{route=\"/a\",le=\"1\"} 4\n"
                  "d_seconds_bucket{route=\"/a\",le=\"+Inf\"} 5\n"
                  "d_seconds_sum{route=\"/a\"} 9.75\n"
                  "d_seconds_count{route=\"/a\"} 5\n"
                  "d_seconds_bucket{route=\"/b/{id}\",le=\"0.25\"} 0\n"
                  "d_seconds_bucket{route=\"/b/{id}\",le=\"0.5\"} 0\n"
                  "d_seconds_bucket{route=\"/b/{id}\",le=\"1\"} 1\n"
                  "d_seconds_bucket{route=\"/b/{id}\",le=\"+Inf\"} 1\n"
                  "d_seconds_sum{route=\"/b/{id}\"} 0.75\n"
                  "d_seconds_count{route=\"/b/{id}\"} 1\n");
}

static void test_histogram_api_buckets_unlabelled(void **state)
{
    (void)state;
    metric *h = metrics_histogram("h", "H.", NULL, http_buckets, 11);
    metric_observe(h, NULL, 0.007);
    metric_observe(h, NULL, 0.1);
    metric_observe(h, NULL, 3);
    expect_render("# HELP h H.\n# TYPE h histogram\n"
                  "h_bucket{le=\"0.005\"} 0\n"
                  "h_bucket{le=\"0.01\"} 1\n"
                  "h_bucket{le=\"0.025\"} 1\n"
                  "h_bucket{le=\"0.05\"} 1\n"
                  "h_bucket{le=\"0.1\"} 2\n"
                  "h_bucket{le=\"0.25\"} 2\n"
                  "h_bucket{le=\"0.5\"} 2\n"
                  "h_bucket{le=\"1\"} 2\n"
                  "h_bucket{le=\"2.5\"} 2\n"
                  "h_bucket{le=\"5\"} 3\n"
                  "h_bucket{le=\"10\"} 3\n"
                  "h_bucket{le=\"+Inf\"} 3\n"
                  "h_sum 3.107\n"
                  "h_count 3\n");
}

static void test_escaping(void **state)
{
    (void)state;
    metric *g = metrics_gauge("esc", "Back\\slash \"quoted\"\nnext line.", LABELS("v"));
    metric_set(g, VALUES("a\\b\"c\nd"), 1);
    metric_set(g, VALUES(NULL), 2); /* NULL is the empty value */
    expect_render("# HELP esc Back\\\\slash \"quoted\"\\nnext line.\n"
                  "# TYPE esc gauge\n"
                  "esc{v=\"a\\\\b\\\"c\\nd\"} 1\n"
                  "esc{v=\"\"} 2\n");
}

static void test_number_format(void **state)
{
    (void)state;
    metric *g = metrics_gauge("n", "N.", LABELS("k"));
    metric_set(g, VALUES("a"), 0.1);
    metric_set(g, VALUES("b"), 1.0 / 3);
    metric_set(g, VALUES("c"), 1e-9);
    metric_set(g, VALUES("d"), 123456789012.0);
    metric_set(g, VALUES("e"), NAN);
    metric_set(g, VALUES("f"), INFINITY);
    metric_set(g, VALUES("g"), -INFINITY);
    expect_render("# HELP n N.\n# TYPE n gauge\n"
                  "n{k=\"a\"} 0.1\n"
                  "n{k=\"b\"} 0.3333333333333333\n"
                  "n{k=\"c\"} 1e-09\n"
                  "n{k=\"d\"} 123456789012\n"
                  "n{k=\"e\"} NaN\n"
                  "n{k=\"f\"} +Inf\n"
                  "n{k=\"g\"} -Inf\n");
}

static void test_order_is_stable(void **state)
{
    (void)state;
    metric *b = metrics_counter("b_total", "B.", LABELS("k"));
    metric *a = metrics_counter("a_total", "A.", LABELS("k"));
    metric_inc(a, VALUES("z"));
    metric_inc(b, VALUES("y"));
    metric_inc(a, VALUES("a"));
    metric_inc(a, VALUES("m"));
    metric_inc(a, VALUES("z"));
    expect_render("# HELP b_total B.\n# TYPE b_total counter\nb_total{k=\"y\"} 1\n"
                  "# HELP a_total A.\n# TYPE a_total counter\n"
                  "a_total{k=\"z\"} 2\na_total{k=\"a\"} 1\na_total{k=\"m\"} 1\n");
}

static double read_double(void *ctx)
{
    return *(double *)ctx;
}

static void test_callbacks(void **state)
{
    (void)state;
    double sessions = 42, cpu = NAN;
    metrics_gauge_callback("active_sessions_total", "Sessions.", read_double, &sessions);
    metrics_counter_callback("cpu_total", "CPU.", read_double, &cpu);
    expect_render("# HELP active_sessions_total Sessions.\n# TYPE active_sessions_total gauge\n"
                  "active_sessions_total 42\n"
                  "# HELP cpu_total CPU.\n# TYPE cpu_total counter\n");
    sessions = 3;
    cpu = 1.5;
    expect_render("# HELP active_sessions_total Sessions.\n# TYPE active_sessions_total gauge\n"
                  "active_sessions_total 3\n"
                  "# HELP cpu_total CPU.\n# TYPE cpu_total counter\ncpu_total 1.5\n");
}

static size_t count_lines(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

static void test_label_set_cap(void **state)
{
    (void)state;
    log_configure(LOG_ERROR, true); /* the one drop warning is expected */
    metric *m = metrics_counter("capped_total", "Capped.", LABELS("k"));
    char v[32];
    for (int i = 0; i < METRICS_MAX_SERIES + 50; i++) {
        snprintf(v, sizeof v, "v%d", i);
        metric_inc(m, VALUES(v));
    }
    char long_value[METRICS_MAX_VALUE_LEN + 2];
    memset(long_value, 'x', sizeof long_value - 1);
    long_value[sizeof long_value - 1] = '\0';
    metric_inc(m, VALUES(long_value));
    metric_inc(m, VALUES("v0")); /* existing label sets still count after the cap */
    metric_inc(m, VALUES("v9999"));
    log_configure(LOG_INFO, true);

    strbuf sb = STRBUF_INIT;
    metrics_render(&sb);
    assert_int_equal(count_lines(sb_str(&sb)), 2 + METRICS_MAX_SERIES);
    assert_non_null(strstr(sb_str(&sb), "capped_total{k=\"v0\"} 2\n"));
    assert_non_null(strstr(sb_str(&sb), "capped_total{k=\"v9999\"} 2\n"));
    assert_null(strstr(sb_str(&sb), "v10000"));
    assert_null(strstr(sb_str(&sb), "xxxx"));
    sb_free(&sb);
}

/* ---- concurrency and micro-benchmark ---- */

#define BENCH_THREADS 4
#define BENCH_ITERS   200000 /* per thread; a multiple of the 8 routes */

static const char *const routes[8] = {"/r0", "/r1", "/r2", "/r3", "/r4", "/r5", "/r6", "/r7"};

typedef struct bench_job {
    metric *m;
    bool observe;
} bench_job;

static void *bench_thread(void *arg)
{
    const bench_job *job = arg;
    for (int i = 0; i < BENCH_ITERS; i++) {
        if (job->observe)
            metric_observe(job->m, VALUES(routes[i % 8]), 0.25);
        else
            metric_inc(job->m, VALUES(routes[i % 8], "GET", "200"));
    }
    return NULL;
}

/* Runs `threads` threads of BENCH_ITERS updates; returns ns per update as one
 * thread sees it (wall time / iterations per thread). */
static double bench(metric *m, bool observe, int threads)
{
    pthread_t tid[BENCH_THREADS];
    bench_job job = {m, observe};
    int64_t t0 = monotonic_us();
    for (int t = 0; t < threads; t++)
        assert_int_equal(pthread_create(&tid[t], NULL, bench_thread, &job), 0);
    for (int t = 0; t < threads; t++)
        pthread_join(tid[t], NULL);
    return (double)(monotonic_us() - t0) * 1000.0 / BENCH_ITERS;
}

static void test_concurrent_updates(void **state)
{
    (void)state;
    metric *c =
        metrics_counter("http_requests_total", "Requests.", LABELS("route", "method", "status"));
    metric *h = metrics_histogram("http_request_duration_seconds", "Durations.", LABELS("route"),
                                  http_buckets, 11);
    double inc1 = bench(c, false, 1);
    double incn = bench(c, false, BENCH_THREADS);
    double obs1 = bench(h, true, 1);
    double obsn = bench(h, true, BENCH_THREADS);
    printf("metric_inc     (3 labels): 1 thread %.0f ns/op; %d threads %.0f ns/op per thread, "
           "%.0f ns/op aggregate\n",
           inc1, BENCH_THREADS, incn, incn / BENCH_THREADS);
    printf("metric_observe (1 label):  1 thread %.0f ns/op; %d threads %.0f ns/op per thread, "
           "%.0f ns/op aggregate\n",
           obs1, BENCH_THREADS, obsn, obsn / BENCH_THREADS);

    /* Every update counted: (1 + BENCH_THREADS) runs of BENCH_ITERS over 8 routes. */
    int per_route = (1 + BENCH_THREADS) * BENCH_ITERS / 8;
    char line[160];
    for (int r = 0; r < 8; r++) {
        snprintf(line, sizeof line,
                 "http_requests_total{route=\"%s\",method=\"GET\",status=\"200\"} %d\n", routes[r],
                 per_route);
        assert_true(render_contains(line));
        snprintf(line, sizeof line,
                 "http_request_duration_seconds_bucket{route=\"%s\",le=\"0.1\"} 0\n", routes[r]);
        assert_true(render_contains(line));
        snprintf(line, sizeof line,
                 "http_request_duration_seconds_bucket{route=\"%s\",le=\"0.25\"} %d\n", routes[r],
                 per_route);
        assert_true(render_contains(line));
        snprintf(line, sizeof line, "http_request_duration_seconds_sum{route=\"%s\"} %g\n",
                 routes[r], per_route * 0.25);
        assert_true(render_contains(line));
        snprintf(line, sizeof line, "http_request_duration_seconds_count{route=\"%s\"} %d\n",
                 routes[r], per_route);
        assert_true(render_contains(line));
    }
}

/* Scrapes while updates run (for the sanitizers); totals still exact. */
static void test_render_during_updates(void **state)
{
    (void)state;
    metric *h = metrics_histogram("busy_seconds", "Busy.", LABELS("route"), http_buckets, 11);
    pthread_t tid[2];
    bench_job job = {h, true};
    for (int t = 0; t < 2; t++)
        assert_int_equal(pthread_create(&tid[t], NULL, bench_thread, &job), 0);
    strbuf sb = STRBUF_INIT;
    for (int i = 0; i < 50; i++) {
        sb_reset(&sb);
        metrics_render(&sb);
    }
    sb_free(&sb);
    for (int t = 0; t < 2; t++)
        pthread_join(tid[t], NULL);
    assert_true(render_contains("busy_seconds_count{route=\"/r7\"} 50000\n"));
}

/* ---- programming errors abort ---- */

static void define_twice(void)
{
    metrics_counter("dup_total", "D.", NULL);
    metrics_gauge("dup_total", "D.", NULL);
}

static void unsorted_buckets(void)
{
    static const double b[] = {1, 0.5};
    metrics_histogram("h", "H.", NULL, b, 2);
}

static void set_on_counter(void)
{
    metric_set(metrics_counter("c_total", "C.", NULL), NULL, 1);
}

static void le_label_on_histogram(void)
{
    metrics_histogram("h", "H.", LABELS("le"), http_buckets, 11);
}

static void bad_metric_name(void)
{
    metrics_counter("http-requests", "H.", NULL);
}

static void assert_aborts(void (*fn)(void))
{
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int devnull = open("/dev/null", O_WRONLY);
        dup2(devnull, STDERR_FILENO);
        fn();
        _exit(0);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGABRT);
}

static void test_programming_errors_abort(void **state)
{
    (void)state;
    assert_aborts(define_twice);
    assert_aborts(unsorted_buckets);
    assert_aborts(set_on_counter);
    assert_aborts(le_label_on_histogram);
    assert_aborts(bad_metric_name);
}

/* ---- process metrics ---- */

static void test_procstat(void **state)
{
    (void)state;
    procstat ps;
    err e = {0};
    /* Spend a little CPU so that the tick counters are above zero. */
    volatile double x = 0;
    int64_t until = monotonic_us() + 2000000;
    do {
        for (int i = 0; i < 1000000; i++)
            x += i * 0.5;
        assert_int_equal(procstat_read(&ps, &e), 0);
    } while (ps.cpu_seconds == 0 && monotonic_us() < until);
    (void)x;

    assert_true(ps.cpu_seconds > 0 && ps.cpu_seconds < 3600);
    assert_true(ps.resident_bytes > 1024 * 1024);
    assert_true(ps.virtual_bytes >= ps.resident_bytes);
    assert_true(ps.open_fds >= 1);
    assert_true(ps.max_fds >= ps.open_fds);
    double now = (double)now_us() / 1e6;
    assert_true(ps.start_time_seconds > now - 3600 && ps.start_time_seconds <= now + 1);

    /* One more open descriptor is counted. */
    int fd = open("/dev/null", O_RDONLY);
    procstat ps2;
    assert_int_equal(procstat_read(&ps2, &e), 0);
    assert_true(ps2.open_fds == ps.open_fds + 1);
    close(fd);

    procstat_register();
    const char *types[] = {"process_cpu_seconds_total counter\nprocess_cpu_seconds_total ",
                           "process_resident_memory_bytes gauge\nprocess_resident_memory_bytes ",
                           "process_virtual_memory_bytes gauge\nprocess_virtual_memory_bytes ",
                           "process_open_fds gauge\nprocess_open_fds ",
                           "process_max_fds gauge\nprocess_max_fds ",
                           "process_start_time_seconds gauge\nprocess_start_time_seconds "};
    for (size_t i = 0; i < 6; i++)
        assert_true(render_contains(types[i]));
    assert_true(render_contains("# HELP process_open_fds "));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_counter_render, reset),
        cmocka_unit_test_teardown(test_unlabelled_and_gauge_render, reset),
        cmocka_unit_test_teardown(test_histogram_render, reset),
        cmocka_unit_test_teardown(test_histogram_api_buckets_unlabelled, reset),
        cmocka_unit_test_teardown(test_escaping, reset),
        cmocka_unit_test_teardown(test_number_format, reset),
        cmocka_unit_test_teardown(test_order_is_stable, reset),
        cmocka_unit_test_teardown(test_callbacks, reset),
        cmocka_unit_test_teardown(test_label_set_cap, reset),
        cmocka_unit_test_teardown(test_concurrent_updates, reset),
        cmocka_unit_test_teardown(test_render_during_updates, reset),
        cmocka_unit_test_teardown(test_programming_errors_abort, reset),
        cmocka_unit_test_teardown(test_procstat, reset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
