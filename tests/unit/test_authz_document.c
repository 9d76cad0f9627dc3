/* test_authz_document.c - permission document validation, resolution,
 * rendering and principal removal (authz/document.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <jansson.h>
#include <string.h>
#include <strings.h>

#include "authz/document.h"

/* A tenant with role editor (id R1, name "Editor"), user U1 (jane@example.com,
 * username jane), group auditors (id G1). */
static int find_role(void *ctx, const char *ref, char out[AUTHZ_ID_MAX], err *e)
{
    (void)ctx, (void)e;
    if (strcmp(ref, "editor") == 0 || strcmp(ref, "Editor") == 0) return strcpy(out, "R1"), 1;
    if (strcmp(ref, "boom") == 0) return err_internal(e, "store down");
    return 0;
}

static int find_user(void *ctx, const char *ref, char out[AUTHZ_ID_MAX], err *e)
{
    (void)ctx, (void)e;
    if (strcmp(ref, "U1") == 0 || strcasecmp(ref, "jane@example.com") == 0 ||
        strcmp(ref, "jane") == 0)
        return strcpy(out, "U1"), 1;
    return 0;
}

static int find_group(void *ctx, const char *ref, char out[AUTHZ_ID_MAX], err *e)
{
    (void)ctx, (void)e;
    if (strcmp(ref, "auditors") == 0) return strcpy(out, "G1"), 1;
    return 0;
}

static const authz_resolver resolver = {NULL, find_role, find_user, find_group};

static const char *role_uid(void *ctx, const char *id)
{
    (void)ctx;
    return strcmp(id, "R1") == 0 ? "editor" : NULL;
}

static const char *group_uid(void *ctx, const char *id)
{
    (void)ctx;
    return strcmp(id, "G1") == 0 ? "auditors" : NULL;
}

static const authz_names names = {NULL, role_uid, group_uid};

/* Parses `text` (a wire document) expecting failure with kind and detail. */
static void refused(const char *text, err_kind kind, const char *detail)
{
    json_t *doc = json_loads(text, 0, NULL);
    assert_non_null(doc);
    err e = {0};
    json_t *st = authz_document_parse(doc, "document", &resolver, &e);
    if (st) fail_msg("accepted: %s", text);
    assert_int_equal(e.kind, kind);
    assert_string_equal(e.detail, detail);
    json_decref(doc);
}

static json_t *accepted(const char *text)
{
    json_t *doc = json_loads(text, 0, NULL);
    assert_non_null(doc);
    err e = {0};
    json_t *st = authz_document_parse(doc, "document", &resolver, &e);
    if (!st) fail_msg("refused: %s: %s", text, e.detail);
    json_decref(doc);
    return st;
}

#define STMT(body) "{\"version\":\"1\",\"statements\":[" body "]}"
#define OK_S                                                                                       \
    "{\"effect\":\"Allow\",\"principals\":[\"*\"],\"actions\":[\"a\"],\"resources\":[\"*\"]"

