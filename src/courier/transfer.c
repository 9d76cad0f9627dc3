/* transfer.c - what the courier's libcurl transfers share: handle set-up
 * (timeouts, cancellation) and the HTTP POST of the SMS and WhatsApp senders. */
#include "courier/send.h"

#include <string.h>

static int cancel_check(void *clientp, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                        curl_off_t ulnow)
{
    (void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
    const atomic_bool *cancel = clientp;
    return cancel && atomic_load(cancel) ? 1 : 0;
}

CURL *courier_curl_new(int timeout_secs, const atomic_bool *cancel, char *errbuf)
{
    CURL *h = curl_easy_init();
    if (!h) return NULL;
    errbuf[0] = '\0';
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, (long)timeout_secs);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, (long)timeout_secs);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, cancel_check);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, (void *)cancel);
    return h;
}

static size_t discard(char *data, size_t size, size_t n, void *ctx)
{
    (void)data, (void)ctx;
    return size * n;
}

int courier_http_post(const char *what, const char *url, const char *const *headers,
                      const char *basic_user, const char *basic_password, const char *body,
                      int timeout_secs, const atomic_bool *cancel, int *status, err *e)
{
    char errbuf[CURL_ERROR_SIZE];
    *status = 0;
    CURL *h = courier_curl_new(timeout_secs, cancel, errbuf);
    if (!h) return err_internal(e, "%s: cannot create a transfer", what);
    struct curl_slist *list = curl_slist_append(NULL, "Expect:");
    for (const char *const *hd = headers; *hd; hd++)
        list = curl_slist_append(list, *hd);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, list);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
    if (basic_user) {
        curl_easy_setopt(h, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
        curl_easy_setopt(h, CURLOPT_USERNAME, basic_user);
        curl_easy_setopt(h, CURLOPT_PASSWORD, basic_password);
    }
    CURLcode res = curl_easy_perform(h);
    long code = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    *status = (int)code;
    int rc = 0;
    if (res != CURLE_OK)
        rc = err_internal(e, "%s: %s", what, errbuf[0] ? errbuf : curl_easy_strerror(res));
    else if (code < 200 || code > 299)
        rc = err_internal(e, "%s: HTTP %ld", what, code);
    curl_slist_free_all(list);
    curl_easy_cleanup(h);
    return rc;
}
