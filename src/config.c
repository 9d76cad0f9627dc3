/* config.c - environment parsing and validation (API.md 5.2).
 * Global state: `cfg`, written by config_load() before any thread starts. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <fcntl.h>

#include "util/crypto.h"
#include "util/procstat.h"

config cfg;

static const rate_limit_default rate_limit_table[RATE_LIMIT_COUNT] = {
    {"login_ip", true, 30, 60},
    {"login_identifier", true, 10, 60},
    {"identity_login_ip", false, 30, 60},
    {"identity_login_identifier", false, 10, 60},
    {"otp_request_ip", true, 30, 60},
    {"otp_request_identifier", true, 10, 60},
    {"otp_verify_ip", true, 30, 60},
    {"otp_verify_identifier", true, 10, 60},
    {"forgot_password_ip", true, 10, 60},
    {"forgot_password_identifier", false, 5, 900},
    {"signup_ip", true, 10, 60},
    {"signup_identifier", true, 5, 900},
    {"mfa_validate_ip", false, 30, 60},
    {"mfa_validate_identifier", false, 10, 60},
    {"availability_session", true, 30, 60},
    {"change_password_session", false, 10, 60},
    {"mfa_disable_session", false, 10, 60},
};

const char *config_env(const char *name)
{
    const char *v = getenv(name);
    return (v && *v) ? v : NULL;
}

static char *env_dup(const char *name, const char *fallback)
{
    const char *v = config_env(name);
    if (!v) v = fallback;
    return v ? strdup(v) : NULL;
}

static int bad(const char *var, const char *reason)
{
    fprintf(stderr, "authrs: %s: %s\n", var, reason);
    return -1;
}

static int env_int(const char *var, long lo, long hi, long fallback, long *out)
{
    const char *v = config_env(var);
    if (!v) {
        *out = fallback;
        return 0;
    }
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (errno || *end || end == v || n < lo || n > hi) {
        char reason[128];
        snprintf(reason, sizeof reason, "must be an integer from %ld to %ld", lo, hi);
        return bad(var, reason);
    }
    *out = n;
    return 0;
}

static int env_bool(const char *var, bool fallback, bool *out)
{
    const char *v = config_env(var);
    if (!v) {
        *out = fallback;
        return 0;
    }
    if (strcmp(v, "true") == 0)
        *out = true;
    else if (strcmp(v, "false") == 0)
        *out = false;
    else
        return bad(var, "must be true or false");
    return 0;
}

bool tenant_id_valid(const char *id)
{
    size_t n = strlen(id);
    if (n == 0 || n > 63 || !(id[0] >= 'a' && id[0] <= 'z')) return false;
    for (size_t i = 0; i < n; i++)
        if (!((id[i] >= 'a' && id[i] <= 'z') || (id[i] >= '0' && id[i] <= '9') || id[i] == '_'))
            return false;
    return true;
}

bool url_is_http_absolute(const char *url)
{
    const char *rest;
    if (strncasecmp(url, "http://", 7) == 0)
        rest = url + 7;
    else if (strncasecmp(url, "https://", 8) == 0)
        rest = url + 8;
    else
        return false;
    if (!*rest || *rest == '/') return false;
    for (const char *p = url; *p; p++)
        if ((unsigned char)*p <= 0x20 || *p == 0x7f) return false;
    return true;
}

static void free_list(char **list)
{
    for (char **p = list; p && *p; p++)
        free(*p);
    free(list);
}

/* Splits a comma-separated list, trimming entries and dropping empty ones. */
static char **split_list(const char *s)
{
    size_t cap = 4, n = 0;
    char **out = calloc(cap, sizeof *out);
    const char *p = s;
    while (p && *p) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        while (len && isspace((unsigned char)*p))
            p++, len--;
        while (len && isspace((unsigned char)p[len - 1]))
            len--;
        if (len) {
            if (n + 2 > cap) {
                char **grown = realloc(out, (cap *= 2) * sizeof *out);
                if (!grown) abort();
                out = grown;
            }
            out[n++] = strndup(p, len);
        }
        p = comma ? comma + 1 : NULL;
    }
    out[n] = NULL;
    return out;
}