static void test_shape_errors(void **state)
{
    (void)state;
    refused("[]", ERR_VALIDATION, "field 'document' must be an object");
    refused("{}", ERR_VALIDATION, "missing field 'document.version'");
    refused("{\"version\":null,\"statements\":[]}", ERR_VALIDATION,
            "field 'document.version' must be a string");
    refused("{\"version\":\"1\"}", ERR_VALIDATION, "missing field 'document.statements'");
    refused("{\"version\":\"1\",\"statements\":{}}", ERR_VALIDATION,
            "field 'document.statements' must be an array");
    refused(STMT(OK_S "}, 5"), ERR_VALIDATION, "field 'document.statements[1]' must be an object");
    refused(STMT("{\"principals\":[]}"), ERR_VALIDATION,
            "missing field 'document.statements[0].effect'");
    refused(STMT("{\"sid\":1,\"effect\":\"x\"}"), ERR_VALIDATION,
            "field 'document.statements[0].sid' must be a string");
    refused(STMT(OK_S "},{\"effect\":\"Allow\",\"principals\":[\"*\",1]}"), ERR_VALIDATION,
            "field 'document.statements[1].principals' must be an array of strings");
    refused(STMT("{\"effect\":\"Allow\",\"principals\":[],\"actions\":\"a\"}"), ERR_VALIDATION,
            "field 'document.statements[0].actions' must be an array of strings");
    refused(STMT(OK_S ",\"conditions\":{}}"), ERR_VALIDATION,
            "field 'document.statements[0].conditions' must be an array");
    refused(STMT(OK_S ",\"conditions\":[{\"attribute\":\"context.a\",\"operator\":\"eq\","
                      "\"value\":1},[]]}"),
            ERR_VALIDATION, "field 'document.statements[0].conditions[1]' must be an object");
    refused(STMT(OK_S ",\"conditions\":[{\"attribute\":\"context.a\",\"operator\":\"eq\"}]}"),
            ERR_VALIDATION, "missing field 'document.statements[0].conditions[0].value'");
    refused(STMT(OK_S ",\"conditions\":[{\"attribute\":5,\"operator\":\"eq\",\"value\":1}]}"),
            ERR_VALIDATION,
            "field 'document.statements[0].conditions[0].attribute' must be a string");
    /* Shape problems anywhere come before rule problems anywhere. */
    refused(STMT("{\"effect\":\"bad\",\"principals\":[],\"actions\":[],\"resources\":[]}," OK_S
                 ",\"sid\":7}"),
            ERR_VALIDATION, "field 'document.statements[1].sid' must be a string");
}

#define BAD(where, problem) "Invalid permission document: " where ": " problem

static void test_rule_errors(void **state)
{
    (void)state;
    refused(STMT("{\"effect\":\"permit\",\"principals\":[],\"actions\":[],\"resources\":[]}"),
            ERR_BAD_REQUEST, BAD("statements[0].effect", "must be Allow or Deny"));
    refused(STMT(OK_S ",\"sid\":\"\"}"), ERR_BAD_REQUEST,
            BAD("statements[0].sid", "must be 1-128 characters"));
    refused(STMT(OK_S ",\"sid\":\"x\"}," OK_S ",\"sid\":\"x\"}"), ERR_BAD_REQUEST,
            BAD("statements[1].sid", "duplicate sid 'x'"));
    refused(STMT(OK_S ",\"sid\":\"Statement2\"}," OK_S "}"), ERR_BAD_REQUEST,
            BAD("statements[1].sid", "duplicate sid 'Statement2'"));
    refused(STMT("{\"effect\":\"Allow\",\"principals\":[\"*\"],\"actions\":[\"get**\"],"
                 "\"resources\":[]}"),
            ERR_BAD_REQUEST, BAD("statements[0].actions[0]", "invalid action 'get**'"));
    refused(STMT("{\"effect\":\"Allow\",\"principals\":[],\"actions\":[\"a\",\"g*t\"],"
                 "\"resources\":[]}"),
            ERR_BAD_REQUEST, BAD("statements[0].actions[1]", "invalid action 'g*t'"));
    refused(STMT("{\"effect\":\"Allow\",\"principals\":[],\"actions\":[],\"resources\":"
                 "[\"table:t/package:p\"]}"),
            ERR_BAD_REQUEST,
            BAD("statements[0].resources[0]", "invalid resource 'table:t/package:p'"));
    refused(
        STMT("{\"effect\":\"Allow\",\"principals\":[\"admin\"],\"actions\":[],\"resources\":[]}"),
        ERR_BAD_REQUEST, "Invalid principal format: admin");
    refused(STMT("{\"effect\":\"Allow\",\"principals\":[\"team:x:y\"],\"actions\":[],"
                 "\"resources\":[]}"),
            ERR_BAD_REQUEST, "Unknown principal prefix: team");
}

#define COND(a, op, v)                                                                             \
    STMT(OK_S ",\"conditions\":[{\"attribute\":\"" a "\",\"operator\":\"" op "\",\"value\":" v     \
              "}]}")
