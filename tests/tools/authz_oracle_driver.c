/* authz_oracle_driver.c - the authrs side of the differential test against
 * Cedar (tests/authz-diff). Reads one JSON case per line on stdin:
 *
 *   {"tenant":{"roles":[{"id","name","uid","parentId"}],
 *              "groups":[{"id","uid","roleIds":[..],"memberIds":[..]}],
 *              "users":[{"id","identityId","email","username","status","mfaEnabled","roleIds":[..]}],
 *              "permissions":[{"id","name","document":<wire document>,"roleIds":[..]}]},
 *    "requests":[{"userId","action","resource","context"}]}
 *
 * and writes one JSON line per case: {"ok":true,"cedar":<policy text of every
 * permission>,"documents":[<stored form rendered back to the wire form>],
 * "results":[{"allowed":bool,"matched":[..],"entities":[..]}]}, or
 * {"ok":false,"status":<http status>,"message":<detail>} when a document is
 * refused. It plays the part the store and the check route will play in the
 * server: principal resolution, effective roles, principal attributes.
 *
 * `authz_oracle_driver --bench SECONDS` reads one case and instead measures
 * in-process decisions per second over its requests (principal preparation
 * and check, with the member data loaded beforehand), printing
 * {"decisions":n,"seconds":s,"perSecond":x,"allowed":k}. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "authz/cedar.h"
#include "authz/document.h"
#include "authz/engine.h"
#include "util/strbuf.h"
#include "util/timeutil.h"

static const char *str(const json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

static const json_t *find_by(const json_t *list, const char *key, const char *v, bool nocase)
{
    size_t i;
    json_t *x;
    json_array_foreach(list, i, x)
    {
        const char *s = str(x, key);
        if (s && (nocase ? strcasecmp(s, v) : strcmp(s, v)) == 0) return x;
    }
    return NULL;
}

static int found(const json_t *x, char out[AUTHZ_ID_MAX])
{
    if (!x) return 0;
    snprintf(out, AUTHZ_ID_MAX, "%s", str(x, "id"));
    return 1;
}

static int lookup_role(void *ctx, const char *ref, char out[AUTHZ_ID_MAX], err *e)
{
    (void)e;
    const json_t *roles = json_object_get(ctx, "roles");
    const json_t *r = find_by(roles, "uid", ref, false);
    return found(r ? r : find_by(roles, "name", ref, false), out);
}

static int lookup_user(void *ctx, const char *ref, char out[AUTHZ_ID_MAX], err *e)
{
    (void)e;
    const json_t *users = json_object_get(ctx, "users");
    const json_t *u = find_by(users, "id", ref, false);
    if (!u) u = find_by(users, "email", ref, true);
    return found(u ? u : find_by(users, "username", ref, false), out);
}

static int lookup_group(void *ctx, const char *ref, char out[AUTHZ_ID_MAX], err *e)
{
    (void)e;
    return found(find_by(json_object_get(ctx, "groups"), "uid", ref, false), out);
}

static const char *uid_of(const json_t *list, const char *id)
{
    const json_t *x = find_by(list, "id", id, false);
    return x ? str(x, "uid") : NULL;
}

static const char *role_uid(void *ctx, const char *id)
{
    return uid_of(json_object_get(ctx, "roles"), id);
}

static const char *group_uid(void *ctx, const char *id)
{
    return uid_of(json_object_get(ctx, "groups"), id);
}

static bool has_string(const json_t *arr, const char *s)
{
    size_t i;
    json_t *x;
    json_array_foreach(arr, i, x) if (strcmp(json_string_value(x), s) == 0) return true;
    return false;
}

/* Adds role id and its ancestors to the set `out` (array of ids). */
static void add_with_ancestors(const json_t *roles, const char *id, json_t *out)
{
    for (int guard = 0; id && guard < 1000 && !has_string(out, id); guard++) {
        json_array_append_new(out, json_string(id));
        id = str(find_by(roles, "id", id, false), "parentId");
    }
}

typedef struct member {
    const json_t *user;
    json_t *role_ids;  /* effective */
    json_t *group_ids; /* member of */
    json_t *attrs;
} member;