/* Reads KEY=VALUE lines of ./.env into the environment, never overriding. */
static void load_dotenv(void)
{
    FILE *f = fopen(".env", "r");
    if (!f) return;
    char line[4096];
    while (fgets(line, sizeof line, f)) {
        char *p = line;
        while (isspace((unsigned char)*p))
            p++;
        if (*p == '#' || !*p) continue;
        if (strncmp(p, "export ", 7) == 0) p += 7;
        char *eq = strchr(p, '=');
        if (!eq) continue;
        *eq = '\0';
        char *key = p, *val = eq + 1;
        size_t kl = strlen(key);
        while (kl && isspace((unsigned char)key[kl - 1]))
            key[--kl] = '\0';
        size_t vl = strlen(val);
        while (vl && (val[vl - 1] == '\n' || val[vl - 1] == '\r'))
            val[--vl] = '\0';
        if (vl >= 2 && (val[0] == '"' || val[0] == '\'') && val[vl - 1] == val[0]) {
            val[vl - 1] = '\0';
            val++;
        }
        setenv(key, val, 0);
    }
    fclose(f);
}

static int load_database(void)
{
    cfg.database_url = env_dup("DATABASE_URL", "sqlite:authrs.db");
    if (strncmp(cfg.database_url, "sqlite:", 7) == 0) {
        const char *path = cfg.database_url + 7;
        if (strncmp(path, "//", 2) == 0) path += 2;
        if (!*path) return bad("DATABASE_URL", "sqlite: needs a file path");
        cfg.sqlite_path = strdup(path);
    } else if (strncmp(cfg.database_url, "postgres://", 11) == 0 ||
               strncmp(cfg.database_url, "postgresql://", 13) == 0) {
        cfg.db_is_postgres = true;
    } else {
        return bad("DATABASE_URL", "must start with sqlite:, postgres:// or postgresql://");
    }
    cfg.redis_url = env_dup("REDIS_URL", NULL);
    if (cfg.redis_url && strncmp(cfg.redis_url, "redis://", 8) != 0 &&
        strncmp(cfg.redis_url, "rediss://", 9) != 0)
        return bad("REDIS_URL", "must start with redis:// or rediss://");
    const char *key = config_env("KV_STORE_ENCRYPTION_KEY");
    if (key) {
        uint8_t raw[64];
        if (strlen(key) > 80 || base64_decode(key, strlen(key), raw) != 32)
            return bad("KV_STORE_ENCRYPTION_KEY", "must be base64 of exactly 32 bytes");
        memcpy(cfg.kv_key, raw, 32);
        cfg.kv_key_set = true;
    } else if (cfg.db_is_postgres) {
        return bad("KV_STORE_ENCRYPTION_KEY", "is required with PostgreSQL");
    }
    return 0;
}

static int load_logging(void)
{
    const char *lvl = config_env("LOG_LEVEL");
    cfg.log_level = LOG_INFO;
    if (lvl) {
        static const char *names[] = {"error", "warn", "info", "debug"};
        int found = -1;
        for (int i = 0; i < 4; i++)
            if (strcmp(lvl, names[i]) == 0) found = i;
        if (found < 0) return bad("LOG_LEVEL", "must be error, warn, info or debug");
        cfg.log_level = (log_level)found;
    }
    const char *fmt = config_env("LOG_FORMAT");
    cfg.log_json = true;
    if (fmt && strcmp(fmt, "text") == 0)
        cfg.log_json = false;
    else if (fmt && strcmp(fmt, "json") != 0)
        return bad("LOG_FORMAT", "must be json or text");
    return 0;
}

