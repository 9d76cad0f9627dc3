/* smtp.c - email over SMTP with libcurl, one connection per message
 * (API.md 5.6): STARTTLS required for `starttls`, implicit TLS (smtps://)
 * for `tls`, plain only for `none`; AUTH only when both credentials are set.
 * curl does the SMTP dot-stuffing of the data. */
#include "courier/send.h"

#include <stdio.h>
#include <string.h>

#include "util/timeutil.h"

typedef struct mail_reader {
    const char *data;
    size_t len, at;
} mail_reader;

static size_t read_mail(char *buf, size_t size, size_t n, void *ctx)
{
    mail_reader *r = ctx;
    size_t room = size * n, left = r->len - r->at;
    size_t take = left < room ? left : room;
    memcpy(buf, r->data + r->at, take);
    r->at += take;
    return take;
}

static void set_options(CURL *h, const smtp_config *c, const char *url, const char *mail_from,
                        struct curl_slist *rcpt, mail_reader *reader)
{
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(h, CURLOPT_USE_SSL,
                     c->tls == SMTP_TLS_NONE ? (long)CURLUSESSL_NONE : (long)CURLUSESSL_ALL);
    if (c->username[0] && c->password[0]) {
        curl_easy_setopt(h, CURLOPT_USERNAME, c->username);
        curl_easy_setopt(h, CURLOPT_PASSWORD, c->password);
    }
    curl_easy_setopt(h, CURLOPT_MAIL_FROM, mail_from);
    curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt);
    curl_easy_setopt(h, CURLOPT_READFUNCTION, read_mail);
    curl_easy_setopt(h, CURLOPT_READDATA, reader);
    curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)reader->len);
}

int smtp_send(const smtp_config *c, const courier_message *m, const atomic_bool *cancel,
              int *status, err *e)
{
    char from_addr[320], mail_from[330], rcpt_to[330], url[300], errbuf[CURL_ERROR_SIZE];
    *status = 0;
    strbuf mail = STRBUF_INIT;
    if (courier_render_email(m, c->from, now_us(), &mail, e)) {
        sb_free(&mail);
        return -1;
    }
    courier_mailbox_address(c->from, from_addr, sizeof from_addr);
    snprintf(mail_from, sizeof mail_from, "<%s>", from_addr);
    snprintf(rcpt_to, sizeof rcpt_to, "<%s>", m->to);
    snprintf(url, sizeof url, "%s://%s:%d", c->tls == SMTP_TLS_IMPLICIT ? "smtps" : "smtp", c->host,
             c->port);
    CURL *h = courier_curl_new(c->timeout_secs, cancel, errbuf);
    if (!h) {
        sb_free(&mail);
        return err_internal(e, "smtp: cannot create a transfer");
    }
    struct curl_slist *rcpt = curl_slist_append(NULL, rcpt_to);
    mail_reader reader = {mail.data, mail.len, 0};
    set_options(h, c, url, mail_from, rcpt, &reader);
    CURLcode res = curl_easy_perform(h);
    long code = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    *status = (int)code;
    int rc = 0;
    if (res != CURLE_OK) {
        const char *why = errbuf[0] ? errbuf : curl_easy_strerror(res);
        rc = code ? err_internal(e, "smtp: %s (reply %ld)", why, code)
                  : err_internal(e, "smtp: %s", why);
    }
    curl_slist_free_all(rcpt);
    curl_easy_cleanup(h);
    sb_free(&mail);
    return rc;
}
