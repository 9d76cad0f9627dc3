/* engine.c - compile and evaluate a tenant's permissions (see engine.h).
 *
 * The index: every statement gets a number in (permission name, statement
 * position) order. Each action pattern of a statement is filed under its
 * exact name, or under its prefix for "p*" ("*" is the empty prefix); a
 * request for action A looks up A among the exact names and each prefix of A
 * (one hash pass) among the prefixes, and evaluates only those statements.
 * Roles, groups and users are interned to small integers so that attachment
 * and principal tests are bit tests. All of it lives in the policy's arena.
 */
#include "authz/engine.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "authz/document.h"
#include "authz/symtab.h"
#include "util/arena.h"

typedef struct cond {
    authz_op op;
    bool principal;    /* principal.<name>, else context.<path> */
    const char **path; /* NUL-terminated segments */
    int npath;
    const json_t *value; /* inside policy->values */
} cond;

typedef struct stmt {
    int perm;
    bool deny;
    bool any_principal, any_resource;
    const char *sid;
    int *roles, *groups, *users;
    int nroles, ngroups, nusers;
    const char **res;
    size_t *reslen;
    int nres;
    cond *conds;
    int nconds;
} stmt;

typedef struct perm {
    const char *id, *name;
    int *roles;
    int nroles;
} perm;

/* A list of statement numbers per interned action key (CSR layout). */
typedef struct action_index {
    symtab keys;
    int *start; /* by key id, len+1 entries */
    int *stmts;
    size_t max_len; /* longest key */
} action_index;

struct authz_policy {
    atomic_int refs;
    arena *a;
    json_t *values; /* owned: copies of the condition values */
    perm *perms;
    int nperms;
    stmt *stmts;
    int nstmts;
    symtab roles, groups, users;
    action_index exact, prefix;
};

/* ---- compile ---- */

/* (key kind, key id, statement) triples gathered while compiling. */
typedef struct filing {
    int prefix, key, stmt;
} filing;

typedef struct builder {
    authz_policy *p;
    filing *files;
    size_t nfiles, capfiles;
    size_t capstmts;
} builder;

static int malformed(err *e, const char *name)
{
    return err_internal(e, "stored permission document of '%s' is malformed", name);
}

static bool strings_array(const json_t *a)
{
    if (!json_is_array(a)) return false;
    size_t i;
    json_t *x;
    json_array_foreach(a, i, x)
    {
        if (!json_is_string(x)) return false;
    }
    return true;
}

static void file_action(builder *b, const char *act, int st)
{
    size_t n = strlen(act);
    bool prefix = n > 0 && act[n - 1] == '*';
    action_index *ix = prefix ? &b->p->prefix : &b->p->exact;
    if (prefix) n--;
    if (n > ix->max_len) ix->max_len = n;
    if (b->nfiles == b->capfiles) {
        b->capfiles = b->capfiles ? b->capfiles * 2 : 256;
        b->files = realloc(b->files, b->capfiles * sizeof *b->files);
        if (!b->files) abort();
    }
    b->files[b->nfiles++] = (filing){prefix, symtab_intern(&ix->keys, act, n), st};
}

static int *intern_ids(arena *a, symtab *t, const char *const *ids, size_t n)
{
    int *out = arena_alloc(a, (n ? n : 1) * sizeof *out);
    for (size_t i = 0; i < n; i++)
        out[i] = symtab_intern(t, ids[i], strlen(ids[i]));
    return out;
}

