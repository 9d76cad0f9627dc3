/* test_slug.c - the uid slug of roles and groups (API.md 3.12). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "store/roles.h"

static void test_examples(void **state)
{
    (void)state;
    arena *a = arena_new(1024);
    assert_string_equal(admin_slug(a, "Admin User"), "admin_user");
    assert_string_equal(admin_slug(a, "  Super  Admin! "), "super_admin");
    assert_string_equal(admin_slug(a, "R&D-Team 2"), "r_d_team_2");
    assert_string_equal(admin_slug(a, "\xc3\x89quipe Ventes"), "\xc3\xa9quipe_ventes");
    assert_string_equal(admin_slug(a, "!!!"), "");
    assert_string_equal(admin_slug(a, "__x__y__"), "x_y");
    assert_string_equal(admin_slug(a, "\xe2\x80\x83 tab\there \xe2\x80\x83"), "tab_here");
    arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_examples)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
