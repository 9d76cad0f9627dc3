/* test_session_cache.c - the validity rule of API.md 4.4 and the session
 * cache: hits, refresh of the idle timer, eviction by token, membership,
 * identity and clear, the generation guard against stale loads, dirty
 * refresh tracking. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "auth/session_cache.h"
#include "util/arena.h"

#define MIN 60000000LL

static void rule_absolute_and_idle(void **state)
{
    (void)state;
    session_policy p = {60 * MIN, 0};
    int64_t exp = 0;
    assert_true(session_valid_at(10 * MIN, 0, 0, &p, 0, &exp));
    assert_int_equal(exp, 60 * MIN);
    assert_false(session_valid_at(60 * MIN, 0, 0, &p, 0, &exp));
    p.idle_us = 5 * MIN;
    assert_true(session_valid_at(4 * MIN, 0, 0, &p, 0, &exp));
    assert_int_equal(exp, 5 * MIN);
    assert_false(session_valid_at(6 * MIN, 0, 0, &p, 0, &exp));
    assert_true(session_valid_at(6 * MIN, 0, 3 * MIN, &p, 0, &exp));
    assert_int_equal(exp, 8 * MIN);
    /* idle never extends past the absolute expiry */
    assert_true(session_valid_at(58 * MIN, 0, 57 * MIN, &p, 0, &exp));
    assert_int_equal(exp, 60 * MIN);
    /* access validity */
    assert_false(session_valid_at(4 * MIN, 0, 0, &p, 4 * MIN, &exp));
    assert_true(session_valid_at(4 * MIN, 0, 0, &p, 4 * MIN + 1, &exp));
}

static void make(session_cache_entry *ce, int n, const char *membership, const char *identity)
{
    memset(ce, 0, sizeof *ce);
    snprintf(ce->info.token_hash, sizeof ce->info.token_hash, "%08x%056d", n * 2654435761u, 0);
    snprintf(ce->info.id, sizeof ce->info.id, "s%d", n);
    snprintf(ce->info.membership_id, sizeof ce->info.membership_id, "%s", membership);
    snprintf(ce->info.identity_id, sizeof ce->info.identity_id, "%s", identity);
    ce->info.validate_prefix = "{\"x\":1,";
    ce->info.roles_json = "[\"admin\"]";
    ce->info.permissions_json = "[]";
    ce->policy.absolute_us = 60 * MIN;
}

static int clear(void **state)
{
    (void)state;
    session_cache_clear();
    return 0;
}

static void hit_refreshes_and_expires(void **state)
{
    (void)state;
    arena *a = arena_new(1024);
    session_cache_entry ce;
    make(&ce, 1, "m1", "i1");
    ce.policy.idle_us = 5 * MIN;
    assert_true(session_cache_put(&ce, session_cache_generation()));
    session_info *s = NULL;
    assert_int_equal(session_cache_use(ce.info.token_hash, 4 * MIN, a, &s), 1);
    assert_string_equal(s->roles_json, "[\"admin\"]");
    assert_int_equal(s->expires_at, 9 * MIN);
    /* refreshed: still valid 4 minutes later */
    assert_int_equal(session_cache_use(ce.info.token_hash, 8 * MIN, a, &s), 1);
    session_touch_rec recs[4];
    assert_int_equal(session_cache_take_dirty(recs, 4), 1);
    assert_string_equal(recs[0].id, "s1");
    assert_int_equal(recs[0].last_used_at, 8 * MIN);
    assert_int_equal(session_cache_take_dirty(recs, 4), 0);
    /* idle past: invalid and evicted */
    assert_int_equal(session_cache_use(ce.info.token_hash, 14 * MIN, a, &s), -1);
    assert_int_equal(session_cache_use(ce.info.token_hash, 14 * MIN, a, &s), 0);
    arena_free(a);
}

static void evictions(void **state)
{
    (void)state;
    arena *a = arena_new(1024);
    session_cache_entry e1, e2, e3;
    make(&e1, 11, "m1", "i1");
    make(&e2, 12, "m2", "i1");
    make(&e3, 13, "m3", "i2");
    session_cache_put(&e1, session_cache_generation());
    session_cache_put(&e2, session_cache_generation());
    session_cache_put(&e3, session_cache_generation());
    assert_int_equal(session_cache_size(), 3);
    session_info *s;
    session_cache_evict_token(e3.info.token_hash);
    assert_int_equal(session_cache_use(e3.info.token_hash, 0, a, &s), 0);
    session_cache_evict_membership("m1");
    assert_int_equal(session_cache_use(e1.info.token_hash, 0, a, &s), 0);
    assert_int_equal(session_cache_use(e2.info.token_hash, 0, a, &s), 1);
    session_cache_put(&e1, session_cache_generation());
    session_cache_evict_identity("i1");
    assert_int_equal(session_cache_size(), 0);
    arena_free(a);
}

static void stale_load_dropped(void **state)
{
    (void)state;
    arena *a = arena_new(1024);
    session_cache_entry ce;
    make(&ce, 21, "m1", "i1");
    uint64_t gen = session_cache_generation();
    session_cache_evict_membership("m1"); /* a change lands while loading */
    assert_false(session_cache_put(&ce, gen));
    session_info *s;
    assert_int_equal(session_cache_use(ce.info.token_hash, 0, a, &s), 0);
    arena_free(a);
}

static void many_entries(void **state)
{
    (void)state;
    session_cache_entry ce;
    for (int i = 0; i < 5000; i++) {
        make(&ce, 1000 + i, "m", "i");
        session_cache_put(&ce, session_cache_generation());
    }
    assert_true(session_cache_size() > 4900);
    session_cache_clear();
    assert_int_equal(session_cache_size(), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rule_absolute_and_idle),
        cmocka_unit_test_setup(hit_refreshes_and_expires, clear),
        cmocka_unit_test_setup(evictions, clear),
        cmocka_unit_test_setup(stale_load_dropped, clear),
        cmocka_unit_test_setup_teardown(many_entries, clear, clear),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
