/* test_rsql.c - the RSQL compiler (query/rsql.c): the SQL and parameters of
 * every operator and type, every error message with its position, sort
 * parsing, and compiled queries run against an in-memory SQLite table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "query/rsql.h"
#include "util/strbuf.h"
#include "util/utf8.h"

static const rsql_field user_fields[] = {
    {"id", "u.id", RSQL_UUID, true, true},
    {"identityId", "u.identity_id", RSQL_UUID, true, true},
    {"firstName", "u.first_name", RSQL_TEXT, true, true},
    {"email", "u.email", RSQL_TEXT, true, true},
    {"username", "u.username", RSQL_TEXT, true, true},
    {"status", "u.status", RSQL_TEXT, true, true},
    {"mfaEnabled", "u.mfa_enabled", RSQL_BOOL, true, true},
    {"accessValidUntil", "u.access_valid_until", RSQL_TIMESTAMP, true, true},
    {"createdAt", "u.created_at", RSQL_TIMESTAMP, true, true},
    {"passwordHash", "u.password_hash", RSQL_TEXT, false, false},
    {"mfaSecret", "u.mfa_secret", RSQL_TEXT, false, false},
};
static const rsql_table users = {user_fields, sizeof user_fields / sizeof user_fields[0], "u.id",
                                 "u.created_at DESC NULLS FIRST"};

static const rsql_field role_fields[] = {{"id", "r.id", RSQL_UUID, true, true},
                                         {"name", "r.name", RSQL_TEXT, true, true}};
static const rsql_table roles = {role_fields, 2, "r.id", ""};

#define UUID1         "0190a0e2-7c3b-7d2e-9f00-aaaaaaaaaaa1"
#define UUID2         "0190a0e2-7c3b-7d2e-9f00-aaaaaaaaaaa2"
#define DEFAULT_ORDER "u.created_at DESC NULLS FIRST, u.id ASC"
#define T2024         "1704067200000000" /* 2024-01-01T00:00:00Z in microseconds */

/* Parameters rendered as "T:text|I:123|B:1" for compact comparison. */
static char *render_params(const rsql_query *q)
{
    strbuf sb = STRBUF_INIT;
    for (size_t i = 0; i < q->nparams; i++) {
        const rsql_param *p = &q->params[i];
        if (i) sb_append_char(&sb, '|');
        if (p->kind == RSQL_PARAM_TEXT)
            sb_printf(&sb, "T:%s", p->text);
        else
            sb_printf(&sb, "%c:%lld", p->kind == RSQL_PARAM_INT ? 'I' : 'B', p->i);
    }
    return sb_steal(&sb);
}

typedef struct ok_case {
    const char *q, *sort;
    const char *where, *order, *params;
} ok_case;

