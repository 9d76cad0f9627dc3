/* metrics.c - the metrics registry and its Prometheus text rendering (see metrics.h).
 *
 * Global state: the metrics registry, `registry[]` and `registry_count`.
 * Definitions are serialised by `registry_lock` and published by a release
 * store of the count, so renders read the array without a lock. Metrics are
 * never removed (except by metrics_reset_for_tests).
 *
 * Per metric, `lock` guards its label sets: `list` keeps them in first-seen
 * order and `slots` is an open-addressing hash table of indexes into `list`.
 * An update hashes its label values outside the lock, then holds the lock for
 * one probe and one arithmetic operation.
 */
#include "util/metrics.h"

#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/log.h"

typedef enum { KIND_COUNTER, KIND_GAUGE, KIND_HISTOGRAM } metric_kind;

/* One label set of a metric. One heap block: the struct, the bucket counts,
 * then the label values. Owned by its metric. */
typedef struct series {
    uint64_t hash;
    const char *values;       /* nlabels NUL-terminated strings back to back */
    double value;             /* counter, gauge */
    double sum;               /* histogram */
    uint64_t count;           /* histogram */
    uint64_t bucket_counts[]; /* histogram: per bucket (not cumulative), +Inf last */
} series;

struct metric {
    char *name, *help; /* owned */
    metric_kind kind;
    size_t nlabels;
    char *label_names[METRICS_MAX_LABELS]; /* owned */
    double *buckets;                       /* owned; finite upper bounds */
    size_t nbuckets;
    double (*callback)(void *ctx); /* scrape-time value, or NULL */
    void *callback_ctx;

    pthread_mutex_t lock; /* guards the fields below */
    series **list;        /* owned, with its series; first-seen order */
    size_t nseries, list_cap;
    uint32_t *slots; /* owned; index into list + 1, 0 = empty */
    size_t nslots;   /* power of two, at least twice nseries */
    bool drop_warned;
};

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER; /* serialises definitions */
static metric *registry[METRICS_MAX_METRICS];
static atomic_size_t registry_count;

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("authrs: metrics: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    abort();
}

static void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n, size);
    if (!p) die("out of memory");
    return p;
}

static char *xstrdup(const char *s)
{
    char *p = strdup(s);
    if (!p) die("out of memory");
    return p;
}

/* ---- label sets ---- */

/* FNV-1a over the values, each followed by a 0xff separator. Sets *bytes to
 * the space the values take with their NULs; *ok to false when a value is
 * longer than METRICS_MAX_VALUE_LEN. */
static uint64_t label_hash(const metric *m, const char *const *values, size_t *bytes, bool *ok)
{
    uint64_t h = 14695981039346656037ULL;
    *bytes = 0;
    *ok = true;
    for (size_t i = 0; i < m->nlabels; i++) {
        const char *v = values && values[i] ? values[i] : "";
        size_t n = 0;
        for (; v[n]; n++)
            h = (h ^ (unsigned char)v[n]) * 1099511628211ULL;
        h = (h ^ 0xff) * 1099511628211ULL;
        if (n > METRICS_MAX_VALUE_LEN) *ok = false;
        *bytes += n + 1;
    }
    return h;
}

static bool values_equal(const char *stored, const char *const *values, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const char *v = values && values[i] ? values[i] : "";
        if (strcmp(stored, v) != 0) return false;
        stored += strlen(stored) + 1;
    }
    return true;
}

static size_t bucket_slots(const metric *m)
{
    return m->kind == KIND_HISTOGRAM ? m->nbuckets + 1 : 0;
}

static series *series_new(const metric *m, const char *const *values, uint64_t h, size_t bytes)
{
    size_t counts = bucket_slots(m) * sizeof(uint64_t);
    series *s = xcalloc(1, sizeof *s + counts + bytes);
    char *p = (char *)s->bucket_counts + counts;
    s->values = p;
    s->hash = h;
    for (size_t i = 0; i < m->nlabels; i++) {
        const char *v = values && values[i] ? values[i] : "";
        size_t n = strlen(v) + 1;
        memcpy(p, v, n);
        p += n;
    }
    return s;
}

static void slot_insert(metric *m, uint32_t index)
{
    size_t mask = m->nslots - 1;
    size_t i = m->list[index]->hash & mask;
    while (m->slots[i])
        i = (i + 1) & mask;
    m->slots[i] = index + 1;
}

