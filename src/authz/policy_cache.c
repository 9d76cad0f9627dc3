/* policy_cache.c - per-tenant compiled authorization state (see policy_cache.h). */
#include "authz/policy_cache.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/session.h"
#include "store/store.h"
#include "store/users_admin.h"

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static tenant_authz *cache_head; /* one entry per tenant, guarded by cache_lock */

static void tenant_authz_free(tenant_authz *t)
{
    authz_policy_unref(t->policy);
    arena_free(t->a);
    free(t);
}

void tenant_authz_release(tenant_authz *t)
{
    if (!t) return;
    pthread_mutex_lock(&cache_lock);
    bool last = --t->refs == 0;
    pthread_mutex_unlock(&cache_lock);
    if (last) tenant_authz_free(t);
}

static tenant_authz *build(db_conn *c, const char *tenant_id, int64_t version, err *e)
{
    tenant_authz *t = calloc(1, sizeof *t);
    snprintf(t->tenant_id, sizeof t->tenant_id, "%s", tenant_id);
    t->version = version;
    t->a = arena_new(16384);
    t->refs = 1;
    if (authz_data_load(c, t->a, tenant_id, &t->data, e)) {
        tenant_authz_free(t);
        return NULL;
    }
    size_t n = t->data.n_perms;
    authz_permission *perms = calloc(n + 1, sizeof *perms);
    json_t **docs = calloc(n + 1, sizeof *docs);
    for (size_t i = 0; i < n; i++) {
        const authz_data_perm *p = &t->data.perms[i];
        docs[i] = json_loads(p->document, 0, NULL);
        perms[i] = (authz_permission){p->id, p->name, docs[i], p->role_ids, p->n_role_ids};
    }
    t->policy = authz_compile(perms, n, e);
    for (size_t i = 0; i < n; i++)
        json_decref(docs[i]);
    free(docs);
    free(perms);
    if (!t->policy) {
        tenant_authz_free(t);
        return NULL;
    }
    return t;
}

int tenant_authz_get(db_conn *c, const char *tenant_id, tenant_authz **out, err *e)
{
    int64_t version = store_authz_stamp(c, tenant_id, e);
    if (version < 0) return -1;
    pthread_mutex_lock(&cache_lock);
    for (tenant_authz *t = cache_head; t; t = t->next) {
        if (strcmp(t->tenant_id, tenant_id) == 0 && t->version == version) {
            t->refs++;
            *out = t;
            pthread_mutex_unlock(&cache_lock);
            return 0;
        }
    }
    pthread_mutex_unlock(&cache_lock);
    tenant_authz *fresh = build(c, tenant_id, version, e);
    if (!fresh) return -1;
    tenant_authz *old = NULL;
    pthread_mutex_lock(&cache_lock);
    for (tenant_authz **pp = &cache_head; *pp; pp = &(*pp)->next) {
        if (strcmp((*pp)->tenant_id, tenant_id) == 0) {
            old = *pp;
            *pp = old->next;
            break;
        }
    }
    fresh->refs++; /* the cache's reference */
    fresh->next = cache_head;
    cache_head = fresh;
    bool free_old = old && --old->refs == 0;
    pthread_mutex_unlock(&cache_lock);
    if (free_old) tenant_authz_free(old);
    *out = fresh;
    return 0;
}

static int by_id(const void *key, const void *elem)
{
    return strcmp(key, *(const char *const *)elem);
}

static const authz_data_role *find_role(const tenant_authz *t, const char *id)
{
    return bsearch(id, t->data.roles, t->data.n_roles, sizeof *t->data.roles, by_id);
}

static const authz_data_group *find_group(const tenant_authz *t, const char *id)
{
    return bsearch(id, t->data.groups, t->data.n_groups, sizeof *t->data.groups, by_id);
}

const char *tenant_authz_role_uid(void *t, const char *role_id)
{
    const authz_data_role *r = find_role(t, role_id);
    return r ? r->uid : NULL;
}