static const ok_case ok_cases[] = {
    /* Text */
    {"status==active", NULL, "(u.status = $2)", DEFAULT_ORDER, "T:active"},
    {"status!=active", NULL, "(u.status <> $2)", DEFAULT_ORDER, "T:active"},
    {"firstName==ed*", NULL, "(u.first_name LIKE $2 ESCAPE '\\')", DEFAULT_ORDER, "T:ed%"},
    {"firstName!=*a_b%c\\d*", NULL, "(u.first_name NOT LIKE $2 ESCAPE '\\')", DEFAULT_ORDER,
     "T:%a\\_b\\%c\\\\d%"},
    {"status=in=(active,invited)", NULL, "(u.status IN ($2, $3))", DEFAULT_ORDER,
     "T:active|T:invited"},
    {"status=in=(a*)", NULL, "(u.status IN ($2))", DEFAULT_ORDER, "T:a*"},
    {"status=out=(archived)", NULL, "(u.status NOT IN ($2))", DEFAULT_ORDER, "T:archived"},
    {"email=like=a%_\\b*", NULL, "(u.email LIKE $2 ESCAPE '\\')", DEFAULT_ORDER, "T:a%_\\\\b*"},
    {"email=ilike=A%", NULL, "(lower(u.email) LIKE lower($2) ESCAPE '\\')", DEFAULT_ORDER, "T:A%"},
    {"email=contains=50%_off", NULL, "(lower(u.email) LIKE lower($2) ESCAPE '\\')", DEFAULT_ORDER,
     "T:%50\\%\\_off%"},
    {"email=starts=ab*\\", NULL, "(lower(u.email) LIKE lower($2) ESCAPE '\\')", DEFAULT_ORDER,
     "T:ab*\\\\%"},
    {"email=ends=@acme.com", NULL, "(lower(u.email) LIKE lower($2) ESCAPE '\\')", DEFAULT_ORDER,
     "T:%@acme.com"},
    {"email=null=true", NULL, "(u.email IS NULL)", DEFAULT_ORDER, ""},
    {"email=null=FALSE", NULL, "(u.email IS NOT NULL)", DEFAULT_ORDER, ""},
    {"email=null=\"True\"", NULL, "(u.email IS NULL)", DEFAULT_ORDER, ""},
    {"firstName==", NULL, "(u.first_name = $2)", DEFAULT_ORDER, "T:"},
    {"firstName==John Doe", NULL, "(u.first_name = $2)", DEFAULT_ORDER, "T:John Doe"},
    {"firstName==\"John, Doe (x); y\"", NULL, "(u.first_name = $2)", DEFAULT_ORDER,
     "T:John, Doe (x); y"},
    {"firstName==a\"b", NULL, "(u.first_name = $2)", DEFAULT_ORDER, "T:a\"b"},
    {"status=in=(\"a,b\",c,)", NULL, "(u.status IN ($2, $3, $4))", DEFAULT_ORDER, "T:a,b|T:c|T:"},
    {"firstName==Zoë*", NULL, "(u.first_name LIKE $2 ESCAPE '\\')", DEFAULT_ORDER, "T:Zoë%"},
    {"  \u3000status==active \t", NULL, "(u.status = $2)", DEFAULT_ORDER, "T:active"},
    /* Uuid */
    {"id==0190A0E2-7C3B-7D2E-9F00-AAAAAAAAAAA1", NULL, "(u.id = $2)", DEFAULT_ORDER, "T:" UUID1},
    {"id!=" UUID1, NULL, "(u.id <> $2)", DEFAULT_ORDER, "T:" UUID1},
    {"identityId=in=(" UUID1 "," UUID2 ")", NULL, "(u.identity_id IN ($2, $3))", DEFAULT_ORDER,
     "T:" UUID1 "|T:" UUID2},
    {"id=out=(" UUID2 ")", NULL, "(u.id NOT IN ($2))", DEFAULT_ORDER, "T:" UUID2},
    {"identityId=null=false", NULL, "(u.identity_id IS NOT NULL)", DEFAULT_ORDER, ""},
    /* Bool */
    {"mfaEnabled==TRUE", NULL, "(u.mfa_enabled = $2)", DEFAULT_ORDER, "B:1"},
    {"mfaEnabled!=false", NULL, "(u.mfa_enabled <> $2)", DEFAULT_ORDER, "B:0"},
    {"mfaEnabled=null=true", NULL, "(u.mfa_enabled IS NULL)", DEFAULT_ORDER, ""},
    /* Timestamp */
    {"createdAt==2024-01-01T00:00:00Z", NULL, "(u.created_at = $2)", DEFAULT_ORDER, "I:" T2024},
    {"createdAt!=2024-01-01t00:00:00z", NULL, "(u.created_at <> $2)", DEFAULT_ORDER, "I:" T2024},
    {"createdAt=gt=2024-01-01T01:00:00+01:00", NULL, "(u.created_at > $2)", DEFAULT_ORDER,
     "I:" T2024},
    {"createdAt=ge=2024-01-01T00:00:00.5Z", NULL, "(u.created_at >= $2)", DEFAULT_ORDER,
     "I:1704067200500000"},
    {"createdAt=lt=2024-01-01T00:00:00Z", NULL, "(u.created_at < $2)", DEFAULT_ORDER, "I:" T2024},
    {"createdAt=le=1970-01-01T00:00:00.000001Z", NULL, "(u.created_at <= $2)", DEFAULT_ORDER,
     "I:1"},
    {"createdAt=between=(2024-01-01T00:00:00Z,2024-01-02T00:00:00Z)", NULL,
     "(u.created_at BETWEEN $2 AND $3)", DEFAULT_ORDER, "I:" T2024 "|I:1704153600000000"},
    {"createdAt=in=(2024-01-01T00:00:00Z)", NULL, "(u.created_at IN ($2))", DEFAULT_ORDER,
     "I:" T2024},
    {"accessValidUntil=out=(2024-01-01T00:00:00Z)", NULL, "(u.access_valid_until NOT IN ($2))",
     DEFAULT_ORDER, "I:" T2024},
    {"accessValidUntil=null=true", NULL, "(u.access_valid_until IS NULL)", DEFAULT_ORDER, ""},
    /* combinations: ";" binds tighter than ",", as AND does in SQL */
    {"status==active;(email=ends=@acme.com,username==adm*)", NULL,
     "(u.status = $2 AND (lower(u.email) LIKE lower($3) ESCAPE '\\' OR u.username LIKE $4 "
     "ESCAPE '\\'))",
     DEFAULT_ORDER, "T:active|T:%@acme.com|T:adm%"},
    {"status==a,status==b;email==c", NULL, "(u.status = $2 OR u.status = $3 AND u.email = $4)",
     DEFAULT_ORDER, "T:a|T:b|T:c"},
    {"((status==a))", NULL, "(((u.status = $2)))", DEFAULT_ORDER, "T:a"},
    {"createdAt=between=(2024-01-01T00:00:00Z,2024-01-01T00:00:00Z);mfaEnabled==true", NULL,
     "(u.created_at BETWEEN $2 AND $3 AND u.mfa_enabled = $4)", DEFAULT_ORDER,
     "I:" T2024 "|I:" T2024 "|B:1"},
    /* injection-looking values only ever become parameters */
    {"firstName==\"'; DROP TABLE users; --\"", NULL, "(u.first_name = $2)", DEFAULT_ORDER,
     "T:'; DROP TABLE users; --"},
    {"firstName==x' OR '1'='1", NULL, "(u.first_name = $2)", DEFAULT_ORDER, "T:x' OR '1'='1"},
    {"email=contains=$1 --", NULL, "(lower(u.email) LIKE lower($2) ESCAPE '\\')", DEFAULT_ORDER,
     "T:%$1 --%"},
    /* no filter */
    {NULL, NULL, "", DEFAULT_ORDER, ""},
    {"", NULL, "", DEFAULT_ORDER, ""},
    {" \t\u00a0 ", NULL, "", DEFAULT_ORDER, ""},
    /* sorting */
    {NULL, "", "", DEFAULT_ORDER, ""},
    {NULL, " , - ,,", "", DEFAULT_ORDER, ""},
    {NULL, "createdAt", "", "u.created_at ASC NULLS LAST, u.id ASC", ""},
    {NULL, "-createdAt", "", "u.created_at DESC NULLS FIRST, u.id ASC", ""},
    {NULL, "createdAt,desc", "", "u.created_at DESC NULLS FIRST, u.id ASC", ""},
    {NULL, "createdAt, DeSc ", "", "u.created_at DESC NULLS FIRST, u.id ASC", ""},
    {NULL, "-createdAt,asc", "", "u.created_at ASC NULLS LAST, u.id ASC", ""},
    {NULL, "createdAt,,-,desc", "", "u.created_at DESC NULLS FIRST, u.id ASC", ""},
    {NULL, " email ,\u2003-firstName ", "",
     "u.email ASC NULLS LAST, u.first_name DESC NULLS FIRST, u.id ASC", ""},
    {NULL, "email,email,-email", "", "u.email ASC NULLS LAST, u.id ASC", ""},
    {NULL, "email,-email,desc,status", "",
     "u.email ASC NULLS LAST, u.status ASC NULLS LAST, u.id ASC", ""},
    {NULL, "id", "", "u.id ASC NULLS LAST", ""},
    {NULL, "-id,email", "", "u.id DESC NULLS FIRST, u.email ASC NULLS LAST", ""},
    {NULL, "mfaEnabled,accessValidUntil,desc", "",
     "u.mfa_enabled ASC NULLS LAST, u.access_valid_until DESC NULLS FIRST, u.id ASC", ""},
    {"status==active", "-createdAt", "(u.status = $2)", "u.created_at DESC NULLS FIRST, u.id ASC",
     "T:active"},
};

