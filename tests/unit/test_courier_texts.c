/* test_courier_texts.c - the message texts of API.md 5.5 and their email
 * rendering: exact texts, RFC 2047 subjects, header-injection refusal. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <openssl/evp.h>
#include <string.h>

#include "courier/courier.h"
#include "courier/send.h"
#include "util/utf8.h"

#define TOKEN "abcdefghijklmnopqrstuvwxyz0123456789_-ABCDE"
#define NOV27 1795786500000000LL /* 2026-11-27T13:35:00Z */

static void test_otp_texts(void **state)
{
    (void)state;
    courier_message m;
    courier_build_otp(&m, COURIER_EMAIL, "acme", "Acme", "jane@example.com", "012345", 600);
    assert_int_equal(m.kind, COURIER_OTP);
    assert_string_equal(m.subject, "Your Acme sign-in code");
    assert_string_equal(m.body, "Your sign-in code for Acme is 012345.\n"
                                "\n"
                                "It expires in 10 minutes and works only once. If you did not "
                                "try to sign in,\n"
                                "you can ignore this message.");
    assert_string_equal(m.code, "012345");
    assert_null(m.token);
    assert_null(m.link);
    courier_message_free(&m);
    courier_build_otp(&m, COURIER_SMS, "acme", "Acme", "+919876543210", "123456", 90);
    assert_null(m.subject);
    assert_string_equal(m.body, "123456 is your Acme sign-in code. It expires in 1 minutes. Do "
                                "not share it with anyone.");
    courier_message_free(&m);
    courier_build_otp(&m, COURIER_WHATSAPP, "acme", "Acme", "+919876543210", "123456", 3600);
    assert_string_equal(m.body, "123456 is your Acme sign-in code. It expires in 60 minutes. "
                                "Do not share it with anyone.");
    courier_message_free(&m);
}

static void test_reset_texts(void **state)
{
    (void)state;
    courier_message m;
    courier_build_reset(&m, "acme", "Acme", "jane@example.com", TOKEN, "https://app.example/");
    assert_int_equal(m.kind, COURIER_PASSWORD_RESET);
    assert_int_equal(m.channel, COURIER_EMAIL);
    assert_string_equal(m.subject, "Reset your Acme password");
    assert_string_equal(m.link, "https://app.example/reset-password?token=" TOKEN);
    assert_string_equal(m.body,
                        "We received a request to reset the password of your account.\n"
                        "\n"
                        "To choose a new password, open this link:\n"
                        "https://app.example/reset-password?token=" TOKEN "\n"
                        "\n"
                        "The link expires in 60 minutes and works only once. If you did not "
                        "ask for this,\n"
                        "ignore this message; your password stays the same.");
    courier_message_free(&m);
    courier_build_reset(&m, "acme", "Acme", "jane@example.com", TOKEN, "");
    assert_null(m.link);
    assert_string_equal(m.token, TOKEN);
    assert_string_equal(
        m.body, "We received a request to reset the password of your account.\n"
                "\n"
                "To choose a new password, enter this reset code in the application:\n" TOKEN "\n"
                "\n"
                "The link expires in 60 minutes and works only once. If you did not "
                "ask for this,\n"
                "ignore this message; your password stays the same.");
    courier_message_free(&m);
}

static void test_invite_texts(void **state)
{
    (void)state;
    courier_message m;
    courier_build_invite(&m, COURIER_EMAIL, "acme", "Acme", "jane@example.com", TOKEN,
                         "https://acme.example");
    assert_string_equal(m.subject, "Confirm joining Acme");
    assert_string_equal(m.body, "Someone asked to add your account to Acme.\n"
                                "\n"
                                "If this was you, confirm by opening this link:\n"
                                "https://acme.example/verify-membership?token=" TOKEN "\n"
                                "\n"
                                "The link expires in 60 minutes. If you did not ask for this, "
                                "ignore this message\n"
                                "and nothing will change.");
    courier_message_free(&m);
    courier_build_invite(&m, COURIER_EMAIL, "acme", "Acme", "jane@example.com", TOKEN, NULL);
    assert_string_equal(m.body, "Someone asked to add your account to Acme.\n"
                                "\n"
                                "If this was you, confirm with this code:\n" TOKEN "\n"
                                "\n"
                                "The link expires in 60 minutes. If you did not ask for this, "
                                "ignore this message\n"
                                "and nothing will change.");
    courier_message_free(&m);
    courier_build_invite(&m, COURIER_SMS, "acme", "Acme", "+15550001111", TOKEN, NULL);
    assert_null(m.subject);
    assert_string_equal(m.body, "Confirm joining Acme: " TOKEN
                                ". Expires in 60 minutes. Ignore this if it was not you.");
    courier_message_free(&m);
    courier_build_invite(&m, COURIER_SMS, "acme", "Acme", "+15550001111", TOKEN,
                         "https://acme.example//");
    assert_string_equal(m.body,
                        "Confirm joining Acme: https://acme.example/verify-membership"
                        "?token=" TOKEN ". Expires in 60 minutes. Ignore this if it was not you.");
    courier_message_free(&m);
}

