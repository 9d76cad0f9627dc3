/* totp.c - RFC 6238 codes, verification window and enrolment URI (see totp.h). */
#include "auth/totp.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <string.h>

#include "util/base32.h"
#include "util/crypto.h"
#include "util/strbuf.h"

uint32_t totp_truncated_value(const uint8_t *key, size_t key_len, uint64_t counter)
{
    uint8_t msg[8], mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;
    for (int i = 0; i < 8; i++)
        msg[i] = (uint8_t)(counter >> (56 - 8 * i));
    HMAC(EVP_sha1(), key, (int)key_len, msg, sizeof msg, mac, &mac_len);
    unsigned offset = mac[19] & 0x0f;
    uint32_t v = (uint32_t)(mac[offset] & 0x7f) << 24 | (uint32_t)mac[offset + 1] << 16 |
                 (uint32_t)mac[offset + 2] << 8 | mac[offset + 3];
    OPENSSL_cleanse(mac, sizeof mac);
    return v;
}

int64_t totp_step(int64_t unix_secs)
{
    /* floor division: times before 1970 are not expected, but stay correct */
    int64_t q = unix_secs / TOTP_PERIOD_SECS;
    return (unix_secs % TOTP_PERIOD_SECS < 0) ? q - 1 : q;
}

void totp_code(const uint8_t *key, size_t key_len, int64_t step, char out[TOTP_DIGITS + 1])
{
    uint32_t v = totp_truncated_value(key, key_len, (uint64_t)step) % 1000000u;
    for (int i = TOTP_DIGITS - 1; i >= 0; i--) {
        out[i] = (char)('0' + v % 10);
        v /= 10;
    }
    out[TOTP_DIGITS] = '\0';
}

static bool six_digits(const char *code)
{
    for (int i = 0; i < TOTP_DIGITS; i++)
        if (code[i] < '0' || code[i] > '9') return false;
    return code[TOTP_DIGITS] == '\0';
}

bool totp_verify(const uint8_t *key, size_t key_len, const char *code, int64_t unix_now,
                 int64_t last_step, int64_t *matched_step)
{
    if (!code || !six_digits(code)) return false;
    int64_t now = totp_step(unix_now);
    bool found = false;
    for (int64_t step = now - 1; step <= now + 1; step++) {
        char expected[TOTP_DIGITS + 1];
        totp_code(key, key_len, step, expected);
        bool equal = crypto_equal(expected, code, TOTP_DIGITS);
        if (equal && step > last_step && !found) {
            found = true;
            *matched_step = step;
        }
    }
    return found;
}

void totp_secret_new(char out[TOTP_SECRET_B32_LEN + 1])
{
    uint8_t raw[TOTP_SECRET_BYTES];
    crypto_random(raw, sizeof raw);
    base32_encode(raw, sizeof raw, out);
    OPENSSL_cleanse(raw, sizeof raw);
}

long totp_secret_decode(const char *secret_b32, uint8_t key[64])
{
    long n = base32_decode(secret_b32, strlen(secret_b32), key, 64);
    return n > 0 ? n : -1;
}

/* RFC 3986: unreserved characters stay, every other byte becomes %XX. */
static void percent_encode(strbuf *sb, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        unsigned char c = *p;
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '.' || c == '_' || c == '~') {
            sb_append_char(sb, (char)c);
        } else {
            sb_append_char(sb, '%');
            sb_append_char(sb, hex[c >> 4]);
            sb_append_char(sb, hex[c & 15]);
        }
    }
}

char *totp_uri(const char *issuer, const char *account, const char *secret_b32)
{
    strbuf sb = STRBUF_INIT;
    sb_append(&sb, "otpauth://totp/");
    percent_encode(&sb, issuer);
    sb_append_char(&sb, ':');
    percent_encode(&sb, account);
    sb_append(&sb, "?secret=");
    sb_append(&sb, secret_b32);
    sb_append(&sb, "&issuer=");
    percent_encode(&sb, issuer);
    sb_printf(&sb, "&algorithm=SHA1&digits=%d&period=%d", TOTP_DIGITS, TOTP_PERIOD_SECS);
    return sb_steal(&sb);
}
