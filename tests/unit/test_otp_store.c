/* test_otp_store.c - the stores behind one-time codes and MFA against a real
 * SQLite database with the project's migrations: newest code only, the bare
 * mobile rule, attempt counters with their expiry, the TOTP replay guard,
 * single-use backup codes, the (sealed) KV configuration reader, and the QR
 * SVG of an enrolment. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "auth/mfa.h"
#include "config.h"
#include "store/db.h"
#include "store/mfa.h"
#include "store/migrate.h"
#include "store/kv.h"
#include "store/oauth.h"
#include "store/otp.h"
#include "util/secretbox.h"

static db *d;
static db_conn *c;
static char path[64];

static void run(const char *sql)
{
    err e = {0};
    assert_int_equal(db_exec_script(c, sql, &e), 0);
}

static int setup(void **state)
{
    (void)state;
    err e = {0};
    snprintf(path, sizeof path, "/tmp/authrs-otp-store-%d.db", (int)getpid());
    unlink(path);
    char url[80];
    snprintf(url, sizeof url, "sqlite:%s", path);
    assert_int_equal(db_open(url, 1, &d, &e), 0);
    assert_true(migrate_apply(d, &e) >= 0);
    c = db_acquire(d);
    for (int i = 0; i < 32; i++)
        cfg.kv_key[i] = (unsigned char)(i * 7 + 1);
    cfg.kv_key_set = true;
    run("INSERT INTO tenants (id, name, status, created_at, updated_at) VALUES "
        "('t1','T1','active',0,0);"
        "INSERT INTO identities (id, email, email_norm, created_at, updated_at) VALUES"
        " ('i1','a@b.io','a@b.io',0,0), ('i2','c@d.io','c@d.io',0,0);"
        "INSERT INTO memberships (id, tenant_id, identity_id, status, created_at, updated_at) "
        "VALUES"
        " ('m1','t1','i1','active',0,0), ('m2','t1','i2','active',0,0);");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    db_release(d, c);
    db_close(d);
    unlink(path);
    return 0;
}

static void code(otp_row *r, const char *channel, const char *identifier, const char *bare,
                 const char *mid, const char *hash)
{
    memset(r, 0, sizeof *r);
    snprintf(r->tenant_id, sizeof r->tenant_id, "t1");
    snprintf(r->channel, sizeof r->channel, "%s", channel);
    snprintf(r->identifier, sizeof r->identifier, "%s", identifier);
    snprintf(r->bare_mobile, sizeof r->bare_mobile, "%s", bare ? bare : "");
    snprintf(r->membership_id, sizeof r->membership_id, "%s", mid);
    snprintf(r->code_hash, sizeof r->code_hash, "%s", hash);
}

static void test_newest_code_only(void **state)
{
    (void)state;
    err e = {0};
    otp_row r, got;
    code(&r, "email", "a@b.io", NULL, "m1", "h1");
    assert_int_equal(otp_code_replace(c, &r, 600, &e), 0);
    code(&r, "email", "a@b.io", NULL, "m1", "h2");
    assert_int_equal(otp_code_replace(c, &r, 600, &e), 0);
    assert_int_equal(otp_code_find(c, "t1", "email", "a@b.io", &got, &e), 1);
    assert_string_equal(got.code_hash, "h2");
    assert_string_equal(got.membership_id, "m1");
    assert_int_equal(otp_code_find(c, "t1", "sms", "a@b.io", &got, &e), 0);
    assert_int_equal(otp_code_consume(c, got.id, &e), 1);
    assert_int_equal(otp_code_consume(c, got.id, &e), 0);
    assert_int_equal(otp_code_find(c, "t1", "email", "a@b.io", &got, &e), 0);
    /* expired codes do not count */
    code(&r, "email", "a@b.io", NULL, "m1", "h3");
    assert_int_equal(otp_code_replace(c, &r, 0, &e), 0);
    assert_int_equal(otp_code_find(c, "t1", "email", "a@b.io", &got, &e), 0);
}

static void test_bare_mobile(void **state)
{
    (void)state;
    err e = {0};
    otp_row r, got;
    code(&r, "sms", "+15551234", "5551234", "m1", "x1");
    assert_int_equal(otp_code_replace(c, &r, 600, &e), 0);
    assert_int_equal(otp_code_find_bare(c, "t1", "sms", "5551234", &got, &e), 1);
    assert_string_equal(got.identifier, "+15551234");
    assert_int_equal(otp_code_find_bare(c, "t1", "whatsapp", "5551234", &got, &e), 0);
    code(&r, "sms", "+445551234", "5551234", "m2", "x2");
    assert_int_equal(otp_code_replace(c, &r, 600, &e), 0);
    assert_int_equal(otp_code_find_bare(c, "t1", "sms", "5551234", &got, &e), 0);
    assert_int_equal(otp_code_find(c, "t1", "sms", "+445551234", &got, &e), 1);
    assert_string_equal(got.membership_id, "m2");
}

static void test_attempt_counters(void **state)
{
    (void)state;
    err e = {0};
    assert_int_equal(otp_attempts_get(c, "t1", "email", "z@z.io", 600, &e), 0);
    for (int i = 1; i <= 3; i++)
        assert_int_equal(otp_attempt_add(c, "t1", "email", "z@z.io", 600, &e), i);
    assert_int_equal(otp_attempts_get(c, "t1", "sms", "z@z.io", 600, &e), 0);
    /* expiry: the first try was ttl ago */
    run("UPDATE otp_attempts SET first_at = first_at - 700000000 WHERE identifier = 'z@z.io'");
    assert_int_equal(otp_attempts_get(c, "t1", "email", "z@z.io", 600, &e), 0);
    assert_int_equal(otp_attempt_add(c, "t1", "email", "z@z.io", 600, &e), 1);
    assert_int_equal(otp_attempt_add(c, "t1", "email", "z@z.io", 600, &e), 2);
    assert_int_equal(otp_attempts_reset(c, "t1", "email", "z@z.io", &e), 0);
    assert_int_equal(otp_attempts_get(c, "t1", "email", "z@z.io", 600, &e), 0);
}