static void test_copy(void **state)
{
    (void)state;
    courier_message m, c;
    courier_build_reset(&m, "acme", "Acme", "jane@example.com", TOKEN, "https://a.example");
    courier_message_copy(&c, &m);
    courier_message_free(&m);
    assert_string_equal(c.link, "https://a.example/reset-password?token=" TOKEN);
    assert_string_equal(c.tenant_id, "acme");
    assert_null(c.code);
    courier_message_free(&c);
    assert_null(c.body);
}

static void test_render_email(void **state)
{
    (void)state;
    courier_message m;
    courier_build_otp(&m, COURIER_EMAIL, "acme", "Acme", "jane@example.com", "123456", 600);
    strbuf out = STRBUF_INIT;
    err e = {0};
    assert_int_equal(courier_render_email(&m, "Authrs <no-reply@authrs.example>", NOV27, &out, &e),
                     0);
    const char *s = sb_str(&out);
    const char *head = "From: Authrs <no-reply@authrs.example>\r\n"
                       "To: jane@example.com\r\n"
                       "Subject: Your Acme sign-in code\r\n"
                       "Date: Fri, 27 Nov 2026 13:35:00 +0000\r\n"
                       "Message-ID: <";
    assert_memory_equal(s, head, strlen(head));
    const char *rest = strstr(s + strlen(head), "@authrs.example>\r\n");
    assert_non_null(rest);
    assert_int_equal(rest - (s + strlen(head)), 36); /* a UUID */
    assert_string_equal(rest + strlen("@authrs.example>\r\n"),
                        "MIME-Version: 1.0\r\n"
                        "Content-Type: text/plain; charset=utf-8\r\n"
                        "Content-Transfer-Encoding: 7bit\r\n"
                        "\r\n"
                        "Your sign-in code for Acme is 123456.\r\n"
                        "\r\n"
                        "It expires in 10 minutes and works only once. If you did not try to "
                        "sign in,\r\n"
                        "you can ignore this message.\r\n");
    sb_free(&out);
    courier_message_free(&m);
}

/* Decodes every =?UTF-8?B?...?= word of a header value and checks the folding. */
static void decode_words(const char *value, strbuf *text)
{
    const char *p = value;
    while ((p = strstr(p, "=?UTF-8?B?")) != NULL) {
        const char *end = strstr(p + 10, "?=");
        assert_non_null(end);
        assert_true(end + 2 - p <= 75);
        unsigned char raw[128];
        int n = EVP_DecodeBlock(raw, (const unsigned char *)p + 10, (int)(end - p - 10));
        assert_true(n >= 0);
        while (n > 0 && end[-1] == '=' && raw[n - 1] == 0)
            n--, end--;
        assert_true(utf8_valid((const char *)raw, (size_t)n)); /* never split a character */
        sb_append_n(text, (const char *)raw, (size_t)n);
        p = strstr(p + 10, "?=") + 2;
        if (*p) {
            assert_memory_equal(p, "\r\n ", 3);
            p += 3;
        }
    }
}

static void test_rfc2047(void **state)
{
    (void)state;
    strbuf out = STRBUF_INIT;
    courier_encode_header_text("Plain ASCII subject", &out);
    assert_string_equal(sb_str(&out), "Plain ASCII subject");
    sb_reset(&out);
    courier_encode_header_text("Ünï", &out);
    assert_string_equal(sb_str(&out), "=?UTF-8?B?w5xuw68=?=");
    sb_reset(&out);
    courier_encode_header_text("looks =?encoded?= but is not", &out);
    assert_memory_equal(sb_str(&out), "=?UTF-8?B?", 10);
    sb_reset(&out);
    const char *long_text = "Your Ääääääääääääääääääää ✓✓✓✓✓✓✓✓✓✓ 日本語日本語日本語 sign-in code";
    courier_encode_header_text(long_text, &out);
    assert_non_null(strstr(sb_str(&out), "\r\n "));
    strbuf decoded = STRBUF_INIT;
    decode_words(sb_str(&out), &decoded);
    assert_string_equal(sb_str(&decoded), long_text);
    sb_free(&decoded);
    sb_free(&out);
}

static void test_render_utf8(void **state)
{
    (void)state;
    courier_message m;
    courier_build_otp(&m, COURIER_EMAIL, "acme", "Äcme", "jane@example.com", "123456", 600);
    strbuf out = STRBUF_INIT;
    err e = {0};
    assert_int_equal(courier_render_email(&m, "Café <a@b.example>", NOV27, &out, &e), 0);
    const char *s = sb_str(&out);
    assert_memory_equal(s, "From: =?UTF-8?B?Q2Fmw6k=?= <a@b.example>\r\n", 40);
    assert_non_null(strstr(s, "Subject: =?UTF-8?B?WW91ciDDhGNtZSBzaWduLWluIGNvZGU=?=\r\n"));
    assert_non_null(strstr(s, "Content-Transfer-Encoding: 8bit\r\n"));
    const char *body = strstr(s, "\r\n\r\n");
    for (const char *p = s; p < body; p++)
        assert_true((unsigned char)*p < 0x80);
    sb_free(&out);
    courier_message_free(&m);
}

