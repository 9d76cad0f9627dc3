/* tenant_config.c - reserved KV groups: validation and cached reads (see tenant_config.h). */
#include "tenant_config.h"

#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/password_policy.h"
#include "auth/session.h"
#include "config.h"
#include "courier/courier.h"
#include "store/kv.h"
#include "util/timeutil.h"
#include "util/utf8.h"

static const char *const reserved[] = {"password_policy",
                                       "session_policy",
                                       "lockout_policy",
                                       "login_methods",
                                       "email_policy",
                                       "frontend_config",
                                       "otp_policy",
                                       "rate_limits",
                                       "mfa",
                                       "oauth",
                                       "smtp",
                                       "sms",
                                       "whatsapp",
                                       NULL};

bool tenant_config_reserved(const char *group)
{
    for (const char *const *g = reserved; *g; g++)
        if (strcmp(*g, group) == 0) return true;
    return false;
}

/* ---- validation ---- */

typedef struct int_field {
    const char *name;
    long long min, max;
} int_field;

/* An object whose fields are all integers in range; unknown fields refused. */
static int int_object(const json_t *v, const int_field *fields, size_t n, char *detail, size_t cap)
{
    if (!json_is_object(v)) return snprintf(detail, cap, "must be a JSON object"), -1;
    const char *k;
    json_t *x;
    json_object_foreach((json_t *)v, k, x)
    {
        size_t i;
        for (i = 0; i < n && strcmp(fields[i].name, k) != 0; i++) {
        }
        if (i == n) return snprintf(detail, cap, "unknown field '%s'", k), -1;
        if (json_is_null(x)) continue;
        if (!json_is_integer(x) || json_integer_value(x) < fields[i].min ||
            json_integer_value(x) > fields[i].max)
            return snprintf(detail, cap, "%s must be an integer between %lld and %lld", k,
                            fields[i].min, fields[i].max),
                   -1;
    }
    return 0;
}

static int check_login_methods(const json_t *v, char *detail, size_t cap)
{
    if (!json_is_array(v) || json_array_size(v) == 0)
        return snprintf(detail, cap, "must be a non-empty array"), -1;
    unsigned seen = 0;
    size_t i;
    json_t *x;
    json_array_foreach(v, i, x)
    {
        if (!json_is_integer(x) || json_integer_value(x) < 1 || json_integer_value(x) > 6)
            return snprintf(detail, cap, "every element must be an integer between 1 and 6"), -1;
        unsigned bit = 1u << json_integer_value(x);
        if (seen & bit) return snprintf(detail, cap, "elements must be distinct"), -1;
        seen |= bit;
    }
    return 0;
}

static int check_domains(const json_t *v, char *detail, size_t cap)
{
    if (!json_is_array(v)) return snprintf(detail, cap, "must be an array of strings"), -1;
    size_t i;
    json_t *x;
    json_array_foreach(v, i, x) if (!json_is_string(x)) return snprintf(
        detail, cap, "must be an array of strings"),
        -1;
    return 0;
}

static int check_mfa(const json_t *v, char *detail, size_t cap)
{
    if (!json_is_object(v)) return snprintf(detail, cap, "must be a JSON object"), -1;
    const char *k;
    json_t *x;
    json_object_foreach((json_t *)v, k, x)
    {
        if (strcmp(k, "issuer") != 0) return snprintf(detail, cap, "unknown field '%s'", k), -1;
        if (json_is_null(x)) continue;
        size_t n = json_is_string(x) ? utf8_length(json_string_value(x)) : 0;
        if (n < 1 || n > 64)
            return snprintf(detail, cap, "issuer must be a string of 1 to 64 characters"), -1;
    }
    return 0;
}

static bool is_url_list(const json_t *x)
{
    if (!json_is_array(x)) return false;
    size_t i;
    json_t *u;
    json_array_foreach(x, i, u) if (!json_is_string(u) ||
                                    !url_is_http_absolute(json_string_value(u))) return false;
    return true;
}

