/* test_authz_engine.c - evaluation of compiled permissions (authz/engine.c):
 * wildcards, scopes, principals, attachment, Deny precedence, every
 * condition operator with Cedar's error rules, explain order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "authz/engine.h"

/* The member: membership M1, effective roles R1 and R2, group G1. */
static const char *const member_roles[] = {"R1", "R2"};
static const char *const member_groups[] = {"G1"};
static const char *attrs_text = "{\"email\":\"jane@example.com\",\"status\":\"active\","
                                "\"mfaEnabled\":true,\"identityId\":\"I1\","
                                "\"roles\":[\"editor\",\"base\"],\"groups\":[\"auditors\"]}";

typedef struct fixture {
    authz_policy *policy;
    authz_principal pr;
    json_t *attrs;
    json_t *docs[8];
} fixture;

/* One permission per document, attached to `role` ("" for none); names
 * "p0", "p1", ... in the order given. Documents are in stored form. */
static void load(fixture *f, const char *const *docs, const char *const *roles, size_t n)
{
    authz_permission perms[8];
    static const char *ids[] = {"P0", "P1", "P2", "P3", "P4", "P5", "P6", "P7"};
    static const char *names[] = {"p0", "p1", "p2", "p3", "p4", "p5", "p6", "p7"};
    for (size_t i = 0; i < n; i++) {
        json_error_t je;
        f->docs[i] = json_loads(docs[i], 0, &je);
        if (!f->docs[i]) fail_msg("bad test document %zu: %s", i, je.text);
        perms[i] = (authz_permission){ids[i], names[i], f->docs[i], &roles[i], roles[i][0] ? 1 : 0};
    }
    err e = {0};
    f->policy = authz_compile(perms, n, &e);
    assert_non_null(f->policy);
    f->attrs = json_loads(attrs_text, 0, NULL);
    authz_subject s = {"M1", member_roles, 2, member_groups, 1, f->attrs};
    authz_principal_init(&f->pr, f->policy, &s);
    for (size_t i = 0; i < n; i++)
        json_decref(f->docs[i]); /* the policy keeps copies */
}

static void unload(fixture *f)
{
    authz_principal_free(&f->pr);
    authz_policy_unref(f->policy);
    json_decref(f->attrs);
}

static bool allowed(fixture *f, const char *action, const char *resource, const char *ctx)
{
    json_t *c = ctx ? json_loads(ctx, 0, NULL) : NULL;
    authz_matches m = {0};
    bool quick = authz_check(&f->pr, action, resource, c, NULL);
    bool full = authz_check(&f->pr, action, resource, c, &m);
    assert_int_equal(quick, full);
    authz_matches_free(&m);
    json_decref(c);
    return quick;
}

/* A one-statement Allow document. */
#define DOC(prins, acts, res, conds)                                                               \
    "{\"version\":\"1\",\"statements\":[{\"sid\":\"S\",\"effect\":\"Allow\",\"principals\":" prins \
    ",\"actions\":" acts ",\"resources\":" res ",\"conditions\":" conds "}]}"

static bool one(const char *doc, const char *action, const char *resource, const char *ctx)
{
    fixture f;
    const char *docs[] = {doc};
    const char *roles[] = {"R1"};
    load(&f, docs, roles, 1);
    bool r = allowed(&f, action, resource, ctx);
    unload(&f);
    return r;
}

static void test_actions(void **state)
{
    (void)state;
    const char *d = DOC("[\"*\"]", "[\"getMaterials\",\"authrs:list*\"]", "[\"*\"]", "[]");
    assert_true(one(d, "getMaterials", "service:s", NULL));
    assert_false(one(d, "getMaterialsX", "service:s", NULL));
    assert_false(one(d, "getMaterial", "service:s", NULL));
    assert_true(one(d, "authrs:list", "service:s", NULL));
    assert_true(one(d, "authrs:listUsers", "service:s", NULL));
    assert_false(one(d, "authrs:getUser", "service:s", NULL));
    d = DOC("[\"*\"]", "[\"*\"]", "[\"*\"]", "[]");
    assert_true(one(d, "anything", "service:s", NULL));
    d = DOC("[\"*\"]", "[\"get*\"]", "[\"*\"]", "[]");
    assert_true(one(d, "get", "service:s", NULL));
    assert_true(one(d, "getX", "service:s", NULL));
    assert_false(one(d, "ge", "service:s", NULL));
    assert_false(one(d, "Get", "service:s", NULL));
    d = DOC("[\"*\"]", "[]", "[\"*\"]", "[]");
    assert_false(one(d, "get", "service:s", NULL));
}

