/* oauth.c - the OAuth start and callback flows (see oauth.h). */
#include "auth/oauth.h"

#include <stdlib.h>
#include <string.h>

#include "auth/login.h"
#include "auth/oauth_http.h"
#include "auth/oauth_jwt.h"
#include "auth/oauth_provider.h"
#include "auth/tenant_policy.h"
#include "store/identities.h"
#include "store/oauth.h"
#include "store/tenants.h"
#include "util/crypto.h"
#include "util/timeutil.h"

/* ---- start ---- */

static bool redirect_allowed(const oauth_provider *p, const char *uri)
{
    if (strcmp(uri, p->redirect_url) == 0) return true;
    for (const char **u = p->allowed_redirects; u && *u; u++)
        if (strcmp(*u, uri) == 0) return true;
    return false;
}

static void random_b64(char out[TOKEN_LEN + 1])
{
    uint8_t raw[32];
    crypto_random(raw, sizeof raw);
    base64url_encode(raw, sizeof raw, out);
}

static const char *authorize_url(arena *a, const oauth_provider *p, const char *redirect,
                                 const char *state, const char *nonce, const char *challenge)
{
    char *q = NULL;
    oauth_form_add(&q, "response_type", "code");
    oauth_form_add(&q, "client_id", p->client_id);
    oauth_form_add(&q, "redirect_uri", redirect);
    oauth_form_add(&q, "scope", p->scopes);
    oauth_form_add(&q, "state", state);
    if (p->kind == OAUTH_OIDC) oauth_form_add(&q, "nonce", nonce);
    oauth_form_add(&q, "code_challenge", challenge);
    oauth_form_add(&q, "code_challenge_method", "S256");
    const char *url = arena_printf(a, "%s%c%s", p->authorization_endpoint,
                                   strchr(p->authorization_endpoint, '?') ? '&' : '?', q);
    free(q);
    return url;
}

int oauth_start(db_conn *c, arena *a, const char *tenant_id, const char *provider,
                const char *redirect_uri, const char **location, err *e)
{
    oauth_provider p;
    int rc = oauth_provider_load(c, a, tenant_id, provider, OAUTH_TRUST_ANY, &p, e);
    if (rc < 0) return -1;
    if (rc == 0)
        return err_set(e, ERR_NOT_FOUND, "OAuth provider '%s' is not configured for this tenant",
                       provider);
    unsigned mask;
    if (tenant_login_methods(c, a, tenant_id, &mask, e)) return -1;
    if (!(mask & (1u << LOGIN_OAUTH)))
        return err_set(e, ERR_FORBIDDEN, "This login method is not allowed for this tenant");
    if (redirect_uri && !redirect_allowed(&p, redirect_uri))
        return err_set(e, ERR_BAD_REQUEST, "redirect_uri is not allowed");
    if (oauth_provider_endpoints(a, &p, e)) return -1;

    char state[TOKEN_LEN + 1], challenge[44];
    oauth_state_row s = {0};
    token_new(state, s.hash);
    snprintf(s.tenant_id, sizeof s.tenant_id, "%s", tenant_id);
    snprintf(s.provider, sizeof s.provider, "%s", provider);
    s.tenant_trust = p.tenant_trust;
    s.redirect_uri = redirect_uri ? redirect_uri : p.redirect_url;
    random_b64(s.nonce);
    random_b64(s.verifier);
    oauth_pkce_challenge(s.verifier, challenge);
    if (oauth_state_insert(c, &s, OAUTH_STATE_TTL, e)) return -1;
    *location = authorize_url(a, &p, s.redirect_uri, state, s.nonce, challenge);
    return 0;
}

/* ---- the provider's account ---- */

typedef struct oauth_user {
    const char *issuer, *sub;
    const char *email; /* NULL when none */
    bool email_verified;
    const char *first, *last;
} oauth_user;

