/* pipeline.c - the generic checks of API.md 1.7 (tenant header, path and
 * query parameters, JSON body), then the route's own check hook, the Bearer
 * authentication and the handler. */
#include "http/pipeline.h"

#include "http/internal.h"
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth/authn.h"
#include "config.h"
#include "store/tenants.h"
#include "util/timeutil.h"
#include "util/utf8.h"

#define MAX_JSON_DEPTH 64

/* ---- step 1: tenant header (1.5) ---- */

static int check_tenant_header(request *req, err *e)
{
    const char *raw = req_header(req, "X-Tenant-ID");
    int count = req_header_count(req, "X-Tenant-ID");
    if (!raw) return err_set(e, ERR_BAD_REQUEST, "Missing X-Tenant-ID header");
    for (const char *p = raw; *p; p++)
        if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
            return err_set(e, ERR_BAD_REQUEST, "Missing X-Tenant-ID header");
    if (count > 1) return err_set(e, ERR_BAD_REQUEST, "X-Tenant-ID given more than once");
    while (*raw == ' ' || *raw == '\t')
        raw++;
    size_t n = strlen(raw);
    while (n && (raw[n - 1] == ' ' || raw[n - 1] == '\t'))
        n--;
    if (n == 0) return err_set(e, ERR_BAD_REQUEST, "X-Tenant-ID must be non-empty");
    char *id = arena_strndup(req->arena, raw, n);
    bool shape = id[0] >= 'a' && id[0] <= 'z';
    for (size_t i = 0; shape && i < n; i++)
        shape = (id[i] >= 'a' && id[i] <= 'z') || (id[i] >= '0' && id[i] <= '9') || id[i] == '_';
    if (!shape)
        return err_set(e, ERR_BAD_REQUEST, "X-Tenant-ID must be lower snake_case (e.g. my_tenant)");
    if (n > 63) return err_set(e, ERR_BAD_REQUEST, "X-Tenant-ID must be at most 63 characters");
    req->tenant_id = id;
    tenant *t = arena_alloc(req->arena, sizeof *t);
    int rc = tenant_get(req_db(req), id, t, e);
    if (rc < 0) return -1;
    if (rc == 0) return err_set(e, ERR_NOT_FOUND, "Tenant not found");
    if (strcmp(t->status, "active") != 0) return err_set(e, ERR_FORBIDDEN, "Tenant is not active");
    req->tenant = t;
    return 0;
}

/* ---- step 2: path parameters (1.3) ---- */

static bool matches_charset(const char *s, size_t min, size_t max, const char *extra,
                            bool lower_only)
{
    size_t n = strlen(s);
    if (n < min || n > max) return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                  (!lower_only && c >= 'A' && c <= 'Z') || (c && strchr(extra, c));
        if (!ok) return false;
    }
    return true;
}

static int check_path_params(request *req, err *e)
{
    for (int i = 0; i < req->nparams; i++) {
        const char *name = req->param_names[i];
        const char *v = req->param_values[i];
        bool ok;
        if (strcmp(name, "userId") == 0 || strcmp(name, "roleId") == 0 ||
            strcmp(name, "groupId") == 0 || strcmp(name, "permissionId") == 0) {
            char *norm = arena_alloc(req->arena, UUID_STR_LEN + 1);
            if (!uuid_parse(v, norm))
                return err_set(e, ERR_BAD_REQUEST, "Invalid path parameter '%s': must be a UUID",
                               name);
            req->param_values[i] = norm;
            continue;
        }
        if (strcmp(name, "provider") == 0)
            ok = v[0] >= 'a' && v[0] <= 'z' && matches_charset(v, 1, 32, "_-", true);
        else if (strcmp(name, "tenantId") == 0)
            ok = tenant_id_valid(v);
        else
            ok = matches_charset(v, 1, 128, "_.-", false);
        if (!ok) return err_set(e, ERR_BAD_REQUEST, "Invalid path parameter '%s'", name);
    }
    return 0;
}

/* ---- step 3: query parameters (1.3) ---- */

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

char *percent_decode(arena *a, const char *s, size_t n, bool plus_is_space)
{
    char *out = arena_alloc(a, n + 1);
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%') {
            if (i + 2 >= n) return NULL;
            int hi = hexval(s[i + 1]), lo = hexval(s[i + 2]);
            if (hi < 0 || lo < 0) return NULL;
            out[o++] = (char)(hi * 16 + lo);
            i += 2;
        } else if (s[i] == '+' && plus_is_space) {
            out[o++] = ' ';
        } else {
            out[o++] = s[i];
        }
    }
    out[o] = '\0';
    if (memchr(out, '\0', o) || !utf8_valid(out, o)) return NULL;
    return out;
}

