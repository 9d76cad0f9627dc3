/* codes.c - one-time codes and backup codes (see codes.h). */
#include "auth/codes.h"

#include <string.h>

#include "util/crypto.h"

void otp_code_new(char out[OTP_CODE_LEN + 1])
{
    uint32_t v = crypto_random_below(1000000u);
    for (int i = OTP_CODE_LEN - 1; i >= 0; i--) {
        out[i] = (char)('0' + v % 10);
        v /= 10;
    }
    out[OTP_CODE_LEN] = '\0';
}

bool otp_code_wellformed(const char *s)
{
    for (int i = 0; i < OTP_CODE_LEN; i++)
        if (s[i] < '0' || s[i] > '9') return false;
    return s[OTP_CODE_LEN] == '\0';
}

void backup_code_new(char out[BACKUP_CODE_SHOWN_LEN + 1])
{
    static const char alphabet[] = BACKUP_CODE_ALPHABET;
    size_t o = 0;
    for (int i = 0; i < BACKUP_CODE_LEN; i++) {
        if (i == BACKUP_CODE_LEN / 2) out[o++] = '-';
        out[o++] = alphabet[crypto_random_below(sizeof alphabet - 1)];
    }
    out[o] = '\0';
}

void backup_codes_new(char out[BACKUP_CODE_COUNT][BACKUP_CODE_SHOWN_LEN + 1])
{
    for (int i = 0; i < BACKUP_CODE_COUNT; i++)
        backup_code_new(out[i]);
}

bool backup_code_normalize(const char *in, char out[BACKUP_CODE_LEN + 1])
{
    size_t o = 0;
    for (const char *p = in; *p; p++) {
        char c = *p;
        if (c == ' ' || c == '\t' || c == '-') continue;
        if (c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
        if (!strchr(BACKUP_CODE_ALPHABET, c) || o == BACKUP_CODE_LEN) return false;
        out[o++] = c;
    }
    out[o] = '\0';
    return o == BACKUP_CODE_LEN;
}

int otp_code_hash(const secretbox_key *k, const char *code, char out[SECRETBOX_HASH_HEX_LEN + 1],
                  err *e)
{
    return secretbox_keyed_hash(k, OTP_CODE_HASH_LABEL, code, strlen(code), out, e);
}

int backup_code_hash(const secretbox_key *k, const char *code, char out[SECRETBOX_HASH_HEX_LEN + 1],
                     err *e)
{
    char norm[BACKUP_CODE_LEN + 1];
    if (!backup_code_normalize(code, norm)) return err_set(e, ERR_BAD_REQUEST, "Invalid MFA code");
    return secretbox_keyed_hash(k, BACKUP_CODE_HASH_LABEL, norm, BACKUP_CODE_LEN, out, e);
}
