/* cedar.c - Cedar policy text and entities (see cedar.h). */
#include "authz/cedar.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void escape_into(strbuf *out, const char *s, bool pattern)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\' || (pattern && *p == '*')) {
            sb_append_char(out, '\\');
            sb_append_char(out, (char)*p);
        } else if (*p < 0x20 || *p == 0x7f) {
            sb_printf(out, "\\u{%x}", *p);
        } else {
            sb_append_char(out, (char)*p);
        }
    }
}

void authz_cedar_string(strbuf *out, const char *s)
{
    sb_append_char(out, '"');
    escape_into(out, s, false);
    sb_append_char(out, '"');
}

static void entity_ref(strbuf *out, const char *type, const char *id)
{
    sb_printf(out, "AuthRS::%s::", type);
    authz_cedar_string(out, id);
}

static void value(strbuf *out, const json_t *v)
{
    if (json_is_string(v)) {
        authz_cedar_string(out, json_string_value(v));
    } else if (json_is_integer(v)) {
        sb_printf(out, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    } else if (json_is_boolean(v)) {
        sb_append(out, json_is_true(v) ? "true" : "false");
    } else {
        sb_append_char(out, '[');
        size_t i;
        json_t *x;
        json_array_foreach(v, i, x)
        {
            if (i) sb_append(out, ", ");
            value(out, x);
        }
        sb_append_char(out, ']');
    }
}

/* `context has a && context.a has b ...` or `principal has n`. */
static void has_chain(strbuf *out, const char *attr)
{
    const char *seg = strchr(attr, '.') + 1;
    for (;;) {
        size_t n = strcspn(seg, ".");
        sb_append_n(out, attr, (size_t)(seg - attr) - 1);
        sb_printf(out, " has %.*s", (int)n, seg);
        if (seg[n] == '\0') break;
        sb_append(out, " && ");
        seg += n + 1;
    }
}

static void condition(strbuf *out, const json_t *c)
{
    const char *attr = json_string_value(json_object_get(c, "attribute"));
    const json_t *v = json_object_get(c, "value");
    static const char *const ops[] = {"==", "!=", ">", ">=", "<", "<="};
    int op = authz_op_parse(json_string_value(json_object_get(c, "operator")));
    sb_append(out, "\nwhen { ");
    switch (op) {
    case AUTHZ_OP_IN:
        value(out, v);
        sb_printf(out, ".contains(%s)", attr);
        break;
    case AUTHZ_OP_CONTAINS:
        sb_printf(out, "%s.contains(", attr);
        value(out, v);
        sb_append_char(out, ')');
        break;
    case AUTHZ_OP_STARTS_WITH:
        sb_printf(out, "%s like \"", attr);
        escape_into(out, json_string_value(v), true);
        sb_append(out, "*\"");
        break;
    case AUTHZ_OP_EXISTS:
        if (!json_is_true(v)) sb_append(out, "!(");
        has_chain(out, attr);
        if (!json_is_true(v)) sb_append_char(out, ')');
        break;
    default:
        sb_printf(out, "%s %s ", attr, ops[op]);
        value(out, v);
    }
    sb_append(out, " }");
}

static void principal(strbuf *out, const char *p, const authz_names *names)
{
    if (strcmp(p, "*") == 0) {
        sb_append(out, "principal");
    } else if (strncmp(p, "role:", 5) == 0) {
        sb_append(out, "principal in ");
        entity_ref(out, "Role", names->role_uid(names->ctx, p + 5));
    } else if (strncmp(p, "group:", 6) == 0) {
        sb_append(out, "principal in ");
        entity_ref(out, "Group", names->group_uid(names->ctx, p + 6));
    } else {
        sb_append(out, "principal == ");
        entity_ref(out, "User", p + 5);
    }
}

static bool principal_known(const char *p, const authz_names *names)
{
    if (strncmp(p, "role:", 5) == 0) return names->role_uid(names->ctx, p + 5) != NULL;
    if (strncmp(p, "group:", 6) == 0) return names->group_uid(names->ctx, p + 6) != NULL;
    return true;
}

static void actions(strbuf *out, const json_t *acts)
{
    size_t i;
    json_t *a;
    json_array_foreach(acts, i, a)
    {
        if (strcmp(json_string_value(a), "*") == 0) {
            sb_append(out, "action");
            return;
        }
    }
    sb_append(out, "action in [");
    json_array_foreach(acts, i, a)
    {
        if (i) sb_append(out, ", ");
        entity_ref(out, "Action", json_string_value(a));
    }
    sb_append_char(out, ']');
}

/* The entity type of a resource path: that of its last segment. */
static const char *resource_type(const char *path)
{
    const char *last = strrchr(path, '/');
    last = last ? last + 1 : path;
    if (strncmp(last, "service:", 8) == 0) return "Service";
    if (strncmp(last, "package:", 8) == 0) return "Package";
    if (strncmp(last, "table:", 6) == 0) return "Table";
    return "Column";
}

static void resource(strbuf *out, const char *r)
{
    if (strcmp(r, "*") == 0) {
        sb_append(out, "resource");
        return;
    }
    sb_append(out, "resource in ");
    entity_ref(out, resource_type(r), r);
}

typedef struct policy_ctx {
    const char *name;
    const json_t *stmt;
    const char *const *attached;
    size_t n_attached;
    const authz_names *names;
} policy_ctx;

static void policy(strbuf *out, const policy_ctx *pc, size_t pi, size_t ri)
{
    const json_t *s = pc->stmt;
    const char *sid = json_string_value(json_object_get(s, "sid"));
    char id[64];
    snprintf(id, sizeof id, "/%zu/%zu", pi, ri);
    sb_append(out, "@id(\"");
    escape_into(out, pc->name, false);
    sb_append_char(out, '/');
    escape_into(out, sid, false);
    sb_printf(out, "%s\")\n", id);
    bool deny = strcmp(json_string_value(json_object_get(s, "effect")), "Deny") == 0;
    sb_append(out, deny ? "forbid (\n  " : "permit (\n  ");
    principal(out, json_string_value(json_array_get(json_object_get(s, "principals"), pi)),
              pc->names);
    sb_append(out, ",\n  ");
    actions(out, json_object_get(s, "actions"));
    sb_append(out, ",\n  ");
    resource(out, json_string_value(json_array_get(json_object_get(s, "resources"), ri)));
    sb_append(out, "\n)\nwhen { ");
    for (size_t i = 0; i < pc->n_attached; i++) {
        if (i) sb_append(out, " || ");
        sb_append(out, "principal in ");
        entity_ref(out, "Role", pc->attached[i]);
    }
    if (pc->n_attached == 0) sb_append(out, "false");
    sb_append(out, " }");
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(s, "conditions"), i, c)
    {
        condition(out, c);
    }
    sb_append(out, ";\n\n");
}

