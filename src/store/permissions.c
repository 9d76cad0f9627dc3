/* permissions.c - permission rows, attachments and the tenant's
 * authorization data (see permissions.h). */
#include "store/permissions.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authz/document.h"
#include "store/roles.h"
#include "util/crypto.h"
#include "util/timeutil.h"
#include "util/utf8.h"

static const rsql_field permission_fields[] = {
    {"id", "p.id", RSQL_UUID, true, true},
    {"name", "p.name", RSQL_TEXT, true, true},
    {"description", "p.description", RSQL_TEXT, true, true},
};
const rsql_table permissions_rsql = {permission_fields,
                                     sizeof permission_fields / sizeof permission_fields[0], "p.id",
                                     "p.name ASC"};

#define PERM_COLS "p.id, p.name, p.description, p.document"

static void read_perm(arena *a, db_stmt *st, permission_row *p)
{
    snprintf(p->id, sizeof p->id, "%s", db_col_text(st, 0));
    p->name = arena_strdup(a, db_col_text(st, 1));
    const char *d = db_col_text(st, 2);
    p->description = d ? arena_strdup(a, d) : NULL;
    p->document = arena_strdup(a, db_col_text(st, 3));
}

int permission_get(db_conn *c, arena *a, const char *tenant_id, const char *id, permission_row *out,
                   err *e)
{
    db_stmt *st = db_query(c, e,
                           "SELECT " PERM_COLS " FROM permissions p"
                           " WHERE p.tenant_id = $1 AND p.id = $2",
                           "ss", tenant_id, id);
    if (!st) return -1;
    int rc = db_step(st, e);
    if (rc == 1) read_perm(a, st, out);
    db_done(st);
    return rc;
}

int permission_must(db_conn *c, arena *a, const char *tenant_id, const char *id,
                    permission_row *out, err *e)
{
    int rc = permission_get(c, a, tenant_id, id, out, e);
    if (rc == 0) return err_set(e, ERR_NOT_FOUND, "Permission not found");
    return rc < 0 ? -1 : 0;
}

/* ---- principal resolution ---- */

typedef struct resolve_ctx {
    db_conn *c;
    const char *tenant_id;
} resolve_ctx;

static int first_id(db_conn *c, char out[AUTHZ_ID_MAX], err *e, const char *sql, const char *p1,
                    const char *p2)
{
    db_stmt *st = db_query(c, e, sql, "ss", p1, p2);
    if (!st) return -1;
    int rc = db_step(st, e);
    if (rc == 1) snprintf(out, AUTHZ_ID_MAX, "%s", db_col_text(st, 0));
    db_done(st);
    return rc;
}

static int lookup_role(void *ctx, const char *ref, char out[AUTHZ_ID_MAX], err *e)
{
    resolve_ctx *r = ctx;
    int rc = first_id(r->c, out, e, "SELECT id FROM roles WHERE tenant_id = $1 AND uid = $2",
                      r->tenant_id, ref);
    if (rc != 0) return rc;
    return first_id(r->c, out, e,
                    "SELECT id FROM roles WHERE tenant_id = $1 AND name = $2 ORDER BY id",
                    r->tenant_id, ref);
}

static int lookup_user(void *ctx, const char *ref, char out[AUTHZ_ID_MAX], err *e)
{
    resolve_ctx *r = ctx;
    char uuid[UUID_STR_LEN + 1];
    if (uuid_parse(ref, uuid)) {
        int rc =
            first_id(r->c, out, e, "SELECT id FROM memberships WHERE tenant_id = $1 AND id = $2",
                     r->tenant_id, uuid);
        if (rc != 0) return rc;
    }
    char *low = utf8_lower(ref);
    int rc = first_id(r->c, out, e,
                      "SELECT m.id FROM memberships m JOIN identities i ON i.id = m.identity_id"
                      " WHERE m.tenant_id = $1 AND ((m.status <> 'invited' AND i.email_norm = $2)"
                      " OR (m.status = 'invited' AND lower(m.shown_email) = $2)) ORDER BY m.id",
                      r->tenant_id, low);
    free(low);
    if (rc != 0) return rc;
    return first_id(r->c, out, e,
                    "SELECT id FROM memberships WHERE tenant_id = $1 AND username = $2",
                    r->tenant_id, ref);
}