static void test_compiles(void **state)
{
    (void)state;
    int failures = 0;
    for (size_t i = 0; i < sizeof ok_cases / sizeof ok_cases[0]; i++) {
        const ok_case *c = &ok_cases[i];
        rsql_query q;
        err e = {0};
        if (rsql_compile(&users, c->q, c->sort, 2, &q, &e) != 0) {
            print_error("q=%s sort=%s: unexpected error %s\n", c->q ? c->q : "(null)",
                        c->sort ? c->sort : "(null)", e.detail);
            failures++;
            continue;
        }
        char *params = render_params(&q);
        if (strcmp(q.where, c->where) || strcmp(q.order_by, c->order) ||
            strcmp(params, c->params)) {
            print_error("q=%s sort=%s\n  where  %s\n  order  %s\n  params %s\n",
                        c->q ? c->q : "(null)", c->sort ? c->sort : "(null)", q.where, q.order_by,
                        params);
            failures++;
        }
        free(params);
        rsql_query_free(&q);
    }
    assert_int_equal(failures, 0);
}

typedef struct err_case {
    const char *q, *sort, *detail;
} err_case;

static const err_case err_cases[] = {
    /* grammar, with 0-based code-point positions into the trimmed q */
    {"==a", NULL, "RSQL parse error: expected field name at position 0"},
    {"(", NULL, "RSQL parse error: expected field name at position 1"},
    {"status==a;", NULL, "RSQL parse error: expected field name at position 10"},
    {"first-name==a", NULL, "RSQL parse error: expected operator at position 5"},
    {"status", NULL, "RSQL parse error: expected operator at position 6"},
    {"status!a", NULL, "RSQL parse error: expected operator at position 6"},
    {"status=gt", NULL, "RSQL parse error: unterminated operator at position 9"},
    {"status=", NULL, "RSQL parse error: unterminated operator at position 7"},
    {"status=foo=bar", NULL, "RSQL parse error: unknown operator '=foo=' at position 11"},
    {"status=GT=a", NULL, "RSQL parse error: unknown operator '=GT=' at position 10"},
    {"status==", NULL, NULL}, /* empty value: valid, see ok_cases */
    {"status=in=a", NULL, "RSQL parse error: expected '(' after operator at position 10"},
    {"status=in=(a;b)", NULL, "RSQL parse error: expected ',' or ')' at position 12"},
    {"status=in=(a", NULL, "RSQL parse error: expected ',' or ')' at position 12"},
    {"status=in=(\"a\"b)", NULL, "RSQL parse error: expected ',' or ')' at position 14"},
    {"(status==a", NULL, "RSQL parse error: expected ')' at position 10"},
    {"(status==a(", NULL, "RSQL parse error: expected ')' at position 10"},
    {"status==\"abc", NULL, "RSQL parse error: unterminated quoted value at position 12"},
    {"status=in=(\"a)", NULL, "RSQL parse error: unterminated quoted value at position 14"},
    {"status==a)", NULL, "RSQL parse error: unexpected token at position 9"},
    {"status==a(b)", NULL, "RSQL parse error: unexpected token at position 9"},
    {"status==\"a\"b", NULL, "RSQL parse error: unexpected token at position 11"},
    {"status=in=(a)b", NULL, "RSQL parse error: unexpected token at position 13"},
    {"status=null=maybe", NULL, "RSQL parse error: =null= expects true or false, got 'maybe'"},
    {"status=null=", NULL, "RSQL parse error: =null= expects true or false, got ''"},
    {"bogus=null=x", NULL, "RSQL parse error: =null= expects true or false, got 'x'"},
    /* positions count code points of the trimmed q */
    {"firstName==éé;", NULL, "RSQL parse error: expected field name at position 14"},
    {"\u3000 status", NULL, "RSQL parse error: expected operator at position 6"},
    {"firstName==\"日本", NULL, "RSQL parse error: unterminated quoted value at position 14"},
    /* a syntax error anywhere wins over a field error before it */
    {"bogus==1;(", NULL, "RSQL parse error: expected field name at position 10"},
    /* fields and operators */
    {"bogus==1", NULL, "unknown filter field 'bogus'"},
    {"isArchived==true", NULL, "unknown filter field 'isArchived'"},
    {"Status==active", NULL, "unknown filter field 'Status'"},
    {"passwordHash==x", NULL, "field 'passwordHash' is not filterable"},
    {"mfaSecret=null=true", NULL, "field 'mfaSecret' is not filterable"},
    {"status=gt=a", NULL, "operator =gt= is not valid for Text field 'status'"},
    {"status=between=(a,b)", NULL, "operator =between= is not valid for Text field 'status'"},
    {"id=like=x", NULL, "operator =like= is not valid for Uuid field 'id'"},
    {"id=ge=" UUID1, NULL, "operator =ge= is not valid for Uuid field 'id'"},
    {"mfaEnabled=in=(true)", NULL, "operator =in= is not valid for Bool field 'mfaEnabled'"},
    {"mfaEnabled=lt=true", NULL, "operator =lt= is not valid for Bool field 'mfaEnabled'"},
    {"createdAt=contains=2024", NULL,
     "operator =contains= is not valid for Timestamp field 'createdAt'"},
    {"createdAt=between=(2024-01-01T00:00:00Z)", NULL,
     "=between= requires exactly 2 values for field 'createdAt', got 1"},
    {"createdAt=between=(a,b,c)", NULL,
     "=between= requires exactly 2 values for field 'createdAt', got 3"},
    /* values */
    {"id==nope", NULL, "invalid value 'nope' for Uuid field 'id'"},
    {"id==" UUID1 "x", NULL, "invalid value '" UUID1 "x' for Uuid field 'id'"},
    {"id==0190a0e2*", NULL, "invalid value '0190a0e2*' for Uuid field 'id'"},
    {"id=in=(" UUID1 ",x)", NULL, "invalid value 'x' for Uuid field 'id'"},
    {"mfaEnabled==yes", NULL, "invalid value 'yes' for Bool field 'mfaEnabled'"},
    {"mfaEnabled==", NULL, "invalid value '' for Bool field 'mfaEnabled'"},
    {"createdAt==2024-01-01", NULL, "invalid value '2024-01-01' for Timestamp field 'createdAt'"},
    {"createdAt=gt=2024-01-01T00:00:00 01:00", NULL,
     "invalid value '2024-01-01T00:00:00 01:00' for Timestamp field 'createdAt'"},
    {"createdAt=between=(2024-01-01T00:00:00Z,x)", NULL,
     "invalid value 'x' for Timestamp field 'createdAt'"},
    /* the first failing leaf is reported; the filter before the sort */
    {"status=gt=a;bogus==1", NULL, "operator =gt= is not valid for Text field 'status'"},
    {"bogus==1", "alsoBogus", "unknown filter field 'bogus'"},
    /* sort */
    {NULL, "desc", "sort direction 'desc' must follow a field name"},
    {NULL, ",Asc", "sort direction 'Asc' must follow a field name"},
    {NULL, "email,desc,asc", "sort direction 'asc' must follow a field name"},
    {NULL, "bogus", "sort field 'bogus' does not exist"},
    {NULL, "-bogus", "sort field 'bogus' does not exist"},
    {NULL, "email,isArchived", "sort field 'isArchived' does not exist"},
    {NULL, "-asc", "sort field 'asc' does not exist"},
    {NULL, "passwordHash", "field 'passwordHash' is not sortable"},
    {NULL, "email,-mfaSecret", "field 'mfaSecret' is not sortable"},
};

