/* texts.c - the message texts of API.md 5.5 and their rendering as an
 * RFC 5322 email (headers, RFC 2047 subjects, CRLF line endings). */
#include "courier/courier.h"

#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/crypto.h"

static char *dup_or_null(const char *s)
{
    if (!s) return NULL;
    char *d = strdup(s);
    if (!d) abort();
    return d;
}

/* A heap string (caller frees) formatted like printf. */
static char *format(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *format(const char *fmt, ...)
{
    va_list ap, again;
    va_start(ap, fmt);
    va_copy(again, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *s = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (!s) abort();
    vsnprintf(s, (size_t)n + 1, fmt, again);
    va_end(again);
    return s;
}

static void message_init(courier_message *m, courier_kind kind, courier_channel ch,
                         const char *tenant_id, const char *tenant_name, const char *to)
{
    memset(m, 0, sizeof *m);
    m->kind = kind;
    m->channel = ch;
    m->tenant_id = dup_or_null(tenant_id);
    m->tenant_name = dup_or_null(tenant_name);
    m->to = dup_or_null(to);
}

/* {base}{path}?token={token}, without the base's trailing '/'; NULL without a base. */
static char *make_link(const char *base, const char *path, const char *token)
{
    if (!base || !*base) return NULL;
    size_t len = strlen(base);
    while (len > 0 && base[len - 1] == '/')
        len--;
    return format("%.*s%s?token=%s", (int)len, base, path, token);
}

void courier_build_otp(courier_message *m, courier_channel ch, const char *tenant_id,
                       const char *tenant_name, const char *to, const char *code, int ttl_secs)
{
    int minutes = ttl_secs / 60;
    message_init(m, COURIER_OTP, ch, tenant_id, tenant_name, to);
    m->code = dup_or_null(code);
    if (ch == COURIER_EMAIL) {
        m->subject = format("Your %s sign-in code", tenant_name);
        m->body = format("Your sign-in code for %s is %s.\n"
                         "\n"
                         "It expires in %d minutes and works only once. If you did not try to "
                         "sign in,\n"
                         "you can ignore this message.",
                         tenant_name, code, minutes);
    } else {
        m->body = format("%s is your %s sign-in code. It expires in %d minutes. Do not share it "
                         "with anyone.",
                         code, tenant_name, minutes);
    }
}

void courier_build_reset(courier_message *m, const char *tenant_id, const char *tenant_name,
                         const char *to, const char *token, const char *link_base)
{
    message_init(m, COURIER_PASSWORD_RESET, COURIER_EMAIL, tenant_id, tenant_name, to);
    m->token = dup_or_null(token);
    m->link = make_link(link_base, "/reset-password", token);
    m->subject = format("Reset your %s password", tenant_name);
    m->body = format("We received a request to reset the password of your account.\n"
                     "\n"
                     "%s\n"
                     "%s\n"
                     "\n"
                     "The link expires in 60 minutes and works only once. If you did not ask "
                     "for this,\n"
                     "ignore this message; your password stays the same.",
                     m->link ? "To choose a new password, open this link:"
                             : "To choose a new password, enter this reset code in the "
                               "application:",
                     m->link ? m->link : token);
}

void courier_build_invite(courier_message *m, courier_channel ch, const char *tenant_id,
                          const char *tenant_name, const char *to, const char *token,
                          const char *link_base)
{
    message_init(m, COURIER_INVITE, ch, tenant_id, tenant_name, to);
    m->token = dup_or_null(token);
    m->link = make_link(link_base, "/verify-membership", token);
    const char *what = m->link ? m->link : token;
    if (ch == COURIER_EMAIL) {
        m->subject = format("Confirm joining %s", tenant_name);
        m->body = format("Someone asked to add your account to %s.\n"
                         "\n"
                         "%s\n"
                         "%s\n"
                         "\n"
                         "The link expires in 60 minutes. If you did not ask for this, ignore "
                         "this message\n"
                         "and nothing will change.",
                         tenant_name,
                         m->link ? "If this was you, confirm by opening this link:"
                                 : "If this was you, confirm with this code:",
                         what);
    } else {
        m->body = format("Confirm joining %s: %s. Expires in 60 minutes. Ignore this if it was "
                         "not you.",
                         tenant_name, what);
    }
}

void courier_message_copy(courier_message *dst, const courier_message *src)
{
    dst->kind = src->kind;
    dst->channel = src->channel;
    dst->tenant_id = dup_or_null(src->tenant_id);
    dst->tenant_name = dup_or_null(src->tenant_name);
    dst->to = dup_or_null(src->to);
    dst->subject = dup_or_null(src->subject);
    dst->body = dup_or_null(src->body);
    dst->code = dup_or_null(src->code);
    dst->token = dup_or_null(src->token);
    dst->link = dup_or_null(src->link);
}

void courier_message_free(courier_message *m)
{
    char **fields[] = {&m->tenant_id, &m->tenant_name, &m->to,    &m->subject,
                       &m->body,      &m->code,        &m->token, &m->link};
    for (size_t i = 0; i < sizeof fields / sizeof *fields; i++) {
        free(*fields[i]);
        *fields[i] = NULL;
    }
}

/* ---- email rendering ----------------------------------------------------- */

static bool is_plain_ascii(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e) return false;
    return true;
}

static bool has_8bit(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s >= 0x80) return true;
    return false;
}

