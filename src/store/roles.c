/* roles.c - roles, hierarchy and role links (see roles.h). */
#include "store/roles.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authz/document.h"
#include "util/crypto.h"
#include "util/timeutil.h"
#include "util/utf8.h"

static const rsql_field role_fields[] = {
    {"id", "r.id", RSQL_UUID, true, true},
    {"name", "r.name", RSQL_TEXT, true, true},
    {"uid", "r.uid", RSQL_TEXT, true, true},
    {"parentRoleId", "r.parent_role_id", RSQL_UUID, true, true},
};
const rsql_table roles_rsql = {role_fields, sizeof role_fields / sizeof role_fields[0], "r.id",
                               "r.name ASC"};

#define ROLE_COLS "r.id, r.name, r.uid, r.parent_role_id"

char *admin_slug(arena *a, const char *name)
{
    char *t = utf8_trim(name);
    char *low = utf8_lower(t);
    free(t);
    size_t n = strlen(low);
    char *out = arena_alloc(a, n + 1);
    size_t len = 0;
    bool gap = false;
    for (const char *p = low; *p;) {
        uint32_t cp;
        size_t k = utf8_decode(p, &cp);
        if (uc_is_alnum(cp)) {
            if (gap && len) out[len++] = '_';
            gap = false;
            memcpy(out + len, p, k);
            len += k;
        } else {
            gap = true;
        }
        p += k;
    }
    out[len] = '\0';
    free(low);
    return out;
}

static void read_role(arena *a, db_stmt *st, role_row *r)
{
    snprintf(r->id, sizeof r->id, "%s", db_col_text(st, 0));
    r->name = arena_strdup(a, db_col_text(st, 1));
    r->uid = arena_strdup(a, db_col_text(st, 2));
    const char *p = db_col_text(st, 3);
    snprintf(r->parent_id, sizeof r->parent_id, "%s", p ? p : "");
}

json_t *role_json(const role_row *r)
{
    return json_pack("{s:s, s:s, s:s, s:o}", "id", r->id, "name", r->name, "uid", r->uid,
                     "parentRoleId", r->parent_id[0] ? json_string(r->parent_id) : json_null());
}

int role_get(db_conn *c, arena *a, const char *tenant_id, const char *id, role_row *out, err *e)
{
    db_stmt *st =
        db_query(c, e, "SELECT " ROLE_COLS " FROM roles r WHERE r.tenant_id = $1 AND r.id = $2",
                 "ss", tenant_id, id);
    if (!st) return -1;
    int rc = db_step(st, e);
    if (rc == 1) read_role(a, st, out);
    db_done(st);
    return rc;
}

static int role_must(db_conn *c, arena *a, const char *tenant_id, const char *id, role_row *out,
                     err *e)
{
    int rc = role_get(c, a, tenant_id, id, out, e);
    if (rc == 0) return err_set(e, ERR_NOT_FOUND, "Role not found");
    return rc < 0 ? -1 : 0;
}

int role_create(db_conn *c, arena *a, const char *tenant_id, const char *name,
                const char *parent_id, role_row *out, err *e)
{
    char *t = utf8_trim(name);
    char *trimmed = arena_strdup(a, t);
    free(t);
    if (!*trimmed) return err_set(e, ERR_BAD_REQUEST, "Role name is required");
    if (utf8_length(trimmed) > 255)
        return err_set(e, ERR_BAD_REQUEST, "Role name must be at most 255 characters");
    char *uid = admin_slug(a, trimmed);
    if (!*uid) return err_set(e, ERR_BAD_REQUEST, "Role name must contain a letter or digit");
    db_stmt *st = db_query(c, e, "SELECT 1 FROM roles WHERE tenant_id = $1 AND uid = $2", "ss",
                           tenant_id, uid);
    if (!st) return -1;
    int rc = db_step(st, e);
    db_done(st);
    if (rc < 0) return -1;
    if (rc == 1)
        return err_set(e, ERR_CONFLICT, "A role with uid '%s' already exists for this tenant", uid);
    if (parent_id) {
        role_row p = {0};
        rc = role_get(c, a, tenant_id, parent_id, &p, e);
        if (rc < 0) return -1;
        if (rc == 0) return err_set(e, ERR_NOT_FOUND, "Parent role not found in tenant");
    }
    uuid_v7(out->id);
    out->name = trimmed;
    out->uid = uid;
    snprintf(out->parent_id, sizeof out->parent_id, "%s", parent_id ? parent_id : "");
    return db_exec(c, e,
                   "INSERT INTO roles (id, tenant_id, name, uid, parent_role_id, created_at)"
                   " VALUES ($1, $2, $3, $4, $5, $6)",
                   "sssssi", out->id, tenant_id, trimmed, uid, parent_id, now_us()) < 0
               ? -1
               : 0;
}

typedef struct role_collect {
    arena *a;
    json_t *out;
} role_collect;

