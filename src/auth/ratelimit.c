/* ratelimit.c - fixed-window counters and the client IP (see ratelimit.h).
 * Global state: `shards` (counter tables) and `trusted` (the parsed
 * TRUSTED_PROXIES text is read from cfg on every call; nothing cached). */
#include "auth/ratelimit.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/tenant_policy.h"
#include "config.h"
#include "store/store.h"
#include "util/crypto.h"
#include "util/timeutil.h"

#define SHARDS   16
#define BUCKETS  4096
#define SWEEP_AT 8192 /* entries per shard that trigger a sweep of expired windows */

typedef struct counter {
    struct counter *next;
    int64_t window_end;
    int count;
    char key[];
} counter;

typedef struct shard {
    pthread_mutex_t lock;
    counter *buckets[BUCKETS];
    size_t count;
} shard;

static shard shards[SHARDS];
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void init(void)
{
    for (int i = 0; i < SHARDS; i++)
        pthread_mutex_init(&shards[i].lock, NULL);
}

static uint64_t fnv1a(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static void sweep(shard *s, int64_t now)
{
    for (int b = 0; b < BUCKETS; b++) {
        counter **p = &s->buckets[b];
        while (*p) {
            if ((*p)->window_end <= now) {
                counter *dead = *p;
                *p = dead->next;
                free(dead);
                s->count--;
            } else {
                p = &(*p)->next;
            }
        }
    }
}

bool ratelimit_hit(const char *key, int max, int window_secs, int64_t now, int *retry_after)
{
    pthread_once(&once, init);
    uint64_t h = fnv1a(key);
    shard *s = &shards[h % SHARDS];
    unsigned b = (unsigned)((h / SHARDS) % BUCKETS);
    pthread_mutex_lock(&s->lock);
    counter *c = s->buckets[b];
    while (c && strcmp(c->key, key) != 0)
        c = c->next;
    if (c && c->window_end <= now) {
        c->count = 0;
        c->window_end = now + (int64_t)window_secs * 1000000;
    }
    if (!c) {
        if (s->count >= SWEEP_AT) sweep(s, now);
        size_t len = strlen(key);
        c = malloc(sizeof *c + len + 1);
        memcpy(c->key, key, len + 1);
        c->count = 0;
        c->window_end = now + (int64_t)window_secs * 1000000;
        c->next = s->buckets[b];
        s->buckets[b] = c;
        s->count++;
    }
    c->count++;
    bool ok = c->count <= max;
    if (!ok) {
        int64_t left = c->window_end - now;
        int secs = (int)((left + 999999) / 1000000);
        *retry_after = secs < 1 ? 1 : secs;
    }
    pthread_mutex_unlock(&s->lock);
    return ok;
}

void ratelimit_reset(void)
{
    pthread_once(&once, init);
    for (int i = 0; i < SHARDS; i++) {
        pthread_mutex_lock(&shards[i].lock);
        sweep(&shards[i], INT64_MAX);
        pthread_mutex_unlock(&shards[i].lock);
    }
}

/* ---- client IP ---- */

typedef struct addr {
    int family;
    unsigned char bytes[16];
} addr;

static bool parse_addr(const char *s, addr *out)
{
    if (inet_pton(AF_INET, s, out->bytes) == 1) {
        out->family = AF_INET;
        return true;
    }
    if (inet_pton(AF_INET6, s, out->bytes) == 1) {
        out->family = AF_INET6;
        return true;
    }
    return false;
}

static bool prefix_match(const addr *a, const addr *net, int bits)
{
    if (a->family != net->family) return false;
    int full = bits / 8, rest = bits % 8;
    if (memcmp(a->bytes, net->bytes, (size_t)full) != 0) return false;
    if (!rest) return true;
    unsigned char mask = (unsigned char)(0xff << (8 - rest));
    return (a->bytes[full] & mask) == (net->bytes[full] & mask);
}

/* Copies [s, s+n) trimmed of spaces and tabs into out. */
static void trimmed(const char *s, size_t n, char *out, size_t cap)
{
    while (n && (*s == ' ' || *s == '\t'))
        s++, n--;
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    if (n >= cap) n = cap - 1;
    memcpy(out, s, n);
    out[n] = '\0';
}

bool ip_in_list(const char *ip, const char *list)
{
    addr a;
    if (!list || !parse_addr(ip, &a)) return false;
    const char *p = list;
    while (*p) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        char entry[80];
        trimmed(p, n, entry, sizeof entry);
        char *slash = strchr(entry, '/');
        int bits = -1;
        if (slash) {
            *slash = '\0';
            bits = atoi(slash + 1);
        }
        addr net;
        if (*entry && parse_addr(entry, &net)) {
            int maxbits = net.family == AF_INET ? 32 : 128;
            if (bits < 0 || bits > maxbits) bits = maxbits;
            if (prefix_match(&a, &net, bits)) return true;
        }
        if (!comma) break;
        p = comma + 1;
    }
    return false;
}

void ratelimit_client_ip(const request *req, char *out, size_t n)
{
    snprintf(out, n, "%s", req->client_ip);
    const char *list = cfg.trusted_proxies;
    if (!list || !*list || !ip_in_list(req->client_ip, list)) return;
    const char *xff = req_header(req, "X-Forwarded-For");
    if (!xff) return;
    /* walk from the right: the first address that is not a trusted proxy */
    const char *end = xff + strlen(xff);
    while (end > xff) {
        const char *start = end;
        while (start > xff && start[-1] != ',')
            start--;
        char ip[80];
        trimmed(start, (size_t)(end - start), ip, sizeof ip);
        addr a;
        if (*ip && parse_addr(ip, &a) && !ip_in_list(ip, list)) {
            snprintf(out, n, "%s", ip);
            return;
        }
        end = start > xff ? start - 1 : xff;
    }
}

/* ---- limits ---- */

int ratelimit_check(request *req, const char *name, const char *key, err *e)
{
    if (!cfg.rate_limits_enabled || !key) return 0;
    const rate_limit_default *def = config_rate_limit(name);
    if (!def) return err_internal(e, "unknown rate limit %s", name);
    int max = def->max_requests, window = def->window_secs;
    if (def->tenant_keyed && req->tenant_id) {
        db_conn *c = db_acquire(store_db);
        int rc = tenant_rate_limit(c, req->arena, req->tenant_id, name, &max, &window, e);
        db_release(store_db, c);
        if (rc < 0) return -1;
    }
    if (max <= 0) return 0;
    const char *full = def->tenant_keyed && req->tenant_id
                           ? arena_printf(req->arena, "%s|%s|%s", name, req->tenant_id, key)
                           : arena_printf(req->arena, "%s||%s", name, key);
    int retry = 1;
    if (ratelimit_hit(full, max, window, now_us(), &retry)) return 0;
    e->retry_after = retry;
    err_set(e, ERR_RATE_LIMITED, "Too many requests, retry after %d seconds", retry);
    e->retry_after = retry;
    return -1;
}