/* Step 4: the token endpoint's JSON answer (new ref). */
static int exchange_code(const oauth_provider *p, const oauth_state_row *s, const char *code,
                         json_t **tok, err *e)
{
    char *form = NULL;
    oauth_form_add(&form, "grant_type", "authorization_code");
    oauth_form_add(&form, "code", code);
    oauth_form_add(&form, "redirect_uri", s->redirect_uri);
    char *user = NULL, *pass = NULL;
    if (p->token_basic_auth) {
        user = oauth_form_escape(p->client_id);
        pass = oauth_form_escape(p->client_secret);
    } else {
        oauth_form_add(&form, "client_id", p->client_id);
        oauth_form_add(&form, "client_secret", p->client_secret);
    }
    oauth_form_add(&form, "code_verifier", s->verifier);
    oauth_http_resp r;
    err net = {0};
    int rc = oauth_http_post_form(p->token_endpoint, form, user, pass, &r, &net);
    free(form);
    free(user);
    free(pass);
    if (rc) return err_set(e, ERR_BAD_GATEWAY, "Token exchange with %s failed", p->name);
    json_t *doc = json_loads(r.body, 0, NULL);
    long status = r.status;
    oauth_http_free(&r);
    const char *error = json_string_value(json_object_get(doc, "error"));
    if (error &&
        (strcmp(error, "invalid_grant") == 0 || strcmp(error, "bad_verification_code") == 0)) {
        json_decref(doc);
        return err_set(e, ERR_BAD_REQUEST, "Authorization code is invalid or expired");
    }
    if (status < 200 || status > 299 || !json_is_object(doc) || error ||
        !json_is_string(json_object_get(doc, "access_token"))) {
        json_decref(doc);
        return err_set(e, ERR_BAD_GATEWAY, "Token exchange with %s failed", p->name);
    }
    *tok = doc;
    return 0;
}

static const char *claim(arena *a, const json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s && *s ? arena_strdup(a, s) : NULL;
}

/* Names from given/family, else `name` split at its first space. */
static void split_name(arena *a, const char *full, oauth_user *u)
{
    if (u->first || u->last || !full) return;
    const char *sp = strchr(full, ' ');
    u->first = sp ? arena_strndup(a, full, (size_t)(sp - full)) : arena_strdup(a, full);
    u->last = sp && sp[1] ? arena_strdup(a, sp + 1) : NULL;
}

static bool ms_multi_tenant(const oauth_provider *p)
{
    return strcmp(p->name, "microsoft") == 0 &&
           (strcmp(p->ms_tenant, "common") == 0 || strcmp(p->ms_tenant, "organizations") == 0 ||
            strcmp(p->ms_tenant, "consumers") == 0);
}

static int id_token_user(arena *a, const oauth_provider *p, const oauth_state_row *s,
                         const json_t *tok, oauth_user *u, err *e)
{
    const char *idt = json_string_value(json_object_get(tok, "id_token"));
    if (!idt) return err_set(e, ERR_UNAUTHORIZED, "ID token verification failed");
    const char *jwks;
    if (oauth_provider_jwks(a, p, false, &jwks, e)) return -1;
    json_t *claims = NULL;
    jwt_status st = oauth_jwt_verify(idt, jwks, &claims);
    if (st == JWT_UNKNOWN_KID) {
        if (oauth_provider_jwks(a, p, true, &jwks, e)) return -1;
        st = oauth_jwt_verify(idt, jwks, &claims);
    }
    if (st != JWT_OK) return err_set(e, ERR_UNAUTHORIZED, "ID token verification failed");
    const char *issuer = p->issuer, *why;
    if (ms_multi_tenant(p)) {
        const char *tid = json_string_value(json_object_get(claims, "tid"));
        issuer = tid ? arena_printf(a, "https://login.microsoftonline.com/%s/v2.0", tid) : "";
    }
    int rc =
        oauth_id_claims_check(claims, issuer, p->client_id, s->nonce, now_us() / 1000000, &why);
    if (rc == 0) {
        u->issuer = arena_strdup(a, issuer);
        u->sub = claim(a, claims, "sub");
        u->email = claim(a, claims, "email");
        u->email_verified = json_is_true(json_object_get(claims, "email_verified"));
        u->first = claim(a, claims, "given_name");
        u->last = claim(a, claims, "family_name");
        split_name(a, claim(a, claims, "name"), u);
    }
    json_decref(claims);
    return rc ? err_set(e, ERR_UNAUTHORIZED, "ID token verification failed") : 0;
}