static void test_mfa_store(void **state)
{
    (void)state;
    err e = {0};
    arena *a = arena_new(1024);
    mfa_state st;
    assert_int_equal(mfa_state_get(c, a, "i1", &st, &e), 1);
    assert_false(st.enabled);
    assert_int_equal(st.last_step, -1);
    assert_int_equal(mfa_set_pending(c, "i1", "sealed-1", &e), 1);
    assert_int_equal(mfa_activate(c, "i1", "other", 100, &e), 0);
    assert_int_equal(mfa_activate(c, "i1", "sealed-1", 100, &e), 1);
    assert_int_equal(mfa_state_get(c, a, "i1", &st, &e), 1);
    assert_true(st.enabled);
    assert_string_equal(st.secret, "sealed-1");
    assert_int_equal(mfa_set_pending(c, "i1", "sealed-x", &e), 0); /* not while enabled */
    assert_null(st.pending);
    assert_int_equal(mfa_record_step(c, "i1", 100, &e), 0); /* replay */
    assert_int_equal(mfa_record_step(c, "i1", 99, &e), 0);
    assert_int_equal(mfa_record_step(c, "i1", 101, &e), 1);
    char hashes[2][65] = {"aa", "bb"};
    assert_int_equal(mfa_backup_replace(c, "i1", hashes, 2, &e), 0);
    assert_int_equal(mfa_backup_consume(c, "i1", "aa", &e), 1);
    assert_int_equal(mfa_backup_consume(c, "i1", "aa", &e), 0);
    assert_int_equal(mfa_backup_consume(c, "i2", "bb", &e), 0);
    assert_int_equal(mfa_count_enabled(c, &e), 1);
    assert_int_equal(mfa_clear(c, "i1", &e), 0);
    assert_int_equal(mfa_state_get(c, a, "i1", &st, &e), 1);
    assert_false(st.enabled);
    assert_null(st.secret);
    assert_int_equal(mfa_backup_consume(c, "i1", "bb", &e), 0);
    /* a new enrolment starts the replay guard afresh */
    run("UPDATE identities SET mfa_last_step = 500 WHERE id = 'i1'");
    assert_int_equal(mfa_set_pending(c, "i1", "sealed-2", &e), 1);
    assert_int_equal(mfa_state_get(c, a, "i1", &st, &e), 1);
    assert_int_equal(st.last_step, -1);
    assert_string_equal(st.pending, "sealed-2");
    arena_free(a);
}

static void test_kv_read(void **state)
{
    (void)state;
    err e = {0};
    arena *a = arena_new(1024);
    const char *v = NULL;
    run("INSERT INTO kv_store (tenant_id, group_key, key, value, encrypted, updated_at)"
        " VALUES ('t1','sms','default','{\"plain\":true}',0,0)");
    assert_int_equal(kv_read(c, a, "t1", "sms", "default", &v, &e), 1);
    assert_string_equal(v, "{\"plain\":true}");
    assert_int_equal(kv_read(c, a, "t1", "smtp", "default", &v, &e), 0);
    secretbox_key k;
    secretbox_key_init(&k, cfg.kv_key);
    char *sealed = NULL, sql[512];
    assert_int_equal(
        secretbox_seal(&k, "kv:t1/oauth/google", "{\"clientId\":\"x\"}", 16, &sealed, &e), 0);
    snprintf(sql, sizeof sql,
             "INSERT INTO kv_store VALUES ('t1','oauth','google','%s',1,0);"
             "INSERT INTO kv_store VALUES ('t1','oauth','github','%s',1,0);",
             sealed, sealed);
    run(sql);
    free(sealed);
    assert_int_equal(kv_read(c, a, "t1", "oauth", "google", &v, &e), 1);
    assert_string_equal(v, "{\"clientId\":\"x\"}");
    /* sealed for another place: does not open */
    assert_int_equal(kv_read(c, a, "t1", "oauth", "github", &v, &e), -1);
    secretbox_key_wipe(&k);
    arena_free(a);
}

static void test_qr_svg(void **state)
{
    (void)state;
    char *svg = mfa_qr_svg("otpauth://totp/Acme:jane%40example.com?secret=JBSWY3DPEHPK3PXP");
    assert_non_null(svg);
    int w = 0;
    assert_int_equal(
        sscanf(svg, "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" viewBox=\"0 0 %d",
               &w),
        1);
    /* a version 1-40 symbol (21 + 4k modules) plus the 4-module quiet zone on each side */
    assert_int_equal((w - 8 - 21) % 4, 0);
    assert_true(w >= 29);
    /* the finder pattern's top row starts at the quiet zone */
    assert_non_null(strstr(svg, "M4 4h7v1h-7z"));
    assert_null(strstr(svg, "href"));
    assert_int_equal(strcmp(svg + strlen(svg) - 6, "</svg>"), 0);
    free(svg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_newest_code_only), cmocka_unit_test(test_bare_mobile),
        cmocka_unit_test(test_attempt_counters), cmocka_unit_test(test_mfa_store),
        cmocka_unit_test(test_kv_read),          cmocka_unit_test(test_qr_svg),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
