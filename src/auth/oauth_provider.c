/* oauth_provider.c - provider configuration, discovery and the JWKS cache
 * (see oauth_provider.h). Global state: the document cache further down. */
#include "auth/oauth_provider.h"

#include <ctype.h>
#include <jansson.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "auth/oauth_http.h"
#include "config.h"
#include "tenant_config.h"
#include "store/oauth.h"
#include "util/timeutil.h"

/* ---- configuration ---- */

static const char *jstr(arena *a, const json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s && *s ? arena_strdup(a, s) : NULL;
}

static void defaults(arena *a, oauth_provider *p)
{
    if (strcmp(p->name, "github") == 0) {
        p->kind = OAUTH_GITHUB;
        p->issuer = "https://github.com";
        if (!p->scopes) p->scopes = "read:user user:email";
        return;
    }
    p->kind = OAUTH_OIDC;
    if (!p->scopes) p->scopes = "openid email profile";
    if (strcmp(p->name, "google") == 0 && !p->issuer) p->issuer = "https://accounts.google.com";
    if (strcmp(p->name, "microsoft") == 0) {
        if (!p->ms_tenant) p->ms_tenant = "common";
        if (!p->issuer)
            p->issuer = arena_printf(a, "https://login.microsoftonline.com/%s/v2.0", p->ms_tenant);
    }
}

/* The kv shape of 1.16. 0 when a required field is missing. */
static int from_json(arena *a, const char *text, oauth_provider *p)
{
    json_t *o = json_loads(text, 0, NULL);
    if (!json_is_object(o)) {
        json_decref(o);
        return 0;
    }
    p->client_id = jstr(a, o, "clientId");
    p->client_secret = jstr(a, o, "clientSecret");
    p->redirect_url = jstr(a, o, "redirectUrl");
    p->issuer = jstr(a, o, "issuer");
    p->ms_tenant = jstr(a, o, "msTenant");
    p->authorization_endpoint = jstr(a, o, "authorizationEndpoint");
    p->token_endpoint = jstr(a, o, "tokenEndpoint");
    p->userinfo_endpoint = jstr(a, o, "userinfoEndpoint");
    p->jwks_uri = jstr(a, o, "jwksUri");
    p->allow_signup = json_is_true(json_object_get(o, "allowSignup"));
    json_t *arr = json_object_get(o, "allowedRedirectUrls"), *v;
    size_t i, n = json_array_size(arr), k = 0;
    p->allowed_redirects = arena_alloc(a, (n + 1) * sizeof *p->allowed_redirects);
    json_array_foreach(arr, i, v)
    {
        if (json_is_string(v)) p->allowed_redirects[k++] = arena_strdup(a, json_string_value(v));
    }
    arr = json_object_get(o, "scopes");
    if (json_array_size(arr)) {
        char *s = arena_strdup(a, "");
        json_array_foreach(arr, i, v)
        {
            if (json_is_string(v))
                s = arena_printf(a, "%s%s%s", s, *s ? " " : "", json_string_value(v));
        }
        p->scopes = s;
    }
    json_decref(o);
    return p->client_id && p->client_secret && p->redirect_url;
}

static const char *env_of(arena *a, const char *name, const char *field)
{
    char var[96];
    int n = snprintf(var, sizeof var, "OAUTH_%s_%s", name, field);
    for (int i = 0; i < n; i++)
        var[i] = var[i] == '-' ? '_' : (char)toupper((unsigned char)var[i]);
    const char *v = config_env(var);
    return v ? arena_strdup(a, v) : NULL;
}

static int from_env(arena *a, oauth_provider *p)
{
    p->client_id = env_of(a, p->name, "CLIENT_ID");
    p->client_secret = env_of(a, p->name, "CLIENT_SECRET");
    p->redirect_url = env_of(a, p->name, "REDIRECT_URL");
    if (!p->client_id || !p->client_secret || !p->redirect_url) return 0;
    p->issuer = env_of(a, p->name, "ISSUER");
    p->scopes = env_of(a, p->name, "SCOPES");
    const char *signup = env_of(a, p->name, "ALLOW_SIGNUP");
    p->allow_signup = signup && strcmp(signup, "true") == 0;
    const char *urls = env_of(a, p->name, "ALLOWED_REDIRECT_URLS");
    size_t n = 1;
    for (const char *s = urls; s && *s; s++)
        n += *s == ',';
    p->allowed_redirects = arena_alloc(a, (n + 1) * sizeof *p->allowed_redirects);
    size_t k = 0;
    char *list = urls ? arena_strdup(a, urls) : NULL, *save = NULL;
    for (char *tok = list ? strtok_r(list, ",", &save) : NULL; tok;
         tok = strtok_r(NULL, ",", &save)) {
        while (*tok == ' ')
            tok++;
        size_t len = strlen(tok);
        while (len && tok[len - 1] == ' ')
            tok[--len] = '\0';
        if (len) p->allowed_redirects[k++] = tok;
    }
    return 1;
}

int oauth_provider_load(db_conn *c, arena *a, const char *tenant_id, const char *name,
                        oauth_trust trust, oauth_provider *out, err *e)
{
    memset(out, 0, sizeof *out);
    snprintf(out->name, sizeof out->name, "%s", name);
    int found = 0;
    if (trust != OAUTH_TRUST_GLOBAL) {
        const char *text = NULL;
        int rc = tenant_config_read(c, a, tenant_id, "oauth", name, &text, e);
        if (rc < 0) return -1;
        if (rc == 1) {
            found = from_json(a, text, out);
            out->tenant_trust = true;
            if (!found) return 0;
        }
    }
    if (!found && trust != OAUTH_TRUST_TENANT) {
        memset(out, 0, sizeof *out);
        snprintf(out->name, sizeof out->name, "%s", name);
        found = from_env(a, out);
    }
    if (!found) return 0;
    defaults(a, out);
    /* a generic OIDC provider needs its issuer */
    return out->issuer != NULL;
}