static void test_errors(void **state)
{
    (void)state;
    int failures = 0;
    for (size_t i = 0; i < sizeof err_cases / sizeof err_cases[0]; i++) {
        const err_case *c = &err_cases[i];
        rsql_query q;
        err e = {0};
        int rc = rsql_compile(&users, c->q, c->sort, 1, &q, &e);
        if (!c->detail) {
            if (rc != 0) print_error("q=%s: unexpected error %s\n", c->q, e.detail);
            failures += rc != 0;
            rsql_query_free(&q);
            continue;
        }
        if (rc == 0 || e.kind != ERR_INVALID_FILTER || strcmp(e.detail, c->detail)) {
            print_error("q=%s sort=%s\n  got  %s\n  want %s\n", c->q ? c->q : "(null)",
                        c->sort ? c->sort : "(null)", rc ? e.detail : "success", c->detail);
            failures++;
        }
        if (rc == 0) {
            rsql_query_free(&q);
            continue;
        }
        assert_null(q.where);
        assert_null(q.order_by);
        assert_null(q.params);
    }
    assert_int_equal(failures, 0);
}

/* Repeats s n times into a new string, after prefix. */
static char *repeat(const char *prefix, const char *s, size_t n, const char *suffix)
{
    strbuf sb = STRBUF_INIT;
    sb_append(&sb, prefix);
    for (size_t i = 0; i < n; i++)
        sb_append(&sb, s);
    sb_append(&sb, suffix);
    return sb_steal(&sb);
}