static void comment(strbuf *out, const char *name, const char *sid)
{
    sb_append(out, "// ");
    authz_cedar_string(out, name);
    sb_append(out, " / ");
    authz_cedar_string(out, sid);
    sb_append(out, ": no principals, actions or resources\n\n");
}

void authz_cedar_permission(strbuf *out, const char *name, const json_t *stored,
                            const char *const *attached_role_uids, size_t n_attached,
                            const authz_names *names)
{
    size_t i;
    json_t *s;
    json_array_foreach(json_object_get(stored, "statements"), i, s)
    {
        policy_ctx pc = {name, s, attached_role_uids, n_attached, names};
        const json_t *prins = json_object_get(s, "principals");
        size_t np = 0, pi, ri;
        json_t *p;
        json_array_foreach(prins, pi, p)
        {
            np += principal_known(json_string_value(p), names);
        }
        size_t nr = json_array_size(json_object_get(s, "resources"));
        if (np == 0 || nr == 0 || json_array_size(json_object_get(s, "actions")) == 0) {
            comment(out, name, json_string_value(json_object_get(s, "sid")));
            continue;
        }
        json_array_foreach(prins, pi, p)
        {
            if (!principal_known(json_string_value(p), names)) continue;
            for (ri = 0; ri < nr; ri++)
                policy(out, &pc, pi, ri);
        }
    }
}

/* ---- entities ---- */

static json_t *uid_json(const char *type, const char *id)
{
    char t[32];
    snprintf(t, sizeof t, "AuthRS::%s", type);
    return json_pack("{s:s, s:s}", "type", t, "id", id);
}

static json_t *entity(const char *type, const char *id, json_t *parents, json_t *attrs)
{
    return json_pack("{s:o, s:o, s:o}", "uid", uid_json(type, id), "attrs",
                     attrs ? attrs : json_object(), "parents", parents);
}

static void add_resource(json_t *out, const char *path)
{
    json_t *parent = NULL;
    const char *p = path;
    while (*p) {
        size_t n = strcspn(p, "/");
        char *prefix = strndup(path, (size_t)(p - path) + n);
        const char *type = resource_type(prefix);
        json_t *parents = json_array();
        if (parent) json_array_append_new(parents, parent);
        json_array_append_new(out, entity(type, prefix, parents, NULL));
        parent = uid_json(type, prefix);
        free(prefix);
        p += n;
        if (*p == '/') p++;
    }
    json_decref(parent);
}

static void add_action(json_t *out, const char *action)
{
    json_t *parents = json_array();
    size_t n = strlen(action);
    for (size_t k = 0; k <= n; k++) {
        char *pat = malloc(k + 2);
        memcpy(pat, action, k);
        pat[k] = '*';
        pat[k + 1] = '\0';
        json_array_append_new(parents, uid_json("Action", pat));
        free(pat);
    }
    json_array_append_new(out, entity("Action", action, parents, NULL));
}

json_t *authz_cedar_entities(const authz_cedar_request *r)
{
    json_t *out = json_array();
    json_t *parents = json_array();
    for (size_t i = 0; i < r->n_direct_role_uids; i++)
        json_array_append_new(parents, uid_json("Role", r->direct_role_uids[i]));
    for (size_t i = 0; i < r->n_groups; i++) {
        const authz_cedar_group *g = &r->groups[i];
        json_array_append_new(parents, uid_json("Group", g->uid));
        json_t *gp = json_array();
        for (size_t j = 0; j < g->n_role_uids; j++)
            json_array_append_new(gp, uid_json("Role", g->role_uids[j]));
        json_array_append_new(out, entity("Group", g->uid, gp, NULL));
    }
    json_array_append_new(out, entity("User", r->member_id, parents, json_deep_copy(r->attrs)));
    for (size_t i = 0; i < r->n_roles; i++) {
        json_t *rp = json_array();
        if (r->roles[i].parent_uid)
            json_array_append_new(rp, uid_json("Role", r->roles[i].parent_uid));
        json_array_append_new(out, entity("Role", r->roles[i].uid, rp, NULL));
    }
    add_resource(out, r->resource);
    add_action(out, r->action);
    return out;
}
