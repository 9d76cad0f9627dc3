/* mfa.c - TOTP enrolment, activation, code checks and reset (see mfa.h). */
#include "auth/mfa.h"

#include <openssl/crypto.h>
#include <qrencode.h>
#include <stdlib.h>
#include <string.h>

#include "auth/codes.h"
#include "auth/totp.h"
#include "config.h"
#include "store/identities.h"
#include "store/store.h"
#include "tenant_config.h"
#include "store/tenants.h"
#include "store/tokens.h"
#include "util/secretbox.h"
#include "util/strbuf.h"
#include "util/timeutil.h"

#define QR_QUIET_ZONE 4

static void kv_key(secretbox_key *k)
{
    secretbox_key_init(k, cfg.kv_key);
}

/* The sealing context binds a secret to its identity. */
static const char *secret_context(arena *a, const char *identity_id)
{
    return arena_printf(a, "mfa:%s", identity_id);
}

/* ---- enrolment ---- */

char *mfa_qr_svg(const char *text)
{
    QRcode *qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    if (!qr) return NULL;
    int w = qr->width, size = w + 2 * QR_QUIET_ZONE;
    strbuf sb = {0};
    sb_printf(&sb,
              "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" viewBox=\"0 0 %d %d\""
              " width=\"%d\" height=\"%d\" shape-rendering=\"crispEdges\">"
              "<rect width=\"%d\" height=\"%d\" fill=\"#ffffff\"/><path fill=\"#000000\" d=\"",
              size, size, size * 6, size * 6, size, size);
    for (int y = 0; y < w; y++) {
        for (int x = 0; x < w;) {
            if (!(qr->data[y * w + x] & 1)) {
                x++;
                continue;
            }
            int run = 1;
            while (x + run < w && (qr->data[y * w + x + run] & 1))
                run++;
            sb_printf(&sb, "M%d %dh%dv1h-%dz", x + QR_QUIET_ZONE, y + QR_QUIET_ZONE, run, run);
            x += run;
        }
    }
    sb_append(&sb, "\"/></svg>");
    QRcode_free(qr);
    return sb_steal(&sb);
}

/* The issuer (kv mfa/default.issuer, else the tenant name) and the account
 * (email, else username, else E.164 mobile, else membership id). */
static int enrol_names(db_conn *c, arena *a, const char *tenant_id, const identity *id,
                       const membership *m, const char **issuer, const char **account, err *e)
{
    const char *text = NULL;
    int rc = tenant_config_read(c, a, tenant_id, "mfa", "default", &text, e);
    if (rc < 0) return -1;
    *issuer = NULL;
    if (rc == 1) {
        json_t *v = json_loads(text, 0, NULL);
        const char *s = json_string_value(json_object_get(v, "issuer"));
        if (s && *s) *issuer = arena_strdup(a, s);
        json_decref(v);
    }
    if (!*issuer) {
        tenant t;
        rc = tenant_get(c, tenant_id, &t, e);
        if (rc < 0) return -1;
        *issuer = arena_strdup(a, rc == 1 ? t.name : tenant_id);
    }
    if (id->email)
        *account = id->email;
    else if (m->username)
        *account = m->username;
    else if (id->mobile && id->country_code)
        *account = arena_printf(a, "%s%s", id->country_code, id->mobile);
    else
        *account = m->id;
    return 0;
}

int mfa_enable(db_conn *c, arena *a, const char *tenant_id, const char *membership_id,
               const char *identity_id, json_t **out, err *e)
{
    identity id;
    membership m;
    int rc = identity_get(c, a, identity_id, &id, e);
    if (rc == 1) rc = membership_get(c, a, membership_id, &m, e);
    if (rc < 0) return -1;
    if (rc == 0) return err_internal(e, "mfa enable: session without identity or membership");
    if (id.mfa_enabled) return err_set(e, ERR_CONFLICT, "MFA is already enabled");
    const char *issuer, *account;
    if (enrol_names(c, a, tenant_id, &id, &m, &issuer, &account, e)) return -1;

    char secret[TOTP_SECRET_B32_LEN + 1];
    totp_secret_new(secret);
    secretbox_key k;
    kv_key(&k);
    char *sealed = NULL;
    rc = secretbox_seal(&k, secret_context(a, identity_id), secret, strlen(secret), &sealed, e);
    secretbox_key_wipe(&k);
    if (rc == 0) rc = mfa_set_pending(c, identity_id, sealed, e);
    free(sealed);
    if (rc != 1) {
        OPENSSL_cleanse(secret, sizeof secret);
        return rc == 0 ? err_set(e, ERR_CONFLICT, "MFA is already enabled") : -1;
    }
    char *uri = totp_uri(issuer, account, secret);
    char *svg = mfa_qr_svg(uri);
    if (!svg) {
        free(uri);
        OPENSSL_cleanse(secret, sizeof secret);
        return err_internal(e, "mfa enable: QR encoding failed");
    }
    *out = json_pack("{s:s,s:s,s:s}", "secret", secret, "otpauthUri", uri, "qrSvg", svg);
    OPENSSL_cleanse(secret, sizeof secret);
    free(uri);
    free(svg);
    return 0;
}

/* ---- codes ---- */

