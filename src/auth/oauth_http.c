/* oauth_http.c - libcurl calls for OAuth (see oauth_http.h). */
#include "auth/oauth_http.h"

#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "util/strbuf.h"

#define OAUTH_HTTP_MAX_BODY (1024 * 1024)

static size_t collect(char *data, size_t size, size_t n, void *ctx)
{
    strbuf *sb = ctx;
    size_t len = size * n;
    if (sb->len + len > OAUTH_HTTP_MAX_BODY) return 0; /* aborts the transfer */
    sb_append_n(sb, data, len);
    return len;
}

static int perform(CURL *h, struct curl_slist *hdrs, const char *url, oauth_http_resp *out, err *e)
{
    strbuf sb = {0};
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, (long)OAUTH_HTTP_TIMEOUT_SECS);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, (long)OAUTH_HTTP_TIMEOUT_SECS);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "authrs");
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &sb);
    CURLcode rc = curl_easy_perform(h);
    curl_slist_free_all(hdrs);
    if (rc != CURLE_OK) {
        sb_free(&sb);
        curl_easy_cleanup(h);
        return err_set(e, ERR_BAD_GATEWAY, "oauth http: %s", curl_easy_strerror(rc));
    }
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &out->status);
    curl_easy_cleanup(h);
    sb_append(&sb, "");
    out->body = sb_steal(&sb);
    return 0;
}

int oauth_http_get(const char *url, const char *const *headers, oauth_http_resp *out, err *e)
{
    out->status = 0;
    out->body = NULL;
    CURL *h = curl_easy_init();
    if (!h) return err_internal(e, "curl_easy_init failed");
    struct curl_slist *hdrs = NULL;
    bool accept = false;
    for (const char *const *p = headers; p && *p; p++) {
        hdrs = curl_slist_append(hdrs, *p);
        if (strncasecmp(*p, "Accept:", 7) == 0) accept = true;
    }
    if (!accept) hdrs = curl_slist_append(hdrs, "Accept: application/json");
    return perform(h, hdrs, url, out, e);
}

int oauth_http_post_form(const char *url, const char *form, const char *basic_user,
                         const char *basic_password, oauth_http_resp *out, err *e)
{
    out->status = 0;
    out->body = NULL;
    CURL *h = curl_easy_init();
    if (!h) return err_internal(e, "curl_easy_init failed");
    struct curl_slist *hdrs = curl_slist_append(NULL, "Accept: application/json");
    hdrs = curl_slist_append(hdrs, "Content-Type: application/x-www-form-urlencoded");
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, form);
    if (basic_user) {
        curl_easy_setopt(h, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
        curl_easy_setopt(h, CURLOPT_USERNAME, basic_user);
        curl_easy_setopt(h, CURLOPT_PASSWORD, basic_password);
    }
    return perform(h, hdrs, url, out, e);
}

void oauth_http_free(oauth_http_resp *r)
{
    free(r->body);
    r->body = NULL;
}

bool oauth_url_allowed(const char *url)
{
    if (!url) return false;
    if (strncmp(url, "https://", 8) == 0) return url[8] != '\0';
    return cfg.oauth_allow_http && strncmp(url, "http://", 7) == 0 && url[7] != '\0';
}

char *oauth_form_escape(const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    strbuf sb = {0};
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
            *p == '-' || *p == '.' || *p == '_' || *p == '~') {
            sb_append_char(&sb, (char)*p);
        } else {
            sb_append_char(&sb, '%');
            sb_append_char(&sb, hex[*p >> 4]);
            sb_append_char(&sb, hex[*p & 15]);
        }
    }
    sb_append(&sb, "");
    return sb_steal(&sb);
}

void oauth_form_add(char **form, const char *name, const char *value)
{
    strbuf sb = {0};
    if (*form && **form) {
        sb_append(&sb, *form);
        sb_append_char(&sb, '&');
    }
    free(*form);
    char *n = oauth_form_escape(name), *v = oauth_form_escape(value);
    sb_printf(&sb, "%s=%s", n, v);
    free(n);
    free(v);
    *form = sb_steal(&sb);
}