int query_parse(request *req, const char *raw)
{
    req->nquery = 0;
    if (!raw || !*raw) return 0;
    int cap = 1;
    for (const char *p = raw; *p; p++)
        if (*p == '&') cap++;
    req->query = arena_alloc(req->arena, sizeof(query_kv) * (size_t)cap);
    const char *p = raw;
    while (*p) {
        const char *amp = strchr(p, '&');
        size_t len = amp ? (size_t)(amp - p) : strlen(p);
        if (len > 0) {
            const char *eq = memchr(p, '=', len);
            size_t klen = eq ? (size_t)(eq - p) : len;
            char *k = percent_decode(req->arena, p, klen, true);
            char *v = eq ? percent_decode(req->arena, eq + 1, len - klen - 1, true)
                         : arena_strdup(req->arena, "");
            if (!k || !v) return -1;
            req->query[req->nquery++] = (query_kv){k, v};
        }
        if (!amp) break;
        p = amp + 1;
    }
    return 0;
}

static bool is_uint63(const char *v)
{
    if (!*v) return false;
    for (const char *p = v; *p; p++)
        if (!isdigit((unsigned char)*p)) return false;
    errno = 0;
    char *end;
    strtoll(v, &end, 10);
    return errno != ERANGE;
}

static int check_query(request *req, const char *raw_query, err *e)
{
    if (query_parse(req, raw_query)) return err_set(e, ERR_BAD_REQUEST, "Invalid query string");
    for (int i = 0; i < ROUTE_MAX_QUERY && req->route->query[i].name; i++) {
        const query_param *qp = &req->route->query[i];
        int seen = 0;
        const char *v = NULL;
        for (int k = 0; k < req->nquery; k++)
            if (strcmp(req->query[k].key, qp->name) == 0) {
                seen++;
                v = req->query[k].value;
            }
        if (seen > 1)
            return err_set(e, ERR_BAD_REQUEST, "Invalid query parameter '%s': given more than once",
                           qp->name);
        if (!v) continue;
        const char *reason = NULL;
        if (qp->type == Q_UINT && !is_uint63(v)) reason = "must be a non-negative integer";
        if (qp->type == Q_BOOL && strcmp(v, "true") && strcmp(v, "false"))
            reason = "must be true or false";
        if (qp->type == Q_FORMAT && strcmp(v, "json") && strcmp(v, "cedar"))
            reason = "must be json or cedar";
        if (reason)
            return err_set(e, ERR_BAD_REQUEST, "Invalid query parameter '%s': %s", qp->name,
                           reason);
    }
    return 0;
}

/* ---- step 4: JSON body (1.2) ---- */

static bool media_type_is_json(const char *ct)
{
    if (!ct) return false;
    while (*ct == ' ')
        ct++;
    size_t n = strcspn(ct, ";");
    while (n && (ct[n - 1] == ' ' || ct[n - 1] == '\t'))
        n--;
    if (n < 12 || strncasecmp(ct, "application/", 12) != 0) return false;
    const char *sub = ct + 12;
    size_t sn = n - 12;
    if (sn == 4 && strncasecmp(sub, "json", 4) == 0) return true;
    if (sn > 5 && strncasecmp(sub + sn - 5, "+json", 5) == 0) {
        for (size_t i = 0; i < sn - 5; i++)
            if (sub[i] == '/' || sub[i] == ' ') return false;
        return true;
    }
    return false;
}

/* Finds nesting deeper than MAX_JSON_DEPTH before jansson sees the body;
 * returns 1-based line and column of the offending bracket, or 0. */
static int depth_violation(const char *body, size_t n, int *line, int *col)
{
    int depth = 0, ln = 1, cl = 0;
    bool in_string = false, escape = false;
    for (size_t i = 0; i < n; i++) {
        char c = body[i];
        cl++;
        if (c == '\n') {
            ln++;
            cl = 0;
        }
        if (in_string) {
            if (escape)
                escape = false;
            else if (c == '\\')
                escape = true;
            else if (c == '"')
                in_string = false;
            continue;
        }
        if (c == '"')
            in_string = true;
        else if (c == '[' || c == '{') {
            if (++depth > MAX_JSON_DEPTH) {
                *line = ln;
                *col = cl;
                return 1;
            }
        } else if (c == ']' || c == '}') {
            depth--;
        }
    }
    return 0;
}

