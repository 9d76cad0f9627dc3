/* packages.c - action derivation and candidate pairs (see packages.h). */
#include "authz/packages.h"

#include <ctype.h>
#include <string.h>

#include "authz/symtab.h"
#include "util/strbuf.h"

const char *const authz_crud_verbs[AUTHZ_CRUD_COUNT] = {"get",    "post",    "patch",    "put",
                                                        "delete", "archive", "unarchive"};
const char *const authz_ext_verbs[AUTHZ_EXT_COUNT] = {"getExtensibleFields", "putExtensibleFields",
                                                      "deleteExtensibleFields"};

char *authz_pascal(arena *a, const char *table)
{
    size_t n = strlen(table);
    char *out = arena_alloc(a, n + 1);
    size_t o = 0;
    bool start = true;
    for (size_t i = 0; i < n; i++) {
        if (table[i] == '_') {
            start = true;
            continue;
        }
        out[o++] = start ? (char)toupper((unsigned char)table[i]) : table[i];
        start = false;
    }
    out[o] = '\0';
    return out;
}

char *authz_derived_action(arena *a, const char *verb, const char *table)
{
    return arena_printf(a, "%s%s", verb, authz_pascal(a, table));
}

static bool sorted_contains(const char *const *list, size_t n, const char *s)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(list[mid], s);
        if (c == 0) return true;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

bool authz_table_extensible(arena *a, const authz_package *pkg, const char *table)
{
    for (size_t i = 0; i < AUTHZ_EXT_COUNT; i++)
        if (sorted_contains(pkg->actions, pkg->n_actions,
                            authz_derived_action(a, authz_ext_verbs[i], table)))
            return true;
    return false;
}

/* The scope of a request resource: the service segment and the package and
 * table ids, each NULL when absent; allocated from a. */
typedef struct scope {
    const char *service, *package, *table;
} scope;

static scope scope_of(arena *a, const char *resource)
{
    scope sc = {NULL, NULL, NULL};
    const char *p = resource;
    while (*p) {
        size_t n = strcspn(p, "/");
        if (strncmp(p, "service:", 8) == 0) sc.service = arena_strndup(a, p, n);
        if (strncmp(p, "package:", 8) == 0) sc.package = arena_strndup(a, p + 8, n - 8);
        if (strncmp(p, "table:", 6) == 0) sc.table = arena_strndup(a, p + 6, n - 6);
        p += n;
        if (*p == '/') p++;
    }
    return sc;
}

typedef struct cand_list {
    arena *a;
    symtab seen;
    authz_candidate *items;
    size_t len, cap;
} cand_list;

static void cand_add(cand_list *l, const char *action, const char *resource)
{
    size_t before = l->seen.len;
    symtab_intern(&l->seen, action, strlen(action));
    if (l->seen.len == before) return; /* an earlier pair has this action */
    if (l->len == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 32;
        authz_candidate *items = arena_alloc(l->a, cap * sizeof *items);
        if (l->len) memcpy(items, l->items, l->len * sizeof *items);
        l->items = items;
        l->cap = cap;
    }
    l->items[l->len].action = action;
    l->items[l->len].resource = resource;
    l->len++;
}

static const char *package_resource(arena *a, const scope *sc, const char *pkg)
{
    return sc->service ? arena_printf(a, "%s/package:%s", sc->service, pkg)
                       : arena_printf(a, "package:%s", pkg);
}

static void step_a(cand_list *l, const scope *sc, const authz_package *pkg)
{
    for (size_t t = 0; t < pkg->n_tables; t++) {
        const char *table = pkg->tables[t];
        if (sc->table && strcmp(sc->table, table) != 0) continue;
        const char *res =
            arena_printf(l->a, "%s/table:%s", package_resource(l->a, sc, pkg->package_id), table);
        for (size_t i = 0; i < AUTHZ_CRUD_COUNT; i++)
            cand_add(l, authz_derived_action(l->a, authz_crud_verbs[i], table), res);
        if (!authz_table_extensible(l->a, pkg, table)) continue;
        for (size_t i = 0; i < AUTHZ_EXT_COUNT; i++)
            cand_add(l, authz_derived_action(l->a, authz_ext_verbs[i], table), res);
    }
}

size_t authz_candidates(arena *a, const authz_package *pkgs, size_t n_pkgs, const char *resource,
                        authz_candidate **out)
{
    scope sc = scope_of(a, resource);
    cand_list l = {.a = a};
    symtab_init(&l.seen, a);
    for (size_t i = 0; i < n_pkgs; i++)
        if (!sc.package || strcmp(sc.package, pkgs[i].package_id) == 0) step_a(&l, &sc, &pkgs[i]);
    for (size_t i = 0; i < n_pkgs; i++) {
        if (sc.package && strcmp(sc.package, pkgs[i].package_id) != 0) continue;
        const char *res = package_resource(a, &sc, pkgs[i].package_id);
        for (size_t j = 0; j < pkgs[i].n_actions; j++)
            cand_add(&l, pkgs[i].actions[j], res);
    }
    *out = l.items;
    return l.len;
}
