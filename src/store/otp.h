/* otp.h - one-time sign-in codes and their attempt counters (API.md 3.4).
 * Codes are stored only as keyed hashes (4.6); the newest code of a
 * (tenant, channel, identifier) replaces every earlier one. Counters count
 * wrong tries per (tenant, channel, identifier) and expire ttl after their
 * first counted try. */
#ifndef AUTHRS_STORE_OTP_H
#define AUTHRS_STORE_OTP_H

#include <stdbool.h>
#include <stdint.h>

#include "store/db.h"
#include "util/secretbox.h"

typedef struct otp_row {
    char id[37];
    char tenant_id[64];
    char channel[16];     /* "email", "sms", "whatsapp" */
    char identifier[330]; /* lower-cased email or E.164 number */
    char bare_mobile[20]; /* "" for email */
    char membership_id[37];
    char code_hash[SECRETBOX_HASH_HEX_LEN + 1];
    bool tenant_delivery; /* sent through the tenant's own provider */
    int64_t created_at, expires_at;
} otp_row;

/* Deletes every code of (tenant, channel, identifier) and inserts r (id,
 * created_at and expires_at are filled here from ttl_secs). */
int otp_code_replace(db_conn *c, otp_row *r, int ttl_secs, err *e);
/* The newest unexpired code of (tenant, channel) whose identifier is
 * `identifier`. 1 found, 0 none, -1 error. */
int otp_code_find(db_conn *c, const char *tenant_id, const char *channel, const char *identifier,
                  otp_row *out, err *e);
/* The only unexpired code of (tenant, channel) with this bare mobile: 1 when
 * exactly one exists, 0 when none or several. */
int otp_code_find_bare(db_conn *c, const char *tenant_id, const char *channel, const char *bare,
                       otp_row *out, err *e);
/* Deletes the code: 1 when this call consumed it, 0 when already gone. */
int otp_code_consume(db_conn *c, const char *id, err *e);

/* Wrong tries counted now for the key (0 when none or expired after ttl_secs). */
int otp_attempts_get(db_conn *c, const char *tenant_id, const char *channel, const char *identifier,
                     int ttl_secs, err *e);
/* Counts one wrong try (an expired counter restarts at 1); returns the count. */
int otp_attempt_add(db_conn *c, const char *tenant_id, const char *channel, const char *identifier,
                    int ttl_secs, err *e);
int otp_attempts_reset(db_conn *c, const char *tenant_id, const char *channel,
                       const char *identifier, err *e);

#endif