static const char *json_problem(const json_error_t *je)
{
    switch (json_error_code(je)) {
    case json_error_invalid_utf8:
        return "invalid UTF-8";
    case json_error_duplicate_key:
        return "duplicate key in object";
    case json_error_null_character:
        return "\\u0000 is not allowed in strings";
    case json_error_premature_end_of_input:
        return "unexpected end of input";
    case json_error_end_of_input_expected:
        return "unexpected data after the JSON value";
    case json_error_numeric_overflow:
        return "number out of range";
    case json_error_invalid_format:
        return "invalid format";
    default:
        return "syntax error";
    }
}

static int parse_body(request *req, const char *body, size_t n, err *e)
{
    if (!media_type_is_json(req_header(req, "Content-Type")))
        return err_set(e, ERR_UNSUPPORTED_MEDIA, "Expected Content-Type: application/json");
    size_t ws = 0;
    while (ws < n && isspace((unsigned char)body[ws]))
        ws++;
    if (ws == n) return err_set(e, ERR_BAD_REQUEST, "Malformed JSON: request body is empty");
    int line, col;
    if (depth_violation(body, n, &line, &col))
        return err_set(e, ERR_BAD_REQUEST,
                       "Malformed JSON: nesting deeper than 64 levels at line %d column %d", line,
                       col);
    json_error_t je;
    req->body = json_loadb(body, n, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
    if (!req->body)
        return err_set(e, ERR_BAD_REQUEST, "Malformed JSON: %s at line %d column %d",
                       json_problem(&je), je.line, je.column);
    return 0;
}

static const char *kind_text(field_type t)
{
    switch (t) {
    case F_STRING:
        return "a string";
    case F_BOOLEAN:
        return "a boolean";
    case F_INTEGER:
        return "an integer";
    case F_OBJECT:
    case F_OBJECT_OR_NULL:
        return "an object";
    case F_ARRAY:
        return "an array";
    case F_STRING_ARRAY:
        return "an array of strings";
    case F_UUID:
        return "a UUID";
    case F_TIMESTAMP_OR_NULL:
        return "an RFC 3339 timestamp or null";
    }
    return "valid";
}

static bool field_ok(request *req, const body_field *f, json_t *v)
{
    switch (f->type) {
    case F_STRING:
        return json_is_string(v);
    case F_BOOLEAN:
        return json_is_boolean(v);
    case F_INTEGER:
        return json_is_integer(v);
    case F_OBJECT:
    case F_OBJECT_OR_NULL:
        return json_is_object(v);
    case F_ARRAY:
        return json_is_array(v);
    case F_STRING_ARRAY: {
        if (!json_is_array(v)) return false;
        size_t i;
        json_t *item;
        json_array_foreach(v, i, item) if (!json_is_string(item)) return false;
        return true;
    }
    case F_UUID: {
        char norm[UUID_STR_LEN + 1];
        if (!json_is_string(v) || !uuid_parse(json_string_value(v), norm)) return false;
        json_object_set_new(req->body, f->name, json_string(norm));
        return true;
    }
    case F_TIMESTAMP_OR_NULL: {
        int64_t us;
        return json_is_string(v) && time_parse(json_string_value(v), &us);
    }
    }
    return false;
}

int body_check_fields(request *req, err *e)
{
    if (!json_is_object(req->body))
        return err_set(e, ERR_VALIDATION, "request body must be a JSON object");
    for (int i = 0; i < ROUTE_MAX_FIELDS && req->route->fields[i].name; i++) {
        const body_field *f = &req->route->fields[i];
        json_t *v = json_object_get(req->body, f->name);
        if (!v) {
            if (f->required) return err_set(e, ERR_VALIDATION, "missing field '%s'", f->name);
            continue;
        }
        if (json_is_null(v) && !f->required) {
            json_object_del(req->body, f->name); /* null on an optional field means absent */
            continue;
        }
        if (!field_ok(req, f, v))
            return err_set(e, ERR_VALIDATION, "field '%s' must be %s", f->name, kind_text(f->type));
    }
    return 0;
}

/* ---- the whole order ---- */

void pipeline_run(request *req, const char *raw_query, const char *body, size_t body_len)
{
    err e;
    err_clear(&e);
    const route *r = req->route;
    if (r->tenant == TENANT_REQUIRED && check_tenant_header(req, &e)) goto fail;
    if (check_path_params(req, &e)) goto fail;
    if (check_query(req, raw_query, &e)) goto fail;
    if (r->takes_body) {
        if (parse_body(req, body, body_len, &e) || body_check_fields(req, &e)) goto fail;
    }
    if (r->check && r->check(req, &e)) goto fail;
    if (authn_request(req, &e)) goto fail;
    r->handler(req);
    return;
fail:
    reply_err(req, &e);
}