static int lookup_group(void *ctx, const char *ref, char out[AUTHZ_ID_MAX], err *e)
{
    resolve_ctx *r = ctx;
    return first_id(r->c, out, e, "SELECT id FROM tenant_groups WHERE tenant_id = $1 AND uid = $2",
                    r->tenant_id, ref);
}

int permission_create(db_conn *c, arena *a, const char *tenant_id, const char *name,
                      const char *description, const json_t *doc, bool overwrite,
                      permission_row *out, err *e)
{
    char *t = utf8_trim(name);
    char *n = arena_strdup(a, t);
    free(t);
    if (!*n) return err_set(e, ERR_BAD_REQUEST, "Permission name is required");
    if (utf8_length(n) > 255)
        return err_set(e, ERR_BAD_REQUEST, "Permission name must be at most 255 characters");
    resolve_ctx rc = {c, tenant_id};
    authz_resolver res = {&rc, lookup_role, lookup_user, lookup_group};
    json_t *stored = authz_document_parse(doc, "document", &res, e);
    if (!stored) return -1;
    char *text = json_dumps(stored, JSON_COMPACT);
    json_decref(stored);
    out->name = n;
    out->description = description;
    out->document = arena_strdup(a, text);
    free(text);
    db_stmt *st = db_query(c, e, "SELECT id FROM permissions WHERE tenant_id = $1 AND name = $2",
                           "ss", tenant_id, n);
    if (!st) return -1;
    int found = db_step(st, e);
    if (found == 1) snprintf(out->id, sizeof out->id, "%s", db_col_text(st, 0));
    db_done(st);
    if (found < 0) return -1;
    int64_t now = now_us();
    if (found == 1) {
        if (!overwrite)
            return err_set(e, ERR_CONFLICT, "A permission with this name already exists");
        return db_exec(c, e,
                       "UPDATE permissions SET description = $2, document = $3, updated_at = $4"
                       " WHERE id = $1",
                       "sssi", out->id, description, out->document, now) < 0
                   ? -1
                   : 0;
    }
    uuid_v7(out->id);
    return db_exec(
               c, e,
               "INSERT INTO permissions (id, tenant_id, name, description, document, created_at,"
               " updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6)",
               "sssssi", out->id, tenant_id, n, description, out->document, now) < 0
               ? -1
               : 0;
}

typedef struct perm_each {
    arena *a;
    permission_fn fn;
    void *ctx;
} perm_each;

static int each_perm(db_stmt *st, void *ctx)
{
    perm_each *pe = ctx;
    permission_row p = {0};
    read_perm(pe->a, st, &p);
    return pe->fn(&p, pe->ctx);
}

int permissions_list(db_conn *c, arena *a, const char *tenant_id, const list_spec *spec,
                     permission_fn fn, void *ctx, err *e)
{
    perm_each pe = {a, fn, ctx};
    const char *fixed[] = {tenant_id};
    return listing_run(c, a, "SELECT " PERM_COLS " FROM permissions p WHERE p.tenant_id = $1",
                       fixed, 1, spec, each_perm, &pe, e);
}

int permissions_of_role(db_conn *c, arena *a, const char *role_id, permission_fn fn, void *ctx,
                        err *e)
{
    db_stmt *st = db_query(c, e,
                           "SELECT " PERM_COLS " FROM permissions p"
                           " JOIN role_permissions rp ON rp.permission_id = p.id"
                           " WHERE rp.role_id = $1 ORDER BY p.name, p.id",
                           "s", role_id);
    if (!st) return -1;
    perm_each pe = {a, fn, ctx};
    int rc, stop = 0;
    while (!stop && (rc = db_step(st, e)) == 1)
        stop = each_perm(st, &pe);
    db_done(st);
    if (stop) return stop;
    return rc < 0 ? -1 : 0;
}

