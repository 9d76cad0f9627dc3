/* metrics.h - the metrics registry: counters, gauges and histograms rendered in
 * the Prometheus text exposition format 0.0.4 (API.md 5.3).
 *
 * Global state: the metrics registry (one per process). Metrics are defined at
 * start, before the server accepts requests; they live until exit (or until
 * metrics_reset_for_tests). Updates are safe from any thread: each metric has
 * its own mutex and finds a label set through a small hash table.
 *
 * Output order is stable: metrics in definition order, label sets in the order
 * they were first seen. Every metric is rendered with its # HELP and # TYPE
 * lines even before it has a sample; a metric without labels has its one
 * series (value 0) from the start.
 *
 * A definition error (invalid or duplicate name, more than METRICS_MAX_LABELS
 * labels, buckets not strictly increasing, registry full) and calling an
 * update on the wrong type are programming errors: the process prints the
 * reason and aborts, so they surface on the first run.
 */
#ifndef AUTHRS_METRICS_H
#define AUTHRS_METRICS_H

#include <stddef.h>

#include "util/strbuf.h"

#define METRICS_MAX_METRICS   64
#define METRICS_MAX_LABELS    8
#define METRICS_MAX_SERIES    10000 /* label sets per metric */
#define METRICS_MAX_VALUE_LEN 256   /* bytes per label value */

typedef struct metric metric;

/* `labels` is a NULL-terminated list of label names, or NULL for none. The
 * strings are copied. The returned metric is owned by the registry. */
metric *metrics_counter(const char *name, const char *help, const char *const *labels);
metric *metrics_gauge(const char *name, const char *help, const char *const *labels);
/* `buckets` are the finite upper bounds, strictly increasing; +Inf is implied. */
metric *metrics_histogram(const char *name, const char *help, const char *const *labels,
                          const double *buckets, size_t nbuckets);

/* A label-less gauge or counter whose value fn(ctx) computes at scrape time
 * (active sessions, process CPU time). fn runs on the scraping thread without
 * any registry lock held. A NaN result means "unknown now": the metric then
 * renders its # HELP and # TYPE lines but no sample. */
void metrics_gauge_callback(const char *name, const char *help, double (*fn)(void *ctx), void *ctx);
void metrics_counter_callback(const char *name, const char *help, double (*fn)(void *ctx),
                              void *ctx);

/* Updates. `values` holds exactly one value per label name, in definition
 * order (NULL when the metric has no labels; a NULL entry counts as "").
 *
 * A new label set beyond METRICS_MAX_SERIES, or with a value longer than
 * METRICS_MAX_VALUE_LEN, is not recorded: the update is dropped and a warning
 * is logged once per metric. Memory never grows without bound. A counter only
 * goes up: metric_add ignores a negative or NaN amount on a counter. */
void metric_inc(metric *m, const char *const *values);               /* counter, gauge: +1 */
void metric_add(metric *m, const char *const *values, double v);     /* counter, gauge */
void metric_set(metric *m, const char *const *values, double v);     /* gauge */
void metric_observe(metric *m, const char *const *values, double v); /* histogram */

/* Appends the whole registry in the text format 0.0.4. */
void metrics_render(strbuf *out);

/* Frees every metric and empties the registry. Only for tests: no other
 * thread may touch a metric while or after it runs. */
void metrics_reset_for_tests(void);

#endif