static int compile_users(const char *q, rsql_query *out, err *e)
{
    return rsql_compile(&users, q, NULL, 1, out, e);
}

static void test_limits(void **state)
{
    (void)state;
    rsql_query q;
    err e = {0};
    /* 4096 code points (8181 bytes) pass; one more is too long */
    char *s = repeat("firstName==", "é", 4085, "");
    assert_int_equal(compile_users(s, &q, &e), 0);
    rsql_query_free(&q);
    free(s);
    s = repeat("firstName==", "é", 4086, "");
    assert_int_equal(compile_users(s, &q, &e), -1);
    assert_string_equal(e.detail, "RSQL expression is too long");
    free(s);
    /* surrounding white space is trimmed before counting */
    s = repeat("   firstName==", "x", 4085, "   ");
    assert_int_equal(compile_users(s, &q, &e), 0);
    rsql_query_free(&q);
    free(s);

    /* 32 nested groups pass; the 33rd '(' is refused at its position */
    char *open = repeat("", "(", 32, "status==a");
    s = repeat(open, ")", 32, "");
    assert_int_equal(compile_users(s, &q, &e), 0);
    assert_int_equal(q.nparams, 1);
    rsql_query_free(&q);
    free(s);
    free(open);
    open = repeat("", "(", 33, "status==a");
    s = repeat(open, ")", 33, "");
    assert_int_equal(compile_users(s, &q, &e), -1);
    assert_string_equal(e.detail, "RSQL parse error: nesting too deep at position 32");
    free(s);
    free(open);
    /* depth is nesting, not the count of groups */
    s = repeat("status==a", ";((status==b))", 100, "");
    assert_int_equal(compile_users(s, &q, &e), 0);
    assert_int_equal(q.nparams, 101);
    assert_non_null(strstr(q.where, "$101"));
    rsql_query_free(&q);
    free(s);

    /* a long value is quoted in part: the message stays valid UTF-8 */
    s = repeat("id==", "é", 1000, "");
    assert_int_equal(compile_users(s, &q, &e), -1);
    assert_int_equal(e.kind, ERR_INVALID_FILTER);
    assert_true(utf8_valid(e.detail, strlen(e.detail)));
    assert_non_null(strstr(e.detail, "' for Uuid field 'id'"));
    free(s);

    /* invalid UTF-8 never reaches the parser */
    assert_int_equal(compile_users("status==\xff", &q, &e), -1);
    assert_int_equal(e.kind, ERR_BAD_REQUEST);
    assert_string_equal(e.detail, "Invalid query string");
}

