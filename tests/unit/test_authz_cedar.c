/* test_authz_cedar.c - Cedar policy text and entities (authz/cedar.c), and
 * the package action derivation and candidates (authz/packages.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "authz/cedar.h"
#include "authz/packages.h"

static const char *role_uid(void *ctx, const char *id)
{
    (void)ctx;
    return strcmp(id, "R1") == 0 ? "editor" : strcmp(id, "R2") == 0 ? "a\"b" : NULL;
}

static const char *group_uid(void *ctx, const char *id)
{
    (void)ctx;
    return strcmp(id, "G1") == 0 ? "auditors" : NULL;
}

static const authz_names names = {NULL, role_uid, group_uid};

static char *render(const char *name, const char *doc_text, const char *const *attached, size_t n)
{
    json_t *doc = json_loads(doc_text, 0, NULL);
    assert_non_null(doc);
    strbuf sb = STRBUF_INIT;
    authz_cedar_permission(&sb, name, doc, attached, n, &names);
    json_decref(doc);
    return sb_steal(&sb);
}

static void test_api_example(void **state)
{
    (void)state;
    const char *attached[] = {"editor"};
    char *text =
        render("read-materials",
               "{\"version\":\"1.0\",\"statements\":[{\"sid\":\"EditorsReadMaterials\",\"effect\":"
               "\"Allow\",\"principals\":[\"role:R1\"],\"actions\":[\"getMaterials\",\"get*\"],"
               "\"resources\":[\"service:core/package:manufacturing_core/table:materials\"],"
               "\"conditions\":[{\"attribute\":\"context.amount\",\"operator\":\"lte\",\"value\":"
               "1000}]}]}",
               attached, 1);
    assert_string_equal(
        text, "@id(\"read-materials/EditorsReadMaterials/0/0\")\n"
              "permit (\n"
              "  principal in AuthRS::Role::\"editor\",\n"
              "  action in [AuthRS::Action::\"getMaterials\", AuthRS::Action::\"get*\"],\n"
              "  resource in AuthRS::Table::\"service:core/package:manufacturing_core/table:"
              "materials\"\n"
              ")\n"
              "when { principal in AuthRS::Role::\"editor\" }\n"
              "when { context.amount <= 1000 };\n\n");
    free(text);
}

static void test_forms(void **state)
{
    (void)state;
    const char *attached[] = {"editor", "a\"b"};
    char *text = render(
        "p\"1",
        "{\"version\":\"1\",\"statements\":[{\"sid\":\"D\\n\",\"effect\":\"Deny\",\"principals\":"
        "[\"*\",\"group:G1\",\"user:M1\",\"role:R2\",\"role:GONE\"],\"actions\":[\"a\",\"*\"],"
        "\"resources\":[\"*\",\"package:p/table:t/column:c\"],\"conditions\":["
        "{\"attribute\":\"context.a\",\"operator\":\"neq\",\"value\":[1,\"x\",false]},"
        "{\"attribute\":\"context.a\",\"operator\":\"gt\",\"value\":-9223372036854775808},"
        "{\"attribute\":\"context.a\",\"operator\":\"gte\",\"value\":1},"
        "{\"attribute\":\"context.a\",\"operator\":\"lt\",\"value\":1},"
        "{\"attribute\":\"context.a\",\"operator\":\"in\",\"value\":[\"q\\\"\"]},"
        "{\"attribute\":\"principal.roles\",\"operator\":\"contains\",\"value\":\"r\"},"
        "{\"attribute\":\"principal.email\",\"operator\":\"startsWith\",\"value\":\"a*\\\"\\\\\"},"
        "{\"attribute\":\"context.a.b.c\",\"operator\":\"exists\",\"value\":true},"
        "{\"attribute\":\"principal.username\",\"operator\":\"exists\",\"value\":false},"
        "{\"attribute\":\"principal.status\",\"operator\":\"eq\",\"value\":\"active\"}]}]}",
        attached, 2);
    const char *conds = "\n)\nwhen { principal in AuthRS::Role::\"editor\" || principal in "
                        "AuthRS::Role::\"a\\\"b\" }\n"
                        "when { context.a != [1, \"x\", false] }\n"
                        "when { context.a > -9223372036854775808 }\n"
                        "when { context.a >= 1 }\n"
                        "when { context.a < 1 }\n"
                        "when { [\"q\\\"\"].contains(context.a) }\n"
                        "when { principal.roles.contains(\"r\") }\n"
                        "when { principal.email like \"a\\*\\\"\\\\*\" }\n"
                        "when { context has a && context.a has b && context.a.b has c }\n"
                        "when { !(principal has username) }\n"
                        "when { principal.status == \"active\" };\n\n";
    strbuf want = STRBUF_INIT;
    static const char *const prins[] = {"principal", "principal in AuthRS::Group::\"auditors\"",
                                        "principal == AuthRS::User::\"M1\"",
                                        "principal in AuthRS::Role::\"a\\\"b\""};
    static const char *const res[] = {"resource",
                                      "resource in AuthRS::Column::\"package:p/table:t/column:c\""};
    for (int p = 0; p < 4; p++)
        for (int r = 0; r < 2; r++)
            sb_printf(&want, "@id(\"p\\\"1/D\\u{a}/%d/%d\")\nforbid (\n  %s,\n  action,\n  %s%s", p,
                      r, prins[p], res[r], conds);
    assert_string_equal(text, sb_str(&want));
    sb_free(&want);
    free(text);
}

static void test_unattached_and_empty(void **state)
{
    (void)state;
    char *text = render("p",
                        "{\"version\":\"1\",\"statements\":[{\"sid\":\"S\",\"effect\":"
                        "\"Allow\",\"principals\":[\"user:M\"],\"actions\":[\"x*\"],"
                        "\"resources\":[\"service:s\"],\"conditions\":[]},{\"sid\":\"E\","
                        "\"effect\":\"Allow\",\"principals\":[\"role:GONE\"],\"actions\":"
                        "[\"a\"],\"resources\":[\"*\"],\"conditions\":[]}]}",
                        NULL, 0);
    assert_string_equal(text, "@id(\"p/S/0/0\")\npermit (\n  principal == AuthRS::User::\"M\",\n"
                              "  action in [AuthRS::Action::\"x*\"],\n  resource in "
                              "AuthRS::Service::\"service:s\"\n)\nwhen { false };\n\n"
                              "// \"p\" / \"E\": no principals, actions or resources\n\n");
    free(text);
}

static bool has_entity(const json_t *ents, const char *type, const char *id, const char *parents)
{
    size_t i;
    json_t *e;
    json_array_foreach(ents, i, e)
    {
        json_t *uid = json_object_get(e, "uid");
        if (strcmp(json_string_value(json_object_get(uid, "type")), type) != 0 ||
            strcmp(json_string_value(json_object_get(uid, "id")), id) != 0)
            continue;
        strbuf sb = STRBUF_INIT;
        size_t j;
        json_t *p;
        json_array_foreach(json_object_get(e, "parents"), j, p) sb_printf(
            &sb, "%s%s::%s", j ? " " : "", json_string_value(json_object_get(p, "type")) + 8,
            json_string_value(json_object_get(p, "id")));
        bool ok = strcmp(sb_str(&sb), parents) == 0;
        sb_free(&sb);
        return ok;
    }
    return false;
}

static void test_entities(void **state)
{
    (void)state;
    const char *direct[] = {"editor"};
    const char *group_roles[] = {"viewer"};
    authz_cedar_group groups[] = {{"auditors", group_roles, 1}};
    authz_cedar_role roles[] = {{"editor", "base"}, {"base", NULL}, {"viewer", NULL}};
    json_t *attrs = json_pack("{s:s}", "status", "active");
    authz_cedar_request r = {"M1",  direct, 1,     groups, 1,
                             roles, 3,      attrs, "getX", "package:p/table:t"};
    json_t *ents = authz_cedar_entities(&r);
    assert_int_equal(json_array_size(ents), 8);
    assert_true(has_entity(ents, "AuthRS::User", "M1", "Role::editor Group::auditors"));
    assert_true(has_entity(ents, "AuthRS::Group", "auditors", "Role::viewer"));
    assert_true(has_entity(ents, "AuthRS::Role", "editor", "Role::base"));
    assert_true(has_entity(ents, "AuthRS::Role", "base", ""));
    assert_true(has_entity(ents, "AuthRS::Package", "package:p", ""));
    assert_true(has_entity(ents, "AuthRS::Table", "package:p/table:t", "Package::package:p"));
    assert_true(has_entity(ents, "AuthRS::Action", "getX",
                           "Action::* Action::g* Action::ge* Action::get* Action::getX*"));
    json_decref(ents);
    json_decref(attrs);
}

static void test_pascal_and_derivation(void **state)
{
    (void)state;
    arena *a = arena_new(1024);
    assert_string_equal(authz_pascal(a, "materials"), "Materials");
    assert_string_equal(authz_pascal(a, "bom_headers"), "BomHeaders");
    assert_string_equal(authz_pascal(a, "BOM_lines"), "BOMLines");
    assert_string_equal(authz_pascal(a, "bom-headers"), "Bom-headers");
    assert_string_equal(authz_pascal(a, "__x__y"), "XY");
    assert_string_equal(authz_pascal(a, "___"), "");
    assert_string_equal(authz_derived_action(a, authz_crud_verbs[6], "bom_headers"),
                        "unarchiveBomHeaders");
    assert_string_equal(authz_derived_action(a, authz_ext_verbs[0], "materials"),
                        "getExtensibleFieldsMaterials");
    arena_free(a);
}

static void test_candidates(void **state)
{
    (void)state;
    arena *a = arena_new(1024);
    static const char *const mfg_tables[] = {"bom", "materials"};
    static const char *const mfg_actions[] = {"approveBom", "getBom", "getMaterials",
                                              "putExtensibleFieldsMaterials"};
    static const char *const wh_tables[] = {"bom"};
    static const char *const wh_actions[] = {"getBom", "ship"};
    authz_package pkgs[] = {{"mfg", mfg_tables, 2, mfg_actions, 4},
                            {"wh", wh_tables, 1, wh_actions, 2}};
    assert_true(authz_table_extensible(a, &pkgs[0], "materials"));
    assert_false(authz_table_extensible(a, &pkgs[0], "bom"));
    authz_candidate *c;
    size_t n = authz_candidates(a, pkgs, 2, "service:core", &c);
    /* A: bom(7) + materials(7+3) of mfg; wh's bom duplicates mfg's; B: approveBom, ship. */
    assert_int_equal(n, 19);
    assert_string_equal(c[0].action, "getBom");
    assert_string_equal(c[0].resource, "service:core/package:mfg/table:bom");
    assert_string_equal(c[7].action, "getMaterials");
    assert_string_equal(c[14].action, "getExtensibleFieldsMaterials");
    assert_string_equal(c[17].action, "approveBom");
    assert_string_equal(c[17].resource, "service:core/package:mfg");
    assert_string_equal(c[18].action, "ship");
    assert_string_equal(c[18].resource, "service:core/package:wh");
    n = authz_candidates(a, pkgs, 2, "package:wh/table:bom/column:x", &c);
    assert_int_equal(n, 8);
    assert_string_equal(c[0].resource, "package:wh/table:bom");
    assert_string_equal(c[7].action, "ship");
    assert_string_equal(c[7].resource, "package:wh");
    n = authz_candidates(a, pkgs, 2, "table:materials", &c); /* table filter without package */
    assert_int_equal(n, 10 + 3);
    assert_string_equal(c[0].resource, "package:mfg/table:materials");
    n = authz_candidates(a, pkgs, 2, "package:none", &c);
    assert_int_equal(n, 0);
    n = authz_candidates(a, NULL, 0, "service:s", &c);
    assert_int_equal(n, 0);
    arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_api_example),           cmocka_unit_test(test_forms),
        cmocka_unit_test(test_unattached_and_empty),  cmocka_unit_test(test_entities),
        cmocka_unit_test(test_pascal_and_derivation), cmocka_unit_test(test_candidates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
