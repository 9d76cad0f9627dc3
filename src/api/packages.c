/* packages.c - /admin/packages routes (API.md 3.15). */
#include <stdlib.h>
#include <string.h>

#include "api/admin_common.h"
#include "api/api.h"
#include "authz/document.h"
#include "authz/packages.h"
#include "store/packages.h"
#include "store/store.h"
#include "util/utf8.h"

static bool id_chars(const char *s, size_t max, bool dot)
{
    size_t n = strlen(s);
    if (n < 1 || n > max) return false;
    for (; *s; s++) {
        char ch = *s;
        bool ok = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
                  (ch >= '0' && ch <= '9') || ch == '_' || ch == '-' || (dot && ch == '.');
        if (!ok) return false;
    }
    return true;
}

/* Borrowed strings of a JSON array of strings (validated by the field table). */
static const char **strings(arena *a, const json_t *arr, size_t *n)
{
    *n = json_array_size(arr);
    const char **v = arena_alloc(a, (*n + 1) * sizeof *v);
    for (size_t i = 0; i < *n; i++)
        v[i] = json_string_value(json_array_get(arr, i));
    return v;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Sorts and removes duplicates in place; returns the new count. */
static size_t sort_unique(const char **v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_str);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (k == 0 || strcmp(v[k - 1], v[i]) != 0) v[k++] = v[i];
    return k;
}

typedef struct sync_in {
    const char *package_id;
    const char **tables, **ext, **custom;
    size_t n_tables, n_ext, n_custom;
} sync_in;

static int sync_validate(request *req, sync_in *in, err *e)
{
    char *t = utf8_trim(body_str(req, "packageId"));
    bool blank = !*t;
    free(t);
    in->package_id = body_str(req, "packageId");
    if (blank) return err_set(e, ERR_BAD_REQUEST, "packageId is required");
    if (!id_chars(in->package_id, 128, true))
        return err_set(e, ERR_BAD_REQUEST, "Invalid packageId");
    in->tables = strings(req->arena, body_get(req, "tables"), &in->n_tables);
    in->ext = strings(req->arena, body_get(req, "extensibleTables"), &in->n_ext);
    in->custom = strings(req->arena, body_get(req, "customActions"), &in->n_custom);
    for (size_t i = 0; i < in->n_tables; i++)
        if (!id_chars(in->tables[i], 128, false))
            return err_set(e, ERR_BAD_REQUEST, "Invalid table name '%s'", in->tables[i]);
    for (size_t i = 0; i < in->n_ext; i++)
        if (!id_chars(in->ext[i], 128, false))
            return err_set(e, ERR_BAD_REQUEST, "Invalid table name '%s'", in->ext[i]);
    for (size_t i = 0; i < in->n_custom; i++)
        if (!authz_action_name_valid(in->custom[i]))
            return err_set(e, ERR_BAD_REQUEST, "Invalid action '%s'", in->custom[i]);
    return 0;
}

/* The derived and custom actions, sorted and distinct. */
static int sync_actions(request *req, const sync_in *in, const char ***out, size_t *n, err *e)
{
    size_t cap = in->n_tables * AUTHZ_CRUD_COUNT + in->n_ext * AUTHZ_EXT_COUNT + in->n_custom;
    const char **v = arena_alloc(req->arena, (cap + 1) * sizeof *v);
    size_t k = 0;
    for (size_t i = 0; i < in->n_tables; i++)
        for (int j = 0; j < AUTHZ_CRUD_COUNT; j++)
            v[k++] = authz_derived_action(req->arena, authz_crud_verbs[j], in->tables[i]);
    for (size_t i = 0; i < in->n_ext; i++)
        for (int j = 0; j < AUTHZ_EXT_COUNT; j++)
            v[k++] = authz_derived_action(req->arena, authz_ext_verbs[j], in->ext[i]);
    for (size_t i = 0; i < k; i++)
        if (strlen(v[i]) > 128)
            return err_set(e, ERR_BAD_REQUEST, "Derived action name too long: %s", v[i]);
    for (size_t i = 0; i < in->n_custom; i++)
        v[k++] = in->custom[i];
    *n = sort_unique(v, k);
    *out = v;
    return 0;
}

void api_packages_sync(request *req)
{
    err e = {0};
    sync_in in;
    const char **actions = NULL;
    size_t n_actions = 0;
    if (sync_validate(req, &in, &e) || sync_actions(req, &in, &actions, &n_actions, &e)) {
        reply_err(req, &e);
        return;
    }
    const char **tables = arena_alloc(req->arena, (in.n_tables + 1) * sizeof *tables);
    if (in.n_tables) memcpy(tables, in.tables, in.n_tables * sizeof *tables);
    size_t n_tables = sort_unique(tables, in.n_tables);
    db_conn *c = req_db(req);
    int rc = ADMIN_WRITE(c, &e,
                         packages_replace(c, req->tenant_id, in.package_id, tables, n_tables,
                                          actions, n_actions, &e));
    admin_reply(req, rc, &e, 200,
                json_pack("{s:s, s:s, s:I, s:I, s:I}", "message",
                          "Package synced and Cedar schema rebuilt", "packageId", in.package_id,
                          "tables", (json_int_t)in.n_tables, "extensibleTables",
                          (json_int_t)in.n_ext, "customActions", (json_int_t)in.n_custom));
}

static json_t *str_array(const char *const *v, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_string(v[i]));
    return a;
}

void api_packages_actions(request *req)
{
    err e = {0};
    authz_package *pkgs;
    size_t n = 0;
    db_conn *c = req_db(req);
    int rc = packages_load(c, req->arena, req->tenant_id, &pkgs, &n, &e);
    json_t *list = json_array();
    for (size_t i = 0; rc == 0 && i < n; i++)
        json_array_append_new(list,
                              json_pack("{s:s, s:o, s:o}", "packageId", pkgs[i].package_id,
                                        "tables", str_array(pkgs[i].tables, pkgs[i].n_tables),
                                        "actions", str_array(pkgs[i].actions, pkgs[i].n_actions)));
    admin_reply(req, rc, &e, 200, json_pack("{s:o}", "packages", list));
}