/* GitHub's user API: GET url with the access token; the JSON answer. */
static json_t *github_get(const char *url, const char *access_token)
{
    char auth[2048];
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", access_token);
    const char *hdrs[] = {auth, "Accept: application/vnd.github+json", "User-Agent: authrs", NULL};
    oauth_http_resp r;
    err net = {0};
    if (oauth_http_get(url, hdrs, &r, &net)) return NULL;
    json_t *doc = r.status == 200 ? json_loads(r.body, 0, NULL) : NULL;
    oauth_http_free(&r);
    return doc;
}

static int github_user(arena *a, const oauth_provider *p, const json_t *tok, oauth_user *u, err *e)
{
    const char *at = json_string_value(json_object_get(tok, "access_token"));
    json_t *user = github_get(p->userinfo_endpoint, at);
    json_t *emails =
        user ? github_get(arena_printf(a, "%s/emails", p->userinfo_endpoint), at) : NULL;
    json_t *id = json_object_get(user, "id");
    int rc = 0;
    if (!json_is_integer(id) || !json_is_array(emails)) {
        rc = err_set(e, ERR_BAD_GATEWAY, "Could not reach the provider");
    } else {
        u->issuer = "https://github.com";
        u->sub = arena_printf(a, "%lld", (long long)json_integer_value(id));
        size_t i;
        json_t *m;
        json_array_foreach(emails, i, m)
        {
            if (json_is_true(json_object_get(m, "primary")) &&
                json_is_true(json_object_get(m, "verified")) && claim(a, m, "email")) {
                u->email = claim(a, m, "email");
                u->email_verified = true;
            }
        }
        split_name(a, claim(a, user, "name"), u);
    }
    json_decref(user);
    json_decref(emails);
    return rc;
}

/* ---- identity and membership (steps 7-8) ---- */

typedef struct callback_ctx {
    db_conn *c;
    arena *a;
    const oauth_provider *p;
    const char *tenant_id;
    const oauth_user *u;
    const char **reason;
} callback_ctx;

static int conflict(callback_ctx *x, err *e)
{
    *x->reason = "account_conflict";
    return err_set(e, ERR_CONFLICT,
                   "An account with this email already exists; sign in with it first");
}

/* Step 7: 1 with the identity, 0 none (sign-up may follow). */
static int find_identity(callback_ctx *x, identity *id, err *e)
{
    const char *link_tenant = x->p->tenant_trust ? x->tenant_id : NULL;
    char iid[37];
    int rc = oauth_link_find(x->c, link_tenant, x->u->issuer, x->u->sub, iid, e);
    if (rc < 0) return -1;
    if (rc == 1) return identity_get(x->c, x->a, iid, id, e);
    if (!x->u->email) return 0;
    identity other;
    rc = identity_find_by_email(x->c, x->a, x->u->email, &other, e);
    if (rc < 0) return -1;
    if (rc == 0) return 0;
    if (x->p->tenant_trust) return conflict(x, e);
    if (!x->u->email_verified) return 0;
    if (!other.email_verified) return conflict(x, e);
    if (oauth_link_insert(x->c, other.id, NULL, x->p->name, x->u->issuer, x->u->sub, e)) return -1;
    *id = other;
    return 1;
}

/* Step 8, no identity: identity, link and membership in one transaction. */
static int sign_up(callback_ctx *x, identity *id, membership *m, err *e)
{
    memset(id, 0, sizeof *id);
    uuid_v7(id->id);
    id->email = x->u->email_verified ? x->u->email : NULL;
    id->email_verified = id->email && !x->p->tenant_trust;
    id->first_name = x->u->first;
    id->last_name = x->u->last;
    id->active = true;
    if (db_begin(x->c, e)) return -1;
    if (identity_insert(x->c, id, e) ||
        oauth_link_insert(x->c, id->id, x->p->tenant_trust ? x->tenant_id : NULL, x->p->name,
                          x->u->issuer, x->u->sub, e) ||
        membership_insert_active(x->c, x->tenant_id, id->id, m, e) || db_commit(x->c, e)) {
        db_rollback(x->c);
        return -1;
    }
    return identity_get(x->c, x->a, id->id, id, e) == 1 ? 0 : -1;
}