static int check_oauth(const char *provider, const json_t *v, char *detail, size_t cap)
{
    static const char *const strs[] = {"clientId",      "clientSecret",
                                       "redirectUrl",   "issuer",
                                       "msTenant",      "authorizationEndpoint",
                                       "tokenEndpoint", "userinfoEndpoint",
                                       "jwksUri",       NULL};
    if (!json_is_object(v)) return snprintf(detail, cap, "must be a JSON object"), -1;
    const char *k;
    json_t *x;
    json_object_foreach((json_t *)v, k, x)
    {
        bool known = false;
        for (const char *const *s = strs; *s; s++)
            if (strcmp(*s, k) == 0) {
                known = true;
                if (!json_is_null(x) && !json_is_string(x))
                    return snprintf(detail, cap, "%s must be a string", k), -1;
            }
        if (strcmp(k, "allowedRedirectUrls") == 0) {
            known = true;
            if (!json_is_null(x) && !is_url_list(x))
                return snprintf(detail, cap, "allowedRedirectUrls must be an array of URLs"), -1;
        } else if (strcmp(k, "scopes") == 0) {
            known = true;
            if (!json_is_null(x) && check_domains(x, detail, cap))
                return snprintf(detail, cap, "scopes must be an array of strings"), -1;
        } else if (strcmp(k, "allowSignup") == 0) {
            known = true;
            if (!json_is_null(x) && !json_is_boolean(x))
                return snprintf(detail, cap, "allowSignup must be a boolean"), -1;
        }
        if (!known) return snprintf(detail, cap, "unknown field '%s'", k), -1;
    }
    static const char *const req[] = {"clientId", "clientSecret", "redirectUrl", NULL};
    for (const char *const *r = req; *r; r++) {
        const char *s = json_string_value(json_object_get(v, *r));
        if (!s || !*s) return snprintf(detail, cap, "missing field '%s'", *r), -1;
    }
    if (!url_is_http_absolute(json_string_value(json_object_get(v, "redirectUrl"))))
        return snprintf(detail, cap, "redirectUrl must be an absolute http(s) URL"), -1;
    /* 3.5: any name but google, microsoft and github is a generic OIDC provider */
    bool builtin = strcmp(provider, "google") == 0 || strcmp(provider, "microsoft") == 0 ||
                   strcmp(provider, "github") == 0;
    const char *issuer = json_string_value(json_object_get(v, "issuer"));
    if (!builtin && (!issuer || !*issuer))
        return snprintf(detail, cap, "a generic OIDC provider needs an issuer"), -1;
    return 0;
}

static int check_json(const char *group, const char *key, const json_t *v, char *detail, size_t cap)
{
    static const int_field session[] = {{"absoluteTimeoutMins", 1, 525600},
                                        {"idleTimeoutMins", 1, 525600}};
    static const int_field lockout[] = {{"maxAttempts", 1, 100}, {"lockMinutes", 1, 10080}};
    static const int_field otp[] = {{"ttlSecs", 60, 3600}, {"maxAttempts", 1, 20}};
    static const int_field limits[] = {{"maxRequests", 0, 100000}, {"windowSecs", 1, 86400}};
    if (strcmp(group, "session_policy") == 0) return int_object(v, session, 2, detail, cap);
    if (strcmp(group, "lockout_policy") == 0) return int_object(v, lockout, 2, detail, cap);
    if (strcmp(group, "otp_policy") == 0) return int_object(v, otp, 2, detail, cap);
    if (strcmp(group, "rate_limits") == 0) {
        if (!json_is_object(v)) return snprintf(detail, cap, "must be a JSON object"), -1;
        if (int_object(v, limits, 2, detail, cap)) return -1;
        for (int i = 0; i < 2; i++)
            if (!json_is_integer(json_object_get(v, limits[i].name)))
                return snprintf(detail, cap, "missing field '%s'", limits[i].name), -1;
        return 0;
    }
    if (strcmp(group, "login_methods") == 0) return check_login_methods(v, detail, cap);
    if (strcmp(group, "email_policy") == 0) return check_domains(v, detail, cap);
    if (strcmp(group, "mfa") == 0) return check_mfa(v, detail, cap);
    if (strcmp(group, "oauth") == 0) return check_oauth(key, v, detail, cap);
    (void)key;
    return 0;
}

