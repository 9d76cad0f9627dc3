/* otp.c - one-time code rows and attempt counters (see otp.h). */
#include "store/otp.h"

#include <stdio.h>
#include <string.h>

#include "util/crypto.h"
#include "util/timeutil.h"

#define OTP_COLS                                                                                   \
    "id, tenant_id, channel, identifier, bare_mobile, membership_id, code_hash, tenant_delivery,"  \
    " created_at, expires_at"

static void copy(char *dst, size_t cap, db_stmt *st, int col)
{
    const char *s = db_col_text(st, col);
    snprintf(dst, cap, "%s", s ? s : "");
}

static void read_row(db_stmt *st, otp_row *o)
{
    memset(o, 0, sizeof *o);
    copy(o->id, sizeof o->id, st, 0);
    copy(o->tenant_id, sizeof o->tenant_id, st, 1);
    copy(o->channel, sizeof o->channel, st, 2);
    copy(o->identifier, sizeof o->identifier, st, 3);
    copy(o->bare_mobile, sizeof o->bare_mobile, st, 4);
    copy(o->membership_id, sizeof o->membership_id, st, 5);
    copy(o->code_hash, sizeof o->code_hash, st, 6);
    o->tenant_delivery = db_col_int(st, 7) != 0;
    o->created_at = db_col_int(st, 8);
    o->expires_at = db_col_int(st, 9);
}

int otp_code_replace(db_conn *c, otp_row *r, int ttl_secs, err *e)
{
    uuid_v7(r->id);
    r->created_at = now_us();
    r->expires_at = r->created_at + (int64_t)ttl_secs * 1000000;
    if (db_begin(c, e)) return -1;
    if (db_exec(c, e,
                "DELETE FROM otp_codes WHERE tenant_id = $1 AND channel = $2 AND identifier = $3",
                "sss", r->tenant_id, r->channel, r->identifier) < 0 ||
        db_exec(c, e,
                "INSERT INTO otp_codes (" OTP_COLS ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9,"
                " $10)",
                "sssssssbii", r->id, r->tenant_id, r->channel, r->identifier,
                r->bare_mobile[0] ? r->bare_mobile : NULL, r->membership_id, r->code_hash,
                r->tenant_delivery ? 1 : 0, r->created_at, r->expires_at) < 0 ||
        db_commit(c, e)) {
        db_rollback(c);
        return -1;
    }
    return 0;
}

int otp_code_find(db_conn *c, const char *tenant_id, const char *channel, const char *identifier,
                  otp_row *out, err *e)
{
    db_stmt *st =
        db_query(c, e,
                 "SELECT " OTP_COLS " FROM otp_codes WHERE tenant_id = $1 AND channel = $2"
                 " AND identifier = $3 AND expires_at > $4"
                 " ORDER BY created_at DESC, id DESC LIMIT 1",
                 "sssi", tenant_id, channel, identifier, now_us());
    if (!st) return -1;
    int rc = db_step(st, e);
    if (rc == 1) read_row(st, out);
    db_done(st);
    return rc;
}

int otp_code_find_bare(db_conn *c, const char *tenant_id, const char *channel, const char *bare,
                       otp_row *out, err *e)
{
    db_stmt *st =
        db_query(c, e,
                 "SELECT " OTP_COLS " FROM otp_codes WHERE tenant_id = $1 AND channel = $2"
                 " AND bare_mobile = $3 AND expires_at > $4 LIMIT 2",
                 "sssi", tenant_id, channel, bare, now_us());
    if (!st) return -1;
    int rc = db_step(st, e);
    if (rc == 1) {
        read_row(st, out);
        rc = db_step(st, e);
        rc = rc < 0 ? -1 : rc == 0; /* exactly one */
    }
    db_done(st);
    return rc;
}

int otp_code_consume(db_conn *c, const char *id, err *e)
{
    long n = db_exec(c, e, "DELETE FROM otp_codes WHERE id = $1", "s", id);
    return n < 0 ? -1 : n > 0;
}

int otp_attempts_get(db_conn *c, const char *tenant_id, const char *channel, const char *identifier,
                     int ttl_secs, err *e)
{
    db_stmt *st =
        db_query(c, e,
                 "SELECT count FROM otp_attempts WHERE tenant_id = $1 AND channel = $2"
                 " AND identifier = $3 AND first_at > $4",
                 "sssi", tenant_id, channel, identifier, now_us() - (int64_t)ttl_secs * 1000000);
    if (!st) return -1;
    int rc = db_step(st, e);
    int n = rc == 1 ? (int)db_col_int(st, 0) : 0;
    db_done(st);
    return rc < 0 ? -1 : n;
}

int otp_attempt_add(db_conn *c, const char *tenant_id, const char *channel, const char *identifier,
                    int ttl_secs, err *e)
{
    int64_t now = now_us();
    if (db_exec(c, e,
                "INSERT INTO otp_attempts (tenant_id, channel, identifier, count, first_at)"
                " VALUES ($1, $2, $3, 1, $4) ON CONFLICT (tenant_id, channel, identifier) DO UPDATE"
                " SET count = CASE WHEN otp_attempts.first_at <= $5 THEN 1"
                " ELSE otp_attempts.count + 1 END,"
                " first_at = CASE WHEN otp_attempts.first_at <= $5 THEN $4"
                " ELSE otp_attempts.first_at END",
                "sssii", tenant_id, channel, identifier, now,
                now - (int64_t)ttl_secs * 1000000) < 0)
        return -1;
    return otp_attempts_get(c, tenant_id, channel, identifier, ttl_secs, e);
}

int otp_attempts_reset(db_conn *c, const char *tenant_id, const char *channel,
                       const char *identifier, err *e)
{
    return db_exec(c, e,
                   "DELETE FROM otp_attempts WHERE tenant_id = $1 AND channel = $2"
                   " AND identifier = $3",
                   "sss", tenant_id, channel, identifier) < 0
               ? -1
               : 0;
}
