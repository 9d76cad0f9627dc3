/* document.c - validation, principal resolution and rendering of permission
 * documents (see document.h). Three passes over the wire document: JSON
 * shape (422), rules (400, building the stored form), principal resolution. */
#include "authz/document.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "util/strbuf.h"
#include "util/utf8.h"

static const char *const op_names[] = {"eq",  "neq", "gt",       "gte",        "lt",
                                       "lte", "in",  "contains", "startsWith", "exists"};

int authz_op_parse(const char *s)
{
    for (size_t i = 0; i < sizeof op_names / sizeof op_names[0]; i++)
        if (strcmp(s, op_names[i]) == 0) return (int)i;
    return -1;
}

/* ---- lexical rules ---- */

static bool action_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == ':' || c == '-';
}

static bool action_chars(const char *s, size_t n, size_t min)
{
    if (n < min || n > AUTHZ_NAME_MAX) return false;
    for (size_t i = 0; i < n; i++)
        if (!action_char(s[i])) return false;
    return true;
}

bool authz_action_name_valid(const char *s)
{
    return action_chars(s, strlen(s), 1);
}

bool authz_action_pattern_valid(const char *s)
{
    size_t n = strlen(s);
    if (n > 0 && s[n - 1] == '*') return action_chars(s, n - 1, 0);
    return action_chars(s, n, 1);
}

static bool resource_id_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '-';
}

bool authz_resource_valid(const char *s)
{
    static const char *const types[] = {"service:", "package:", "table:", "column:"};
    size_t next_type = 0, segments = 0;
    const char *p = s;
    for (;;) {
        size_t t = next_type;
        while (t < 4 && strncmp(p, types[t], strlen(types[t])) != 0)
            t++;
        if (t == 4) return false;
        p += strlen(types[t]);
        size_t n = 0;
        while (resource_id_char(p[n]))
            n++;
        if (n < 1 || n > AUTHZ_NAME_MAX) return false;
        p += n;
        segments++;
        next_type = t + 1;
        if (*p == '\0') return segments <= 4;
        if (*p != '/') return false;
        p++;
    }
}

/* snprintf for paths and messages, which are cut at the buffer size. */
__attribute__((format(printf, 3, 4))) static void path_fmt(char *buf, size_t n, const char *fmt,
                                                           ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, n, fmt, ap);
    va_end(ap);
}

/* ---- pass 1: JSON shape (422) ---- */

static int shape_err(err *e, const char *path, const char *kind)
{
    return err_set(e, ERR_VALIDATION, "field '%s' must be %s", path, kind);
}

/* Fetches a required (missing -> 422) or optional (absent or null -> *out NULL) member. */
static int member(const json_t *obj, const char *key, const char *path, bool required, json_t **out,
                  err *e)
{
    json_t *v = json_object_get(obj, key);
    if (!v && required) return err_set(e, ERR_VALIDATION, "missing field '%s'", path);
    if (v && json_is_null(v) && !required) v = NULL;
    *out = v;
    return 0;
}

static int shape_strings(const json_t *obj, const char *key, const char *base, err *e)
{
    char path[256];
    path_fmt(path, sizeof path, "%s.%s", base, key);
    json_t *v;
    if (member(obj, key, path, true, &v, e) < 0) return -1;
    if (!json_is_array(v)) return shape_err(e, path, "an array of strings");
    size_t i;
    json_t *x;
    json_array_foreach(v, i, x)
    {
        if (!json_is_string(x)) return shape_err(e, path, "an array of strings");
    }
    return 0;
}

static int shape_condition(const json_t *c, const char *path, err *e)
{
    char p[256];
    json_t *v;
    if (!json_is_object(c)) return shape_err(e, path, "an object");
    path_fmt(p, sizeof p, "%s.attribute", path);
    if (member(c, "attribute", p, true, &v, e) < 0) return -1;
    if (!json_is_string(v)) return shape_err(e, p, "a string");
    path_fmt(p, sizeof p, "%s.operator", path);
    if (member(c, "operator", p, true, &v, e) < 0) return -1;
    if (!json_is_string(v)) return shape_err(e, p, "a string");
    path_fmt(p, sizeof p, "%s.value", path);
    return member(c, "value", p, true, &v, e);
}