/* The key each reserved group accepts (NULL: any key with its own rule). */
static int key_allowed(const char *group, const char *key)
{
    if (strcmp(group, "rate_limits") == 0) {
        const rate_limit_default *d = config_rate_limit(key);
        return d != NULL;
    }
    if (strcmp(group, "oauth") == 0) {
        if (key[0] < 'a' || key[0] > 'z' || strlen(key) > 32) return 0;
        for (const char *p = key; *p; p++)
            if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_' || *p == '-'))
                return 0;
        return 1;
    }
    const char *want = strcmp(group, "login_methods") == 0     ? "allowed"
                       : strcmp(group, "email_policy") == 0    ? "allowed_domains"
                       : strcmp(group, "frontend_config") == 0 ? "base_url"
                                                               : "default";
    return strcmp(key, want) == 0;
}

int tenant_config_validate(const char *group, const char *key, const char *value, err *e)
{
    if (!tenant_config_reserved(group)) return 0;
    char detail[ERR_DETAIL_MAX] = "";
    if (!key_allowed(group, key)) {
        snprintf(detail, sizeof detail, "unknown key '%s'", key);
        goto bad;
    }
    if (strcmp(group, "password_policy") == 0) {
        password_policy p;
        err pe = {0};
        if (password_policy_parse(value, &p, &pe) == 0) return 0;
        snprintf(detail, sizeof detail, "%.400s", pe.detail);
        goto bad;
    }
    courier_channel ch = strcmp(group, "smtp") == 0  ? COURIER_EMAIL
                         : strcmp(group, "sms") == 0 ? COURIER_SMS
                                                     : COURIER_WHATSAPP;
    if (strcmp(group, "smtp") == 0 || strcmp(group, "sms") == 0 || strcmp(group, "whatsapp") == 0) {
        courier_provider *p = calloc(1, sizeof *p);
        err ce = {0};
        int rc = courier_provider_from_json(ch, value, p, &ce);
        free(p);
        if (rc == 0) return 0;
        snprintf(detail, sizeof detail, "%.400s", ce.detail);
        goto bad;
    }
    json_error_t je;
    json_t *v = json_loads(value, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &je);
    if (strcmp(group, "frontend_config") == 0) {
        const char *url = v && json_is_string(v) ? json_string_value(v) : value;
        bool ok = (v == NULL || json_is_string(v)) && url_is_http_absolute(url);
        json_decref(v);
        if (ok) return 0;
        snprintf(detail, sizeof detail, "must be an absolute http(s) URL");
        goto bad;
    }
    if (!v) {
        snprintf(detail, sizeof detail, "not valid JSON");
        goto bad;
    }
    int rc = check_json(group, key, v, detail, sizeof detail);
    json_decref(v);
    if (rc == 0) return 0;
bad:
    return err_set(e, ERR_BAD_REQUEST, "Invalid value for %s/%s: %s", group, key, detail);
}

/* ---- cached reads ---- */

#define CACHE_SLOTS 512

typedef struct cache_entry {
    char *tenant, *group, *key, *value; /* heap; value NULL = absent */
    int64_t loaded_at;
} cache_entry;

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static cache_entry cache[CACHE_SLOTS]; /* guarded by cache_lock */
static uint64_t cache_generation;      /* bumped by every eviction; guarded by cache_lock */

static size_t slot_of(const char *t, const char *g, const char *k)
{
    uint64_t h = 1469598103934665603ull;
    for (const char *s[] = {t, g, k}, **p = s; p < s + 3; p++)
        for (const char *q = *p; *q; q++)
            h = (h ^ (unsigned char)*q) * 1099511628211ull;
    return (size_t)(h % CACHE_SLOTS);
}

static void entry_clear(cache_entry *ce)
{
    free(ce->tenant);
    free(ce->group);
    free(ce->key);
    free(ce->value);
    memset(ce, 0, sizeof *ce);
}

