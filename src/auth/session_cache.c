/* session_cache.c - the in-memory session cache (see session_cache.h).
 * Global state: `shards` (64 mutex-guarded hash tables) and `generation`. */
#include "auth/session_cache.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define SHARDS  64
#define BUCKETS 1024 /* per shard */

typedef struct node {
    struct node *next;
    session_cache_entry e;
    bool dirty;
} node;

typedef struct shard {
    pthread_mutex_t lock;
    node *buckets[BUCKETS];
    size_t count;
} shard;

static shard shards[SHARDS];
static pthread_once_t shards_once = PTHREAD_ONCE_INIT;
static _Atomic uint64_t generation;

static void shards_init(void)
{
    for (int i = 0; i < SHARDS; i++)
        pthread_mutex_init(&shards[i].lock, NULL);
}

static unsigned hexval(char c)
{
    return (unsigned)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10) & 15;
}

/* The token hash is uniformly random hex: its first digits pick the shard
 * and the next ones the bucket. */
static shard *shard_of(const char *hash, unsigned *bucket)
{
    pthread_once(&shards_once, shards_init);
    unsigned v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 4 | hexval(hash[i]);
    *bucket = (v >> 6) % BUCKETS;
    return &shards[v & (SHARDS - 1)];
}

static void node_free(node *n)
{
    free((char *)n->e.info.validate_prefix);
    free((char *)n->e.info.roles_json);
    free((char *)n->e.info.permissions_json);
    free(n);
}

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

uint64_t session_cache_generation(void)
{
    return atomic_load(&generation);
}

static void shard_clear_locked(shard *s)
{
    for (int b = 0; b < BUCKETS; b++) {
        node *n = s->buckets[b];
        while (n) {
            node *next = n->next;
            node_free(n);
            n = next;
        }
        s->buckets[b] = NULL;
    }
    s->count = 0;
}

bool session_cache_put(const session_cache_entry *src, uint64_t gen)
{
    unsigned b;
    shard *s = shard_of(src->info.token_hash, &b);
    node *n = calloc(1, sizeof *n);
    n->e = *src;
    n->e.info.validate_prefix = dup_or_null(src->info.validate_prefix);
    n->e.info.roles_json = dup_or_null(src->info.roles_json);
    n->e.info.permissions_json = dup_or_null(src->info.permissions_json);
    pthread_mutex_lock(&s->lock);
    if (atomic_load(&generation) != gen) {
        pthread_mutex_unlock(&s->lock);
        node_free(n);
        return false;
    }
    if (s->count >= SESSION_CACHE_MAX / SHARDS) shard_clear_locked(s);
    for (node **p = &s->buckets[b]; *p; p = &(*p)->next) {
        if (strcmp((*p)->e.info.token_hash, src->info.token_hash) == 0) {
            node *old = *p;
            n->next = old->next;
            *p = n;
            node_free(old);
            pthread_mutex_unlock(&s->lock);
            return true;
        }
    }
    n->next = s->buckets[b];
    s->buckets[b] = n;
    s->count++;
    pthread_mutex_unlock(&s->lock);
    return true;
}

static session_info *arena_copy(arena *a, const session_info *in)
{
    session_info *out = arena_alloc(a, sizeof *out);
    *out = *in;
    out->validate_prefix = arena_strdup(a, in->validate_prefix);
    out->roles_json = arena_strdup(a, in->roles_json);
    out->permissions_json = arena_strdup(a, in->permissions_json);
    return out;
}

