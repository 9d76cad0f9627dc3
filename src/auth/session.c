/* session.c - session issue, validity, authentication and revocation (see
 * session.h). Global state: the flusher thread (started with the first
 * cached session) that writes idle-timer refreshes and polls the
 * cross-process cache epoch every 500 ms. */
#include "auth/session.h"

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth/session_cache.h"
#include "tenant_config.h"
#include "store/identities.h"
#include "store/sessions.h"
#include "store/store.h"
#include "util/log.h"
#include "util/strbuf.h"
#include "util/timeutil.h"

#define FLUSH_INTERVAL_MS 500
#define FLUSH_BATCH       512

bool session_valid_at(int64_t now, int64_t created_at, int64_t last_used_at,
                      const session_policy *p, int64_t access_valid_until, int64_t *expires_at)
{
    int64_t expiry = created_at + p->absolute_us;
    if (p->idle_us && last_used_at + p->idle_us < expiry) expiry = last_used_at + p->idle_us;
    if (now >= expiry) return false;
    if (access_valid_until && access_valid_until <= now) return false;
    if (expires_at) *expires_at = expiry;
    return true;
}

int session_issue(db_conn *c, arena *a, const char *tenant_id, const char *membership_id,
                  const char *identity_id, int auth_method, bool confined,
                  char token[TOKEN_LEN + 1], int64_t *expires_at, err *e)
{
    session_policy p;
    if (tenant_session_policy(c, a, tenant_id, &p, e)) return -1;
    session_row s = {0};
    uuid_v7(s.id);
    token_new(token, s.token_hash);
    snprintf(s.tenant_id, sizeof s.tenant_id, "%s", tenant_id);
    snprintf(s.membership_id, sizeof s.membership_id, "%s", membership_id);
    snprintf(s.identity_id, sizeof s.identity_id, "%s", identity_id);
    s.auth_method = auth_method;
    s.confined = confined;
    s.created_at = s.last_used_at = now_us();
    if (session_insert(c, &s, e)) return -1;
    *expires_at = s.created_at + p.absolute_us;
    if (p.idle_us && s.created_at + p.idle_us < *expires_at) *expires_at = s.created_at + p.idle_us;
    return 0;
}

/* ---- the flusher ---- */

static pthread_mutex_t flusher_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_t flusher_thread;
static atomic_bool flusher_running;
static atomic_bool flusher_stop;
static int64_t known_epoch = -1; /* set before the flusher starts, then its own */

static void flush_dirty(db_conn *c)
{
    session_touch_rec recs[FLUSH_BATCH];
    size_t n;
    while ((n = session_cache_take_dirty(recs, FLUSH_BATCH)) > 0) {
        for (size_t i = 0; i < n; i++) {
            err e = {0};
            if (session_touch(c, recs[i].id, recs[i].last_used_at, &e))
                log_msg(LOG_ERROR, "internal_error", "session touch: %s", e.detail);
        }
        if (n < FLUSH_BATCH) break;
    }
}

static void poll_epoch(db_conn *c)
{
    err e = {0};
    int64_t epoch = store_cache_epoch(c, &e);
    if (epoch < 0) return;
    if (known_epoch >= 0 && epoch != known_epoch) {
        session_cache_clear();
        tenant_config_evict_all();
    }
    known_epoch = epoch;
}

static void *flusher_main(void *arg)
{
    (void)arg;
    while (!atomic_load(&flusher_stop)) {
        struct timespec ts = {0, FLUSH_INTERVAL_MS * 1000000L};
        nanosleep(&ts, NULL);
        if (!store_db) continue;
        db_conn *c = db_acquire(store_db);
        flush_dirty(c);
        poll_epoch(c);
        db_release(store_db, c);
    }
    return NULL;
}

/* Starts the flusher before the first load from the store: the epoch it
 * starts from is read before any cached state, so a change made by another
 * process after that read always clears the cache. */
static void flusher_ensure(db_conn *c)
{
    if (atomic_load(&flusher_running)) return;
    pthread_mutex_lock(&flusher_lock);
    if (!atomic_load(&flusher_running) && !atomic_load(&flusher_stop)) {
        err e = {0};
        known_epoch = store_cache_epoch(c, &e);
        if (pthread_create(&flusher_thread, NULL, flusher_main, NULL) == 0)
            atomic_store(&flusher_running, true);
    }
    pthread_mutex_unlock(&flusher_lock);
}

void session_service_start(void)
{
    db_conn *c = db_acquire(store_db);
    flusher_ensure(c);
    db_release(store_db, c);
}

void session_service_stop(void)
{
    if (!atomic_load(&flusher_running)) return;
    atomic_store(&flusher_stop, true);
    pthread_join(flusher_thread, NULL);
    atomic_store(&flusher_running, false);
    if (store_db) {
        db_conn *c = db_acquire(store_db);
        flush_dirty(c);
        db_release(store_db, c);
    }
}

/* ---- authentication ---- */

static int invalid(err *e)
{
    return err_set(e, ERR_UNAUTHORIZED, "Invalid or expired session");
}

static char *render_prefix(const session_row *s, const char *roles, const char *perms)
{
    strbuf sb = STRBUF_INIT;
    sb_printf(&sb,
              "{\"tenantId\":\"%s\",\"userId\":\"%s\",\"identityId\":\"%s\",\"roles\":%s,"
              "\"permissions\":%s,",
              s->tenant_id, s->membership_id, s->identity_id, roles, perms);
    return sb_steal(&sb);
}