static int compile_principals(authz_policy *p, stmt *st, const json_t *list)
{
    size_t n = json_array_size(list), i;
    st->roles = arena_alloc(p->a, (n + 1) * sizeof(int));
    st->groups = arena_alloc(p->a, (n + 1) * sizeof(int));
    st->users = arena_alloc(p->a, (n + 1) * sizeof(int));
    json_t *x;
    json_array_foreach(list, i, x)
    {
        const char *s = json_string_value(x);
        if (strcmp(s, "*") == 0)
            st->any_principal = true;
        else if (strncmp(s, "role:", 5) == 0)
            st->roles[st->nroles++] = symtab_intern(&p->roles, s + 5, strlen(s + 5));
        else if (strncmp(s, "group:", 6) == 0)
            st->groups[st->ngroups++] = symtab_intern(&p->groups, s + 6, strlen(s + 6));
        else if (strncmp(s, "user:", 5) == 0)
            st->users[st->nusers++] = symtab_intern(&p->users, s + 5, strlen(s + 5));
        else
            return -1;
    }
    return 0;
}

static void compile_resources(authz_policy *p, stmt *st, const json_t *list)
{
    size_t n = json_array_size(list), i;
    st->res = arena_alloc(p->a, (n + 1) * sizeof *st->res);
    st->reslen = arena_alloc(p->a, (n + 1) * sizeof *st->reslen);
    json_t *x;
    json_array_foreach(list, i, x)
    {
        const char *s = json_string_value(x);
        if (strcmp(s, "*") == 0) st->any_resource = true;
        st->res[st->nres] = arena_strdup(p->a, s);
        st->reslen[st->nres++] = strlen(s);
    }
}

static int compile_condition(authz_policy *p, cond *c, const json_t *src)
{
    const char *attr = json_string_value(json_object_get(src, "attribute"));
    const char *op = json_string_value(json_object_get(src, "operator"));
    const json_t *value = json_object_get(src, "value");
    if (!attr || !op || !value || authz_op_parse(op) < 0) return -1;
    c->op = (authz_op)authz_op_parse(op);
    c->principal = strncmp(attr, "principal.", 10) == 0;
    if (!c->principal && strncmp(attr, "context.", 8) != 0) return -1;
    const char *rest = attr + (c->principal ? 10 : 8);
    int nseg = 1;
    for (const char *q = rest; *q; q++)
        nseg += *q == '.';
    c->path = arena_alloc(p->a, (size_t)nseg * sizeof *c->path);
    for (int i = 0; i < nseg; i++) {
        size_t n = strcspn(rest, ".");
        c->path[c->npath++] = arena_strndup(p->a, rest, n);
        rest += n + (rest[n] == '.');
    }
    json_t *copy = json_deep_copy(value);
    json_array_append_new(p->values, copy);
    c->value = copy;
    return 0;
}

static int compile_statement(builder *b, int perm_ix, const json_t *s)
{
    authz_policy *p = b->p;
    const char *sid = json_string_value(json_object_get(s, "sid"));
    const char *effect = json_string_value(json_object_get(s, "effect"));
    const json_t *prins = json_object_get(s, "principals");
    const json_t *acts = json_object_get(s, "actions");
    const json_t *res = json_object_get(s, "resources");
    const json_t *conds = json_object_get(s, "conditions");
    if (!sid || !effect || !strings_array(prins) || !strings_array(acts) || !strings_array(res) ||
        (conds && !json_is_array(conds)))
        return -1;
    if ((size_t)p->nstmts == b->capstmts) {
        b->capstmts = b->capstmts ? b->capstmts * 2 : 64;
        stmt *grown = arena_alloc(p->a, b->capstmts * sizeof *grown);
        if (p->nstmts) memcpy(grown, p->stmts, (size_t)p->nstmts * sizeof *grown);
        p->stmts = grown;
    }
    int ix = p->nstmts++;
    stmt *st = &p->stmts[ix];
    memset(st, 0, sizeof *st);
    st->perm = perm_ix;
    st->sid = arena_strdup(p->a, sid);
    st->deny = strcmp(effect, "Deny") == 0;
    if (!st->deny && strcmp(effect, "Allow") != 0) return -1;
    if (compile_principals(p, st, prins) < 0) return -1;
    compile_resources(p, st, res);
    size_t nc = json_array_size(conds), i;
    st->conds = arena_alloc(p->a, (nc + 1) * sizeof *st->conds);
    json_t *c;
    json_array_foreach(conds, i, c)
    {
        if (compile_condition(p, &st->conds[st->nconds++], c) < 0) return -1;
    }
    json_t *a;
    json_array_foreach(acts, i, a)
    {
        file_action(b, json_string_value(a), ix);
    }
    return 0;
}