static int load_rate_limits(void)
{
    memcpy(cfg.rate_limits, rate_limit_table, sizeof rate_limit_table);
    if (env_bool("RATE_LIMITS_ENABLED", true, &cfg.rate_limits_enabled)) return -1;
    /* every RATE_LIMIT_<NAME> must name a known limit */
    extern char **environ;
    for (char **e = environ; *e; e++) {
        if (strncmp(*e, "RATE_LIMIT_", 11) != 0) continue;
        const char *eq = strchr(*e, '=');
        if (!eq || eq[1] == '\0') continue;
        char var[128], name[128];
        size_t vl = (size_t)(eq - *e);
        if (vl >= sizeof var) return bad("RATE_LIMIT_*", "name too long");
        memcpy(var, *e, vl);
        var[vl] = '\0';
        if (strcmp(var, "RATE_LIMITS_ENABLED") == 0) continue;
        size_t i;
        for (i = 0; var[11 + i]; i++)
            name[i] = (char)tolower((unsigned char)var[11 + i]);
        name[i] = '\0';
        rate_limit_default *rl = NULL;
        for (int k = 0; k < RATE_LIMIT_COUNT; k++)
            if (strcmp(cfg.rate_limits[k].name, name) == 0) rl = &cfg.rate_limits[k];
        if (!rl) return bad(var, "is not a known rate limit (API.md 1.15)");
        int max, win;
        char extra;
        if (sscanf(eq + 1, "%d/%d%c", &max, &win, &extra) != 2 || max < 0 || max > 100000 ||
            win < 1 || win > 86400)
            return bad(var, "must be <maxRequests 0-100000>/<windowSecs 1-86400>");
        rl->max_requests = max;
        rl->window_secs = win;
    }
    return 0;
}

const rate_limit_default *config_rate_limit(const char *name)
{
    for (int k = 0; k < RATE_LIMIT_COUNT; k++)
        if (strcmp(rate_limit_table[k].name, name) == 0)
            return cfg.rate_limits[k].name ? &cfg.rate_limits[k] : &rate_limit_table[k];
    return NULL;
}

static int load_http(void)
{
    long n;
    cfg.server_host = env_dup("SERVER_HOST", "0.0.0.0");
    if (env_int("SERVER_PORT", 1, 65535, 3000, &n)) return -1;
    cfg.server_port = (int)n;
    if (env_int("BODY_LIMIT_BYTES", 1024, 67108864, 1048576, &n)) return -1;
    cfg.body_limit = (size_t)n;
    if (env_int("HTTP_IDLE_TIMEOUT_SECONDS", 1, 3600, 30, &n)) return -1;
    cfg.http_idle_timeout_s = (int)n;
    const char *origins = config_env("CORS_ORIGINS");
    if (origins && strcmp(origins, "*") != 0) {
        cfg.cors_origins = split_list(origins);
        for (char **o = cfg.cors_origins; *o; o++)
            if (!url_is_http_absolute(*o))
                return bad("CORS_ORIGINS", "entries must be http(s) origins");
    }
    cfg.trusted_proxies = env_dup("TRUSTED_PROXIES", "");
    const char *admin = config_env("ADMIN_AUTH");
    cfg.admin_auth = true;
    if (admin && strcmp(admin, "off") == 0)
        cfg.admin_auth = false;
    else if (admin && strcmp(admin, "on") != 0)
        return bad("ADMIN_AUTH", "must be on or off");
    if (env_int("AUTHRS_WORKERS", 1, 256, 4, &n)) return -1;
    cfg.worker_threads = (int)n;
    if (env_int("AUTHRS_HTTP_THREADS", 1, 256, procstat_cpus(), &n)) return -1;
    cfg.http_threads = (int)n;
    return 0;
}

static int load_auth(void)
{
    long n;
    if (env_int("DEFAULT_SESSION_TTL_SECS", 60, 31536000, 3600, &n)) return -1;
    cfg.default_session_ttl_secs = (int)n;
    if (env_int("ARGON2_M_KIB", 8192, 4194304, 19456, &n)) return -1;
    cfg.argon2_m_kib = (uint32_t)n;
    if (env_int("ARGON2_T", 1, 10, 2, &n)) return -1;
    cfg.argon2_t = (uint32_t)n;
    if (env_int("ARGON2_P", 1, 16, 1, &n)) return -1;
    cfg.argon2_p = (uint32_t)n;
    cfg.frontend_url = env_dup("FRONTEND_URL", NULL);
    if (cfg.frontend_url && !url_is_http_absolute(cfg.frontend_url))
        return bad("FRONTEND_URL", "must be an absolute http(s) URL");
    cfg.builder_tenant_id = env_dup("BUILDER_TENANT_ID", NULL);
    if (cfg.builder_tenant_id && !tenant_id_valid(cfg.builder_tenant_id))
        return bad("BUILDER_TENANT_ID", "must be a tenant id (lower snake_case, at most 63)");
    cfg.default_tenant_id = env_dup("DEFAULT_TENANT_ID", NULL);
    if (cfg.default_tenant_id && !tenant_id_valid(cfg.default_tenant_id))
        return bad("DEFAULT_TENANT_ID", "must be a tenant id (lower snake_case, at most 63)");
    cfg.allowed_roles = split_list(config_env("ALLOWED_ROLES"));
    return env_bool("OAUTH_ALLOW_HTTP", false, &cfg.oauth_allow_http);
}