int tenant_config_read(db_conn *c, arena *a, const char *tenant_id, const char *group,
                       const char *key, const char **value, err *e)
{
    *value = NULL;
    if (kv_group_secret(group)) /* secrets are opened per use, never cached */
        return kv_read(c, a, tenant_id, group, key, value, e);
    size_t s = slot_of(tenant_id, group, key);
    int64_t now = monotonic_us();
    pthread_mutex_lock(&cache_lock);
    cache_entry *ce = &cache[s];
    if (ce->tenant && now - ce->loaded_at < TENANT_CONFIG_TTL_US &&
        strcmp(ce->tenant, tenant_id) == 0 && strcmp(ce->group, group) == 0 &&
        strcmp(ce->key, key) == 0) {
        *value = ce->value ? arena_strdup(a, ce->value) : NULL;
        pthread_mutex_unlock(&cache_lock);
        return *value != NULL;
    }
    uint64_t gen = cache_generation;
    pthread_mutex_unlock(&cache_lock);
    const char *read = NULL;
    int rc = kv_read(c, a, tenant_id, group, key, &read, e);
    if (rc < 0) return -1;
    *value = read;
    pthread_mutex_lock(&cache_lock);
    if (gen == cache_generation) { /* no eviction meanwhile: the value is current */
        entry_clear(&cache[s]);
        cache[s] = (cache_entry){strdup(tenant_id), strdup(group), strdup(key),
                                 read ? strdup(read) : NULL, now};
    }
    pthread_mutex_unlock(&cache_lock);
    return rc;
}

int tenant_config_put(db_conn *c, const char *tenant_id, const char *group, const char *key,
                      const char *value, json_t **out, err *e)
{
    if (strlen(value) > KV_VALUE_MAX)
        return err_set(e, ERR_BAD_REQUEST, "value must be at most 65536 bytes");
    if (tenant_config_validate(group, key, value, e)) return -1;
    if (kv_put(c, tenant_id, group, key, value, out, e)) return -1;
    tenant_config_evict(tenant_id);
    /* session_policy applies to existing sessions at once (4.4) */
    return session_cache_changed(c, e);
}

int tenant_config_delete(db_conn *c, const char *tenant_id, const char *group, const char *key,
                         err *e)
{
    if (kv_delete(c, tenant_id, group, key, e)) return -1;
    tenant_config_evict(tenant_id);
    return session_cache_changed(c, e);
}

void tenant_config_evict(const char *tenant_id)
{
    pthread_mutex_lock(&cache_lock);
    cache_generation++;
    for (size_t i = 0; i < CACHE_SLOTS; i++)
        if (cache[i].tenant && strcmp(cache[i].tenant, tenant_id) == 0) entry_clear(&cache[i]);
    pthread_mutex_unlock(&cache_lock);
}

void tenant_config_evict_all(void)
{
    pthread_mutex_lock(&cache_lock);
    cache_generation++;
    for (size_t i = 0; i < CACHE_SLOTS; i++)
        entry_clear(&cache[i]);
    pthread_mutex_unlock(&cache_lock);
}

int tenant_otp_policy(db_conn *c, arena *a, const char *tenant_id, otp_policy *out, err *e)
{
    out->ttl_secs = 600;
    out->max_attempts = 5;
    const char *v;
    int rc = tenant_config_read(c, a, tenant_id, "otp_policy", "default", &v, e);
    if (rc != 1) return rc < 0 ? -1 : 0;
    json_t *j = json_loads(v, 0, NULL);
    json_t *t = json_object_get(j, "ttlSecs"), *m = json_object_get(j, "maxAttempts");
    if (json_is_integer(t)) out->ttl_secs = (int)json_integer_value(t);
    if (json_is_integer(m)) out->max_attempts = (int)json_integer_value(m);
    json_decref(j);
    return 0;
}

int tenant_mfa_issuer(db_conn *c, arena *a, const char *tenant_id, const char **out, err *e)
{
    *out = NULL;
    const char *v;
    int rc = tenant_config_read(c, a, tenant_id, "mfa", "default", &v, e);
    if (rc != 1) return rc < 0 ? -1 : 0;
    json_t *j = json_loads(v, 0, NULL);
    const char *s = json_string_value(json_object_get(j, "issuer"));
    if (s) *out = arena_strdup(a, s);
    json_decref(j);
    return 0;
}
