/* fuzz_rsql.c - libFuzzer target for the RSQL compiler (query/rsql.c).
 *
 * The input is q, then optionally a NUL byte and sort. Besides memory safety
 * it checks what the compiler promises: on success the WHERE text holds the
 * parameters $3, $4, ... once each and in order, and no quote except those of
 * ESCAPE '\' (no value is ever spliced into the SQL); on failure the error is
 * a filter error (or a bad query string) with a valid UTF-8 detail. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "query/rsql.h"
#include "util/utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const rsql_field fields[] = {
    {"id", "u.id", RSQL_UUID, true, true},
    {"firstName", "u.first_name", RSQL_TEXT, true, true},
    {"email", "u.email", RSQL_TEXT, true, true},
    {"status", "u.status", RSQL_TEXT, true, true},
    {"mfaEnabled", "u.mfa_enabled", RSQL_BOOL, true, true},
    {"createdAt", "u.created_at", RSQL_TIMESTAMP, true, true},
    {"passwordHash", "u.password_hash", RSQL_TEXT, false, false},
};
static const rsql_table table = {fields, sizeof fields / sizeof fields[0], "u.id",
                                 "u.created_at DESC NULLS FIRST"};

#define FIRST_PARAM   3
#define ESCAPE_CLAUSE "ESCAPE '\\'"

static void check_where(const rsql_query *q)
{
    long want = FIRST_PARAM;
    for (const char *p = q->where; *p; p++) {
        if (strncmp(p, ESCAPE_CLAUSE, strlen(ESCAPE_CLAUSE)) == 0) {
            p += strlen(ESCAPE_CLAUSE) - 1;
            continue;
        }
        if (*p == '\'') abort();
        if (*p == '$') {
            char *end;
            if (strtol(p + 1, &end, 10) != want++) abort();
            p = end - 1;
        }
    }
    if (want - FIRST_PARAM != (long)q->nparams) abort();
    for (size_t i = 0; i < q->nparams; i++)
        if ((q->params[i].kind == RSQL_PARAM_TEXT) != (q->params[i].text != NULL)) abort();
    if (!q->order_by[0]) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size + 2);
    if (!buf) return 0;
    memcpy(buf, data, size);
    buf[size] = buf[size + 1] = '\0';
    const char *q = buf;
    const char *sort = memchr(buf, '\0', size) ? buf + strlen(buf) + 1 : NULL;

    rsql_query out;
    err e = {0};
    if (rsql_compile(&table, q, sort, FIRST_PARAM, &out, &e) == 0) {
        check_where(&out);
        rsql_query_free(&out);
    } else {
        if (e.kind != ERR_INVALID_FILTER && e.kind != ERR_BAD_REQUEST) abort();
        if (!e.detail[0] || !utf8_valid(e.detail, strlen(e.detail))) abort();
        if (out.where || out.order_by || out.params) abort();
    }
    free(buf);
    return 0;
}