static int load_delivery(void)
{
    long n;
    cfg.smtp_url = env_dup("SMTP_URL", NULL);
    if (cfg.smtp_url && strncmp(cfg.smtp_url, "smtp://", 7) != 0 &&
        strncmp(cfg.smtp_url, "smtps://", 8) != 0)
        return bad("SMTP_URL", "must start with smtp:// or smtps://");
    cfg.smtp_host = env_dup("SMTP_HOST", NULL);
    if (env_int("SMTP_PORT", 1, 65535, 587, &n)) return -1;
    cfg.smtp_port = (int)n;
    cfg.smtp_user = env_dup("SMTP_USER", NULL);
    cfg.smtp_pass = env_dup("SMTP_PASS", NULL);
    cfg.smtp_from = env_dup("SMTP_FROM", NULL);
    cfg.smtp_tls = env_dup("SMTP_TLS", cfg.smtp_port == 465 ? "tls" : "starttls");
    if (strcmp(cfg.smtp_tls, "starttls") && strcmp(cfg.smtp_tls, "tls") &&
        strcmp(cfg.smtp_tls, "none"))
        return bad("SMTP_TLS", "must be starttls, tls or none");
    if (env_int("SMTP_TIMEOUT_SECS", 1, 600, 30, &n)) return -1;
    cfg.smtp_timeout_secs = (int)n;
    cfg.sms_api_base = env_dup("SMS_API_BASE", "https://api.twilio.com");
    cfg.sms_account_sid = env_dup("SMS_ACCOUNT_SID", NULL);
    cfg.sms_auth_token = env_dup("SMS_AUTH_TOKEN", NULL);
    cfg.sms_from = env_dup("SMS_FROM", NULL);
    cfg.whatsapp_api_base = env_dup("WHATSAPP_API_BASE", "https://graph.facebook.com");
    cfg.whatsapp_api_version = env_dup("WHATSAPP_API_VERSION", "v21.0");
    cfg.whatsapp_phone_number_id = env_dup("WHATSAPP_PHONE_NUMBER_ID", NULL);
    cfg.whatsapp_access_token = env_dup("WHATSAPP_ACCESS_TOKEN", NULL);
    cfg.whatsapp_template_name = env_dup("WHATSAPP_TEMPLATE_NAME", NULL);
    cfg.whatsapp_template_language = env_dup("WHATSAPP_TEMPLATE_LANGUAGE", "en_US");
    cfg.outbox_path = env_dup("OUTBOX_PATH", NULL);
    const char *req = config_env("REQUIRE_DELIVERY");
    if (req && strcmp(req, "true") == 0) {
        cfg.require_email = cfg.require_sms = cfg.require_whatsapp = true;
    } else if (req && strcmp(req, "false") != 0) {
        char **list = split_list(req);
        bool ok = true;
        for (char **c = list; *c; c++) {
            if (strcmp(*c, "email") == 0)
                cfg.require_email = true;
            else if (strcmp(*c, "sms") == 0)
                cfg.require_sms = true;
            else if (strcmp(*c, "whatsapp") == 0)
                cfg.require_whatsapp = true;
            else
                ok = false;
        }
        free_list(list);
        if (!ok)
            return bad("REQUIRE_DELIVERY", "must be true, false or a list of email, sms, whatsapp");
    }
    bool email_ok = cfg.smtp_url || (cfg.smtp_host && cfg.smtp_from);
    bool sms_ok = cfg.sms_account_sid && cfg.sms_auth_token && cfg.sms_from;
    bool wa_ok = cfg.whatsapp_phone_number_id && cfg.whatsapp_access_token;
    if (cfg.require_email && !email_ok)
        return bad("REQUIRE_DELIVERY", "email has no SMTP provider");
    if (cfg.require_sms && !sms_ok) return bad("REQUIRE_DELIVERY", "sms has no SMS provider");
    if (cfg.require_whatsapp && !wa_ok)
        return bad("REQUIRE_DELIVERY", "whatsapp has no WhatsApp provider");
    return 0;
}