static void member_load(member *m, const json_t *tenant, const json_t *user)
{
    const json_t *roles = json_object_get(tenant, "roles");
    m->user = user;
    m->role_ids = json_array();
    m->group_ids = json_array();
    size_t i;
    json_t *x, *g;
    json_array_foreach(json_object_get(user, "roleIds"), i, x)
        add_with_ancestors(roles, json_string_value(x), m->role_ids);
    json_array_foreach(json_object_get(tenant, "groups"), i, g)
    {
        if (!has_string(json_object_get(g, "memberIds"), str(user, "id"))) continue;
        json_array_append_new(m->group_ids, json_string(str(g, "id")));
        size_t j;
        json_array_foreach(json_object_get(g, "roleIds"), j, x)
            add_with_ancestors(roles, json_string_value(x), m->role_ids);
    }
    json_t *ruids = json_array(), *guids = json_array();
    json_array_foreach(m->role_ids, i, x)
        json_array_append_new(ruids, json_string(uid_of(roles, json_string_value(x))));
    json_array_foreach(m->group_ids, i, x) json_array_append_new(
        guids, json_string(uid_of(json_object_get(tenant, "groups"), json_string_value(x))));
    m->attrs = json_pack("{s:s, s:b, s:s, s:o, s:o}", "status", str(user, "status"), "mfaEnabled",
                         json_is_true(json_object_get(user, "mfaEnabled")), "identityId",
                         str(user, "identityId"), "roles", ruids, "groups", guids);
    if (str(user, "email")) json_object_set_new(m->attrs, "email", json_string(str(user, "email")));
    if (str(user, "username"))
        json_object_set_new(m->attrs, "username", json_string(str(user, "username")));
}

static void member_free(member *m)
{
    json_decref(m->role_ids);
    json_decref(m->group_ids);
    json_decref(m->attrs);
}

/* Borrowed C string views of a JSON array of strings (freed by the caller). */
static const char **strings(const json_t *arr)
{
    const char **out = calloc(json_array_size(arr) + 1, sizeof *out);
    for (size_t i = 0; i < json_array_size(arr); i++)
        out[i] = json_string_value(json_array_get(arr, i));
    return out;
}

static json_t *entities_for(const json_t *tenant, const member *m, const json_t *req)
{
    const json_t *roles = json_object_get(tenant, "roles");
    const json_t *groups = json_object_get(tenant, "groups");
    size_t nr = json_array_size(roles), ng = json_array_size(m->group_ids), i;
    authz_cedar_role *cr = calloc(nr + 1, sizeof *cr);
    for (i = 0; i < nr; i++) {
        const json_t *r = json_array_get(roles, i);
        cr[i].uid = str(r, "uid");
        cr[i].parent_uid = str(r, "parentId") ? uid_of(roles, str(r, "parentId")) : NULL;
    }
    authz_cedar_group *cg = calloc(ng + 1, sizeof *cg);
    json_t *keep = json_array();
    for (i = 0; i < ng; i++) {
        const json_t *g =
            find_by(groups, "id", json_string_value(json_array_get(m->group_ids, i)), false);
        json_t *ruids = json_array();
        size_t j;
        json_t *x;
        json_array_foreach(json_object_get(g, "roleIds"), j, x)
            json_array_append_new(ruids, json_string(uid_of(roles, json_string_value(x))));
        json_array_append_new(keep, ruids);
        cg[i].uid = str(g, "uid");
        cg[i].role_uids = strings(ruids);
        cg[i].n_role_uids = json_array_size(ruids);
    }
    json_t *direct = json_array();
    json_t *x;
    json_array_foreach(json_object_get(m->user, "roleIds"), i, x)
        json_array_append_new(direct, json_string(uid_of(roles, json_string_value(x))));
    const char **direct_s = strings(direct);
    authz_cedar_request cq = {
        str(m->user, "id"), direct_s,           json_array_size(direct), cg, ng, cr, nr,
        m->attrs,           str(req, "action"), str(req, "resource")};
    json_t *out = authz_cedar_entities(&cq);
    for (i = 0; i < ng; i++)
        free((void *)cg[i].role_uids);
    free(cg);
    free(cr);
    free(direct_s);
    json_decref(direct);
    json_decref(keep);
    return out;
}