/* Appends a new series to list and slots, growing both as needed. */
static void series_append(metric *m, series *s)
{
    if (m->nseries == m->list_cap) {
        m->list_cap = m->list_cap ? m->list_cap * 2 : 8;
        series **list = realloc(m->list, m->list_cap * sizeof *list);
        if (!list) die("out of memory");
        m->list = list;
    }
    m->list[m->nseries++] = s;
    if (m->nseries * 2 > m->nslots) {
        free(m->slots);
        m->nslots = m->nslots ? m->nslots * 2 : 16;
        m->slots = xcalloc(m->nslots, sizeof *m->slots);
        for (size_t i = 0; i < m->nseries; i++)
            slot_insert(m, (uint32_t)i);
    } else {
        slot_insert(m, (uint32_t)(m->nseries - 1));
    }
}

/* Under m->lock: the series of `values`, created if new; NULL at the cap. */
static series *series_find_or_add(metric *m, const char *const *values, uint64_t h, size_t bytes)
{
    if (m->nslots) {
        size_t mask = m->nslots - 1;
        for (size_t i = h & mask; m->slots[i]; i = (i + 1) & mask) {
            series *s = m->list[m->slots[i] - 1];
            if (s->hash == h && values_equal(s->values, values, m->nlabels)) return s;
        }
    }
    if (m->nseries >= METRICS_MAX_SERIES) return NULL;
    series *s = series_new(m, values, h, bytes);
    series_append(m, s);
    return s;
}

/* Returns the series of `values` with m->lock held, or NULL (lock released)
 * when the label set is refused. */
static series *series_acquire(metric *m, const char *const *values)
{
    size_t bytes;
    bool ok;
    uint64_t h = label_hash(m, values, &bytes, &ok);
    pthread_mutex_lock(&m->lock);
    series *s = ok ? series_find_or_add(m, values, h, bytes) : NULL;
    if (s) return s;
    bool warn = !m->drop_warned;
    m->drop_warned = true;
    pthread_mutex_unlock(&m->lock);
    if (warn)
        log_msg(LOG_WARN, "metrics_series_dropped",
                "%s: label set refused (over %d label sets or a value over %d bytes); "
                "further drops are not logged",
                m->name, METRICS_MAX_SERIES, METRICS_MAX_VALUE_LEN);
    return NULL;
}

/* ---- updates ---- */

static void require_kind(const metric *m, bool ok, const char *op)
{
    if (!ok) die("%s called on %s, which has another type", op, m->name);
}

void metric_inc(metric *m, const char *const *values)
{
    metric_add(m, values, 1.0);
}

void metric_add(metric *m, const char *const *values, double v)
{
    require_kind(m, m->kind == KIND_COUNTER || m->kind == KIND_GAUGE, "metric_add");
    if (m->kind == KIND_COUNTER && !(v >= 0)) return;
    series *s = series_acquire(m, values);
    if (!s) return;
    s->value += v;
    pthread_mutex_unlock(&m->lock);
}

void metric_set(metric *m, const char *const *values, double v)
{
    require_kind(m, m->kind == KIND_GAUGE, "metric_set");
    series *s = series_acquire(m, values);
    if (!s) return;
    s->value = v;
    pthread_mutex_unlock(&m->lock);
}

void metric_observe(metric *m, const char *const *values, double v)
{
    require_kind(m, m->kind == KIND_HISTOGRAM, "metric_observe");
    size_t b = 0;
    while (b < m->nbuckets && !(v <= m->buckets[b]))
        b++;
    series *s = series_acquire(m, values);
    if (!s) return;
    s->bucket_counts[b]++;
    s->sum += v;
    s->count++;
    pthread_mutex_unlock(&m->lock);
}

/* ---- definitions ---- */

static bool valid_name(const char *s, bool colon)
{
    if (!s || !*s || (*s >= '0' && *s <= '9')) return false;
    for (; *s; s++) {
        char c = *s;
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '_' || (colon && c == ':');
        if (!ok) return false;
    }
    return true;
}

