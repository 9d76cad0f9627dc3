/* main.c - the authrs command line (API.md 5.1): serve, migrate, tenant, version.
 * Exit codes: 0 success, 1 operation failed, 2 usage error, 3 bad configuration. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/password.h"
#include "auth/password_policy.h"
#include "auth/mfa.h"
#include "auth/session.h"
#include "courier/courier.h"
#include "config.h"
#include "http/server.h"
#include "series.h"
#include "store/identities.h"
#include "store/members_bootstrap.h"
#include "store/roles.h"
#include "store/store.h"
#include "store/tenants.h"
#include "store/tokens.h"
#include "auth/admin_users.h"
#include "util/crypto.h"
#include "util/log.h"
#include "util/timeutil.h"
#include "util/utf8.h"
#include "util/validate.h"

enum { EXIT_OK = 0, EXIT_FAILED = 1, EXIT_USAGE = 2, EXIT_CONFIG = 3 };

static int usage(FILE *out)
{
    fputs(
        "usage:\n"
        "  authrs serve\n"
        "  authrs migrate\n"
        "  authrs tenant create <id> [--name N] [--admin-email E [--admin-password P]]\n"
        "  authrs tenant list [--json]\n"
        "  authrs tenant set-status <id> active|suspended\n"
        "  authrs user create --tenant T (--email E | --username U | --mobile M --country-code C)\n"
        "                     [--first-name F] [--last-name L] [--password P] [--role UID]...\n"
        "                     [--force-password-change]\n"
        "  authrs user disable --email E    authrs user enable --email E\n"
        "  authrs user reset-mfa --email E\n"
        "  authrs version\n"
        "  authrs help | --help\n"
        "Passwords may come from AUTHRS_ADMIN_PASSWORD / AUTHRS_USER_PASSWORD instead of the\n"
        "command line, where other local users can see them.\n",
        out);
    return out == stdout ? EXIT_OK : EXIT_USAGE;
}

static int fail(const err *e)
{
    fprintf(stderr, "authrs: %s\n", e->detail);
    return EXIT_FAILED;
}

static int open_store(void)
{
    err e;
    if (store_open(2, &e)) return fail(&e);
    return EXIT_OK;
}

/* Courier result hook: the delivery series of API.md 5.3. */
static void count_delivery(const courier_message *m, courier_route via, bool ok, void *ctx)
{
    (void)via;
    (void)ctx;
    const char *channel[] = {courier_channel_name(m->channel), NULL};
    if (!ok)
        metric_inc(series_delivery_failures, channel);
    else if (m->kind == COURIER_OTP)
        metric_inc(series_otp_sent, channel);
}

static int cmd_serve(void)
{
    err e;
    if (store_open(cfg.http_threads + cfg.worker_threads + 4, &e)) return fail(&e);
    if (cfg.redis_url)
        log_msg(LOG_WARN, "redis_unsupported",
                "REDIS_URL is set, but rate-limit counters are kept per node by this build");
    series_init(session_count_active, mfa_enabled_gauge, NULL);
    session_service_start();
    courier_settings delivery = {.outbox_path = cfg.outbox_path, .on_result = count_delivery};
    if (courier_start(&delivery, &e)) {
        store_close();
        return fail(&e);
    }
    int rc = server_run(&e) ? fail(&e) : EXIT_OK;
    session_service_stop();
    courier_stop();
    store_close();
    return rc;
}

/* Random admin password for `make run`: 18 bytes of base64url (24 chars). */
static void random_password(char out[32])
{
    uint8_t raw[18];
    crypto_random(raw, sizeof raw);
    base64url_encode(raw, sizeof raw, out);
}

static int create_admin(db_conn *c, const char *tenant_id, const char *email, const char *role_id,
                        const char *password, err *e)
{
    char generated[32] = "";
    int exists = members_identity_exists(c, email, e);
    if (exists < 0) return -1;
    if (!exists && !password) {
        random_password(generated);
        password = generated;
    }
    char hash[128] = "";
    if (!exists) {
        if (password_policy_check(NULL, 0, password, e)) return -1;
        argon2_params params = {cfg.argon2_m_kib, cfg.argon2_t, cfg.argon2_p};
        if (password_hash(&params, password, strlen(password), hash, e)) return -1;
    }
    bool created;
    if (members_bootstrap_admin(c, tenant_id, email, hash, role_id, &created, e)) return -1;
    if (created && generated[0])
        printf("admin %s password: %s (printed once; set AUTHRS_ADMIN_PASSWORD to choose it)\n",
               email, generated);
    return 0;
}