static json_t *matches_json(const authz_matches *m)
{
    json_t *out = json_array();
    for (size_t i = 0; i < m->len; i++)
        json_array_append_new(out, json_pack("{s:s, s:s, s:s, s:s}", "permissionId",
                                             m->items[i].permission_id, "permission",
                                             m->items[i].permission, "sid", m->items[i].sid,
                                             "effect", m->items[i].allow ? "Allow" : "Deny"));
    return out;
}

static json_t *decide(const authz_policy *pol, const json_t *tenant, const json_t *req)
{
    const json_t *user = find_by(json_object_get(tenant, "users"), "id", str(req, "userId"), false);
    if (!user) return json_pack("{s:s}", "error", "User not found");
    member m;
    member_load(&m, tenant, user);
    const char **rids = strings(m.role_ids), **gids = strings(m.group_ids);
    authz_subject s = {
        str(user, "id"), rids, json_array_size(m.role_ids), gids, json_array_size(m.group_ids),
        m.attrs};
    authz_principal pr;
    authz_principal_init(&pr, pol, &s);
    authz_matches ex = {0};
    const json_t *ctx = json_object_get(req, "context");
    bool allowed = authz_check(&pr, str(req, "action"), str(req, "resource"), ctx, &ex);
    bool quick = authz_check(&pr, str(req, "action"), str(req, "resource"), ctx, NULL);
    json_t *out = json_pack("{s:b, s:b, s:o, s:o}", "allowed", allowed, "quick", quick, "matched",
                            matches_json(&ex), "entities", entities_for(tenant, &m, req));
    authz_matches_free(&ex);
    authz_principal_free(&pr);
    free(rids);
    free(gids);
    member_free(&m);
    return out;
}

typedef struct compiled {
    authz_permission *perms;
    json_t *stored; /* array of stored documents */
    const char ***role_ids;
    size_t n;
} compiled;

static json_t *refuse(const err *e)
{
    return json_pack("{s:b, s:i, s:s}", "ok", 0, "status", err_status(e->kind), "message",
                     e->detail);
}

/* Parses and compiles a case's permissions, appending their Cedar text to
 * cedar and their rendered documents to docs. Returns the policy, or NULL
 * with *refusal set. */
static authz_policy *load_case(const json_t *tenant, strbuf *cedar, json_t *docs, json_t **refusal)
{
    const json_t *perms = json_object_get(tenant, "permissions");
    authz_resolver res = {(void *)tenant, lookup_role, lookup_user, lookup_group};
    authz_names names = {(void *)tenant, role_uid, group_uid};
    size_t n = json_array_size(perms), i;
    authz_permission *ap = calloc(n + 1, sizeof *ap);
    json_t *stored = json_array(), *out = NULL;
    err e = {0};
    for (i = 0; i < n && !out; i++) {
        const json_t *p = json_array_get(perms, i);
        json_t *doc = authz_document_parse(json_object_get(p, "document"), "document", &res, &e);
        if (!doc) {
            out = refuse(&e);
            break;
        }
        json_array_append_new(stored, doc);
        json_array_append_new(docs, authz_document_render(doc, &names));
        const json_t *rids = json_object_get(p, "roleIds");
        ap[i] = (authz_permission){str(p, "id"), str(p, "name"), doc, strings(rids),
                                   json_array_size(rids)};
        json_t *ruids = json_array();
        size_t j;
        json_t *x;
        json_array_foreach(rids, j, x) json_array_append_new(
            ruids, json_string(role_uid((void *)tenant, json_string_value(x))));
        const char **ru = strings(ruids);
        authz_cedar_permission(cedar, str(p, "name"), doc, ru, json_array_size(ruids), &names);
        free(ru);
        json_decref(ruids);
    }
    authz_policy *pol = out ? NULL : authz_compile(ap, n, &e);
    if (!out && !pol) out = refuse(&e);
    for (i = 0; i < n; i++)
        free((void *)ap[i].role_ids);
    free(ap);
    json_decref(stored);
    *refusal = out;
    return pol;
}