static void build_index(authz_policy *p, action_index *ix, const builder *b, int prefix)
{
    size_t nkeys = ix->keys.len;
    ix->start = arena_alloc(p->a, (nkeys + 1) * sizeof *ix->start);
    size_t total = 0;
    for (size_t i = 0; i < b->nfiles; i++)
        if (b->files[i].prefix == prefix) {
            ix->start[b->files[i].key + 1]++;
            total++;
        }
    for (size_t k = 0; k < nkeys; k++)
        ix->start[k + 1] += ix->start[k];
    ix->stmts = arena_alloc(p->a, (total ? total : 1) * sizeof *ix->stmts);
    int *fill = calloc(nkeys + 1, sizeof *fill);
    if (!fill) abort();
    for (size_t i = 0; i < b->nfiles; i++) /* files are in statement order */
        if (b->files[i].prefix == prefix) {
            int k = b->files[i].key;
            ix->stmts[ix->start[k] + fill[k]++] = b->files[i].stmt;
        }
    free(fill);
}

static int cmp_perm(const void *x, const void *y)
{
    const authz_permission *a = *(const authz_permission *const *)x;
    const authz_permission *b = *(const authz_permission *const *)y;
    int c = strcmp(a->name, b->name);
    return c ? c : strcmp(a->id, b->id);
}

static int compile_all(builder *b, const authz_permission *perms, size_t n, err *e)
{
    authz_policy *p = b->p;
    const authz_permission **sorted = malloc((n ? n : 1) * sizeof *sorted);
    if (!sorted) abort();
    for (size_t i = 0; i < n; i++)
        sorted[i] = &perms[i];
    qsort(sorted, n, sizeof *sorted, cmp_perm);
    p->perms = arena_alloc(p->a, (n ? n : 1) * sizeof *p->perms);
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        const authz_permission *src = sorted[i];
        perm *pm = &p->perms[p->nperms++];
        pm->id = arena_strdup(p->a, src->id);
        pm->name = arena_strdup(p->a, src->name);
        pm->roles = intern_ids(p->a, &p->roles, src->role_ids, src->n_role_ids);
        pm->nroles = (int)src->n_role_ids;
        const json_t *stmts = json_object_get(src->document, "statements");
        if (!json_is_array(stmts)) rc = malformed(e, src->name);
        size_t j;
        json_t *s;
        json_array_foreach(stmts, j, s)
        {
            if (rc == 0 && compile_statement(b, (int)i, s) < 0) rc = malformed(e, src->name);
        }
    }
    free(sorted);
    return rc;
}

authz_policy *authz_compile(const authz_permission *perms, size_t n, err *e)
{
    arena *a = arena_new(64 * 1024);
    authz_policy *p = arena_alloc(a, sizeof *p);
    atomic_init(&p->refs, 1);
    p->a = a;
    p->values = json_array();
    symtab_init(&p->roles, a);
    symtab_init(&p->groups, a);
    symtab_init(&p->users, a);
    symtab_init(&p->exact.keys, a);
    symtab_init(&p->prefix.keys, a);
    builder b = {.p = p};
    int rc = compile_all(&b, perms, n, e);
    if (rc == 0) {
        build_index(p, &p->exact, &b, 0);
        build_index(p, &p->prefix, &b, 1);
    }
    free(b.files);
    if (rc < 0) {
        authz_policy_unref(p);
        return NULL;
    }
    return p;
}

authz_policy *authz_policy_ref(authz_policy *p)
{
    atomic_fetch_add(&p->refs, 1);
    return p;
}