static int tenant_create(const char *id, const char *name, const char *email, const char *password)
{
    if (open_store()) return EXIT_FAILED;
    err e;
    db_conn *c = db_acquire(store_db);
    tenant t;
    char role_id[37];
    char *default_name = strdup(id);
    for (char *p = default_name; *p; p++)
        if (*p == '_') *p = ' ';
    int found = db_begin(c, &e) ? -1 : tenant_get(c, id, &t, &e);
    int rc = found < 0 ? -1 : 0;
    bool exists = found == 1;
    if (!rc && !exists)
        rc = tenant_insert(c, id, name ? name : default_name, &e);
    else if (!rc && name && strcmp(t.name, name) != 0)
        rc = tenant_set_name(c, id, name, &e);
    if (!rc) rc = tenant_bootstrap(c, id, role_id, &e);
    if (!rc && email) rc = create_admin(c, id, email, role_id, password, &e);
    if (!rc) rc = store_bump_cache_epoch(c, &e);
    if (!rc)
        rc = db_commit(c, &e);
    else
        db_rollback(c);
    db_release(store_db, c);
    free(default_name);
    store_close();
    if (rc) return fail(&e);
    printf("tenant %s %s\n", id, exists ? "updated" : "created");
    return EXIT_OK;
}

static int cmd_tenant_create(int argc, char **argv)
{
    if (argc < 1) return usage(stderr);
    const char *id = argv[0], *name = NULL, *email = NULL, *password = NULL;
    for (int i = 1; i < argc; i++) {
        if (i + 1 >= argc) return usage(stderr);
        if (strcmp(argv[i], "--name") == 0)
            name = argv[++i];
        else if (strcmp(argv[i], "--admin-email") == 0)
            email = argv[++i];
        else if (strcmp(argv[i], "--admin-password") == 0)
            password = argv[++i];
        else
            return usage(stderr);
    }
    if (!tenant_id_valid(id)) {
        fprintf(stderr, "authrs: tenant id must be lower snake_case (e.g. my_tenant), at most 63 "
                        "characters\n");
        return EXIT_USAGE;
    }
    char *trimmed_name = name ? utf8_trim(name) : NULL;
    if (name && (!*trimmed_name || utf8_length(trimmed_name) > 255)) {
        fprintf(stderr, "authrs: --name must be 1 to 255 characters\n");
        free(trimmed_name);
        return EXIT_USAGE;
    }
    if (password && !email) {
        free(trimmed_name);
        return usage(stderr);
    }
    if (email && !email_valid(email)) {
        fprintf(stderr, "authrs: --admin-email is not a valid email\n");
        free(trimmed_name);
        return EXIT_USAGE;
    }
    if (!password) password = config_env("AUTHRS_ADMIN_PASSWORD");
    int rc = tenant_create(id, trimmed_name, email, password);
    free(trimmed_name);
    return rc;
}

static int print_tenant_line(const tenant *t, void *ctx)
{
    (void)ctx;
    char ts[RFC3339_LEN + 1];
    time_format(t->created_at, ts);
    printf("%s\t%s\t%s\t%s\n", t->id, t->name, t->status, ts);
    return 0;
}

static int collect_tenant_json(const tenant *t, void *ctx)
{
    char ts[RFC3339_LEN + 1];
    time_format(t->created_at, ts);
    json_array_append_new(ctx, json_pack("{s:s, s:s, s:s, s:s}", "id", t->id, "name", t->name,
                                         "status", t->status, "createdAt", ts));
    return 0;
}

static int cmd_tenant_list(int argc, char **argv)
{
    bool as_json = argc == 1 && strcmp(argv[0], "--json") == 0;
    if (argc > 1 || (argc == 1 && !as_json)) return usage(stderr);
    if (open_store()) return EXIT_FAILED;
    err e;
    db_conn *c = db_acquire(store_db);
    json_t *list = json_array();
    int rc = tenant_list(c, as_json ? collect_tenant_json : print_tenant_line, list, &e);
    db_release(store_db, c);
    store_close();
    if (!rc && as_json) {
        char *text = json_dumps(list, JSON_COMPACT | JSON_PRESERVE_ORDER);
        puts(text);
        free(text);
    }
    json_decref(list);
    return rc ? fail(&e) : EXIT_OK;
}