static json_t *run_case(const json_t *c)
{
    const json_t *tenant = json_object_get(c, "tenant");
    strbuf cedar = STRBUF_INIT;
    json_t *docs = json_array(), *out = NULL;
    authz_policy *pol = load_case(tenant, &cedar, docs, &out);
    if (pol) {
        json_t *results = json_array(), *req;
        size_t i;
        json_array_foreach(json_object_get(c, "requests"), i, req)
            json_array_append_new(results, decide(pol, tenant, req));
        out = json_pack("{s:b, s:s, s:O, s:o}", "ok", 1, "cedar", sb_str(&cedar), "documents", docs,
                        "results", results);
    }
    authz_policy_unref(pol);
    json_decref(docs);
    sb_free(&cedar);
    return out;
}

/* One request of the bench, with its member loaded. */
typedef struct bench_req {
    member m;
    const char **rids, **gids;
    authz_subject s;
    const json_t *req;
} bench_req;

static json_t *bench(const json_t *c, double seconds)
{
    const json_t *tenant = json_object_get(c, "tenant");
    strbuf cedar = STRBUF_INIT;
    json_t *docs = json_array(), *out = NULL;
    authz_policy *pol = load_case(tenant, &cedar, docs, &out);
    const json_t *reqs = json_object_get(c, "requests");
    size_t n = json_array_size(reqs), i;
    bench_req *br = calloc(n + 1, sizeof *br);
    for (i = 0; pol && i < n; i++) {
        br[i].req = json_array_get(reqs, i);
        const json_t *u =
            find_by(json_object_get(tenant, "users"), "id", str(br[i].req, "userId"), false);
        member_load(&br[i].m, tenant, u);
        br[i].rids = strings(br[i].m.role_ids);
        br[i].gids = strings(br[i].m.group_ids);
        br[i].s = (authz_subject){str(u, "id"),
                                  br[i].rids,
                                  json_array_size(br[i].m.role_ids),
                                  br[i].gids,
                                  json_array_size(br[i].m.group_ids),
                                  br[i].m.attrs};
    }
    long decisions = 0, allowed = 0;
    int64_t start = monotonic_us(), end = start + (int64_t)(seconds * 1e6), now = start;
    while (pol && n && now < end) {
        for (i = 0; i < n; i++, decisions++) {
            authz_principal pr;
            authz_principal_init(&pr, pol, &br[i].s);
            allowed += authz_check(&pr, str(br[i].req, "action"), str(br[i].req, "resource"),
                                   json_object_get(br[i].req, "context"), NULL);
            authz_principal_free(&pr);
        }
        now = monotonic_us();
    }
    double secs = (double)(now - start) / 1e6;
    if (pol)
        out = json_pack("{s:I, s:f, s:f, s:I}", "decisions", (json_int_t)decisions, "seconds", secs,
                        "perSecond", secs > 0 ? (double)decisions / secs : 0.0, "allowed",
                        (json_int_t)allowed);
    for (i = 0; pol && i < n; i++) {
        free(br[i].rids);
        free(br[i].gids);
        member_free(&br[i].m);
    }
    free(br);
    authz_policy_unref(pol);
    json_decref(docs);
    sb_free(&cedar);
    return out;
}

int main(int argc, char **argv)
{
    double bench_seconds = argc == 3 && strcmp(argv[1], "--bench") == 0 ? atof(argv[2]) : 0;
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    while ((len = getline(&line, &cap, stdin)) > 0) {
        json_error_t je;
        json_t *c = json_loadb(line, (size_t)len, 0, &je);
        json_t *out = !c              ? json_pack("{s:b, s:s}", "ok", 0, "message", je.text)
                      : bench_seconds ? bench(c, bench_seconds)
                                      : run_case(c);
        char *text = json_dumps(out, JSON_COMPACT);
        puts(text);
        fflush(stdout);
        free(text);
        json_decref(out);
        json_decref(c);
    }
    free(line);
    return 0;
}