int config_ensure_kv_key(void)
{
    if (cfg.kv_key_set) return 0;
    char path[4096];
    snprintf(path, sizeof path, "%s.key", cfg.sqlite_path);
    char text[128] = "";
    FILE *f = fopen(path, "r");
    if (f) {
        size_t n = fread(text, 1, sizeof text - 1, f);
        fclose(f);
        while (n && isspace((unsigned char)text[n - 1]))
            n--;
        text[n] = '\0';
        uint8_t raw[96];
        if (base64_decode(text, n, raw) != 32) return bad(path, "must hold base64 of 32 bytes");
        memcpy(cfg.kv_key, raw, 32);
        cfg.kv_key_set = true;
        return 0;
    }
    uint8_t raw[32];
    crypto_random(raw, sizeof raw);
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t o = 0;
    for (size_t i = 0; i < 32; i += 3) {
        uint32_t v = (uint32_t)raw[i] << 16 | (i + 1 < 32 ? (uint32_t)raw[i + 1] << 8 : 0) |
                     (i + 2 < 32 ? raw[i + 2] : 0);
        text[o++] = b64[(v >> 18) & 63];
        text[o++] = b64[(v >> 12) & 63];
        text[o++] = i + 1 < 32 ? b64[(v >> 6) & 63] : '=';
        text[o++] = i + 2 < 32 ? b64[v & 63] : '=';
    }
    text[o] = '\0';
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0) return bad(path, "cannot create the key file");
    bool ok = write(fd, text, o) == (ssize_t)o && write(fd, "\n", 1) == 1;
    close(fd);
    if (!ok) return bad(path, "cannot write the key file");
    memcpy(cfg.kv_key, raw, 32);
    cfg.kv_key_set = true;
    log_emit(LOG_WARN, "kv_key_generated",
             json_pack("{s:s, s:s}", "path", path, "message",
                       "KV_STORE_ENCRYPTION_KEY is unset: generated a key file; back it up"));
    return 0;
}

void config_free(void)
{
    char **strings[] = {&cfg.database_url,
                        &cfg.sqlite_path,
                        &cfg.redis_url,
                        &cfg.server_host,
                        &cfg.trusted_proxies,
                        &cfg.frontend_url,
                        &cfg.builder_tenant_id,
                        &cfg.default_tenant_id,
                        &cfg.smtp_url,
                        &cfg.smtp_host,
                        &cfg.smtp_user,
                        &cfg.smtp_pass,
                        &cfg.smtp_from,
                        &cfg.smtp_tls,
                        &cfg.sms_api_base,
                        &cfg.sms_account_sid,
                        &cfg.sms_auth_token,
                        &cfg.sms_from,
                        &cfg.whatsapp_api_base,
                        &cfg.whatsapp_api_version,
                        &cfg.whatsapp_phone_number_id,
                        &cfg.whatsapp_access_token,
                        &cfg.whatsapp_template_name,
                        &cfg.whatsapp_template_language,
                        &cfg.outbox_path};
    for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++)
        free(*strings[i]);
    free_list(cfg.cors_origins);
    free_list(cfg.allowed_roles);
    memset(&cfg, 0, sizeof cfg);
}

int config_load(void)
{
    config_free();
    load_dotenv();
    if (load_database() || load_logging() || load_rate_limits() || load_http() || load_auth() ||
        load_delivery())
        return -1;
    log_configure(cfg.log_level, cfg.log_json);
    return 0;
}