static void test_resources(void **state)
{
    (void)state;
    const char *d = DOC("[\"*\"]", "[\"*\"]", "[\"service:core/package:mfg\"]", "[]");
    assert_true(one(d, "a", "service:core/package:mfg", NULL));
    assert_true(one(d, "a", "service:core/package:mfg/table:t", NULL));
    assert_true(one(d, "a", "service:core/package:mfg/table:t/column:c", NULL));
    assert_false(one(d, "a", "service:core/package:mfg2", NULL));
    assert_false(one(d, "a", "service:core", NULL));
    assert_false(one(d, "a", "package:mfg", NULL));
    d = DOC("[\"*\"]", "[\"*\"]", "[\"package:mfg\",\"service:x\"]", "[]");
    assert_true(one(d, "a", "package:mfg/table:t", NULL));
    assert_true(one(d, "a", "service:x/table:t", NULL));
    assert_false(one(d, "a", "service:core/package:mfg", NULL));
    d = DOC("[\"*\"]", "[\"*\"]", "[]", "[]");
    assert_false(one(d, "a", "service:x", NULL));
}

static void test_principals(void **state)
{
    (void)state;
    assert_true(one(DOC("[\"role:R2\"]", "[\"*\"]", "[\"*\"]", "[]"), "a", "service:s", NULL));
    assert_false(one(DOC("[\"role:R3\"]", "[\"*\"]", "[\"*\"]", "[]"), "a", "service:s", NULL));
    assert_true(one(DOC("[\"group:G1\"]", "[\"*\"]", "[\"*\"]", "[]"), "a", "service:s", NULL));
    assert_false(one(DOC("[\"group:G2\"]", "[\"*\"]", "[\"*\"]", "[]"), "a", "service:s", NULL));
    assert_true(one(DOC("[\"user:M1\"]", "[\"*\"]", "[\"*\"]", "[]"), "a", "service:s", NULL));
    assert_false(one(DOC("[\"user:M2\"]", "[\"*\"]", "[\"*\"]", "[]"), "a", "service:s", NULL));
    assert_true(
        one(DOC("[\"user:M2\",\"group:G1\"]", "[\"*\"]", "[\"*\"]", "[]"), "a", "service:s", NULL));
    assert_false(one(DOC("[]", "[\"*\"]", "[\"*\"]", "[]"), "a", "service:s", NULL));
}

static void test_attachment(void **state)
{
    (void)state;
    fixture f;
    const char *doc = DOC("[\"user:M1\"]", "[\"*\"]", "[\"*\"]", "[]");
    const char *docs[] = {doc};
    const char *unattached[] = {""};
    load(&f, docs, unattached, 1);
    assert_false(allowed(&f, "a", "service:s", NULL));
    unload(&f);
    const char *other_role[] = {"R9"};
    load(&f, docs, other_role, 1);
    assert_false(allowed(&f, "a", "service:s", NULL));
    unload(&f);
    const char *held_role[] = {"R2"};
    load(&f, docs, held_role, 1);
    assert_true(allowed(&f, "a", "service:s", NULL));
    unload(&f);
}

static bool cond(const char *attr, const char *op, const char *value, const char *ctx)
{
    char doc[1024];
    snprintf(
        doc, sizeof doc,
        "{\"version\":\"1\",\"statements\":[{\"sid\":\"S\",\"effect\":\"Allow\",\"principals\":"
        "[\"*\"],\"actions\":[\"*\"],\"resources\":[\"*\"],\"conditions\":[{\"attribute\":"
        "\"%s\",\"operator\":\"%s\",\"value\":%s}]}]}",
        attr, op, value);
    return one(doc, "a", "service:s", ctx);
}

/* A condition that errors: the Allow does not apply, and neither does a Deny
 * with the same condition (the Allow-everything statement then decides). */
static void errors(const char *attr, const char *op, const char *value, const char *ctx)
{
    assert_false(cond(attr, op, value, ctx));
    char deny[1024];
    snprintf(
        deny, sizeof deny,
        "{\"version\":\"1\",\"statements\":[{\"sid\":\"A\",\"effect\":\"Allow\",\"principals\":"
        "[\"*\"],\"actions\":[\"*\"],\"resources\":[\"*\"],\"conditions\":[]},{\"sid\":\"D\","
        "\"effect\":\"Deny\",\"principals\":[\"*\"],\"actions\":[\"*\"],\"resources\":[\"*\"],"
        "\"conditions\":[{\"attribute\":\"%s\",\"operator\":\"%s\",\"value\":%s}]}]}",
        attr, op, value);
    assert_true(one(deny, "a", "service:s", ctx));
}