static int collect_role(db_stmt *st, void *ctx)
{
    role_collect *rc = ctx;
    role_row r = {0};
    read_role(rc->a, st, &r);
    json_array_append_new(rc->out, role_json(&r));
    return 0;
}

int roles_list(db_conn *c, arena *a, const char *tenant_id, const list_spec *spec, json_t *out,
               err *e)
{
    role_collect rc = {a, out};
    const char *fixed[] = {tenant_id};
    return listing_run(c, a, "SELECT " ROLE_COLS " FROM roles r WHERE r.tenant_id = $1", fixed, 1,
                       spec, collect_role, &rc, e);
}

static int collect_sql(db_conn *c, arena *a, json_t *out, err *e, const char *sql, const char *p)
{
    db_stmt *st = db_query(c, e, sql, "s", p);
    if (!st) return -1;
    role_collect rc = {a, out};
    int r;
    while ((r = db_step(st, e)) == 1)
        collect_role(st, &rc);
    db_done(st);
    return r < 0 ? -1 : 0;
}

int permissions_drop_principal(db_conn *c, const char *tenant_id, const char *principal, err *e)
{
    db_stmt *st =
        db_query(c, e, "SELECT id, document FROM permissions WHERE tenant_id = $1", "s", tenant_id);
    if (!st) return -1;
    json_t *changed = json_object(); /* id -> new document text */
    int rc;
    while ((rc = db_step(st, e)) == 1) {
        json_t *doc = json_loads(db_col_text(st, 1), 0, NULL);
        if (doc && authz_document_drop_principal(doc, principal) > 0) {
            char *text = json_dumps(doc, JSON_COMPACT);
            json_object_set_new(changed, db_col_text(st, 0), json_string(text));
            free(text);
        }
        json_decref(doc);
    }
    db_done(st);
    const char *id;
    json_t *text;
    int64_t now = now_us();
    json_object_foreach(changed, id, text)
    {
        if (rc >= 0 &&
            db_exec(c, e, "UPDATE permissions SET document = $1, updated_at = $2 WHERE id = $3",
                    "sis", json_string_value(text), now, id) < 0)
            rc = -1;
    }
    json_decref(changed);
    return rc < 0 ? -1 : 0;
}

int role_delete(db_conn *c, arena *a, const char *tenant_id, const char *id, err *e)
{
    role_row r = {0};
    if (role_must(c, a, tenant_id, id, &r, e)) return -1;
    if (db_exec(c, e, "DELETE FROM user_roles WHERE role_id = $1", "s", id) < 0 ||
        db_exec(c, e, "DELETE FROM group_roles WHERE role_id = $1", "s", id) < 0 ||
        db_exec(c, e, "DELETE FROM role_permissions WHERE role_id = $1", "s", id) < 0 ||
        db_exec(c, e, "UPDATE roles SET parent_role_id = NULL WHERE parent_role_id = $1", "s", id) <
            0 ||
        db_exec(c, e, "DELETE FROM roles WHERE id = $1", "s", id) < 0)
        return -1;
    return permissions_drop_principal(c, tenant_id, arena_printf(a, "role:%s", id), e);
}

/* 1 when `ancestor` is `id` or one of its ancestors. */
static int is_ancestor_or_self(db_conn *c, const char *ancestor, const char *id, err *e)
{
    db_stmt *st = db_query(c, e,
                           "WITH RECURSIVE up(id, depth) AS (SELECT CAST($2 AS TEXT), 0"
                           " UNION SELECT r.parent_role_id, up.depth + 1 FROM roles r"
                           " JOIN up ON r.id = up.id WHERE r.parent_role_id IS NOT NULL"
                           " AND up.depth < 100000)"
                           " SELECT 1 FROM up WHERE id = $1",
                           "ss", ancestor, id);
    if (!st) return -1;
    int rc = db_step(st, e);
    db_done(st);
    return rc;
}

int role_set_parent(db_conn *c, arena *a, const char *tenant_id, const char *id,
                    const char *parent_id, err *e)
{
    role_row r = {0}, p = {0};
    if (role_must(c, a, tenant_id, id, &r, e)) return -1;
    if (parent_id) {
        int rc = role_get(c, a, tenant_id, parent_id, &p, e);
        if (rc < 0) return -1;
        if (rc == 0) return err_set(e, ERR_NOT_FOUND, "Parent role not found in tenant");
        if (strcmp(parent_id, id) == 0)
            return err_set(e, ERR_BAD_REQUEST, "A role cannot be its own parent");
        rc = is_ancestor_or_self(c, id, parent_id, e);
        if (rc < 0) return -1;
        if (rc == 1)
            return err_set(e, ERR_BAD_REQUEST,
                           "Setting this parent would create a role hierarchy cycle");
    }
    return db_exec(c, e, "UPDATE roles SET parent_role_id = $1 WHERE id = $2", "ss", parent_id,
                   id) < 0
               ? -1
               : 0;
}