static int cmd_tenant_set_status(int argc, char **argv)
{
    if (argc != 2 || (strcmp(argv[1], "active") && strcmp(argv[1], "suspended")))
        return usage(stderr);
    if (!tenant_id_valid(argv[0])) return usage(stderr);
    if (open_store()) return EXIT_FAILED;
    err e;
    db_conn *c = db_acquire(store_db);
    int rc = tenant_set_status(c, argv[0], argv[1], &e);
    if (!rc) rc = store_bump_cache_epoch(c, &e);
    db_release(store_db, c);
    store_close();
    return rc ? fail(&e) : EXIT_OK;
}

/* `user disable|enable --email E`: the identity's status; disabling revokes
 * every session and token of the identity (API.md 4.5). */
static int cmd_user_status(const char *action, int argc, char **argv)
{
    if (argc != 2 || strcmp(argv[0], "--email") != 0) return usage(stderr);
    const char *email = argv[1];
    bool disable = strcmp(action, "disable") == 0;
    if (open_store()) return EXIT_FAILED;
    err e;
    err_clear(&e);
    arena *a = arena_new(1024);
    db_conn *c = db_acquire(store_db);
    identity id;
    int rc = db_begin(c, &e) ? -1 : identity_find_by_email(c, a, email, &id, &e);
    if (rc == 0) err_set(&e, ERR_NOT_FOUND, "no identity has the email %s", email);
    rc = rc == 1 ? 0 : -1;
    if (!rc) rc = identity_set_status(c, id.id, disable ? "disabled" : "active", &e);
    if (!rc && disable) rc = session_revoke_identity(c, id.id, NULL, &e) < 0 ? -1 : 0;
    if (!rc && disable)
        rc = token_delete_identity(
            c, id.id, TOK_IDENTITY | TOK_MFA | TOK_CHANGE | TOK_RESET | TOK_INVITE, &e);
    if (!rc)
        rc = db_commit(c, &e);
    else
        db_rollback(c);
    if (!rc) rc = session_cache_changed(c, &e);
    db_release(store_db, c);
    arena_free(a);
    store_close();
    if (rc) return fail(&e);
    printf("identity %s %s\n", email, disable ? "disabled" : "enabled");
    return EXIT_OK;
}

/* `user create --tenant T (--email E | --username U | --mobile M --country-code C)
 * [--first-name F] [--last-name L] [--password P] [--role UID]... [--force-password-change]`:
 * the rules of POST /admin/users (API.md 5.1); prints the membership id. */
typedef struct user_create_args {
    const char *tenant;
    admin_user_input in;
    const char *roles[32];
    int nroles;
    bool force;
} user_create_args;

static int parse_user_create(int argc, char **argv, user_create_args *u)
{
    memset(u, 0, sizeof *u);
    for (int i = 0; i < argc; i++) {
        const char *flag = argv[i];
        if (strcmp(flag, "--force-password-change") == 0) {
            u->force = true;
            continue;
        }
        if (i + 1 >= argc) return -1;
        const char *v = argv[++i];
        if (strcmp(flag, "--tenant") == 0)
            u->tenant = v;
        else if (strcmp(flag, "--email") == 0)
            u->in.email = v;
        else if (strcmp(flag, "--username") == 0)
            u->in.username = v;
        else if (strcmp(flag, "--mobile") == 0)
            u->in.mobile = v;
        else if (strcmp(flag, "--country-code") == 0)
            u->in.country_code = v;
        else if (strcmp(flag, "--first-name") == 0)
            u->in.first_name = v;
        else if (strcmp(flag, "--last-name") == 0)
            u->in.last_name = v;
        else if (strcmp(flag, "--password") == 0)
            u->in.password = v;
        else if (strcmp(flag, "--role") == 0 && u->nroles < 32)
            u->roles[u->nroles++] = v;
        else
            return -1;
    }
    bool handle = u->in.email || u->in.username || (u->in.mobile && u->in.country_code);
    if (!u->tenant || !tenant_id_valid(u->tenant) || !handle) return -1;
    if (!u->in.password) u->in.password = config_env("AUTHRS_USER_PASSWORD");
    u->in.retype = u->in.password;
    return 0;
}

/* Resolves every --role before anything is created, so a typo changes nothing. */
static int user_create_resolve_roles(db_conn *c, const user_create_args *u, char ids[][37], err *e)
{
    for (int i = 0; i < u->nroles; i++) {
        int rc = role_id_by_uid(c, u->tenant, u->roles[i], ids[i], e);
        if (rc == 0) return err_set(e, ERR_NOT_FOUND, "no role with uid %s", u->roles[i]);
        if (rc < 0) return -1;
    }
    return 0;
}