/* ---- cache of fetched documents ---- */

#define CACHE_SLOTS 64

typedef struct cache_entry {
    char *url, *body;
    int64_t fetched_us;
} cache_entry;

static pthread_mutex_t cache_mu = PTHREAD_MUTEX_INITIALIZER;
static cache_entry cache[CACHE_SLOTS];

static const char *cache_get(arena *a, const char *url)
{
    const char *out = NULL;
    int64_t now = now_us();
    pthread_mutex_lock(&cache_mu);
    for (int i = 0; i < CACHE_SLOTS; i++)
        if (cache[i].url && strcmp(cache[i].url, url) == 0 &&
            now - cache[i].fetched_us < (int64_t)OAUTH_CACHE_SECS * 1000000)
            out = arena_strdup(a, cache[i].body);
    pthread_mutex_unlock(&cache_mu);
    return out;
}

static void cache_put(const char *url, const char *body)
{
    pthread_mutex_lock(&cache_mu);
    int slot = 0;
    for (int i = 0; i < CACHE_SLOTS; i++) {
        if (cache[i].url && strcmp(cache[i].url, url) == 0) {
            slot = i;
            break;
        }
        if (cache[i].fetched_us < cache[slot].fetched_us) slot = i;
    }
    free(cache[slot].url);
    free(cache[slot].body);
    cache[slot].url = strdup(url);
    cache[slot].body = strdup(body);
    cache[slot].fetched_us = now_us();
    pthread_mutex_unlock(&cache_mu);
}

void oauth_cache_clear(void)
{
    pthread_mutex_lock(&cache_mu);
    for (int i = 0; i < CACHE_SLOTS; i++) {
        free(cache[i].url);
        free(cache[i].body);
        cache[i] = (cache_entry){0};
    }
    pthread_mutex_unlock(&cache_mu);
}

/* A JSON object document from url (cache first unless refresh). */
static int fetch_json_doc(arena *a, const char *url, bool refresh, const char **out, err *e)
{
    if (!refresh && (*out = cache_get(a, url))) return 0;
    if (!oauth_url_allowed(url)) return err_set(e, ERR_BAD_GATEWAY, "Could not reach the provider");
    oauth_http_resp r;
    err net = {0};
    if (oauth_http_get(url, NULL, &r, &net))
        return err_set(e, ERR_BAD_GATEWAY, "Could not reach the provider");
    json_t *doc = r.status == 200 ? json_loads(r.body, 0, NULL) : NULL;
    bool ok = json_is_object(doc);
    json_decref(doc);
    if (ok) {
        cache_put(url, r.body);
        *out = arena_strdup(a, r.body);
    }
    oauth_http_free(&r);
    return ok ? 0 : err_set(e, ERR_BAD_GATEWAY, "Could not reach the provider");
}

/* 1 when the discovery lists only client_secret_basic. */
static bool only_basic(const json_t *doc)
{
    const json_t *m = json_object_get(doc, "token_endpoint_auth_methods_supported");
    return json_array_size(m) == 1 && json_is_string(json_array_get(m, 0)) &&
           strcmp(json_string_value(json_array_get(m, 0)), "client_secret_basic") == 0;
}

int oauth_provider_endpoints(arena *a, oauth_provider *p, err *e)
{
    if (p->kind == OAUTH_GITHUB) {
        if (!p->authorization_endpoint)
            p->authorization_endpoint = "https://github.com/login/oauth/authorize";
        if (!p->token_endpoint) p->token_endpoint = "https://github.com/login/oauth/access_token";
        if (!p->userinfo_endpoint) p->userinfo_endpoint = "https://api.github.com/user";
    } else if (!p->authorization_endpoint || !p->token_endpoint || !p->jwks_uri) {
        /* discovery, unless the configuration names every endpoint it needs */
        const char *text;
        size_t n = strlen(p->issuer);
        const char *url = arena_printf(a, "%.*s/.well-known/openid-configuration",
                                       (int)(n && p->issuer[n - 1] == '/' ? n - 1 : n), p->issuer);
        if (fetch_json_doc(a, url, false, &text, e)) return -1;
        json_t *doc = json_loads(text, 0, NULL);
        if (!p->authorization_endpoint)
            p->authorization_endpoint = jstr(a, doc, "authorization_endpoint");
        if (!p->token_endpoint) p->token_endpoint = jstr(a, doc, "token_endpoint");
        if (!p->userinfo_endpoint) p->userinfo_endpoint = jstr(a, doc, "userinfo_endpoint");
        if (!p->jwks_uri) p->jwks_uri = jstr(a, doc, "jwks_uri");
        p->token_basic_auth = only_basic(doc);
        json_decref(doc);
    }
    if (p->kind == OAUTH_OIDC && !oauth_url_allowed(p->jwks_uri))
        return err_set(e, ERR_BAD_GATEWAY, "Could not reach the provider");
    if (!oauth_url_allowed(p->authorization_endpoint) || !oauth_url_allowed(p->token_endpoint) ||
        (p->kind == OAUTH_GITHUB && !oauth_url_allowed(p->userinfo_endpoint)))
        return err_set(e, ERR_BAD_GATEWAY, "Could not reach the provider");
    return 0;
}

int oauth_provider_jwks(arena *a, const oauth_provider *p, bool refresh, const char **jwks, err *e)
{
    return fetch_json_doc(a, p->jwks_uri, refresh, jwks, e);
}
