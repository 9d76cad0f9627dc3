/* session_cache.h - the in-memory session cache behind GET /session/validate
 * (issue 3 "Speed"): token hash -> the session, the state its validity needs
 * (creation, last use, policy, access validity) and its pre-rendered roles and
 * permissions. A hit never touches the store; the idle-timer refresh is kept
 * in memory and marked dirty for the flusher (auth/session.c) to write.
 *
 * Global state: the cache itself, 64 shards each guarded by its own mutex,
 * and a generation counter. Entries are heap-owned by the cache. Every
 * eviction bumps the generation; a loader takes the generation before
 * reading the store and session_cache_put() drops its entry when the
 * generation moved meanwhile, so a stale load never outlives an eviction.
 */
#ifndef AUTHRS_AUTH_SESSION_CACHE_H
#define AUTHRS_AUTH_SESSION_CACHE_H

#include <stdbool.h>
#include <stdint.h>

#include "auth/session.h"

#define SESSION_CACHE_MAX 200000 /* entries; a full shard is emptied */

typedef struct session_cache_entry {
    session_info info; /* strings heap-owned by the cache once put */
    int64_t created_at, last_used_at, access_valid_until;
    session_policy policy;
} session_cache_entry;

uint64_t session_cache_generation(void);
/* Copies src (and its strings) into the cache unless the generation is no
 * longer `gen`. Returns true when stored. */
bool session_cache_put(const session_cache_entry *src, uint64_t gen);

/* 1 hit and valid at now: *out is an arena copy with expires_at set, the
 * last use moved to now; -1 hit but no longer valid (evicted); 0 miss. */
int session_cache_use(const char *token_hash, int64_t now, arena *a, session_info **out);

void session_cache_evict_token(const char *token_hash);
void session_cache_evict_membership(const char *membership_id);
void session_cache_evict_identity(const char *identity_id);
void session_cache_clear(void);
size_t session_cache_size(void);

/* Takes up to max dirty idle refreshes (session id, last use) and marks them
 * clean. Returns how many were written to out. */
typedef struct session_touch_rec {
    char id[37];
    int64_t last_used_at;
} session_touch_rec;
size_t session_cache_take_dirty(session_touch_rec *out, size_t max);

#endif