/* Returns an arena array of at least `need` elements of `size` bytes holding
 * the `have` elements of v (doubling into a new arena block when full). */
static void *grow(arena *a, void *v, size_t have, size_t need, size_t *cap, size_t size)
{
    if (need <= *cap) return v;
    while (*cap < need)
        *cap = *cap ? *cap * 2 : 8;
    void *nv = arena_alloc(a, *cap * size);
    if (have) memcpy(nv, v, have * size);
    return nv;
}

/* A growable, NULL-terminated array of strings in an arena. */
typedef struct ptrvec {
    arena *a;
    const char **v;
    size_t n, cap;
} ptrvec;

static void pv_push(ptrvec *p, const char *s)
{
    p->v = grow(p->a, p->v, p->n, p->n + 2, &p->cap, sizeof *p->v); /* +1: the terminator */
    p->v[p->n++] = s;
    p->v[p->n] = NULL;
}

static const char **pv_done(ptrvec *p)
{
    return p->v ? p->v : arena_alloc(p->a, sizeof *p->v);
}

int permission_role_uids(db_conn *c, arena *a, const char *permission_id, const char ***out,
                         size_t *n, err *e)
{
    db_stmt *st = db_query(c, e,
                           "SELECT r.uid FROM roles r JOIN role_permissions rp ON rp.role_id = r.id"
                           " WHERE rp.permission_id = $1 ORDER BY r.uid",
                           "s", permission_id);
    if (!st) return -1;
    ptrvec pv = {a, NULL, 0, 0};
    int rc;
    while ((rc = db_step(st, e)) == 1)
        pv_push(&pv, arena_strdup(a, db_col_text(st, 0)));
    db_done(st);
    *n = pv.n;
    *out = pv_done(&pv);
    return rc < 0 ? -1 : 0;
}

int permission_delete(db_conn *c, arena *a, const char *tenant_id, const char *id, err *e)
{
    permission_row p = {0};
    if (permission_must(c, a, tenant_id, id, &p, e)) return -1;
    if (db_exec(c, e, "DELETE FROM role_permissions WHERE permission_id = $1", "s", id) < 0 ||
        db_exec(c, e, "DELETE FROM permissions WHERE id = $1", "s", id) < 0)
        return -1;
    return 0;
}

int permission_attach(db_conn *c, arena *a, const char *tenant_id, const char *role_id,
                      const char *permission_id, err *e)
{
    role_row r = {0};
    permission_row p = {0};
    int rc = role_get(c, a, tenant_id, role_id, &r, e);
    if (rc == 0) return err_set(e, ERR_NOT_FOUND, "Role not found");
    if (rc < 0 || permission_must(c, a, tenant_id, permission_id, &p, e)) return -1;
    db_stmt *st =
        db_query(c, e, "SELECT 1 FROM role_permissions WHERE role_id = $1 AND permission_id = $2",
                 "ss", role_id, permission_id);
    if (!st) return -1;
    rc = db_step(st, e);
    db_done(st);
    if (rc != 0) return rc < 0 ? -1 : 0;
    return db_exec(c, e,
                   "INSERT INTO role_permissions (role_id, permission_id, created_at)"
                   " VALUES ($1, $2, $3)",
                   "ssi", role_id, permission_id, now_us()) < 0
               ? -1
               : 0;
}

int permission_detach(db_conn *c, arena *a, const char *tenant_id, const char *role_id,
                      const char *permission_id, err *e)
{
    role_row r = {0};
    permission_row p = {0};
    int rc = role_get(c, a, tenant_id, role_id, &r, e);
    if (rc == 0) return err_set(e, ERR_NOT_FOUND, "Role not found");
    if (rc < 0 || permission_must(c, a, tenant_id, permission_id, &p, e)) return -1;
    long n = db_exec(c, e, "DELETE FROM role_permissions WHERE role_id = $1 AND permission_id = $2",
                     "ss", role_id, permission_id);
    if (n < 0) return -1;
    if (n == 0) return err_set(e, ERR_NOT_FOUND, "Permission-role assignment not found");
    return 0;
}