int session_cache_use(const char *token_hash, int64_t now, arena *a, session_info **out)
{
    unsigned b;
    shard *s = shard_of(token_hash, &b);
    pthread_mutex_lock(&s->lock);
    for (node **p = &s->buckets[b]; *p; p = &(*p)->next) {
        node *n = *p;
        if (strcmp(n->e.info.token_hash, token_hash) != 0) continue;
        int64_t expires;
        if (!session_valid_at(now, n->e.created_at, n->e.last_used_at, &n->e.policy,
                              n->e.access_valid_until, &expires)) {
            *p = n->next;
            s->count--;
            node_free(n);
            atomic_fetch_add(&generation, 1);
            pthread_mutex_unlock(&s->lock);
            return -1;
        }
        if (now > n->e.last_used_at) {
            n->e.last_used_at = now;
            n->dirty = true;
            session_valid_at(now, n->e.created_at, now, &n->e.policy, n->e.access_valid_until,
                             &expires);
        }
        n->e.info.expires_at = expires;
        *out = arena_copy(a, &n->e.info);
        pthread_mutex_unlock(&s->lock);
        return 1;
    }
    pthread_mutex_unlock(&s->lock);
    return 0;
}

/* Removes every node for which match(node, key) holds, in every shard. */
static void evict_where(bool (*match)(const node *n, const char *key), const char *key)
{
    pthread_once(&shards_once, shards_init);
    atomic_fetch_add(&generation, 1);
    for (int i = 0; i < SHARDS; i++) {
        shard *s = &shards[i];
        pthread_mutex_lock(&s->lock);
        for (int b = 0; b < BUCKETS; b++) {
            node **p = &s->buckets[b];
            while (*p) {
                node *n = *p;
                if (match(n, key)) {
                    *p = n->next;
                    s->count--;
                    node_free(n);
                } else {
                    p = &n->next;
                }
            }
        }
        pthread_mutex_unlock(&s->lock);
    }
}

static bool match_membership(const node *n, const char *key)
{
    return strcmp(n->e.info.membership_id, key) == 0;
}

static bool match_identity(const node *n, const char *key)
{
    return strcmp(n->e.info.identity_id, key) == 0;
}

void session_cache_evict_token(const char *token_hash)
{
    unsigned b;
    shard *s = shard_of(token_hash, &b);
    atomic_fetch_add(&generation, 1);
    pthread_mutex_lock(&s->lock);
    for (node **p = &s->buckets[b]; *p; p = &(*p)->next) {
        if (strcmp((*p)->e.info.token_hash, token_hash) == 0) {
            node *n = *p;
            *p = n->next;
            s->count--;
            node_free(n);
            break;
        }
    }
    pthread_mutex_unlock(&s->lock);
}

void session_cache_evict_membership(const char *membership_id)
{
    evict_where(match_membership, membership_id);
}

void session_cache_evict_identity(const char *identity_id)
{
    evict_where(match_identity, identity_id);
}

void session_cache_clear(void)
{
    pthread_once(&shards_once, shards_init);
    atomic_fetch_add(&generation, 1);
    for (int i = 0; i < SHARDS; i++) {
        pthread_mutex_lock(&shards[i].lock);
        shard_clear_locked(&shards[i]);
        pthread_mutex_unlock(&shards[i].lock);
    }
}

size_t session_cache_size(void)
{
    pthread_once(&shards_once, shards_init);
    size_t total = 0;
    for (int i = 0; i < SHARDS; i++) {
        pthread_mutex_lock(&shards[i].lock);
        total += shards[i].count;
        pthread_mutex_unlock(&shards[i].lock);
    }
    return total;
}

size_t session_cache_take_dirty(session_touch_rec *out, size_t max)
{
    pthread_once(&shards_once, shards_init);
    size_t n = 0;
    for (int i = 0; i < SHARDS && n < max; i++) {
        shard *s = &shards[i];
        pthread_mutex_lock(&s->lock);
        for (int b = 0; b < BUCKETS && n < max; b++)
            for (node *x = s->buckets[b]; x && n < max; x = x->next)
                if (x->dirty) {
                    memcpy(out[n].id, x->e.info.id, sizeof out[n].id);
                    out[n].last_used_at = x->e.last_used_at;
                    x->dirty = false;
                    n++;
                }
        pthread_mutex_unlock(&s->lock);
    }
    return n;
}
