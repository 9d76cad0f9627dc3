/* queue.c - the delivery queue: messages are copied in by courier_enqueue()
 * on the request path and sent by a few background threads, so a request
 * never waits for a provider (API.md 3.4: "Delivery is queued").
 *
 * Global state: `q`, the one queue of the process: a FIFO list of jobs
 * guarded by q.lock, the sending threads, and the settings given to
 * courier_start(). Each job owns its message copy and provider copy and is
 * freed by the thread that handles it.
 */
#include "courier/send.h"

#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/log.h"

typedef struct job {
    struct job *next;
    courier_message msg;
    courier_route route;
    courier_provider provider;
} job;

static struct {
    pthread_mutex_t lock;
    pthread_cond_t work; /* a job was queued, or stopping */
    pthread_cond_t idle; /* nothing queued and nothing in flight */
    job *head, *tail;
    int pending, busy;
    bool running, stopping;
    atomic_bool cancel; /* set when the drain time is over: abort and drop */
    pthread_t *threads;
    int nthreads;
    courier_settings settings;
    char *outbox_path; /* heap copy of settings.outbox_path */
} q = {.lock = PTHREAD_MUTEX_INITIALIZER,
       .work = PTHREAD_COND_INITIALIZER,
       .idle = PTHREAD_COND_INITIALIZER};

/* Logs a failure (never the message, code or token) and calls the hook. */
static void report(const courier_message *m, courier_route route, bool ok, int status,
                   const char *detail)
{
    if (!ok)
        log_emit(LOG_WARN, "delivery_failed",
                 json_pack("{s:s, s:s, s:s?, s:s, s:o, s:s}", "channel",
                           courier_channel_name(m->channel), "kind", courier_kind_name(m->kind),
                           "tenant", m->tenant_id, "provider", courier_route_name(route), "status",
                           status ? json_integer(status) : json_null(), "error", detail));
    if (q.settings.on_result) q.settings.on_result(m, route, ok, q.settings.result_ctx);
}

static void handle(job *j)
{
    err e = {0};
    int status = 0;
    bool ok;
    if (atomic_load(&q.cancel)) {
        ok = false;
        err_internal(&e, "courier stopped before delivery");
    } else {
        ok = courier_deliver(&j->msg, j->route, &j->provider, q.outbox_path, &q.cancel, &status,
                             &e) == 0;
    }
    report(&j->msg, j->route, ok, status, e.detail);
    courier_message_free(&j->msg);
    free(j);
}

static void *sender_main(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&q.lock);
    for (;;) {
        while (!q.head && !q.stopping)
            pthread_cond_wait(&q.work, &q.lock);
        job *j = q.head;
        if (!j) break; /* stopping and nothing left */
        q.head = j->next;
        if (!q.head) q.tail = NULL;
        q.pending--;
        q.busy++;
        pthread_mutex_unlock(&q.lock);
        handle(j);
        pthread_mutex_lock(&q.lock);
        q.busy--;
        if (q.pending == 0 && q.busy == 0) pthread_cond_broadcast(&q.idle);
    }
    pthread_mutex_unlock(&q.lock);
    return NULL;
}

int courier_start(const courier_settings *s, err *e)
{
    pthread_mutex_lock(&q.lock);
    bool already = q.running;
    pthread_mutex_unlock(&q.lock);
    if (already) return err_internal(e, "courier already started");
    q.settings = *s;
    if (q.settings.threads <= 0) q.settings.threads = 2;
    if (q.settings.max_pending <= 0) q.settings.max_pending = 10000;
    if (q.settings.drain_secs <= 0) q.settings.drain_secs = 5;
    q.outbox_path = s->outbox_path ? strdup(s->outbox_path) : NULL;
    q.settings.outbox_path = NULL;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return err_internal(e, "courier: curl initialisation failed");
    q.threads = calloc((size_t)q.settings.threads, sizeof *q.threads);
    if (!q.threads) abort();
    atomic_store(&q.cancel, false);
    q.stopping = false;
    q.running = true;
    for (q.nthreads = 0; q.nthreads < q.settings.threads; q.nthreads++) {
        int rc = pthread_create(&q.threads[q.nthreads], NULL, sender_main, NULL);
        if (rc != 0) {
            courier_stop();
            return err_internal(e, "courier: cannot start a thread: %s", strerror(rc));
        }
    }
    return 0;
}

void courier_enqueue(const courier_message *m, courier_route route,
                     const courier_provider *provider)
{
    const char *refused = NULL;
    if (route == COURIER_ROUTE_NONE)
        refused = "no provider for the channel";
    else if ((route == COURIER_ROUTE_TENANT || route == COURIER_ROUTE_GLOBAL) &&
             (!provider || provider->channel != m->channel))
        refused = "provider does not serve the channel";
    pthread_mutex_lock(&q.lock);
    if (!refused && (!q.running || q.stopping)) refused = "courier is not running";
    if (!refused && q.pending >= q.settings.max_pending) refused = "queue full";
    if (!refused) {
        job *j = calloc(1, sizeof *j);
        if (!j) abort();
        courier_message_copy(&j->msg, m);
        j->route = route;
        if (provider) j->provider = *provider;
        if (q.tail)
            q.tail->next = j;
        else
            q.head = j;
        q.tail = j;
        q.pending++;
        pthread_cond_signal(&q.work);
    }
    pthread_mutex_unlock(&q.lock);
    if (refused) report(m, route, false, 0, refused);
}

void courier_flush(void)
{
    pthread_mutex_lock(&q.lock);
    while (q.running && (q.pending > 0 || q.busy > 0))
        pthread_cond_wait(&q.idle, &q.lock);
    pthread_mutex_unlock(&q.lock);
}

void courier_stop(void)
{
    pthread_mutex_lock(&q.lock);
    if (!q.running) {
        pthread_mutex_unlock(&q.lock);
        return;
    }
    q.stopping = true;
    pthread_cond_broadcast(&q.work);
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += q.settings.drain_secs;
    int rc = 0;
    while ((q.pending > 0 || q.busy > 0) && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&q.idle, &q.lock, &deadline);
    atomic_store(&q.cancel, true); /* running transfers abort, queued jobs are dropped */
    pthread_mutex_unlock(&q.lock);
    for (int i = 0; i < q.nthreads; i++)
        pthread_join(q.threads[i], NULL);
    free(q.threads);
    free(q.outbox_path);
    q.threads = NULL;
    q.outbox_path = NULL;
    q.nthreads = 0;
    pthread_mutex_lock(&q.lock);
    q.running = false;
    pthread_cond_broadcast(&q.idle);
    pthread_mutex_unlock(&q.lock);
    curl_global_cleanup();
}
