/* workers.h - the bounded pool that runs slow work (Argon2id, outbound calls)
 * off the HTTP event threads. Global state: one pool per process. */
#ifndef AUTHRS_WORKERS_H
#define AUTHRS_WORKERS_H

typedef void (*work_fn)(void *arg);

int workers_start(int threads, int queue_capacity);
/* Queues fn(arg); -1 when the queue is full (the caller answers 429). */
int workers_submit(work_fn fn, void *arg);
/* Runs the queued jobs to completion, then joins the threads. */
void workers_stop(void);

#endif
