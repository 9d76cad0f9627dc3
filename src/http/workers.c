/* workers.c - a fixed set of threads over a bounded FIFO of jobs (see workers.h).
 * Global state: the pool below, guarded by its mutex. */
#define _GNU_SOURCE /* SCHED_IDLE */
#include "http/workers.h"

#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

typedef struct job {
    work_fn fn;
    void *arg;
} job;

static struct {
    pthread_mutex_t lock;
    pthread_cond_t nonempty;
    job *ring;
    int capacity, head, count;
    pthread_t *threads;
    int nthreads;
    bool stopping;
} pool = {.lock = PTHREAD_MUTEX_INITIALIZER, .nonempty = PTHREAD_COND_INITIALIZER};

/* Slow work (Argon2id, outbound calls) runs on CPU time nothing else wants:
 * SCHED_IDLE (per thread on Linux; nice 19 where refused), so the event
 * threads preempt a worker the moment they wake and fast routes such as
 * GET /session/validate keep their latency under a burst of logins
 * (bench/validate.sh). */
static void lower_priority(void)
{
    struct sched_param none = {0};
    if (pthread_setschedparam(pthread_self(), SCHED_IDLE, &none) != 0)
        setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 19);
}

static void *worker_main(void *unused)
{
    (void)unused;
    lower_priority();
    for (;;) {
        pthread_mutex_lock(&pool.lock);
        while (pool.count == 0 && !pool.stopping)
            pthread_cond_wait(&pool.nonempty, &pool.lock);
        if (pool.count == 0) {
            pthread_mutex_unlock(&pool.lock);
            return NULL;
        }
        job j = pool.ring[pool.head];
        pool.head = (pool.head + 1) % pool.capacity;
        pool.count--;
        pthread_mutex_unlock(&pool.lock);
        j.fn(j.arg);
    }
}

int workers_start(int threads, int queue_capacity)
{
    pool.capacity = queue_capacity;
    pool.ring = calloc((size_t)queue_capacity, sizeof *pool.ring);
    pool.threads = calloc((size_t)threads, sizeof *pool.threads);
    pool.stopping = false;
    for (int i = 0; i < threads; i++) {
        if (pthread_create(&pool.threads[i], NULL, worker_main, NULL) != 0) return -1;
        pool.nthreads++;
    }
    return 0;
}

int workers_submit(work_fn fn, void *arg)
{
    pthread_mutex_lock(&pool.lock);
    if (pool.count == pool.capacity || pool.stopping) {
        pthread_mutex_unlock(&pool.lock);
        return -1;
    }
    pool.ring[(pool.head + pool.count) % pool.capacity] = (job){fn, arg};
    pool.count++;
    pthread_cond_signal(&pool.nonempty);
    pthread_mutex_unlock(&pool.lock);
    return 0;
}

void workers_stop(void)
{
    pthread_mutex_lock(&pool.lock);
    pool.stopping = true;
    pthread_cond_broadcast(&pool.nonempty);
    pthread_mutex_unlock(&pool.lock);
    for (int i = 0; i < pool.nthreads; i++)
        pthread_join(pool.threads[i], NULL);
    free(pool.threads);
    free(pool.ring);
    pool.threads = NULL;
    pool.ring = NULL;
    pool.nthreads = 0;
}