void authz_policy_unref(authz_policy *p)
{
    if (!p || atomic_fetch_sub(&p->refs, 1) != 1) return;
    json_decref(p->values);
    arena_free(p->a);
}

size_t authz_policy_statements(const authz_policy *p)
{
    return (size_t)p->nstmts;
}

static bool value_valid(const json_t *v)
{
    size_t i;
    const char *k;
    json_t *x;
    switch (json_typeof(v)) {
    case JSON_STRING:
    case JSON_INTEGER:
    case JSON_TRUE:
    case JSON_FALSE:
        return true;
    case JSON_ARRAY:
        json_array_foreach(v, i, x)
        {
            if (!value_valid(x)) return false;
        }
        return true;
    case JSON_OBJECT:
        json_object_foreach((json_t *)v, k, x)
        {
            if (!value_valid(x)) return false;
        }
        return true;
    default:
        return false;
    }
}

bool authz_context_valid(const json_t *context)
{
    return !context || (json_is_object(context) && value_valid(context));
}

/* ---- principals ---- */

static uint64_t *bitset_of(const symtab *t, const char *const *ids, size_t n)
{
    uint64_t *bits = calloc(t->len / 64 + 1, sizeof *bits);
    if (!bits) abort();
    for (size_t i = 0; i < n; i++) {
        int id = symtab_lookup(t, ids[i]);
        if (id >= 0) bits[id / 64] |= 1ULL << (id % 64);
    }
    return bits;
}

static bool bit(const uint64_t *bits, int id)
{
    return (bits[id / 64] >> (id % 64)) & 1;
}

void authz_principal_init(authz_principal *pr, const authz_policy *p, const authz_subject *s)
{
    pr->policy = p;
    pr->attrs = s->attrs;
    pr->user = s->member_id ? symtab_lookup(&p->users, s->member_id) : -1;
    pr->roles = bitset_of(&p->roles, s->role_ids, s->n_role_ids);
    pr->groups = bitset_of(&p->groups, s->group_ids, s->n_group_ids);
}

void authz_principal_free(authz_principal *pr)
{
    free(pr->roles);
    free(pr->groups);
    pr->roles = pr->groups = NULL;
}

void authz_matches_free(authz_matches *m)
{
    free(m->items);
    m->items = NULL;
    m->len = m->cap = 0;
}

/* ---- conditions, with Cedar semantics ---- */

enum { C_FALSE = 0, C_TRUE = 1, C_ERROR = -1 };

static bool cedar_equal(const json_t *a, const json_t *b);

/* Sets: every element of a is in b. */
static bool set_within(const json_t *a, const json_t *b)
{
    size_t i, j;
    json_t *x, *y;
    json_array_foreach(a, i, x)
    {
        bool found = false;
        json_array_foreach(b, j, y)
        {
            if (!found && cedar_equal(x, y)) found = true;
        }
        if (!found) return false;
    }
    return true;
}

/* Cedar value equality over JSON values: arrays are sets, objects records;
 * values of different types are unequal. */
static bool cedar_equal(const json_t *a, const json_t *b)
{
    if (json_typeof(a) != json_typeof(b)) {
        return json_is_boolean(a) && json_is_boolean(b) && json_is_true(a) == json_is_true(b);
    }
    switch (json_typeof(a)) {
    case JSON_STRING:
        return json_string_length(a) == json_string_length(b) &&
               memcmp(json_string_value(a), json_string_value(b), json_string_length(a)) == 0;
    case JSON_INTEGER:
        return json_integer_value(a) == json_integer_value(b);
    case JSON_TRUE:
    case JSON_FALSE:
        return true;
    case JSON_ARRAY:
        return set_within(a, b) && set_within(b, a);
    case JSON_OBJECT: {
        if (json_object_size(a) != json_object_size(b)) return false;
        const char *k;
        json_t *v;
        json_object_foreach((json_t *)a, k, v)
        {
            const json_t *w = json_object_get(b, k);
            if (!w || !cedar_equal(v, w)) return false;
        }
        return true;
    }
    default:
        return false; /* null and reals never reach the engine (the check route refuses them) */
    }
}

