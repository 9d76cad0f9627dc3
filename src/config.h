/* config.h - the server configuration (API.md 5.2), read from the environment
 * (and a ./.env file) once at start and validated; read-only afterwards.
 * Global state: `config` itself, filled by config_load(). */
#ifndef AUTHRS_CONFIG_H
#define AUTHRS_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/log.h"

#define RATE_LIMIT_COUNT 17

typedef struct rate_limit_default {
    const char *name;  /* e.g. "login_ip" */
    bool tenant_keyed; /* tenant kv rate_limits/<name> may override it */
    int max_requests;  /* 0 disables */
    int window_secs;
} rate_limit_default;

typedef struct config {
    char *database_url; /* "sqlite:<path>" or "postgres://..." */
    bool db_is_postgres;
    char *sqlite_path; /* for sqlite */
    char *redis_url;
    char *server_host;
    int server_port;
    log_level log_level;
    bool log_json;
    unsigned char kv_key[32];
    bool kv_key_set; /* false until loaded or generated (sqlite key file) */
    size_t body_limit;
    int http_idle_timeout_s; /* HTTP_IDLE_TIMEOUT_SECONDS */
    char **cors_origins;   /* NULL-terminated; NULL means "*" */
    char *trusted_proxies; /* raw list, parsed by http/clientip.c */
    bool rate_limits_enabled;
    rate_limit_default rate_limits[RATE_LIMIT_COUNT];
    bool admin_auth;
    int default_session_ttl_secs;
    uint32_t argon2_m_kib, argon2_t, argon2_p;
    char *frontend_url;
    char *builder_tenant_id;
    char *default_tenant_id;
    char **allowed_roles; /* NULL-terminated, may be empty */
    /* delivery */
    char *smtp_url, *smtp_host, *smtp_user, *smtp_pass, *smtp_from, *smtp_tls;
    int smtp_port, smtp_timeout_secs;
    char *sms_api_base, *sms_account_sid, *sms_auth_token, *sms_from;
    char *whatsapp_api_base, *whatsapp_api_version, *whatsapp_phone_number_id,
        *whatsapp_access_token, *whatsapp_template_name, *whatsapp_template_language;
    char *outbox_path;
    bool require_email, require_sms, require_whatsapp;
    bool oauth_allow_http;
    int worker_threads; /* AUTHRS_WORKERS: slow-work pool size */
    int http_threads;   /* AUTHRS_HTTP_THREADS: event-loop threads */
} config;

extern config cfg;

/* Loads .env (if present) and the environment into cfg. On an invalid value
 * prints "authrs: <VAR>: <reason>" to stderr and returns -1 (exit code 3). */
int config_load(void);

/* Frees what config_load() allocated and zeroes cfg. */
void config_free(void);

/* With SQLite and no KV_STORE_ENCRYPTION_KEY: loads <database file>.key, or
 * creates it (32 random bytes, base64, mode 0600) and logs a warning. */
int config_ensure_kv_key(void);

/* Reads a variable the way config does: NULL when unset or empty. */
const char *config_env(const char *name);

/* Looks up a rate-limit default by name; NULL when unknown. */
const rate_limit_default *config_rate_limit(const char *name);

/* Validation helpers shared with other modules. */
bool tenant_id_valid(const char *id); /* ^[a-z][a-z0-9_]*$, at most 63 chars */
bool url_is_http_absolute(const char *url);

#endif
