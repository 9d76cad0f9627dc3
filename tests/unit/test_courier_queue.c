/* test_courier_queue.c - provider choice (API.md 1.16, 5.6) and the
 * delivery queue: outbox delivery from several threads, refusals, and a
 * stop that cancels a transfer to a provider that never answers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <jansson.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "courier/courier.h"
#include "util/log.h"
#include "util/timeutil.h"

static void test_choose(void **state)
{
    (void)state;
    courier_provider tenant = {.channel = COURIER_EMAIL}, global = {.channel = COURIER_EMAIL};
    const courier_provider *chosen;
    assert_int_equal(courier_choose(&tenant, &global, false, false, &chosen), COURIER_ROUTE_TENANT);
    assert_ptr_equal(chosen, &tenant);
    assert_int_equal(courier_choose(&tenant, &global, true, false, &chosen), COURIER_ROUTE_TENANT);
    /* a credential of the global identity never goes through the tenant */
    assert_int_equal(courier_choose(&tenant, &global, false, true, &chosen), COURIER_ROUTE_GLOBAL);
    assert_ptr_equal(chosen, &global);
    assert_int_equal(courier_choose(NULL, &global, false, false, &chosen), COURIER_ROUTE_GLOBAL);
    assert_int_equal(courier_choose(NULL, NULL, false, false, &chosen), COURIER_ROUTE_OUTBOX);
    assert_null(chosen);
    assert_int_equal(courier_choose(&tenant, NULL, false, true, &chosen), COURIER_ROUTE_OUTBOX);
    assert_null(chosen);
    /* REQUIRE_DELIVERY: never the outbox */
    assert_int_equal(courier_choose(NULL, NULL, true, false, &chosen), COURIER_ROUTE_NONE);
    assert_int_equal(courier_choose(&tenant, NULL, true, true, &chosen), COURIER_ROUTE_NONE);
    assert_null(chosen);
    assert_string_equal(courier_route_name(COURIER_ROUTE_TENANT), "tenant");
}

/* Result hook: counts successes and failures per route. */
static pthread_mutex_t results_lock = PTHREAD_MUTEX_INITIALIZER;
static int ok_count, fail_count, bad_calls;
static courier_route last_route;

static void on_result(const courier_message *m, courier_route route, bool ok, void *ctx)
{
    pthread_mutex_lock(&results_lock); /* no cmocka asserts off the test's thread */
    if (ctx != &ok_count || !m->body) bad_calls++;
    if (ok)
        ok_count++;
    else
        fail_count++;
    last_route = route;
    pthread_mutex_unlock(&results_lock);
}

static void reset_results(void)
{
    assert_int_equal(bad_calls, 0);
    ok_count = fail_count = 0;
    last_route = COURIER_ROUTE_NONE;
}

#define PER_THREAD 100

static void *enqueue_many(void *arg)
{
    const char *tenant = arg;
    for (int i = 0; i < PER_THREAD; i++) {
        courier_message m;
        char code[8];
        snprintf(code, sizeof code, "%06d", i);
        courier_build_otp(&m, i % 2 ? COURIER_SMS : COURIER_EMAIL, tenant, "Acme",
                          i % 2 ? "+15550001111" : "jane@example.com", code, 600);
        courier_enqueue(&m, COURIER_ROUTE_OUTBOX, NULL);
        courier_message_free(&m); /* the queue holds its own copy */
    }
    return NULL;
}