static int find_member(callback_ctx *x, identity *id, membership *m, err *e)
{
    int rc = find_identity(x, id, e);
    if (rc < 0) return -1;
    if (rc == 1) {
        rc = membership_find(x->c, x->a, x->tenant_id, id->id, m, e);
        if (rc != 0) return rc < 0 ? -1 : 0;
        if (x->p->allow_signup) return membership_insert_active(x->c, x->tenant_id, id->id, m, e);
    } else if (x->p->allow_signup) {
        return sign_up(x, id, m, e);
    }
    *x->reason = "no_membership";
    return err_set(e, ERR_FORBIDDEN, "No membership in this tenant");
}

/* ---- callback ---- */

static int take_state(db_conn *c, arena *a, const char *provider, const char *state,
                      oauth_state_row *s, err *e)
{
    if (!state) return err_set(e, ERR_BAD_REQUEST, "Invalid or expired OAuth state");
    char hash[TOKEN_HASH_HEX_LEN + 1];
    token_hash(state, hash);
    int rc = oauth_state_take(c, a, hash, provider, s, e);
    if (rc < 0) return -1;
    if (rc == 0) return err_set(e, ERR_BAD_REQUEST, "Invalid or expired OAuth state");
    return 0;
}

static int tenant_active(db_conn *c, const char *tenant_id, err *e)
{
    tenant t;
    int rc = tenant_get(c, tenant_id, &t, e);
    if (rc < 0) return -1;
    if (rc == 0) return err_set(e, ERR_NOT_FOUND, "Tenant not found");
    if (strcmp(t.status, "active") != 0) return err_set(e, ERR_FORBIDDEN, "Tenant is not active");
    return 0;
}

/* Steps 4-5: who the user is at the provider. */
static int provider_user(arena *a, oauth_provider *p, const oauth_state_row *s, const char *code,
                         oauth_user *u, const char **reason, err *e)
{
    if (oauth_provider_endpoints(a, p, e)) return -1;
    json_t *tok = NULL;
    if (exchange_code(p, s, code, &tok, e)) return -1;
    int rc =
        p->kind == OAUTH_GITHUB ? github_user(a, p, tok, u, e) : id_token_user(a, p, s, tok, u, e);
    json_decref(tok);
    if (rc && e->kind == ERR_UNAUTHORIZED) *reason = "invalid_credentials";
    return rc;
}

int oauth_callback(db_conn *c, arena *a, const char *provider, const char *code, const char *state,
                   const char *error, json_t **result, const char **reason, const char **tenant_id,
                   err *e)
{
    oauth_state_row s;
    if (take_state(c, a, provider, state, &s, e)) return -1;
    *tenant_id = arena_strdup(a, s.tenant_id);
    if (error) return err_set(e, ERR_BAD_REQUEST, "Authorization was not granted: %s", error);
    if (!code || !*code) return err_set(e, ERR_BAD_REQUEST, "code is required");
    if (tenant_active(c, s.tenant_id, e)) return -1;
    oauth_provider p;
    int rc = oauth_provider_load(c, a, s.tenant_id, provider,
                                 s.tenant_trust ? OAUTH_TRUST_TENANT : OAUTH_TRUST_GLOBAL, &p, e);
    if (rc < 0) return -1;
    if (rc == 0)
        return err_set(e, ERR_NOT_FOUND, "OAuth provider '%s' is not configured for this tenant",
                       provider);
    oauth_user u = {0};
    if (provider_user(a, &p, &s, code, &u, reason, e)) return -1;
    rc = tenant_email_domain_allowed(c, a, s.tenant_id, u.email, e);
    if (rc < 0) return -1;
    if (rc == 0) {
        *reason = "domain_not_allowed";
        return err_set(e, ERR_FORBIDDEN, "Email domain is not permitted");
    }
    callback_ctx x = {c, a, &p, s.tenant_id, &u, reason};
    identity id;
    membership m;
    if (find_member(&x, &id, &m, e)) return -1;
    if (login_gates(&id, &m, GATES_ALL, reason, e)) return -1;
    rc = login_method_allowed(c, a, &id, &m, LOGIN_OAUTH, e);
    if (rc < 0) return -1;
    if (rc == 0) {
        *reason = "method_not_allowed";
        return err_set(e, ERR_FORBIDDEN, "This login method is not allowed for your account");
    }
    return login_finalize(c, a, &id, &m, LOGIN_OAUTH, p.tenant_trust, false, result, e);
}