static int shape_statement(const json_t *s, const char *path, err *e)
{
    char p[256];
    json_t *v;
    if (!json_is_object(s)) return shape_err(e, path, "an object");
    path_fmt(p, sizeof p, "%s.sid", path);
    if (member(s, "sid", p, false, &v, e) < 0) return -1;
    if (v && !json_is_string(v)) return shape_err(e, p, "a string");
    path_fmt(p, sizeof p, "%s.effect", path);
    if (member(s, "effect", p, true, &v, e) < 0) return -1;
    if (!json_is_string(v)) return shape_err(e, p, "a string");
    if (shape_strings(s, "principals", path, e) < 0 || shape_strings(s, "actions", path, e) < 0 ||
        shape_strings(s, "resources", path, e) < 0)
        return -1;
    path_fmt(p, sizeof p, "%s.conditions", path);
    if (member(s, "conditions", p, false, &v, e) < 0) return -1;
    if (!v) return 0;
    if (!json_is_array(v)) return shape_err(e, p, "an array");
    size_t i;
    json_t *c;
    json_array_foreach(v, i, c)
    {
        char cp[256];
        path_fmt(cp, sizeof cp, "%s[%zu]", p, i);
        if (shape_condition(c, cp, e) < 0) return -1;
    }
    return 0;
}

static int check_shape(const json_t *doc, const char *field, err *e)
{
    char p[256];
    json_t *v;
    if (!json_is_object(doc)) return shape_err(e, field, "an object");
    path_fmt(p, sizeof p, "%s.version", field);
    if (member(doc, "version", p, true, &v, e) < 0) return -1;
    if (!json_is_string(v)) return shape_err(e, p, "a string");
    path_fmt(p, sizeof p, "%s.statements", field);
    if (member(doc, "statements", p, true, &v, e) < 0) return -1;
    if (!json_is_array(v)) return shape_err(e, p, "an array");
    size_t i;
    json_t *s;
    json_array_foreach(v, i, s)
    {
        char sp[256];
        path_fmt(sp, sizeof sp, "%s[%zu]", p, i);
        if (shape_statement(s, sp, e) < 0) return -1;
    }
    return 0;
}

/* ---- pass 2: rules (400), building the stored form ---- */