/* A metric ready for registry_add; dies on an invalid definition. */
static metric *metric_new(const char *name, const char *help, metric_kind kind,
                          const char *const *labels)
{
    if (!valid_name(name, true)) die("invalid metric name \"%s\"", name ? name : "(null)");
    if (!help) die("%s has no help text", name);
    metric *m = xcalloc(1, sizeof *m);
    m->name = xstrdup(name);
    m->help = xstrdup(help);
    m->kind = kind;
    for (size_t i = 0; labels && labels[i]; i++) {
        const char *l = labels[i];
        if (i == METRICS_MAX_LABELS) die("%s has more than %d labels", name, METRICS_MAX_LABELS);
        if (!valid_name(l, false) || strncmp(l, "__", 2) == 0)
            die("%s: invalid label name \"%s\"", name, l);
        if (kind == KIND_HISTOGRAM && strcmp(l, "le") == 0)
            die("%s: a histogram cannot have a label \"le\"", name);
        for (size_t j = 0; j < i; j++)
            if (strcmp(m->label_names[j], l) == 0) die("%s: label \"%s\" twice", name, l);
        m->label_names[i] = xstrdup(l);
        m->nlabels = i + 1;
    }
    pthread_mutex_init(&m->lock, NULL);
    return m;
}

/* Publishes m; a metric without labels gets its one series now. */
static metric *registry_add(metric *m)
{
    if (m->nlabels == 0 && !m->callback) {
        size_t bytes;
        bool ok;
        series_append(m, series_new(m, NULL, label_hash(m, NULL, &bytes, &ok), 0));
    }
    pthread_mutex_lock(&registry_lock);
    size_t n = atomic_load_explicit(&registry_count, memory_order_relaxed);
    for (size_t i = 0; i < n; i++)
        if (strcmp(registry[i]->name, m->name) == 0) die("%s defined twice", m->name);
    if (n == METRICS_MAX_METRICS) die("more than %d metrics", METRICS_MAX_METRICS);
    registry[n] = m;
    atomic_store_explicit(&registry_count, n + 1, memory_order_release);
    pthread_mutex_unlock(&registry_lock);
    return m;
}

metric *metrics_counter(const char *name, const char *help, const char *const *labels)
{
    return registry_add(metric_new(name, help, KIND_COUNTER, labels));
}

metric *metrics_gauge(const char *name, const char *help, const char *const *labels)
{
    return registry_add(metric_new(name, help, KIND_GAUGE, labels));
}

metric *metrics_histogram(const char *name, const char *help, const char *const *labels,
                          const double *buckets, size_t nbuckets)
{
    metric *m = metric_new(name, help, KIND_HISTOGRAM, labels);
    for (size_t i = 0; i < nbuckets; i++)
        if (!isfinite(buckets[i]) || (i > 0 && !(buckets[i] > buckets[i - 1])))
            die("%s: buckets must be finite and strictly increasing", name);
    m->buckets = xcalloc(nbuckets ? nbuckets : 1, sizeof *m->buckets);
    if (nbuckets) memcpy(m->buckets, buckets, nbuckets * sizeof *buckets);
    m->nbuckets = nbuckets;
    return registry_add(m);
}

static void define_callback(const char *name, const char *help, metric_kind kind,
                            double (*fn)(void *ctx), void *ctx)
{
    if (!fn) die("%s has no callback", name);
    metric *m = metric_new(name, help, kind, NULL);
    m->callback = fn;
    m->callback_ctx = ctx;
    registry_add(m);
}

void metrics_gauge_callback(const char *name, const char *help, double (*fn)(void *ctx), void *ctx)
{
    define_callback(name, help, KIND_GAUGE, fn, ctx);
}

void metrics_counter_callback(const char *name, const char *help, double (*fn)(void *ctx),
                              void *ctx)
{
    define_callback(name, help, KIND_COUNTER, fn, ctx);
}

/* ---- rendering ---- */

/* The shortest of %.15g, %.16g, %.17g that reads back exactly; NaN, +Inf
 * and -Inf as the format spells them. */
static void format_double(char buf[32], double v)
{
    if (isnan(v)) {
        strcpy(buf, "NaN");
    } else if (isinf(v)) {
        strcpy(buf, v > 0 ? "+Inf" : "-Inf");
    } else {
        for (int precision = 15; precision <= 17; precision++) {
            snprintf(buf, 32, "%.*g", precision, v);
            if (strtod(buf, NULL) == v) break;
        }
    }
}