static void test_condition_operators(void **state)
{
    (void)state;
    const char *ctx = "{\"n\":5,\"s\":\"europe\",\"b\":true,\"tags\":[\"x\",1,true],"
                      "\"rec\":{\"k\":{\"z\":1}},\"arr\":[1,2]}";
    assert_true(cond("context.n", "eq", "5", ctx));
    assert_false(cond("context.n", "eq", "\"5\"", ctx));
    assert_true(cond("context.n", "neq", "\"5\"", ctx));
    assert_true(cond("context.b", "eq", "true", ctx));
    assert_false(cond("context.b", "eq", "1", ctx));
    assert_true(cond("context.arr", "eq", "[2,1,1]", ctx));
    assert_false(cond("context.arr", "eq", "[1]", ctx));
    assert_true(cond("context.arr", "neq", "[1]", ctx));
    assert_false(cond("context.rec", "eq", "1", ctx));
    assert_true(cond("context.n", "gt", "4", ctx));
    assert_false(cond("context.n", "gt", "5", ctx));
    assert_true(cond("context.n", "gte", "5", ctx));
    assert_true(cond("context.n", "lt", "6", ctx));
    assert_false(cond("context.n", "lte", "4", ctx));
    assert_true(cond("context.n", "lte", "9223372036854775807", ctx));
    assert_true(cond("context.n", "gt", "-9223372036854775808", ctx));
    assert_true(cond("context.s", "in", "[1,\"europe\"]", ctx));
    assert_false(cond("context.s", "in", "[]", ctx));
    assert_true(cond("context.tags", "contains", "1", ctx));
    assert_true(cond("context.tags", "contains", "true", ctx));
    assert_false(cond("context.tags", "contains", "\"y\"", ctx));
    assert_true(cond("context.s", "startsWith", "\"eu\"", ctx));
    assert_true(cond("context.s", "startsWith", "\"\"", ctx));
    assert_false(cond("context.s", "startsWith", "\"europeX\"", ctx));
    assert_true(cond("context.rec.k.z", "exists", "true", ctx));
    assert_true(cond("context.rec.q.z", "exists", "false", ctx));
    assert_true(cond("context.nothing", "exists", "false", ctx));
    assert_false(cond("context.nothing", "exists", "true", ctx));
    assert_true(cond("context.rec.k.z", "eq", "1", ctx));
    assert_true(cond("principal.email", "startsWith", "\"jane@\"", NULL));
    assert_true(cond("principal.email", "exists", "true", NULL));
    assert_true(cond("principal.username", "exists", "false", NULL));
    assert_true(cond("principal.roles", "contains", "\"base\"", NULL));
    assert_true(cond("principal.mfaEnabled", "eq", "true", NULL));
    assert_true(cond("principal.status", "in", "[\"active\",\"invited\"]", NULL));
    assert_true(cond("principal.groups", "eq", "[\"auditors\"]", NULL));
}

static void test_condition_errors(void **state)
{
    (void)state;
    const char *ctx = "{\"n\":5,\"s\":\"europe\",\"tags\":[\"x\"],\"rec\":{\"k\":1}}";
    errors("context.missing", "eq", "1", ctx);
    errors("context.missing", "neq", "1", ctx);
    errors("context.missing", "in", "[1]", ctx);
    errors("context.s.x", "eq", "1", ctx);        /* through a string */
    errors("context.s.x", "exists", "true", ctx); /* has on a string */
    errors("context.s.x", "exists", "false", ctx);
    errors("context.rec.k.z", "exists", "false", ctx);
    errors("context.s", "gt", "1", ctx);
    errors("context.tags", "lte", "1", ctx);
    errors("context.s", "contains", "\"e\"", ctx);
    errors("context.rec", "contains", "1", ctx);
    errors("context.n", "startsWith", "\"5\"", ctx);
    errors("context.tags", "startsWith", "\"x\"", ctx);
    errors("principal.username", "eq", "\"jane\"", NULL);
    errors("context.n", "eq", "5", NULL); /* no context: {} */
}

