/* ops.c - operations routes: GET /health, /metrics, /spec and /docs (API.md 3.1).
 * Global state: the rendered spec and docs page, built once on first use
 * from the embedded documents (read-only afterwards). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "store/store.h"
#include "util/embedded.h"
#include "util/metrics.h"
#include "util/strbuf.h"

static char *spec_json; /* OpenAPI document with info.version set */
static char *docs_html; /* docs page with the spec embedded */
static pthread_once_t documents_once = PTHREAD_ONCE_INIT;

static void build_documents(void)
{
    const embedded_file *spec = embedded_find("openapi.json");
    const embedded_file *page = embedded_find("docs.html");
    if (!spec) return;
    json_error_t je;
    json_t *doc = json_loadb(spec->data, spec->len, 0, &je);
    if (!doc) return;
    json_object_set_new(json_object_get(doc, "info"), "version", json_string(AUTHRS_VERSION));
    spec_json = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(doc);
    if (!page || !spec_json) return;
    /* embed the spec in a <script> element: "</" must not close it */
    strbuf escaped = STRBUF_INIT, out = STRBUF_INIT;
    for (const char *p = spec_json; *p; p++) {
        if (p[0] == '<' && p[1] == '/')
            sb_append(&escaped, "<\\");
        else
            sb_append_char(&escaped, *p);
    }
    const char *marker = "__AUTHRS_SPEC_JSON__";
    const char *at = strstr(page->data, marker);
    if (at) {
        sb_append_n(&out, page->data, (size_t)(at - page->data));
        sb_append(&out, sb_str(&escaped));
        sb_append(&out, at + strlen(marker));
    } else {
        sb_append(&out, page->data);
    }
    sb_free(&escaped);
    docs_html = sb_steal(&out);
}

void api_health(request *req)
{
    err e;
    int ok = store_ping(&e) == 0;
    reply_json(
        req, ok ? 200 : 503,
        json_pack("{s:s, s:s}", "status", ok ? "ok" : "unavailable", "version", AUTHRS_VERSION));
}

void api_metrics(request *req)
{
    strbuf sb = STRBUF_INIT;
    metrics_render(&sb);
    reply_text(req, 200, "text/plain; version=0.0.4; charset=utf-8", sb_str(&sb), sb.len);
    sb_free(&sb);
}

void api_spec(request *req)
{
    pthread_once(&documents_once, build_documents);
    if (!spec_json) {
        reply_error(req, ERR_INTERNAL, "the embedded OpenAPI document is missing or invalid");
        return;
    }
    reply_text(req, 200, "application/json", spec_json, strlen(spec_json));
}

void api_docs(request *req)
{
    pthread_once(&documents_once, build_documents);
    if (!docs_html) {
        reply_error(req, ERR_INTERNAL, "the embedded docs page is missing");
        return;
    }
    reply_header(req, "Content-Security-Policy",
                 "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
                 "img-src data:");
    reply_text(req, 200, "text/html; charset=utf-8", docs_html, strlen(docs_html));
}
