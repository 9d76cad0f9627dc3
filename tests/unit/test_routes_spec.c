/* test_routes_spec.c - the router's route table and the embedded OpenAPI
 * document (GET /spec) list exactly the same (method, path) pairs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <ctype.h>
#include <jansson.h>
#include <string.h>

#include "http/routes.h"
#include "util/embedded.h"

static void test_same_routes(void **state)
{
    (void)state;
    const embedded_file *f = embedded_find("openapi.json");
    assert_non_null(f);
    json_error_t je;
    json_t *doc = json_loadb(f->data, f->len, 0, &je);
    assert_non_null(doc);
    json_t *paths = json_object_get(doc, "paths");
    size_t spec_ops = 0;
    const char *path;
    json_t *item;
    json_object_foreach(paths, path, item)
    {
        const char *method;
        json_t *op;
        json_object_foreach(item, method, op)
        {
            if (strcmp(method, "parameters") == 0) continue;
            char upper[16];
            size_t i;
            for (i = 0; method[i] && i < 15; i++)
                upper[i] = (char)toupper((unsigned char)method[i]);
            upper[i] = '\0';
            bool found = false;
            for (size_t k = 0; k < route_count; k++)
                if (strcmp(routes[k].method, upper) == 0 && strcmp(routes[k].pattern, path) == 0)
                    found = true;
            if (!found) fail_msg("spec lists %s %s, the router does not", upper, path);
            spec_ops++;
        }
    }
    assert_int_equal(spec_ops, route_count);
    json_decref(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_same_routes)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