static bool has_control(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f) return true;
    return false;
}

/* One encoded word holds at most 39 bytes: "=?UTF-8?B?" + 52 base64 + "?=" = 64
 * characters, so that even "Subject: " and the first word fit in 76. */
#define WORD_BYTES 39

void courier_encode_header_text(const char *text, strbuf *out)
{
    if (is_plain_ascii(text) && !strstr(text, "=?")) {
        sb_append(out, text);
        return;
    }
    size_t len = strlen(text), at = 0;
    while (at < len) {
        size_t n = len - at < WORD_BYTES ? len - at : WORD_BYTES;
        /* never split a UTF-8 sequence: back up over continuation bytes */
        while (n > 0 && at + n < len && ((unsigned char)text[at + n] & 0xc0) == 0x80)
            n--;
        if (n == 0) n = len - at < WORD_BYTES ? len - at : WORD_BYTES;
        unsigned char b64[4 * ((WORD_BYTES + 2) / 3) + 1];
        EVP_EncodeBlock(b64, (const unsigned char *)text + at, (int)n);
        if (at > 0) sb_append(out, "\r\n ");
        sb_printf(out, "=?UTF-8?B?%s?=", (const char *)b64);
        at += n;
    }
}

int courier_mailbox_address(const char *mailbox, char *out, size_t n)
{
    const char *lt = strrchr(mailbox, '<');
    const char *start = mailbox, *end = mailbox + strlen(mailbox);
    if (lt) {
        const char *gt = strchr(lt, '>');
        if (!gt || gt[1] != '\0') return -1;
        start = lt + 1;
        end = gt;
    } else {
        while (*start == ' ')
            start++;
        while (end > start && end[-1] == ' ')
            end--;
    }
    size_t len = (size_t)(end - start);
    if (len == 0 || len >= n) return -1;
    const char *at = memchr(start, '@', len);
    if (!at || at == start || at == end - 1) return -1;
    for (const char *p = start; p < end; p++)
        if ((unsigned char)*p <= 0x20 || *p == 0x7f || strchr("<>,;\"()[]\\", *p)) return -1;
    memcpy(out, start, len);
    out[len] = '\0';
    return 0;
}

/* Writes the From header value: a non-ASCII display name is RFC 2047-encoded. */
static void append_mailbox(strbuf *out, const char *mailbox)
{
    const char *lt = strrchr(mailbox, '<');
    if (!lt || is_plain_ascii(mailbox)) {
        sb_append(out, mailbox);
        return;
    }
    size_t name_len = (size_t)(lt - mailbox);
    while (name_len > 0 && mailbox[name_len - 1] == ' ')
        name_len--;
    char *name = strndup(mailbox, name_len);
    if (!name) abort();
    courier_encode_header_text(name, out);
    sb_printf(out, " %s", lt);
    free(name);
}

static void append_date(strbuf *out, int64_t us)
{
    static const char *days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char *months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    time_t t = (time_t)(us / 1000000);
    struct tm tm;
    gmtime_r(&t, &tm);
    sb_printf(out, "Date: %s, %02d %s %04d %02d:%02d:%02d +0000\r\n", days[tm.tm_wday], tm.tm_mday,
              months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* The body with every line ending as CRLF (a CR already there is kept). */
static void append_body(strbuf *out, const char *body)
{
    for (const char *p = body; *p; p++) {
        if (*p == '\n' && (p == body || p[-1] != '\r')) sb_append_char(out, '\r');
        sb_append_char(out, *p);
    }
    if (out->len < 2 || memcmp(out->data + out->len - 2, "\r\n", 2) != 0) sb_append(out, "\r\n");
}

int courier_render_email(const courier_message *m, const char *from, int64_t date_us, strbuf *out,
                         err *e)
{
    char from_addr[320], to_addr[320], uuid[UUID_STR_LEN + 1];
    if (!from || has_control(from) || courier_mailbox_address(from, from_addr, sizeof from_addr))
        return err_internal(e, "email: invalid From address");
    if (!m->to || has_control(m->to) || courier_mailbox_address(m->to, to_addr, sizeof to_addr) ||
        strcmp(m->to, to_addr) != 0)
        return err_internal(e, "email: invalid recipient address");
    if (!m->subject || has_control(m->subject)) return err_internal(e, "email: invalid subject");
    if (!m->body) return err_internal(e, "email: no body");
    sb_append(out, "From: ");
    append_mailbox(out, from);
    sb_printf(out, "\r\nTo: %s\r\nSubject: ", to_addr);
    courier_encode_header_text(m->subject, out);
    sb_append(out, "\r\n");
    append_date(out, date_us);
    uuid_v4(uuid);
    sb_printf(out, "Message-ID: <%s@%s>\r\n", uuid, strchr(from_addr, '@') + 1);
    sb_append(out, "MIME-Version: 1.0\r\n"
                   "Content-Type: text/plain; charset=utf-8\r\n");
    sb_printf(out, "Content-Transfer-Encoding: %s\r\n\r\n", has_8bit(m->body) ? "8bit" : "7bit");
    append_body(out, m->body);
    return 0;
}