static void test_params_and_default_order(void **state)
{
    (void)state;
    rsql_query q;
    err e = {0};
    assert_int_equal(rsql_compile(&roles, "name==a,id=in=(" UUID1 "," UUID2 ")", NULL, 7, &q, &e),
                     0);
    assert_string_equal(q.where, "(r.name = $7 OR r.id IN ($8, $9))");
    assert_string_equal(q.order_by, "r.id ASC");
    assert_int_equal(q.nparams, 3);
    assert_string_equal(q.params[2].text, UUID2);
    rsql_query_free(&q);
    assert_null(q.where);
    rsql_query_free(&q); /* freeing twice is harmless */

    assert_int_equal(rsql_compile(&roles, NULL, "-name", 1, &q, &e), 0);
    assert_string_equal(q.where, "");
    assert_string_equal(q.order_by, "r.name DESC NULLS FIRST, r.id ASC");
    rsql_query_free(&q);
}

/* ---- against SQLite ----------------------------------------------------- */

/* The store's Unicode lower() for SQLite, as the db layer provides it. */
static void sql_lower(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    const char *s = (const char *)sqlite3_value_text(argv[0]);
    if (!s) {
        sqlite3_result_null(ctx);
        return;
    }
    sqlite3_result_text(ctx, utf8_lower(s), -1, free);
}

