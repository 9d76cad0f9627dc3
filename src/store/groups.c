/* groups.c - groups and group membership (see groups.h). */
#include "store/groups.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/roles.h"
#include "util/crypto.h"
#include "util/timeutil.h"
#include "util/utf8.h"

static const rsql_field group_fields[] = {
    {"id", "g.id", RSQL_UUID, true, true},
    {"name", "g.name", RSQL_TEXT, true, true},
    {"uid", "g.uid", RSQL_TEXT, true, true},
    {"description", "g.description", RSQL_TEXT, true, true},
};
const rsql_table groups_rsql = {group_fields, sizeof group_fields / sizeof group_fields[0], "g.id",
                                "g.name ASC"};

#define GROUP_COLS "g.id, g.name, g.uid, g.description"

static void read_group(arena *a, db_stmt *st, group_row *g)
{
    snprintf(g->id, sizeof g->id, "%s", db_col_text(st, 0));
    g->name = arena_strdup(a, db_col_text(st, 1));
    g->uid = arena_strdup(a, db_col_text(st, 2));
    const char *d = db_col_text(st, 3);
    g->description = d ? arena_strdup(a, d) : NULL;
}

json_t *group_json(const group_row *g)
{
    return json_pack("{s:s, s:s, s:s, s:o}", "id", g->id, "name", g->name, "uid", g->uid,
                     "description", g->description ? json_string(g->description) : json_null());
}

int group_get(db_conn *c, arena *a, const char *tenant_id, const char *id, group_row *out, err *e)
{
    db_stmt *st = db_query(c, e,
                           "SELECT " GROUP_COLS " FROM tenant_groups g"
                           " WHERE g.tenant_id = $1 AND g.id = $2",
                           "ss", tenant_id, id);
    if (!st) return -1;
    int rc = db_step(st, e);
    if (rc == 1) read_group(a, st, out);
    db_done(st);
    return rc;
}

int group_must(db_conn *c, arena *a, const char *tenant_id, const char *id, group_row *out, err *e)
{
    int rc = group_get(c, a, tenant_id, id, out, e);
    if (rc == 0) return err_set(e, ERR_NOT_FOUND, "Group not found");
    return rc < 0 ? -1 : 0;
}

static char *trim_arena(arena *a, const char *s)
{
    char *t = utf8_trim(s);
    char *out = arena_strdup(a, t);
    free(t);
    return out;
}

int group_create(db_conn *c, arena *a, const char *tenant_id, const char *name,
                 const char *description, group_row *out, err *e)
{
    char *n = trim_arena(a, name);
    if (!*n) return err_set(e, ERR_BAD_REQUEST, "Group name is required");
    if (utf8_length(n) > 255)
        return err_set(e, ERR_BAD_REQUEST, "Group name must be at most 255 characters");
    char *uid = admin_slug(a, n);
    if (!*uid) return err_set(e, ERR_BAD_REQUEST, "Group name must contain a letter or digit");
    char *d = description ? trim_arena(a, description) : NULL;
    if (d && !*d) d = NULL;
    if (d && utf8_length(d) > 1024)
        return err_set(e, ERR_BAD_REQUEST, "Group description must be at most 1024 characters");
    db_stmt *st = db_query(c, e, "SELECT 1 FROM tenant_groups WHERE tenant_id = $1 AND uid = $2",
                           "ss", tenant_id, uid);
    if (!st) return -1;
    int rc = db_step(st, e);
    db_done(st);
    if (rc < 0) return -1;
    if (rc == 1)
        return err_set(e, ERR_CONFLICT, "A group with uid '%s' already exists for this tenant",
                       uid);
    uuid_v7(out->id);
    out->name = n;
    out->uid = uid;
    out->description = d;
    return db_exec(c, e,
                   "INSERT INTO tenant_groups (id, tenant_id, name, uid, description, created_at)"
                   " VALUES ($1, $2, $3, $4, $5, $6)",
                   "sssssi", out->id, tenant_id, n, uid, d, now_us()) < 0
               ? -1
               : 0;
}

typedef struct group_collect {
    arena *a;
    json_t *out;
} group_collect;

static int collect_group(db_stmt *st, void *ctx)
{
    group_collect *gc = ctx;
    group_row g = {0};
    read_group(gc->a, st, &g);
    json_array_append_new(gc->out, group_json(&g));
    return 0;
}

int groups_list(db_conn *c, arena *a, const char *tenant_id, const list_spec *spec, json_t *out,
                err *e)
{
    group_collect gc = {a, out};
    const char *fixed[] = {tenant_id};
    return listing_run(c, a, "SELECT " GROUP_COLS " FROM tenant_groups g WHERE g.tenant_id = $1",
                       fixed, 1, spec, collect_group, &gc, e);
}

int groups_of_user(db_conn *c, arena *a, const char *membership_id, json_t *out, err *e)
{
    db_stmt *st = db_query(c, e,
                           "SELECT " GROUP_COLS " FROM tenant_groups g"
                           " JOIN group_members gm ON gm.group_id = g.id"
                           " WHERE gm.membership_id = $1 ORDER BY g.name, g.id",
                           "s", membership_id);
    if (!st) return -1;
    group_collect gc = {a, out};
    int rc;
    while ((rc = db_step(st, e)) == 1)
        collect_group(st, &gc);
    db_done(st);
    return rc < 0 ? -1 : 0;
}

int group_delete(db_conn *c, arena *a, const char *tenant_id, const char *id, err *e)
{
    group_row g = {0};
    if (group_must(c, a, tenant_id, id, &g, e)) return -1;
    if (db_exec(c, e, "DELETE FROM group_members WHERE group_id = $1", "s", id) < 0 ||
        db_exec(c, e, "DELETE FROM group_roles WHERE group_id = $1", "s", id) < 0 ||
        db_exec(c, e, "DELETE FROM tenant_groups WHERE id = $1", "s", id) < 0)
        return -1;
    return permissions_drop_principal(c, tenant_id, arena_printf(a, "group:%s", id), e);
}

int group_member_add(db_conn *c, const char *group_id, const char *membership_id, err *e)
{
    db_stmt *st =
        db_query(c, e, "SELECT 1 FROM group_members WHERE group_id = $1 AND membership_id = $2",
                 "ss", group_id, membership_id);
    if (!st) return -1;
    int rc = db_step(st, e);
    db_done(st);
    if (rc != 0) return rc < 0 ? -1 : 0;
    return db_exec(c, e,
                   "INSERT INTO group_members (group_id, membership_id, created_at)"
                   " VALUES ($1, $2, $3)",
                   "ssi", group_id, membership_id, now_us()) < 0
               ? -1
               : 0;
}

int group_member_remove(db_conn *c, const char *group_id, const char *membership_id, err *e)
{
    long n = db_exec(c, e, "DELETE FROM group_members WHERE group_id = $1 AND membership_id = $2",
                     "ss", group_id, membership_id);
    if (n < 0) return -1;
    if (n == 0) return err_set(e, ERR_NOT_FOUND, "User is not a member of this group");
    return 0;
}