static void test_deny_wins_and_explain(void **state)
{
    (void)state;
    fixture f;
    const char *docs[] = {
        /* p0: Allow get* everywhere, Deny on the secret table unless context.ok. */
        "{\"version\":\"1\",\"statements\":[{\"sid\":\"A\",\"effect\":\"Allow\",\"principals\":"
        "[\"role:R1\"],\"actions\":[\"get*\",\"getX\"],\"resources\":[\"*\"],\"conditions\":[]},"
        "{\"sid\":\"D\",\"effect\":\"Deny\",\"principals\":[\"*\"],\"actions\":[\"*\"],"
        "\"resources\":[\"table:secret\"],\"conditions\":[{\"attribute\":\"context.ok\","
        "\"operator\":\"neq\",\"value\":true}]}]}",
        /* p1, attached to nothing: its Deny never applies. */
        "{\"version\":\"1\",\"statements\":[{\"sid\":\"N\",\"effect\":\"Deny\",\"principals\":"
        "[\"*\"],\"actions\":[\"*\"],\"resources\":[\"*\"],\"conditions\":[]}]}",
        /* p2: another Allow of getX. */
        "{\"version\":\"1\",\"statements\":[{\"sid\":\"B\",\"effect\":\"Allow\",\"principals\":"
        "[\"group:G1\"],\"actions\":[\"getX\"],\"resources\":[\"table:t\"],\"conditions\":[]}]}",
    };
    const char *roles[] = {"R2", "", "R1"};
    load(&f, docs, roles, 3);
    assert_int_equal(authz_policy_statements(f.policy), 4);
    assert_true(allowed(&f, "getX", "table:t", NULL));
    assert_false(allowed(&f, "getX", "table:secret", "{\"ok\":false}"));
    assert_true(allowed(&f, "getX", "table:secret", "{\"ok\":true}"));
    /* context.ok missing: the Deny's condition errors, so the Deny does not apply. */
    assert_true(allowed(&f, "getX", "table:secret", NULL));
    assert_false(allowed(&f, "put", "table:t", NULL));

    authz_matches m = {0};
    assert_true(authz_check(&f.pr, "getX", "table:t", NULL, &m));
    assert_int_equal(m.len, 2);
    assert_string_equal(m.items[0].permission, "p0");
    assert_string_equal(m.items[0].permission_id, "P0");
    assert_string_equal(m.items[0].sid, "A");
    assert_true(m.items[0].allow);
    assert_string_equal(m.items[1].sid, "B");
    authz_matches_free(&m);
    json_t *ctx = json_loads("{\"ok\":1}", 0, NULL);
    assert_false(authz_check(&f.pr, "getX", "table:secret/column:c", ctx, &m));
    assert_int_equal(m.len, 2);
    assert_string_equal(m.items[0].sid, "A");
    assert_string_equal(m.items[1].sid, "D");
    assert_false(m.items[1].allow);
    authz_matches_free(&m);
    json_decref(ctx);
    unload(&f);
}

static void test_malformed_and_refcount(void **state)
{
    (void)state;
    json_t *doc = json_loads("{\"statements\":[{\"sid\":\"S\",\"effect\":\"Maybe\","
                             "\"principals\":[],\"actions\":[],\"resources\":[]}]}",
                             0, NULL);
    authz_permission p = {"P", "bad", doc, NULL, 0};
    err e = {0};
    assert_null(authz_compile(&p, 1, &e));
    assert_int_equal(e.kind, ERR_INTERNAL);
    json_decref(doc);
    authz_policy *empty = authz_compile(NULL, 0, &e);
    assert_non_null(empty);
    authz_policy_unref(authz_policy_ref(empty));
    authz_subject s = {"M", NULL, 0, NULL, 0, NULL};
    authz_principal pr;
    authz_principal_init(&pr, empty, &s);
    assert_false(authz_check(&pr, "a", "service:s", NULL, NULL));
    authz_principal_free(&pr);
    authz_policy_unref(empty);
}

static void test_context_rule(void **state)
{
    (void)state;
    static const char *const good[] = {"{}", "{\"a\":[1,\"x\",true,{\"b\":[[]]}]}"};
    static const char *const bad[] = {"[]", "{\"a\":null}", "{\"a\":[1.5]}",
                                      "{\"a\":{\"b\":{\"c\":null}}}"};
    assert_true(authz_context_valid(NULL));
    for (size_t i = 0; i < 2; i++) {
        json_t *v = json_loads(good[i], 0, NULL);
        assert_true(authz_context_valid(v));
        json_decref(v);
    }
    for (size_t i = 0; i < 4; i++) {
        json_t *v = json_loads(bad[i], 0, NULL);
        assert_false(authz_context_valid(v));
        json_decref(v);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_actions),
        cmocka_unit_test(test_resources),
        cmocka_unit_test(test_principals),
        cmocka_unit_test(test_attachment),
        cmocka_unit_test(test_condition_operators),
        cmocka_unit_test(test_condition_errors),
        cmocka_unit_test(test_deny_wins_and_explain),
        cmocka_unit_test(test_malformed_and_refcount),
        cmocka_unit_test(test_context_rule),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