/* ---- the tenant's authorization data ---- */

static int load_roles(db_conn *c, arena *a, const char *tenant_id, authz_data *out, err *e)
{
    db_stmt *st = db_query(c, e,
                           "SELECT id, uid, parent_role_id FROM roles WHERE tenant_id = $1"
                           " ORDER BY id",
                           "s", tenant_id);
    if (!st) return -1;
    size_t cap = 0, n = 0;
    authz_data_role *v = NULL;
    int rc;
    while ((rc = db_step(st, e)) == 1) {
        v = grow(a, v, n, n + 1, &cap, sizeof *v);
        const char *p = db_col_text(st, 2);
        v[n++] =
            (authz_data_role){arena_strdup(a, db_col_text(st, 0)),
                              arena_strdup(a, db_col_text(st, 1)), p ? arena_strdup(a, p) : NULL};
    }
    db_done(st);
    out->roles = v;
    out->n_roles = n;
    return rc < 0 ? -1 : 0;
}

/* Rows (owner id, owner uid/name, [document,] linked role id or NULL) ordered by owner. */
static int load_owned(db_conn *c, arena *a, const char *sql, const char *tenant_id, bool perms,
                      authz_data *out, err *e)
{
    db_stmt *st = db_query(c, e, sql, "s", tenant_id);
    if (!st) return -1;
    size_t cap = 0, n = 0;
    authz_data_perm *v = NULL;
    ptrvec links = {a, NULL, 0, 0};
    int rc;
    int link_col = perms ? 3 : 2;
    while ((rc = db_step(st, e)) == 1) {
        const char *id = db_col_text(st, 0);
        if (n == 0 || strcmp(v[n - 1].id, id) != 0) {
            if (n) {
                v[n - 1].n_role_ids = links.n;
                v[n - 1].role_ids = pv_done(&links);
                links = (ptrvec){a, NULL, 0, 0};
            }
            v = grow(a, v, n, n + 1, &cap, sizeof *v);
            v[n] = (authz_data_perm){arena_strdup(a, id), arena_strdup(a, db_col_text(st, 1)),
                                     perms ? arena_strdup(a, db_col_text(st, 2)) : NULL, NULL, 0};
            n++;
        }
        const char *link = db_col_text(st, link_col);
        if (link) pv_push(&links, arena_strdup(a, link));
    }
    db_done(st);
    if (n) {
        v[n - 1].n_role_ids = links.n;
        v[n - 1].role_ids = pv_done(&links);
    }
    if (perms) {
        out->perms = v;
        out->n_perms = n;
    } else {
        out->groups = arena_alloc(a, (n + 1) * sizeof *out->groups);
        for (size_t i = 0; i < n; i++)
            out->groups[i] = (authz_data_group){v[i].id, v[i].name, v[i].role_ids, v[i].n_role_ids};
        out->n_groups = n;
    }
    return rc < 0 ? -1 : 0;
}

int authz_data_load(db_conn *c, arena *a, const char *tenant_id, authz_data *out, err *e)
{
    memset(out, 0, sizeof *out);
    if (load_roles(c, a, tenant_id, out, e)) return -1;
    if (load_owned(c, a,
                   "SELECT g.id, g.uid, gr.role_id FROM tenant_groups g"
                   " LEFT JOIN group_roles gr ON gr.group_id = g.id"
                   " WHERE g.tenant_id = $1 ORDER BY g.id",
                   tenant_id, false, out, e))
        return -1;
    return load_owned(c, a,
                      "SELECT p.id, p.name, p.document, rp.role_id FROM permissions p"
                      " LEFT JOIN role_permissions rp ON rp.permission_id = p.id"
                      " WHERE p.tenant_id = $1 ORDER BY p.name, p.id",
                      tenant_id, true, out, e);
}