__attribute__((format(printf, 3, 4))) static int rule_err(err *e, const char *path, const char *fmt,
                                                          ...)
{
    char problem[ERR_DETAIL_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(problem, sizeof problem, fmt, ap);
    va_end(ap);
    return err_set(e, ERR_BAD_REQUEST, "Invalid permission document: %s: %s", path, problem);
}

static int check_principal(const char *p, err *e)
{
    if (strcmp(p, "*") == 0) return 0;
    const char *colon = strchr(p, ':');
    if (!colon) return err_set(e, ERR_BAD_REQUEST, "Invalid principal format: %s", p);
    size_t n = (size_t)(colon - p);
    if ((n == 4 && memcmp(p, "role", 4) == 0) || (n == 4 && memcmp(p, "user", 4) == 0) ||
        (n == 5 && memcmp(p, "group", 5) == 0))
        return 0;
    return err_set(e, ERR_BAD_REQUEST, "Unknown principal prefix: %.*s", (int)n, p);
}

static bool is_ident(const char *s, size_t n)
{
    if (n == 0 || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') || s[0] == '_'))
        return false;
    for (size_t i = 1; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
              (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
            return false;
    return true;
}

static bool is_reserved(const char *s, size_t n)
{
    static const char *const words[] = {"true", "false", "if",   "then", "else",
                                        "in",   "is",    "like", "has"};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (strlen(words[i]) == n && memcmp(words[i], s, n) == 0) return true;
    return n >= 7 && memcmp(s, "__cedar", 7) == 0;
}

static const char *const principal_attrs[] = {"email",      "username", "status", "mfaEnabled",
                                              "identityId", "roles",    "groups"};

static int check_attribute(const char *a, const char *path, err *e)
{
    if (strncmp(a, "principal.", 10) == 0) {
        for (size_t i = 0; i < sizeof principal_attrs / sizeof principal_attrs[0]; i++)
            if (strcmp(a + 10, principal_attrs[i]) == 0) return 0;
        return rule_err(e, path, "unknown principal attribute '%s'", a + 10);
    }
    if (strncmp(a, "context.", 8) != 0)
        return rule_err(e, path, "%s", "must be context.<path> or principal.<name>");
    const char *seg = a + 8;
    for (;;) {
        size_t n = strcspn(seg, ".");
        if (!is_ident(seg, n)) return rule_err(e, path, "invalid attribute path '%s'", a);
        if (is_reserved(seg, n)) {
            char w[256];
            path_fmt(w, sizeof w, "%.*s", (int)n, seg);
            return rule_err(e, path, "reserved word '%s' in attribute", w);
        }
        if (seg[n] == '\0') return 0;
        seg += n + 1;
    }
}

static bool is_scalar(const json_t *v)
{
    return json_is_string(v) || json_is_integer(v) || json_is_boolean(v);
}

static bool is_scalar_array(const json_t *v)
{
    if (!json_is_array(v)) return false;
    size_t i;
    json_t *x;
    json_array_foreach(v, i, x)
    {
        if (!is_scalar(x)) return false;
    }
    return true;
}

static int check_value(authz_op op, const json_t *v, const char *path, err *e)
{
    switch (op) {
    case AUTHZ_OP_EQ:
    case AUTHZ_OP_NEQ:
        if (is_scalar(v) || is_scalar_array(v)) return 0;
        return rule_err(e, path, "%s",
                        "must be a string, an integer, a boolean or an array of these");
    case AUTHZ_OP_GT:
    case AUTHZ_OP_GTE:
    case AUTHZ_OP_LT:
    case AUTHZ_OP_LTE:
        return json_is_integer(v) ? 0 : rule_err(e, path, "%s", "must be an integer");
    case AUTHZ_OP_IN:
        return is_scalar_array(v)
                   ? 0
                   : rule_err(e, path, "%s", "must be an array of strings, integers or booleans");
    case AUTHZ_OP_CONTAINS:
        return is_scalar(v) ? 0
                            : rule_err(e, path, "%s", "must be a string, an integer or a boolean");
    case AUTHZ_OP_STARTS_WITH:
        return json_is_string(v) ? 0 : rule_err(e, path, "%s", "must be a string");
    case AUTHZ_OP_EXISTS:
        return json_is_boolean(v) ? 0 : rule_err(e, path, "%s", "must be a boolean");
    }
    return rule_err(e, path, "%s", "unknown operator");
}

/* Validates one condition and returns its stored copy (new reference). */
static json_t *rule_condition(const json_t *c, const char *path, err *e)
{
    char p[256];
    const char *attr = json_string_value(json_object_get(c, "attribute"));
    const char *opname = json_string_value(json_object_get(c, "operator"));
    json_t *value = json_object_get(c, "value");
    path_fmt(p, sizeof p, "%s.attribute", path);
    if (check_attribute(attr, p, e) < 0) return NULL;
    path_fmt(p, sizeof p, "%s.operator", path);
    int op = authz_op_parse(opname);
    if (op < 0) {
        rule_err(e, p, "unknown operator '%s'", opname);
        return NULL;
    }
    path_fmt(p, sizeof p, "%s.value", path);
    if (check_value((authz_op)op, value, p, e) < 0) return NULL;
    return json_pack("{s:s, s:s, s:O}", "attribute", attr, "operator", opname, "value", value);
}

static int rule_list(const json_t *s, const char *key, size_t si, err *e)
{
    const json_t *list = json_object_get(s, key);
    size_t i;
    json_t *x;
    json_array_foreach(list, i, x)
    {
        const char *v = json_string_value(x);
        char p[256];
        path_fmt(p, sizeof p, "statements[%zu].%s[%zu]", si, key, i);
        if (strcmp(key, "principals") == 0) {
            if (check_principal(v, e) < 0) return -1;
        } else if (strcmp(key, "actions") == 0) {
            if (!authz_action_pattern_valid(v)) return rule_err(e, p, "invalid action '%s'", v);
        } else if (strcmp(v, "*") != 0 && !authz_resource_valid(v)) {
            return rule_err(e, p, "invalid resource '%s'", v);
        }
    }
    return 0;
}

static const char *rule_effect(const json_t *s)
{
    const char *eff = json_string_value(json_object_get(s, "effect"));
    if (strcasecmp(eff, "allow") == 0) return "Allow";
    if (strcasecmp(eff, "deny") == 0) return "Deny";
    return NULL;
}

/* Validates statement si and returns its stored form with principals still
 * as sent (new reference), or NULL. */
static json_t *rule_statement(const json_t *s, size_t si, const json_t *stored_so_far, err *e)
{
    char p[256], sidbuf[32];
    const char *sid = json_string_value(json_object_get(s, "sid"));
    path_fmt(p, sizeof p, "statements[%zu].sid", si);
    if (sid) {
        size_t n = utf8_length(sid);
        if (n < 1 || n > 128) return rule_err(e, p, "%s", "must be 1-128 characters"), NULL;
    } else {
        path_fmt(sidbuf, sizeof sidbuf, "Statement%zu", si + 1);
        sid = sidbuf;
    }
    size_t i;
    json_t *prev;
    json_array_foreach(stored_so_far, i, prev)
    {
        if (strcmp(json_string_value(json_object_get(prev, "sid")), sid) == 0)
            return rule_err(e, p, "duplicate sid '%s'", sid), NULL;
    }
    const char *effect = rule_effect(s);
    if (!effect) {
        path_fmt(p, sizeof p, "statements[%zu].effect", si);
        return rule_err(e, p, "%s", "must be Allow or Deny"), NULL;
    }
    if (rule_list(s, "principals", si, e) < 0 || rule_list(s, "actions", si, e) < 0 ||
        rule_list(s, "resources", si, e) < 0)
        return NULL;
    json_t *conds = json_array();
    const json_t *in = json_object_get(s, "conditions");
    json_t *c;
    json_array_foreach(in, i, c)
    {
        path_fmt(p, sizeof p, "statements[%zu].conditions[%zu]", si, i);
        json_t *sc = rule_condition(c, p, e);
        if (!sc) {
            json_decref(conds);
            return NULL;
        }
        json_array_append_new(conds, sc);
    }
    return json_pack("{s:s, s:s, s:O, s:O, s:O, s:o}", "sid", sid, "effect", effect, "principals",
                     json_object_get(s, "principals"), "actions", json_object_get(s, "actions"),
                     "resources", json_object_get(s, "resources"), "conditions", conds);
}

/* ---- pass 3: principal resolution ---- */

static int resolve_principal(const char *p, const authz_resolver *r, json_t **out, err *e)
{
    if (strcmp(p, "*") == 0) {
        *out = json_string("*");
        return 0;
    }
    const char *colon = strchr(p, ':');
    const char *ref = colon + 1;
    size_t n = (size_t)(colon - p);
    authz_lookup_fn fn = n == 5 ? r->group : p[0] == 'r' ? r->role : r->user;
    const char *what = n == 5 ? "Group" : p[0] == 'r' ? "Role" : "User";
    char id[AUTHZ_ID_MAX] = "";
    int found = fn(r->ctx, ref, id, e);
    if (found < 0) return -1;
    if (found == 0) return err_set(e, ERR_BAD_REQUEST, "%s not found: %s", what, ref);
    char buf[AUTHZ_ID_MAX + 8];
    path_fmt(buf, sizeof buf, "%.*s:%s", (int)n, p, id);
    *out = json_string(buf);
    return 0;
}

static int resolve_all(json_t *statements, const authz_resolver *r, err *e)
{
    size_t i, j;
    json_t *s, *p;
    json_array_foreach(statements, i, s)
    {
        json_t *resolved = json_array();
        json_array_foreach(json_object_get(s, "principals"), j, p)
        {
            json_t *v = NULL;
            if (resolve_principal(json_string_value(p), r, &v, e) < 0) {
                json_decref(resolved);
                return -1;
            }
            json_array_append_new(resolved, v);
        }
        json_object_set_new(s, "principals", resolved);
    }
    return 0;
}

json_t *authz_document_parse(const json_t *doc, const char *field, const authz_resolver *r, err *e)
{
    if (check_shape(doc, field, e) < 0) return NULL;
    json_t *stored = json_array();
    size_t i;
    json_t *s;
    json_array_foreach(json_object_get(doc, "statements"), i, s)
    {
        json_t *st = rule_statement(s, i, stored, e);
        if (!st) {
            json_decref(stored);
            return NULL;
        }
        json_array_append_new(stored, st);
    }
    if (resolve_all(stored, r, e) < 0) {
        json_decref(stored);
        return NULL;
    }
    return json_pack("{s:O, s:o}", "version", json_object_get(doc, "version"), "statements",
                     stored);
}

/* ---- stored -> wire ---- */

static json_t *render_principal(const char *p, const authz_names *names)
{
    const char *uid = NULL;
    if (strncmp(p, "role:", 5) == 0)
        uid = names->role_uid(names->ctx, p + 5);
    else if (strncmp(p, "group:", 6) == 0)
        uid = names->group_uid(names->ctx, p + 6);
    else
        return json_string(p);
    if (!uid) return NULL;
    strbuf sb = STRBUF_INIT;
    sb_append_n(&sb, p, (size_t)(strchr(p, ':') - p + 1));
    sb_append(&sb, uid);
    json_t *out = json_string(sb_str(&sb));
    sb_free(&sb);
    return out;
}

json_t *authz_document_render(const json_t *stored, const authz_names *names)
{
    json_t *out = json_deep_copy(stored);
    size_t i, j;
    json_t *s, *p;
    json_array_foreach(json_object_get(out, "statements"), i, s)
    {
        json_t *list = json_array();
        json_array_foreach(json_object_get(s, "principals"), j, p)
        {
            json_t *w = render_principal(json_string_value(p), names);
            if (w) json_array_append_new(list, w);
        }
        json_object_set_new(s, "principals", list);
    }
    return out;
}

size_t authz_document_drop_principal(json_t *stored, const char *stored_principal)
{
    size_t removed = 0, i;
    json_t *s;
    json_array_foreach(json_object_get(stored, "statements"), i, s)
    {
        json_t *list = json_object_get(s, "principals");
        for (size_t j = json_array_size(list); j-- > 0;) {
            const char *p = json_string_value(json_array_get(list, j));
            if (p && strcmp(p, stored_principal) == 0) {
                json_array_remove(list, j);
                removed++;
            }
        }
    }
    return removed;
}