static sqlite3 *open_users(void)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
    assert_int_equal(sqlite3_create_function(db, "lower", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC,
                                             NULL, sql_lower, NULL, NULL),
                     SQLITE_OK);
    const char *setup =
        "PRAGMA case_sensitive_like = ON;"
        "CREATE TABLE users (id TEXT PRIMARY KEY, tenant TEXT, first_name TEXT, email TEXT,"
        " status TEXT, mfa_enabled INTEGER, created_at INTEGER, access_valid_until INTEGER);"
        "INSERT INTO users VALUES"
        " ('" UUID1 "', 't', 'Ann', 'ann@acme.com', 'active', 1, 100, NULL),"
        " ('" UUID2 "', 't', 'bob', 'Bob@Example.com', 'invited', 0, 200, 1704067200000000),"
        " ('0190a0e2-7c3b-7d2e-9f00-aaaaaaaaaaa3', 't', 'Zoë', NULL, 'active', 0, 300, 5),"
        " ('0190a0e2-7c3b-7d2e-9f00-aaaaaaaaaaa4', 't', 'ÉMILE', 'emile@acme.com', 'archived',"
        "  1, 300, NULL),"
        " ('0190a0e2-7c3b-7d2e-9f00-aaaaaaaaaaa5', 't', 'a_b%c', 'x@acme.com', 'active', 0, 500,"
        "  7),"
        " ('0190a0e2-7c3b-7d2e-9f00-aaaaaaaaaaa6', 'other', 'Ann', 'ann@acme.com', 'active', 1,"
        "  100, NULL);";
    assert_int_equal(sqlite3_exec(db, setup, NULL, NULL, NULL), SQLITE_OK);
    return db;
}

/* Runs q and sort over the users of tenant 't' ($1) and returns the last
 * digits of the ids, in order, e.g. "135". */