/* Loads the session from the store and, when valid, caches it. */
static int load_session(arena *a, const char *token_hash, int64_t now, session_info **out, err *e)
{
    db_conn *c = db_acquire(store_db);
    flusher_ensure(c);
    uint64_t gen = session_cache_generation();
    session_row s;
    session_cache_entry ce = {0};
    json_t *roles = NULL, *perms = NULL;
    int rc = session_load(c, token_hash, &s, e);
    if (rc == 1 &&
        (!s.tenant_active || !s.identity_active || strcmp(s.membership_status, "active") != 0))
        rc = 0;
    if (rc == 1 && tenant_session_policy(c, a, s.tenant_id, &ce.policy, e)) rc = -1;
    if (rc == 1 && membership_roles_permissions(c, s.membership_id, &roles, &perms, e)) rc = -1;
    db_release(store_db, c);
    if (rc <= 0) return rc < 0 ? -1 : invalid(e);

    int64_t last = s.last_used_at > now ? s.last_used_at : now;
    if (!session_valid_at(now, s.created_at, s.last_used_at, &ce.policy, s.access_valid_until,
                          NULL)) {
        json_decref(roles);
        json_decref(perms);
        return invalid(e);
    }
    session_info *info = &ce.info;
    memcpy(info->id, s.id, sizeof info->id);
    memcpy(info->token_hash, s.token_hash, sizeof info->token_hash);
    memcpy(info->tenant_id, s.tenant_id, sizeof info->tenant_id);
    memcpy(info->membership_id, s.membership_id, sizeof info->membership_id);
    memcpy(info->identity_id, s.identity_id, sizeof info->identity_id);
    info->auth_method = s.auth_method;
    info->confined = s.confined;
    char *roles_txt = json_dumps(roles, JSON_COMPACT);
    char *perms_txt = json_dumps(perms, JSON_COMPACT);
    json_decref(roles);
    json_decref(perms);
    char *prefix = render_prefix(&s, roles_txt, perms_txt);
    info->roles_json = roles_txt;
    info->permissions_json = perms_txt;
    info->validate_prefix = prefix;
    ce.created_at = s.created_at;
    ce.last_used_at = s.last_used_at;
    ce.access_valid_until = s.access_valid_until;
    session_valid_at(now, s.created_at, last, &ce.policy, s.access_valid_until, &info->expires_at);

    session_info *copy = arena_alloc(a, sizeof *copy);
    *copy = *info;
    copy->roles_json = arena_strdup(a, roles_txt);
    copy->permissions_json = arena_strdup(a, perms_txt);
    copy->validate_prefix = arena_strdup(a, prefix);
    *out = copy;

    if (session_cache_put(&ce, gen)) {
        /* the cache holds the old last use; this use refreshes it */
        session_info *ignored;
        session_cache_use(token_hash, now, a, &ignored);
    }
    free(roles_txt);
    free(perms_txt);
    free(prefix);
    return 0;
}

int session_authenticate(arena *a, const char *token_hash, session_info **out, err *e)
{
    int64_t now = now_us();
    int rc = session_cache_use(token_hash, now, a, out);
    if (rc == 1) return 0;
    if (rc == -1) return invalid(e);
    return load_session(a, token_hash, now, out, e);
}

/* ---- revocation ---- */

typedef struct live_ctx {
    db_conn *c;
    arena *a;
    int64_t now;
} live_ctx;

static bool row_is_live(const session_row *s, void *ctx)
{
    live_ctx *lc = ctx;
    session_policy p;
    err e = {0};
    if (tenant_session_policy(lc->c, lc->a, s->tenant_id, &p, &e)) return true;
    return session_valid_at(lc->now, s->created_at, s->last_used_at, &p, 0, NULL);
}

static long revoke(db_conn *c, session_scope scope, const char *key, const char *except, err *e)
{
    arena *a = arena_new(4096);
    live_ctx lc = {c, a, now_us()};
    long n = session_revoke(c, scope, key, except, row_is_live, &lc, e);
    arena_free(a);
    if (n < 0) return -1;
    if (scope == SCOPE_TOKEN)
        session_cache_evict_token(key);
    else if (scope == SCOPE_MEMBERSHIP)
        session_cache_evict_membership(key);
    else
        session_cache_evict_identity(key);
    if (n > 0 && store_bump_cache_epoch(c, e)) return -1;
    return n;
}

long session_revoke_token(db_conn *c, const char *token_hash, err *e)
{
    return revoke(c, SCOPE_TOKEN, token_hash, NULL, e);
}

long session_revoke_membership(db_conn *c, const char *membership_id, err *e)
{
    return revoke(c, SCOPE_MEMBERSHIP, membership_id, NULL, e);
}

long session_revoke_identity(db_conn *c, const char *identity_id, const char *except_hash, err *e)
{
    return revoke(c, SCOPE_IDENTITY, identity_id, except_hash, e);
}

int session_cache_changed(db_conn *c, err *e)
{
    session_cache_clear();
    return store_bump_cache_epoch(c, e);
}

/* ---- the active-sessions gauge ---- */

typedef struct count_ctx {
    live_ctx lc;
    long n;
} count_ctx;

static void count_live(const session_row *s, void *ctx)
{
    count_ctx *cc = ctx;
    if (row_is_live(s, &cc->lc)) cc->n++;
}

double session_count_active(void *ctx)
{
    (void)ctx;
    if (!store_db) return 0;
    err e = {0};
    db_conn *c = db_acquire(store_db);
    count_ctx cc = {{c, arena_new(4096), now_us()}, 0};
    int rc = session_each_unrevoked(c, count_live, &cc, &e);
    db_release(store_db, c);
    arena_free(cc.lc.a);
    return rc ? 0.0 / 0.0 : (double)cc.n;
}