const char *tenant_authz_group_uid(void *t, const char *group_id)
{
    const authz_data_group *g = find_group(t, group_id);
    return g ? g->uid : NULL;
}

authz_names tenant_authz_names(tenant_authz *t)
{
    return (authz_names){t, tenant_authz_role_uid, tenant_authz_group_uid};
}

int authz_write_begin(db_conn *c, err *e)
{
    return db_begin(c, e);
}

int authz_changed(db_conn *c, const char *tenant_id, err *e)
{
    if (store_bump_authz_version(c, tenant_id, e)) return -1;
    return session_cache_changed(c, e);
}

int authz_write_commit(db_conn *c, const char *tenant_id, err *e)
{
    if (authz_changed(c, tenant_id, e) || db_commit(c, e)) {
        db_rollback(c);
        return -1;
    }
    session_cache_changed(c, e); /* again after commit: no stale reload survives */
    return 0;
}

/* ---- members ---- */

typedef struct idset {
    const char **v;
    size_t n, cap;
} idset;

static void idset_add(arena *a, idset *s, const char *id)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->v[i], id) == 0) return;
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 8;
        const char **v = arena_alloc(a, cap * sizeof *v);
        if (s->n) memcpy(v, s->v, s->n * sizeof *v);
        s->v = v;
        s->cap = cap;
    }
    s->v[s->n++] = id;
}

static void add_with_ancestors(arena *a, const tenant_authz *t, idset *roles, const char *id)
{
    for (size_t guard = 0; id && guard <= t->data.n_roles; guard++) {
        const authz_data_role *r = find_role(t, id);
        if (!r) return;
        size_t before = roles->n;
        idset_add(a, roles, r->id);
        if (roles->n == before) return; /* already there, and so are its ancestors */
        id = r->parent_id;
    }
}

static json_t *uid_array(const idset *s, const char *(*uid)(void *, const char *), void *t)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < s->n; i++) {
        const char *u = uid(t, s->v[i]);
        if (u) json_array_append_new(arr, json_string(u));
    }
    return arr;
}

int authz_member_load(db_conn *c, arena *a, const tenant_authz *t, const char *member_id,
                      authz_member *out, err *e)
{
    memset(out, 0, sizeof *out);
    identity idn = {0};
    membership m = {0};
    int rc = admin_user_get(c, a, t->tenant_id, member_id, &idn, &m, e);
    if (rc != 1) return rc;
    member_links links;
    if (admin_member_links(c, a, member_id, &links, e)) return -1;
    idset roles = {0}, groups = {0};
    for (size_t i = 0; i < links.n_roles; i++)
        add_with_ancestors(a, t, &roles, links.role_ids[i]);
    for (size_t i = 0; i < links.n_groups; i++)
        if (find_group(t, links.group_ids[i]))
            idset_add(a, &groups, find_group(t, links.group_ids[i])->id);
    for (size_t i = 0; i < groups.n; i++) {
        const authz_data_group *g = find_group(t, groups.v[i]);
        for (size_t j = 0; j < g->n_role_ids; j++)
            add_with_ancestors(a, t, &roles, g->role_ids[j]);
    }
    out->id = arena_strdup(a, m.id);
    out->role_ids = roles.v;
    out->n_roles = roles.n;
    out->group_ids = groups.v;
    out->n_groups = groups.n;
    bool invited = strcmp(m.status, "invited") == 0;
    const char *email = invited ? m.shown_email : idn.email;
    json_t *attrs = json_pack("{s:s, s:b, s:s, s:o, s:o}", "status", m.status, "mfaEnabled",
                              idn.mfa_enabled, "identityId", idn.id, "roles",
                              uid_array(&roles, tenant_authz_role_uid, (void *)t), "groups",
                              uid_array(&groups, tenant_authz_group_uid, (void *)t));
    if (email) json_object_set_new(attrs, "email", json_string(email));
    if (m.username) json_object_set_new(attrs, "username", json_string(m.username));
    out->attrs = attrs;
    return 1;
}

void authz_member_free(authz_member *m)
{
    json_decref(m->attrs);
    m->attrs = NULL;
}