int role_ancestors(db_conn *c, arena *a, const char *tenant_id, const char *id, json_t *out, err *e)
{
    role_row r = {0};
    if (role_must(c, a, tenant_id, id, &r, e)) return -1;
    json_t *chain = json_array(); /* direct parent first */
    char cur[37];
    snprintf(cur, sizeof cur, "%s", r.parent_id);
    for (int guard = 0; cur[0] && guard < 100000; guard++) {
        role_row p = {0};
        int rc = role_get(c, a, tenant_id, cur, &p, e);
        if (rc < 0) {
            json_decref(chain);
            return -1;
        }
        if (rc == 0) break;
        json_array_append_new(chain, role_json(&p));
        snprintf(cur, sizeof cur, "%s", p.parent_id);
    }
    for (size_t i = json_array_size(chain); i > 0; i--)
        json_array_append(out, json_array_get(chain, i - 1));
    json_decref(chain);
    return 0;
}

int roles_of_user(db_conn *c, arena *a, const char *membership_id, json_t *out, err *e)
{
    return collect_sql(c, a, out, e,
                       "SELECT " ROLE_COLS " FROM roles r JOIN user_roles ur ON ur.role_id = r.id"
                       " WHERE ur.membership_id = $1 ORDER BY r.name, r.id",
                       membership_id);
}

int roles_of_group(db_conn *c, arena *a, const char *group_id, json_t *out, err *e)
{
    return collect_sql(c, a, out, e,
                       "SELECT " ROLE_COLS " FROM roles r JOIN group_roles gr ON gr.role_id = r.id"
                       " WHERE gr.group_id = $1 ORDER BY r.name, r.id",
                       group_id);
}

static int link_exists(db_conn *c, err *e, const char *sql, const char *a1, const char *a2)
{
    db_stmt *st = db_query(c, e, sql, "ss", a1, a2);
    if (!st) return -1;
    int rc = db_step(st, e);
    db_done(st);
    return rc;
}

int user_role_assign(db_conn *c, arena *a, const char *tenant_id, const char *membership_id,
                     const char *role_id, err *e)
{
    role_row r = {0};
    if (role_must(c, a, tenant_id, role_id, &r, e)) return -1;
    int rc = link_exists(c, e, "SELECT 1 FROM user_roles WHERE membership_id = $1 AND role_id = $2",
                         membership_id, role_id);
    if (rc != 0) return rc < 0 ? -1 : 0;
    return db_exec(
               c, e,
               "INSERT INTO user_roles (membership_id, role_id, created_at) VALUES ($1, $2, $3)",
               "ssi", membership_id, role_id, now_us()) < 0
               ? -1
               : 0;
}

int user_role_remove(db_conn *c, arena *a, const char *tenant_id, const char *membership_id,
                     const char *role_id, err *e)
{
    role_row r = {0};
    if (role_must(c, a, tenant_id, role_id, &r, e)) return -1;
    long n = db_exec(c, e, "DELETE FROM user_roles WHERE membership_id = $1 AND role_id = $2", "ss",
                     membership_id, role_id);
    if (n < 0) return -1;
    if (n == 0) return err_set(e, ERR_NOT_FOUND, "User role assignment not found");
    return 0;
}

int group_role_assign(db_conn *c, arena *a, const char *tenant_id, const char *group_id,
                      const char *role_id, err *e)
{
    role_row r = {0};
    if (role_must(c, a, tenant_id, role_id, &r, e)) return -1;
    int rc = link_exists(c, e, "SELECT 1 FROM group_roles WHERE group_id = $1 AND role_id = $2",
                         group_id, role_id);
    if (rc != 0) return rc < 0 ? -1 : 0;
    return db_exec(c, e,
                   "INSERT INTO group_roles (group_id, role_id, created_at) VALUES ($1, $2, $3)",
                   "ssi", group_id, role_id, now_us()) < 0
               ? -1
               : 0;
}

int group_role_remove(db_conn *c, arena *a, const char *tenant_id, const char *group_id,
                      const char *role_id, err *e)
{
    role_row r = {0};
    if (role_must(c, a, tenant_id, role_id, &r, e)) return -1;
    long n = db_exec(c, e, "DELETE FROM group_roles WHERE group_id = $1 AND role_id = $2", "ss",
                     group_id, role_id);
    if (n < 0) return -1;
    if (n == 0) return err_set(e, ERR_NOT_FOUND, "Role is not assigned to this group");
    return 0;
}

int role_id_by_uid(db_conn *c, const char *tenant_id, const char *uid, char id[37], err *e)
{
    db_stmt *st = db_query(c, e, "SELECT id FROM roles WHERE tenant_id = $1 AND uid = $2", "ss",
                           tenant_id, uid);
    if (!st) return -1;
    int rc = db_step(st, e);
    if (rc == 1) snprintf(id, 37, "%s", db_col_text(st, 0));
    db_done(st);
    return rc;
}