static void append_double(strbuf *out, double v)
{
    char buf[32];
    format_double(buf, v);
    sb_append(out, buf);
}

/* Escapes backslash and newline, and the double quote when `quote`. */
static void append_escaped(strbuf *out, const char *s, bool quote)
{
    const char *run = s;
    for (; *s; s++) {
        const char *rep = *s == '\\'           ? "\\\\"
                          : *s == '\n'         ? "\\n"
                          : quote && *s == '"' ? "\\\""
                                               : NULL;
        if (!rep) continue;
        sb_append_n(out, run, (size_t)(s - run));
        sb_append(out, rep);
        run = s + 1;
    }
    sb_append(out, run);
}

/* Writes `name_suffix{labels,le="..."} ` (the braces only when there is a label). */
static void append_series_name(strbuf *out, const metric *m, const char *suffix, const series *s,
                               const char *le)
{
    sb_append(out, m->name);
    sb_append(out, suffix);
    if (m->nlabels == 0 && !le) {
        sb_append_char(out, ' ');
        return;
    }
    sb_append_char(out, '{');
    const char *v = s->values;
    for (size_t i = 0; i < m->nlabels; i++) {
        sb_printf(out, "%s%s=\"", i ? "," : "", m->label_names[i]);
        append_escaped(out, v, true);
        sb_append_char(out, '"');
        v += strlen(v) + 1;
    }
    if (le) sb_printf(out, "%sle=\"%s\"", m->nlabels ? "," : "", le);
    sb_append(out, "} ");
}

static void render_histogram_series(strbuf *out, const metric *m, const series *s)
{
    uint64_t cumulative = 0;
    for (size_t b = 0; b <= m->nbuckets; b++) {
        char le[32];
        if (b < m->nbuckets)
            format_double(le, m->buckets[b]);
        else
            strcpy(le, "+Inf");
        cumulative += s->bucket_counts[b];
        append_series_name(out, m, "_bucket", s, le);
        sb_printf(out, "%" PRIu64 "\n", cumulative);
    }
    append_series_name(out, m, "_sum", s, NULL);
    append_double(out, s->sum);
    sb_append_char(out, '\n');
    append_series_name(out, m, "_count", s, NULL);
    sb_printf(out, "%" PRIu64 "\n", s->count);
}

static void render_metric(strbuf *out, metric *m)
{
    static const char *const type_names[] = {"counter", "gauge", "histogram"};
    sb_printf(out, "# HELP %s ", m->name);
    append_escaped(out, m->help, false);
    sb_printf(out, "\n# TYPE %s %s\n", m->name, type_names[m->kind]);
    if (m->callback) {
        double v = m->callback(m->callback_ctx);
        if (isnan(v)) return;
        sb_printf(out, "%s ", m->name);
        append_double(out, v);
        sb_append_char(out, '\n');
        return;
    }
    pthread_mutex_lock(&m->lock);
    for (size_t i = 0; i < m->nseries; i++) {
        const series *s = m->list[i];
        if (m->kind == KIND_HISTOGRAM) {
            render_histogram_series(out, m, s);
            continue;
        }
        append_series_name(out, m, "", s, NULL);
        append_double(out, s->value);
        sb_append_char(out, '\n');
    }
    pthread_mutex_unlock(&m->lock);
}

void metrics_render(strbuf *out)
{
    size_t n = atomic_load_explicit(&registry_count, memory_order_acquire);
    for (size_t i = 0; i < n; i++)
        render_metric(out, registry[i]);
}

/* ---- teardown ---- */

static void metric_free(metric *m)
{
    for (size_t i = 0; i < m->nseries; i++)
        free(m->list[i]);
    free(m->list);
    free(m->slots);
    for (size_t i = 0; i < m->nlabels; i++)
        free(m->label_names[i]);
    free(m->buckets);
    free(m->name);
    free(m->help);
    pthread_mutex_destroy(&m->lock);
    free(m);
}

void metrics_reset_for_tests(void)
{
    pthread_mutex_lock(&registry_lock);
    size_t n = atomic_load_explicit(&registry_count, memory_order_relaxed);
    for (size_t i = 0; i < n; i++) {
        metric_free(registry[i]);
        registry[i] = NULL;
    }
    atomic_store_explicit(&registry_count, 0, memory_order_release);
    pthread_mutex_unlock(&registry_lock);
}