static int cmd_user_create(int argc, char **argv)
{
    user_create_args u;
    if (parse_user_create(argc, argv, &u)) return usage(stderr);
    if (open_store()) return EXIT_FAILED;
    err e;
    err_clear(&e);
    arena *a = arena_new(4096);
    db_conn *c = db_acquire(store_db);
    tenant t;
    json_t *user = NULL;
    int rc = tenant_get(c, u.tenant, &t, &e);
    if (rc == 0) err_set(&e, ERR_NOT_FOUND, "Tenant not found");
    char role_ids[32][37];
    rc = rc == 1 ? user_create_resolve_roles(c, &u, role_ids, &e) : -1;
    if (!rc) rc = admin_user_create(c, a, &t, &u.in, &user, &e);
    const char *member = json_string_value(json_object_get(user, "id"));
    const char *status = json_string_value(json_object_get(user, "status"));
    const char *identity_id = json_string_value(json_object_get(user, "identityId"));
    for (int i = 0; !rc && i < u.nroles; i++)
        rc = user_role_assign(c, a, u.tenant, member, role_ids[i], &e);
    if (!rc && u.force && status && strcmp(status, "active") == 0)
        rc = identity_require_password_change(c, identity_id, &e);
    if (!rc) rc = session_cache_changed(c, &e);
    if (!rc) printf("%s\n", member);
    json_decref(user);
    db_release(store_db, c);
    arena_free(a);
    store_close();
    return rc ? fail(&e) : EXIT_OK;
}

/* `user reset-mfa --email E`: MFA off for the identity, in every tenant. */
static int cmd_user_reset_mfa(int argc, char **argv)
{
    if (argc != 2 || strcmp(argv[0], "--email") != 0) return usage(stderr);
    if (open_store()) return EXIT_FAILED;
    err e;
    err_clear(&e);
    arena *a = arena_new(1024);
    db_conn *c = db_acquire(store_db);
    identity id;
    int rc = identity_find_by_email(c, a, argv[1], &id, &e);
    if (rc == 0) err_set(&e, ERR_NOT_FOUND, "no identity has the email %s", argv[1]);
    rc = rc == 1 ? mfa_reset_identity(c, id.id, &e) : -1;
    db_release(store_db, c);
    arena_free(a);
    store_close();
    if (rc) return fail(&e);
    printf("MFA reset for %s\n", argv[1]);
    return EXIT_OK;
}

int main(int argc, char **argv)
{
    if (argc < 2) return usage(stderr);
    const char *cmd = argv[1];
    if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0) return usage(stdout);
    if (strcmp(cmd, "version") == 0) {
        printf("authrs %s\n", AUTHRS_VERSION);
        return EXIT_OK;
    }
    bool known = strcmp(cmd, "serve") == 0 || strcmp(cmd, "migrate") == 0 ||
                 strcmp(cmd, "tenant") == 0 || strcmp(cmd, "user") == 0;
    if (!known) return usage(stderr);
    if (config_load()) return EXIT_CONFIG;
    if (strcmp(cmd, "serve") == 0) return argc == 2 ? cmd_serve() : usage(stderr);
    if (strcmp(cmd, "migrate") == 0) {
        if (argc != 2) return usage(stderr);
        int rc = open_store();
        if (!rc) store_close();
        return rc;
    }
    if (argc < 3) return usage(stderr);
    const char *sub = argv[2];
    if (strcmp(cmd, "user") == 0) {
        if (strcmp(sub, "disable") == 0 || strcmp(sub, "enable") == 0)
            return cmd_user_status(sub, argc - 3, argv + 3);
        if (strcmp(sub, "reset-mfa") == 0) return cmd_user_reset_mfa(argc - 3, argv + 3);
        if (strcmp(sub, "create") == 0) return cmd_user_create(argc - 3, argv + 3);
        return usage(stderr);
    }
    if (strcmp(sub, "create") == 0) return cmd_tenant_create(argc - 3, argv + 3);
    if (strcmp(sub, "list") == 0) return cmd_tenant_list(argc - 3, argv + 3);
    if (strcmp(sub, "set-status") == 0) return cmd_tenant_set_status(argc - 3, argv + 3);
    return usage(stderr);
}