static bool set_has(const json_t *set, const json_t *v)
{
    size_t i;
    json_t *x;
    json_array_foreach(set, i, x)
    {
        if (cedar_equal(x, v)) return true;
    }
    return false;
}

/* `context has a && context.a has b && ...` / `principal has n`. */
static int cond_has(const cond *c, const json_t *root)
{
    const json_t *cur = root;
    for (int i = 0; i < c->npath; i++) {
        if (!json_is_object(cur)) return C_ERROR;
        cur = json_object_get(cur, c->path[i]);
        if (!cur) return C_FALSE;
    }
    return C_TRUE;
}

/* The attribute's value, or NULL when the access errors (missing attribute,
 * or a step through a value that is not a record). */
static const json_t *cond_attr(const cond *c, const json_t *root)
{
    const json_t *cur = root;
    for (int i = 0; i < c->npath && cur; i++)
        cur = json_is_object(cur) ? json_object_get(cur, c->path[i]) : NULL;
    return cur;
}

static int cond_compare(authz_op op, const json_t *a, const json_t *v)
{
    if (!json_is_integer(a)) return C_ERROR;
    json_int_t x = json_integer_value(a), y = json_integer_value(v);
    switch (op) {
    case AUTHZ_OP_GT:
        return x > y;
    case AUTHZ_OP_GTE:
        return x >= y;
    case AUTHZ_OP_LT:
        return x < y;
    default:
        return x <= y;
    }
}

static int cond_eval(const cond *c, const json_t *root)
{
    if (c->op == AUTHZ_OP_EXISTS) {
        int r = cond_has(c, root);
        return r == C_ERROR ? C_ERROR : (r == C_TRUE) == json_is_true(c->value);
    }
    const json_t *a = cond_attr(c, root);
    if (!a) return C_ERROR;
    switch (c->op) {
    case AUTHZ_OP_EQ:
        return cedar_equal(a, c->value);
    case AUTHZ_OP_NEQ:
        return !cedar_equal(a, c->value);
    case AUTHZ_OP_IN:
        return set_has(c->value, a);
    case AUTHZ_OP_CONTAINS:
        return json_is_array(a) ? set_has(a, c->value) : C_ERROR;
    case AUTHZ_OP_STARTS_WITH: {
        if (!json_is_string(a)) return C_ERROR;
        size_t n = json_string_length(c->value);
        return json_string_length(a) >= n &&
               memcmp(json_string_value(a), json_string_value(c->value), n) == 0;
    }
    default:
        return cond_compare(c->op, a, c->value);
    }
}

/* ---- statements ---- */

typedef struct request {
    const authz_principal *pr;
    const char *resource;
    size_t reslen;
    const json_t *context;
} request;

static bool any_bit(const uint64_t *bits, const int *ids, int n)
{
    for (int i = 0; i < n; i++)
        if (bit(bits, ids[i])) return true;
    return false;
}

static bool principal_matches(const stmt *st, const authz_principal *pr)
{
    if (st->any_principal || any_bit(pr->roles, st->roles, st->nroles) ||
        any_bit(pr->groups, st->groups, st->ngroups))
        return true;
    for (int i = 0; i < st->nusers; i++)
        if (st->users[i] == pr->user) return true;
    return false;
}

static bool resource_covered(const stmt *st, const request *rq)
{
    if (st->any_resource) return true;
    for (int i = 0; i < st->nres; i++) {
        size_t n = st->reslen[i];
        if (n <= rq->reslen && memcmp(st->res[i], rq->resource, n) == 0 &&
            (rq->resource[n] == '\0' || rq->resource[n] == '/'))
            return true;
    }
    return false;
}