static char *run(sqlite3 *db, const char *rq, const char *sort)
{
    rsql_query q;
    err e = {0};
    if (rsql_compile(&users, rq, sort, 2, &q, &e) != 0) fail_msg("%s: %s", rq, e.detail);
    strbuf sb = STRBUF_INIT;
    sb_printf(&sb, "SELECT u.id FROM users u WHERE u.tenant = $1%s%s ORDER BY %s",
              q.where[0] ? " AND " : "", q.where, q.order_by);
    char *sql = sb_steal(&sb);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        fail_msg("%s: %s", sql, sqlite3_errmsg(db));
    sqlite3_bind_text(st, sqlite3_bind_parameter_index(st, "$1"), "t", -1, SQLITE_STATIC);
    for (size_t i = 0; i < q.nparams; i++) {
        char name[16];
        snprintf(name, sizeof name, "$%zu", i + 2);
        int idx = sqlite3_bind_parameter_index(st, name);
        assert_true(idx > 0);
        if (q.params[i].kind == RSQL_PARAM_TEXT)
            sqlite3_bind_text(st, idx, q.params[i].text, -1, SQLITE_TRANSIENT);
        else
            sqlite3_bind_int64(st, idx, q.params[i].i);
    }
    strbuf out = STRBUF_INIT;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *id = (const char *)sqlite3_column_text(st, 0);
        sb_append_char(&out, id[strlen(id) - 1]);
    }
    assert_int_equal(rc, SQLITE_DONE);
    sqlite3_finalize(st);
    free(sql);
    rsql_query_free(&q);
    return sb_steal(&out);
}

static void test_sqlite(void **state)
{
    (void)state;
    static const struct {
        const char *q, *sort, *ids;
    } cases[] = {
        {NULL, NULL, "53421"},                  /* createdAt descending, then id */
        {"status==active", "firstName", "135"}, /* byte order: "Ann" < "Zoë" < "a_b%c" */
        {"status==active", "-firstName", "531"},
        {"email!=ann@acme.com", "id", "245"}, /* a null email is not "different" */
        {"email=out=(ann@acme.com)", "id", "245"},
        {"email=null=true", NULL, "3"},
        {"firstName==a*", NULL, "5"}, /* == with * is case-sensitive */
        {"firstName!=*o*", "id", "145"},
        {"firstName=like=_n%", NULL, "1"},
        {"firstName=like=a\\_b%", NULL, ""}, /* \ is literal in a pattern */
        {"firstName=ilike=é%", NULL, "4"},   /* Unicode case folding */
        {"firstName=ilike=A%", "id", "15"},
        {"firstName=contains=_B%", NULL, "5"}, /* literal % and _ */
        {"firstName=contains=_", NULL, "5"},
        {"email=starts=BOB@", NULL, "2"},
        {"email=ends=@ACME.COM", "id", "145"},
        {"createdAt=between=(1970-01-01T00:00:00.0002Z,1970-01-01T00:00:00.0003Z)", "id", "234"},
        {"createdAt=gt=1970-01-01T00:00:00.0003Z", NULL, "5"},
        {"mfaEnabled==true", "id", "14"},
        {"mfaEnabled!=TRUE", "id", "235"},
        {"id=in=(0190A0E2-7C3B-7D2E-9F00-AAAAAAAAAAA1," UUID2 ")", "id", "12"},
        {"status==active;(email=ends=@acme.com,firstName==Z*)", "id", "135"},
        {"accessValidUntil=null=false", "accessValidUntil", "352"},
        {NULL, "accessValidUntil", "35214"},      /* nulls last, then id */
        {NULL, "accessValidUntil,desc", "14253"}, /* nulls first */
        {NULL, "createdAt,-status", "12435"},
        {"firstName==\"'; DROP TABLE users; --\"", NULL, ""},
        {"firstName==x' OR '1'='1", NULL, ""},
    };
    sqlite3 *db = open_users();
    int failures = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *ids = run(db, cases[i].q, cases[i].sort);
        if (strcmp(ids, cases[i].ids)) {
            print_error("q=%s sort=%s: got %s want %s\n", cases[i].q ? cases[i].q : "(null)",
                        cases[i].sort ? cases[i].sort : "(null)", ids, cases[i].ids);
            failures++;
        }
        free(ids);
    }
    char *all = run(db, NULL, "id");
    assert_string_equal(all, "12345"); /* the table survived */
    free(all);
    sqlite3_close(db);
    assert_int_equal(failures, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_compiles), cmocka_unit_test(test_errors),
        cmocka_unit_test(test_limits),   cmocka_unit_test(test_params_and_default_order),
        cmocka_unit_test(test_sqlite),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