#define CBAD(field, problem) BAD("statements[0].conditions[0]." field, problem)

static void test_condition_errors(void **state)
{
    (void)state;
    refused(COND("context.a.in", "eq", "1"), ERR_BAD_REQUEST,
            CBAD("attribute", "reserved word 'in' in attribute"));
    refused(COND("context.__cedar_x", "eq", "1"), ERR_BAD_REQUEST,
            CBAD("attribute", "reserved word '__cedar_x' in attribute"));
    refused(COND("context.a..b", "eq", "1"), ERR_BAD_REQUEST,
            CBAD("attribute", "invalid attribute path 'context.a..b'"));
    refused(COND("context.1a", "eq", "1"), ERR_BAD_REQUEST,
            CBAD("attribute", "invalid attribute path 'context.1a'"));
    refused(COND("principal.phone", "eq", "1"), ERR_BAD_REQUEST,
            CBAD("attribute", "unknown principal attribute 'phone'"));
    refused(COND("resource.a", "eq", "1"), ERR_BAD_REQUEST,
            CBAD("attribute", "must be context.<path> or principal.<name>"));
    refused(COND("context.a", "like", "1"), ERR_BAD_REQUEST,
            CBAD("operator", "unknown operator 'like'"));
    refused(COND("context.a", "eq", "null"), ERR_BAD_REQUEST,
            CBAD("value", "must be a string, an integer, a boolean or an array of these"));
    refused(COND("context.a", "eq", "[[1]]"), ERR_BAD_REQUEST,
            CBAD("value", "must be a string, an integer, a boolean or an array of these"));
    refused(COND("context.a", "neq", "{}"), ERR_BAD_REQUEST,
            CBAD("value", "must be a string, an integer, a boolean or an array of these"));
    refused(COND("context.a", "gt", "1.5"), ERR_BAD_REQUEST, CBAD("value", "must be an integer"));
    refused(COND("context.a", "lte", "\"1\""), ERR_BAD_REQUEST,
            CBAD("value", "must be an integer"));
    refused(COND("context.a", "in", "1"), ERR_BAD_REQUEST,
            CBAD("value", "must be an array of strings, integers or booleans"));
    refused(COND("context.a", "contains", "[1]"), ERR_BAD_REQUEST,
            CBAD("value", "must be a string, an integer or a boolean"));
    refused(COND("context.a", "startsWith", "1"), ERR_BAD_REQUEST,
            CBAD("value", "must be a string"));
    refused(COND("context.a", "exists", "\"yes\""), ERR_BAD_REQUEST,
            CBAD("value", "must be a boolean"));
}

static void test_resolution(void **state)
{
    (void)state;
    refused(STMT("{\"effect\":\"Allow\",\"principals\":[\"role:ghost\"],\"actions\":[],"
                 "\"resources\":[]}"),
            ERR_BAD_REQUEST, "Role not found: ghost");
    refused(STMT("{\"effect\":\"Allow\",\"principals\":[\"user:a:b\"],\"actions\":[],"
                 "\"resources\":[]}"),
            ERR_BAD_REQUEST, "User not found: a:b");
    refused(STMT("{\"effect\":\"Allow\",\"principals\":[\"group:\"],\"actions\":[],"
                 "\"resources\":[]}"),
            ERR_BAD_REQUEST, "Group not found: ");
    refused(STMT("{\"effect\":\"Allow\",\"principals\":[\"role:boom\"],\"actions\":[],"
                 "\"resources\":[]}"),
            ERR_INTERNAL, "store down");
}

