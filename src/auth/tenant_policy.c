/* tenant_policy.c - per-tenant sign-in configuration (see tenant_policy.h). */
#include "auth/tenant_policy.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "tenant_config.h"
#include "util/utf8.h"

/* Loads group/key as a JSON value; *out NULL when absent or not JSON. */
static int load_json(db_conn *c, arena *a, const char *tenant_id, const char *group,
                     const char *key, json_t **out, err *e)
{
    const char *text = NULL;
    *out = NULL;
    int rc = tenant_config_read(c, a, tenant_id, group, key, &text, e);
    if (rc < 0) return -1;
    if (rc == 1) *out = json_loads(text, JSON_DECODE_ANY, NULL);
    return 0;
}

static int int_field(json_t *obj, const char *name, int dflt)
{
    json_t *v = json_object_get(obj, name);
    return json_is_integer(v) ? (int)json_integer_value(v) : dflt;
}

int tenant_session_policy(db_conn *c, arena *a, const char *tenant_id, session_policy *out, err *e)
{
    json_t *j;
    if (load_json(c, a, tenant_id, "session_policy", "default", &j, e)) return -1;
    int abs_mins = int_field(j, "absoluteTimeoutMins", 0);
    int idle_mins = int_field(j, "idleTimeoutMins", 0);
    json_decref(j);
    out->absolute_us = abs_mins > 0 ? (int64_t)abs_mins * 60000000
                                    : (int64_t)cfg.default_session_ttl_secs * 1000000;
    out->idle_us = idle_mins > 0 ? (int64_t)idle_mins * 60000000 : 0;
    return 0;
}

void lockout_policy_default(lockout_policy *out)
{
    out->max_attempts = 5;
    out->lock_minutes = 15;
}

int tenant_lockout_policy(db_conn *c, arena *a, const char *tenant_id, lockout_policy *out, err *e)
{
    json_t *j;
    lockout_policy_default(out);
    if (load_json(c, a, tenant_id, "lockout_policy", "default", &j, e)) return -1;
    int max = int_field(j, "maxAttempts", 5), mins = int_field(j, "lockMinutes", 15);
    json_decref(j);
    if (max >= 1) out->max_attempts = max;
    if (mins >= 1) out->lock_minutes = mins;
    return 0;
}

int tenant_login_methods(db_conn *c, arena *a, const char *tenant_id, unsigned *mask, err *e)
{
    json_t *j;
    *mask = 0x7e; /* methods 1-6 */
    if (load_json(c, a, tenant_id, "login_methods", "allowed", &j, e)) return -1;
    if (json_is_array(j) && json_array_size(j) > 0) {
        unsigned m = 0;
        size_t i;
        json_t *v;
        json_array_foreach(j, i, v)
        {
            json_int_t n = json_is_integer(v) ? json_integer_value(v) : 0;
            if (n >= 1 && n <= 6) m |= 1u << n;
        }
        if (m) *mask = m;
    }
    json_decref(j);
    return 0;
}

/* Trimmed, leading '@' stripped, lower-cased entry; heap. */
static char *normalise_domain(const char *entry)
{
    char *t = utf8_trim(entry);
    const char *p = t;
    while (*p == '@')
        p++;
    char *lower = utf8_lower(p);
    free(t);
    return lower;
}

bool email_domain_in_list(const char *email, const char *list_json)
{
    json_t *list = list_json ? json_loads(list_json, JSON_DECODE_ANY, NULL) : NULL;
    if (!json_is_array(list) || json_array_size(list) == 0) {
        json_decref(list);
        return true;
    }
    bool ok = false;
    const char *at = email ? strrchr(email, '@') : NULL;
    if (at && at[1]) {
        char *domain = utf8_lower(at + 1);
        size_t i;
        json_t *v;
        json_array_foreach(list, i, v)
        {
            if (!json_is_string(v)) continue;
            char *d = normalise_domain(json_string_value(v));
            if (strcmp(d, domain) == 0) ok = true;
            free(d);
        }
        free(domain);
    }
    json_decref(list);
    return ok;
}

int tenant_email_domain_allowed(db_conn *c, arena *a, const char *tenant_id, const char *email,
                                err *e)
{
    const char *text = NULL;
    int rc = tenant_config_read(c, a, tenant_id, "email_policy", "allowed_domains", &text, e);
    if (rc < 0) return -1;
    return email_domain_in_list(email, rc == 1 ? text : NULL) ? 1 : 0;
}

int tenant_rate_limit(db_conn *c, arena *a, const char *tenant_id, const char *name, int *max,
                      int *window_secs, err *e)
{
    json_t *j;
    if (load_json(c, a, tenant_id, "rate_limits", name, &j, e)) return -1;
    int found = 0;
    json_t *m = json_object_get(j, "maxRequests"), *w = json_object_get(j, "windowSecs");
    if (json_is_integer(m) && json_is_integer(w) && json_integer_value(w) >= 1) {
        *max = (int)json_integer_value(m);
        *window_secs = (int)json_integer_value(w);
        found = 1;
    }
    json_decref(j);
    return found;
}

int tenant_frontend_base(db_conn *c, arena *a, const char *tenant_id, const char **out, err *e)
{
    const char *text = NULL;
    *out = NULL;
    int rc = tenant_config_read(c, a, tenant_id, "frontend_config", "base_url", &text, e);
    if (rc <= 0) return rc;
    /* a JSON string, or a bare URL */
    json_t *j = json_loads(text, JSON_DECODE_ANY, NULL);
    const char *url = json_is_string(j) ? json_string_value(j) : text;
    if (url_is_http_absolute(url)) {
        char *s = arena_strdup(a, url);
        size_t n = strlen(s);
        while (n > 0 && s[n - 1] == '/')
            s[--n] = '\0';
        *out = s;
    }
    json_decref(j);
    return 0;
}