static bool applies(const authz_policy *p, const stmt *st, const request *rq)
{
    const perm *pm = &p->perms[st->perm];
    if (!any_bit(rq->pr->roles, pm->roles, pm->nroles)) return false;
    if (!principal_matches(st, rq->pr) || !resource_covered(st, rq)) return false;
    for (int i = 0; i < st->nconds; i++) {
        const cond *c = &st->conds[i];
        if (cond_eval(c, c->principal ? rq->pr->attrs : rq->context) != C_TRUE) return false;
    }
    return true;
}

/* ---- candidates and the decision ---- */

typedef struct span {
    const int *v;
    int n;
} span;

/* The statement lists an action can match: its exact name and each prefix. */
static int candidate_spans(const authz_policy *p, const char *action, span *out, int max)
{
    int n = 0;
    size_t len = strlen(action);
    int k = symtab_find(&p->exact.keys, action, len, symtab_hash(action, len));
    if (k >= 0)
        out[n++] =
            (span){p->exact.stmts + p->exact.start[k], p->exact.start[k + 1] - p->exact.start[k]};
    uint64_t h = SYMTAB_HASH_SEED;
    size_t lim = len < p->prefix.max_len ? len : p->prefix.max_len;
    for (size_t i = 0; i <= lim && n < max; i++) {
        k = symtab_find(&p->prefix.keys, action, i, h);
        if (k >= 0)
            out[n++] = (span){p->prefix.stmts + p->prefix.start[k],
                              p->prefix.start[k + 1] - p->prefix.start[k]};
        if (i < len) h = symtab_hash_step(h, (unsigned char)action[i]);
    }
    return n;
}

static int cmp_int(const void *x, const void *y)
{
    int a = *(const int *)x, b = *(const int *)y;
    return (a > b) - (a < b);
}

static void push_match(authz_matches *m, const authz_policy *p, const stmt *st)
{
    if (m->len == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 8;
        m->items = realloc(m->items, m->cap * sizeof *m->items);
        if (!m->items) abort();
    }
    const perm *pm = &p->perms[st->perm];
    m->items[m->len++] = (authz_match){pm->id, pm->name, st->sid, !st->deny};
}

static bool check_explained(const authz_policy *p, const request *rq, const span *sp, int nsp,
                            authz_matches *out)
{
    size_t total = 0;
    for (int i = 0; i < nsp; i++)
        total += (size_t)sp[i].n;
    int *ids = malloc((total ? total : 1) * sizeof *ids);
    if (!ids) abort();
    size_t n = 0;
    for (int i = 0; i < nsp; i++)
        for (int j = 0; j < sp[i].n; j++)
            ids[n++] = sp[i].v[j];
    qsort(ids, n, sizeof *ids, cmp_int);
    bool allow = false, deny = false;
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && ids[i] == ids[i - 1]) continue;
        const stmt *st = &p->stmts[ids[i]];
        if (!applies(p, st, rq)) continue;
        push_match(out, p, st);
        if (st->deny)
            deny = true;
        else
            allow = true;
    }
    free(ids);
    return allow && !deny;
}

bool authz_check(const authz_principal *pr, const char *action, const char *resource,
                 const json_t *context, authz_matches *explain)
{
    const authz_policy *p = pr->policy;
    json_t *empty = NULL;
    if (!context) context = empty = json_object();
    request rq = {pr, resource, strlen(resource), context};
    span sp[AUTHZ_NAME_MAX + 3];
    int nsp = candidate_spans(p, action, sp, (int)(sizeof sp / sizeof sp[0]));
    bool allow = false;
    if (explain) {
        allow = check_explained(p, &rq, sp, nsp, explain);
    } else {
        for (int i = 0; i < nsp; i++)
            for (int j = 0; j < sp[i].n; j++) {
                const stmt *st = &p->stmts[sp[i].v[j]];
                if (!applies(p, st, &rq)) continue;
                if (st->deny) {
                    json_decref(empty);
                    return false;
                }
                allow = true;
            }
    }
    json_decref(empty);
    return allow;
}