static void assert_refused(const courier_message *m, const char *from)
{
    strbuf out = STRBUF_INIT;
    err e = {0};
    assert_int_equal(courier_render_email(m, from, NOV27, &out, &e), -1);
    assert_int_equal(e.kind, ERR_INTERNAL);
    sb_free(&out);
}

static void test_header_injection(void **state)
{
    (void)state;
    courier_message m;
    courier_build_otp(&m, COURIER_EMAIL, "acme", "Acme\r\nBcc: evil@example.com",
                      "jane@example.com", "1", 600);
    assert_refused(&m, "a@b.example");
    courier_message_free(&m);
    courier_build_otp(&m, COURIER_EMAIL, "acme", "Acme\nX: y", "jane@example.com", "1", 600);
    assert_refused(&m, "a@b.example");
    courier_message_free(&m);
    const char *bad_to[] = {"jane@example.com\r\nBcc: x@y.z",
                            "jane@example.com\n",
                            "jane@example.com, eve@example.com",
                            "Jane <jane@example.com>",
                            "no-at-sign",
                            "@example.com",
                            "jane@"};
    for (size_t i = 0; i < sizeof bad_to / sizeof *bad_to; i++) {
        courier_build_otp(&m, COURIER_EMAIL, "acme", "Acme", bad_to[i], "1", 600);
        assert_refused(&m, "a@b.example");
        courier_message_free(&m);
    }
    courier_build_otp(&m, COURIER_EMAIL, "acme", "Acme", "jane@example.com", "1", 600);
    assert_refused(&m, "Authrs <a@b.example>\r\nBcc: x@y.z");
    assert_refused(&m, "Authrs\r\n <a@b.example>");
    assert_refused(&m, "not an address");
    courier_message_free(&m);
}

static void test_mailbox_address(void **state)
{
    (void)state;
    char out[64];
    assert_int_equal(courier_mailbox_address("Authrs <no-reply@example.com>", out, sizeof out), 0);
    assert_string_equal(out, "no-reply@example.com");
    assert_int_equal(courier_mailbox_address(" a@b.c ", out, sizeof out), 0);
    assert_string_equal(out, "a@b.c");
    assert_int_equal(courier_mailbox_address("<a@b.c> trailing", out, sizeof out), -1);
    assert_int_equal(courier_mailbox_address("a@b.c, d@e.f", out, sizeof out), -1);
    assert_int_equal(courier_mailbox_address("a@b.c", out, 4), -1);
}

static void test_whatsapp_bodies(void **state)
{
    (void)state;
    whatsapp_config c = {.template_name = "auth_code", .template_language = "en_US"};
    courier_message m;
    courier_build_otp(&m, COURIER_WHATSAPP, "acme", "Acme", "+919876543210", "123456", 600);
    char *body = whatsapp_body(&c, &m);
    assert_string_equal(
        body, "{\"messaging_product\":\"whatsapp\",\"recipient_type\":\"individual\",\"to\":"
              "\"919876543210\",\"type\":\"template\",\"template\":{\"name\":\"auth_code\","
              "\"language\":{\"code\":\"en_US\"},\"components\":[{\"type\":\"body\","
              "\"parameters\":[{\"type\":\"text\",\"text\":\"123456\"}]},{\"type\":\"button\","
              "\"sub_type\":\"url\",\"index\":\"0\",\"parameters\":[{\"type\":\"text\",\"text\":"
              "\"123456\"}]}]}}");
    free(body);
    c.template_name[0] = '\0';
    body = whatsapp_body(&c, &m);
    assert_string_equal(
        body, "{\"messaging_product\":\"whatsapp\",\"recipient_type\":\"individual\",\"to\":"
              "\"919876543210\",\"type\":\"text\",\"text\":{\"preview_url\":false,\"body\":"
              "\"123456 is your Acme sign-in code. It expires in 10 minutes. Do not share it "
              "with anyone.\"}}");
    free(body);
    courier_message_free(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_otp_texts),       cmocka_unit_test(test_reset_texts),
        cmocka_unit_test(test_invite_texts),    cmocka_unit_test(test_copy),
        cmocka_unit_test(test_render_email),    cmocka_unit_test(test_rfc2047),
        cmocka_unit_test(test_render_utf8),     cmocka_unit_test(test_header_injection),
        cmocka_unit_test(test_mailbox_address), cmocka_unit_test(test_whatsapp_bodies),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