/* Opens a sealed secret into key; returns the key length or -1. */
static long open_key(arena *a, const char *identity_id, const char *sealed, uint8_t key[64], err *e)
{
    secretbox_key k;
    kv_key(&k);
    char *plain = NULL;
    int rc = secretbox_open(&k, secret_context(a, identity_id), sealed, &plain, NULL, e);
    secretbox_key_wipe(&k);
    if (rc) return -1;
    long n = totp_secret_decode(plain, key);
    OPENSSL_cleanse(plain, strlen(plain));
    free(plain);
    if (n <= 0) return err_internal(e, "mfa: stored secret is not base32");
    return n;
}

/* ASCII-trimmed copy of code in the arena. */
static const char *trim_code(arena *a, const char *code)
{
    while (*code == ' ' || *code == '\t' || *code == '\n' || *code == '\r')
        code++;
    size_t n = strlen(code);
    while (n && (code[n - 1] == ' ' || code[n - 1] == '\t' || code[n - 1] == '\n' ||
                 code[n - 1] == '\r'))
        n--;
    return arena_strndup(a, code, n);
}

/* 1 when code is a TOTP code of the sealed secret for a step after last_step;
 * *step receives the matched step. */
static int totp_matches(arena *a, const char *identity_id, const char *sealed, int64_t last_step,
                        const char *code, int64_t *step, err *e)
{
    uint8_t key[64];
    long n = open_key(a, identity_id, sealed, key, e);
    if (n < 0) return -1;
    bool ok = totp_verify(key, (size_t)n, code, now_us() / 1000000, last_step, step);
    OPENSSL_cleanse(key, sizeof key);
    return ok;
}

int mfa_check_code(db_conn *c, arena *a, const char *identity_id, const mfa_state *st,
                   const char *code, err *e)
{
    if (!st->enabled || !st->secret) return 0;
    const char *t = trim_code(a, code);
    if (otp_code_wellformed(t)) {
        int64_t step;
        int rc = totp_matches(a, identity_id, st->secret, st->last_step, t, &step, e);
        if (rc != 1) return rc;
        return mfa_record_step(c, identity_id, step, e);
    }
    char norm[BACKUP_CODE_LEN + 1];
    if (!backup_code_normalize(code, norm)) return 0;
    secretbox_key k;
    kv_key(&k);
    char hash[SECRETBOX_HASH_HEX_LEN + 1];
    int rc = backup_code_hash(&k, norm, hash, e);
    secretbox_key_wipe(&k);
    if (rc) return -1;
    return mfa_backup_consume(c, identity_id, hash, e);
}

int mfa_verify(db_conn *c, arena *a, const char *identity_id, const char *code, json_t **out,
               err *e)
{
    mfa_state st;
    int rc = mfa_state_get(c, a, identity_id, &st, e);
    if (rc < 0) return -1;
    if (rc == 0) return err_internal(e, "mfa verify: no identity");
    if (st.enabled) return err_set(e, ERR_CONFLICT, "MFA is already enabled");
    if (!st.pending) return err_set(e, ERR_BAD_REQUEST, "No MFA enrolment in progress");
    const char *t = trim_code(a, code);
    int64_t step = 0;
    rc = otp_code_wellformed(t)
             ? totp_matches(a, identity_id, st.pending, st.last_step, t, &step, e)
             : 0;
    if (rc < 0) return -1;
    if (rc == 0) return err_set(e, ERR_BAD_REQUEST, "Invalid MFA code");

    char shown[BACKUP_CODE_COUNT][BACKUP_CODE_SHOWN_LEN + 1];
    char hashes[BACKUP_CODE_COUNT][SECRETBOX_HASH_HEX_LEN + 1];
    backup_codes_new(shown);
    secretbox_key k;
    kv_key(&k);
    for (int i = 0; i < BACKUP_CODE_COUNT && rc >= 0; i++)
        if (backup_code_hash(&k, shown[i], hashes[i], e)) rc = -1;
    secretbox_key_wipe(&k);
    if (rc < 0) return -1;
    if (db_begin(c, e)) return -1;
    rc = mfa_activate(c, identity_id, st.pending, step, e);
    if (rc == 0) err_set(e, ERR_CONFLICT, "MFA is already enabled");
    if (rc != 1 || mfa_backup_replace(c, identity_id, hashes, BACKUP_CODE_COUNT, e) ||
        db_commit(c, e)) {
        db_rollback(c);
        return -1;
    }
    json_t *codes = json_array();
    for (int i = 0; i < BACKUP_CODE_COUNT; i++)
        json_array_append_new(codes, json_string(shown[i]));
    OPENSSL_cleanse(shown, sizeof shown);
    *out = json_pack("{s:b,s:o}", "mfaEnabled", 1, "backupCodes", codes);
    return 0;
}

/* ---- reset ---- */

int mfa_reset_identity(db_conn *c, const char *identity_id, err *e)
{
    if (db_begin(c, e)) return -1;
    if (mfa_clear(c, identity_id, e) || token_delete_identity(c, identity_id, TOK_MFA, e) ||
        db_commit(c, e)) {
        db_rollback(c);
        return -1;
    }
    return 0;
}

double mfa_enabled_gauge(void *ctx)
{
    (void)ctx;
    err e = {0};
    db_conn *c = db_acquire(store_db);
    long n = mfa_count_enabled(c, &e);
    db_release(store_db, c);
    return n < 0 ? 0 : (double)n;
}