static void test_stored_and_rendered(void **state)
{
    (void)state;
    json_t *st = accepted(
        "{\"version\":\"v9\",\"statements\":[{\"effect\":\"aLLow\",\"principals\":[\"role:Editor\","
        "\"user:JANE@example.com\",\"group:auditors\",\"*\",\"user:jane\"],\"actions\":[\"*\","
        "\"get*\",\"authrs:listUsers\"],\"resources\":[\"*\",\"service:s/package:p/table:t/"
        "column:c\",\"package:p\"]},{\"sid\":\"S\",\"effect\":\"DENY\",\"principals\":[],"
        "\"actions\":[],\"resources\":[],\"conditions\":null}]}");
    json_t *want = json_loads(
        "{\"version\":\"v9\",\"statements\":[{\"sid\":\"Statement1\",\"effect\":\"Allow\","
        "\"principals\":[\"role:R1\",\"user:U1\",\"group:G1\",\"*\",\"user:U1\"],\"actions\":[\"*"
        "\","
        "\"get*\",\"authrs:listUsers\"],\"resources\":[\"*\",\"service:s/package:p/table:t/"
        "column:c\",\"package:p\"],\"conditions\":[]},{\"sid\":\"S\",\"effect\":\"Deny\","
        "\"principals\":[],\"actions\":[],\"resources\":[],\"conditions\":[]}]}",
        0, NULL);
    assert_true(json_equal(st, want));
    json_t *wire = authz_document_render(st, &names);
    json_t *p =
        json_object_get(json_array_get(json_object_get(wire, "statements"), 0), "principals");
    assert_string_equal(json_string_value(json_array_get(p, 0)), "role:editor");
    assert_string_equal(json_string_value(json_array_get(p, 1)), "user:U1");
    assert_string_equal(json_string_value(json_array_get(p, 2)), "group:auditors");
    json_decref(wire);

    assert_int_equal(authz_document_drop_principal(st, "user:U1"), 2);
    assert_int_equal(authz_document_drop_principal(st, "role:R1"), 1);
    assert_int_equal(authz_document_drop_principal(st, "role:R1"), 0);
    p = json_object_get(json_array_get(json_object_get(st, "statements"), 0), "principals");
    assert_int_equal(json_array_size(p), 2);
    assert_string_equal(json_string_value(json_array_get(p, 0)), "group:G1");
    json_decref(want);
    json_decref(st);
}

static void test_lexical_rules(void **state)
{
    (void)state;
    assert_true(authz_action_name_valid("authrs:listUsers"));
    assert_true(authz_action_name_valid("a.b-c_d:1"));
    assert_false(authz_action_name_valid(""));
    assert_false(authz_action_name_valid("get*"));
    assert_false(authz_action_name_valid("a b"));
    char longname[200];
    memset(longname, 'a', 129);
    longname[129] = '\0';
    assert_false(authz_action_name_valid(longname));
    longname[128] = '\0';
    assert_true(authz_action_name_valid(longname));
    longname[128] = '*';
    longname[129] = '\0';
    assert_true(authz_action_pattern_valid(longname));
    assert_true(authz_action_pattern_valid("*"));
    assert_false(authz_action_pattern_valid("**"));
    assert_false(authz_action_pattern_valid("*a"));
    assert_true(authz_resource_valid("service:core"));
    assert_true(authz_resource_valid("package:mfg/table:bom"));
    assert_true(authz_resource_valid("service:s/package:p/table:t/column:c"));
    assert_true(authz_resource_valid("column:a.b-c_1"));
    assert_false(authz_resource_valid("*"));
    assert_false(authz_resource_valid(""));
    assert_false(authz_resource_valid("service:"));
    assert_false(authz_resource_valid("service:a/"));
    assert_false(authz_resource_valid("service:a//table:b"));
    assert_false(authz_resource_valid("service:a/service:b"));
    assert_false(authz_resource_valid("table:a/package:b"));
    assert_false(authz_resource_valid("schema:a"));
    assert_false(authz_resource_valid("service:a b"));
    assert_false(authz_resource_valid("service:a:b"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shape_errors),        cmocka_unit_test(test_rule_errors),
        cmocka_unit_test(test_condition_errors),    cmocka_unit_test(test_resolution),
        cmocka_unit_test(test_stored_and_rendered), cmocka_unit_test(test_lexical_rules),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