static void test_outbox_through_queue(void **state)
{
    (void)state;
    char dir[] = "/tmp/courier-queue-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[64];
    snprintf(path, sizeof path, "%s/outbox.jsonl", dir);
    reset_results();
    courier_settings s = {
        .outbox_path = path, .threads = 4, .on_result = on_result, .result_ctx = &ok_count};
    err e = {0};
    assert_int_equal(courier_start(&s, &e), 0);
    assert_int_equal(courier_start(&s, &e), -1); /* once */
    pthread_t producers[3];
    const char *tenants[3] = {"t1", "t2", "t3"};
    for (int i = 0; i < 3; i++)
        pthread_create(&producers[i], NULL, enqueue_many, (void *)tenants[i]);
    for (int i = 0; i < 3; i++)
        pthread_join(producers[i], NULL);
    courier_flush();
    assert_int_equal(ok_count, 3 * PER_THREAD);
    assert_int_equal(fail_count, 0);
    courier_stop();

    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    FILE *f = fopen(path, "r");
    char line[4096];
    int lines = 0, emails = 0;
    while (fgets(line, sizeof line, f)) {
        json_t *o = json_loads(line, 0, NULL);
        assert_non_null(o); /* whole lines: appends never interleave */
        assert_string_equal(json_string_value(json_object_get(o, "kind")), "otp");
        if (strcmp(json_string_value(json_object_get(o, "channel")), "email") == 0)
            emails++;
        else
            assert_true(json_is_null(json_object_get(o, "subject")));
        json_decref(o);
        lines++;
    }
    fclose(f);
    assert_int_equal(lines, 3 * PER_THREAD);
    assert_int_equal(emails, 3 * PER_THREAD / 2);
    unlink(path);
    rmdir(dir);
}

static void test_refusals(void **state)
{
    (void)state;
    courier_message m;
    courier_build_otp(&m, COURIER_SMS, "acme", "Acme", "+15550001111", "123456", 600);
    reset_results();
    courier_enqueue(&m, COURIER_ROUTE_OUTBOX, NULL); /* not started */
    assert_int_equal(fail_count, 1);
    courier_settings s = {.threads = 1, .on_result = on_result, .result_ctx = &ok_count};
    err e = {0};
    assert_int_equal(courier_start(&s, &e), 0);
    courier_enqueue(&m, COURIER_ROUTE_NONE, NULL);
    assert_int_equal(fail_count, 2);
    assert_int_equal(last_route, COURIER_ROUTE_NONE);
    courier_provider email = {.channel = COURIER_EMAIL};
    courier_enqueue(&m, COURIER_ROUTE_GLOBAL, &email); /* provider of another channel */
    courier_enqueue(&m, COURIER_ROUTE_TENANT, NULL);
    assert_int_equal(fail_count, 4);
    courier_flush();
    assert_int_equal(ok_count, 0);
    courier_stop();
    courier_message_free(&m);
}

/* A TCP listener that completes connections (backlog) and never answers. */
static int silent_listener(int *port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(fd, 8), 0);
    getsockname(fd, (struct sockaddr *)&a, &len);
    *port = ntohs(a.sin_port);
    return fd;
}

static void test_stop_cancels_hung_transfer(void **state)
{
    (void)state;
    int port, fd = silent_listener(&port);
    courier_provider sms = {.channel = COURIER_SMS};
    snprintf(sms.u.sms.api_base, sizeof sms.u.sms.api_base, "http://127.0.0.1:%d", port);
    snprintf(sms.u.sms.account_sid, sizeof sms.u.sms.account_sid, "AC1");
    snprintf(sms.u.sms.auth_token, sizeof sms.u.sms.auth_token, "secret");
    snprintf(sms.u.sms.from, sizeof sms.u.sms.from, "+15550001111");
    sms.u.sms.timeout_secs = 30;
    courier_message m;
    courier_build_otp(&m, COURIER_SMS, "acme", "Acme", "+15557654321", "123456", 600);
    reset_results();
    courier_settings s = {
        .threads = 1, .drain_secs = 1, .on_result = on_result, .result_ctx = &ok_count};
    err e = {0};
    assert_int_equal(courier_start(&s, &e), 0);
    courier_enqueue(&m, COURIER_ROUTE_GLOBAL, &sms); /* hangs in the provider */
    courier_enqueue(&m, COURIER_ROUTE_GLOBAL, &sms); /* still queued at the deadline */
    usleep(200 * 1000);
    int64_t start = monotonic_us();
    courier_stop();
    int64_t took_ms = (monotonic_us() - start) / 1000;
    assert_true(took_ms >= 900 && took_ms < 4000);
    assert_int_equal(fail_count, 2);
    assert_int_equal(ok_count, 0);
    courier_message_free(&m);
    close(fd);
}

int main(void)
{
    log_configure(LOG_ERROR, true); /* delivery_failed lines are expected here */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_choose),
        cmocka_unit_test(test_outbox_through_queue),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_stop_cancels_hung_transfer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
