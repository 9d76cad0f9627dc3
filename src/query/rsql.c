/* rsql.c - the RSQL filter and sort compiler (see rsql.h, API.md 1.13).
 *
 * One recursive-descent parser reads the trimmed q twice. The first pass only
 * checks the grammar, so that a syntax error anywhere wins over a field or
 * value error before it; the second pass checks fields, operators and values
 * and writes the SQL. RSQL's "," (OR) and ";" (AND) have the precedence of
 * SQL's OR and AND, so the SQL is written as the text is read, with the
 * grouping parentheses of the input.
 *
 * Every character of the grammar is ASCII, so the parser works on bytes of
 * the UTF-8 text; positions in messages are converted to code points.
 */
#include "query/rsql.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/crypto.h"
#include "util/strbuf.h"
#include "util/timeutil.h"
#include "util/utf8.h"

typedef enum {
    OP_EQ,
    OP_NE,
    OP_GT,
    OP_GE,
    OP_LT,
    OP_LE,
    OP_IN,
    OP_OUT,
    OP_LIKE,
    OP_ILIKE,
    OP_CONTAINS,
    OP_STARTS,
    OP_ENDS,
    OP_BETWEEN,
    OP_NULL,
    OP__COUNT
} op_kind;

static const char *const op_text[OP__COUNT] = {
    "==",     "!=",      "=gt=",       "=ge=",     "=lt=",   "=le=",      "=in=",   "=out=",
    "=like=", "=ilike=", "=contains=", "=starts=", "=ends=", "=between=", "=null=",
};

#define OPS(o) (1u << (o))
static const unsigned type_ops[] = {
    [RSQL_TEXT] = OPS(OP_EQ) | OPS(OP_NE) | OPS(OP_IN) | OPS(OP_OUT) | OPS(OP_LIKE) |
                  OPS(OP_ILIKE) | OPS(OP_CONTAINS) | OPS(OP_STARTS) | OPS(OP_ENDS) | OPS(OP_NULL),
    [RSQL_UUID] = OPS(OP_EQ) | OPS(OP_NE) | OPS(OP_IN) | OPS(OP_OUT) | OPS(OP_NULL),
    [RSQL_BOOL] = OPS(OP_EQ) | OPS(OP_NE) | OPS(OP_NULL),
    [RSQL_TIMESTAMP] = OPS(OP_EQ) | OPS(OP_NE) | OPS(OP_GT) | OPS(OP_GE) | OPS(OP_LT) | OPS(OP_LE) |
                       OPS(OP_BETWEEN) | OPS(OP_IN) | OPS(OP_OUT) | OPS(OP_NULL),
};
static const char *const type_name[] = {"Text", "Uuid", "Bool", "Timestamp"};

/* Input quoted in a message is cut to this many bytes (on a code point
 * boundary), so that the detail stays within ERR_DETAIL_MAX and valid UTF-8. */
#define QUOTE_MAX 200

/* A piece of the input: bytes [p, p+n), no NUL inside. */
typedef struct slice {
    const char *p;
    size_t n;
} slice;

typedef struct parser {
    const char *s; /* the trimmed q */
    size_t len, pos;
    int depth;
    bool compile; /* second pass: check fields and values, write SQL */
    const rsql_table *table;
    err *e;
    strbuf sql;         /* the WHERE expression (second pass) */
    rsql_param *params; /* owned; moved to the result */
    size_t nparams, params_cap;
    int next_param;
    slice *args; /* the values of the leaf being read; owned */
    size_t nargs, args_cap;
} parser;

static void *grow(void *p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap) return p;
    size_t cap2 = *cap ? *cap * 2 : 8;
    while (cap2 < need)
        cap2 *= 2;
    p = realloc(p, cap2 * size);
    if (!p) abort();
    *cap = cap2;
    return p;
}

static char *dup_slice(slice v)
{
    char *s = malloc(v.n + 1);
    if (!s) abort();
    memcpy(s, v.p, v.n);
    s[v.n] = '\0';
    return s;
}

static bool slice_ieq(slice v, const char *word)
{
    if (strlen(word) != v.n) return false;
    for (size_t i = 0; i < v.n; i++) {
        char c = v.p[i];
        if (c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
        if (c != word[i]) return false;
    }
    return true;
}

static int quote_len(slice v)
{
    size_t n = v.n;
    if (n > QUOTE_MAX) {
        n = QUOTE_MAX;
        while (n > 0 && ((unsigned char)v.p[n] & 0xc0) == 0x80)
            n--;
    }
    return (int)n;
}

static slice cstr(const char *s)
{
    return (slice){s, strlen(s)};
}

static const rsql_field *find_field(const rsql_table *t, slice name)
{
    for (size_t i = 0; i < t->nfields; i++)
        if (strlen(t->fields[i].name) == name.n && memcmp(t->fields[i].name, name.p, name.n) == 0)
            return &t->fields[i];
    return NULL;
}

/* ---- grammar ------------------------------------------------------------ */

static size_t cp_pos(const parser *p, size_t off)
{
    size_t n = 0;
    for (size_t i = 0; i < off; i++)
        if (((unsigned char)p->s[i] & 0xc0) != 0x80) n++;
    return n;
}

static int parse_error(parser *p, const char *what, size_t off)
{
    return err_set(p->e, ERR_INVALID_FILTER, "RSQL parse error: %s at position %zu", what,
                   cp_pos(p, off));
}

static char peek(const parser *p)
{
    return p->s[p->pos];
}

static void emit(parser *p, const char *sql)
{
    if (p->compile) sb_append(&p->sql, sql);
}

/* value := '"' chars '"' | chars up to , ; ( ) or the end */
static int parse_value(parser *p, slice *v)
{
    if (peek(p) == '"') {
        const char *close = strchr(p->s + p->pos + 1, '"');
        if (!close) return parse_error(p, "unterminated quoted value", p->len);
        v->p = p->s + p->pos + 1;
        v->n = (size_t)(close - v->p);
        p->pos = (size_t)(close - p->s) + 1;
        return 0;
    }
    v->p = p->s + p->pos;
    v->n = strcspn(v->p, ",;()");
    p->pos += v->n;
    return 0;
}

static int parse_operator(parser *p, op_kind *op)
{
    const char *c = p->s + p->pos;
    if ((c[0] == '=' || c[0] == '!') && c[1] == '=') {
        *op = c[0] == '=' ? OP_EQ : OP_NE;
        p->pos += 2;
        return 0;
    }
    if (c[0] != '=') return parse_error(p, "expected operator", p->pos);
    const char *close = strchr(c + 1, '=');
    if (!close) return parse_error(p, "unterminated operator", p->len);
    slice name = {c, (size_t)(close - c) + 1};
    p->pos += name.n;
    for (int k = OP_GT; k < OP__COUNT; k++) {
        if (strlen(op_text[k]) == name.n && memcmp(op_text[k], name.p, name.n) == 0) {
            *op = (op_kind)k;
            return 0;
        }
    }
    return err_set(p->e, ERR_INVALID_FILTER,
                   "RSQL parse error: unknown operator '%.*s' at position %zu", quote_len(name),
                   name.p, cp_pos(p, p->pos));
}

static void push_arg(parser *p, slice v)
{
    p->args = grow(p->args, &p->args_cap, p->nargs + 1, sizeof *p->args);
    p->args[p->nargs++] = v;
}

/* args := "(" value ("," value)* ")" for in, out, between | value */
static int parse_args(parser *p, op_kind op)
{
    slice v = {0};
    p->nargs = 0;
    if (op != OP_IN && op != OP_OUT && op != OP_BETWEEN) {
        if (parse_value(p, &v)) return -1;
        push_arg(p, v);
        return 0;
    }
    if (peek(p) != '(') return parse_error(p, "expected '(' after operator", p->pos);
    p->pos++;
    for (;;) {
        if (parse_value(p, &v)) return -1;
        push_arg(p, v);
        if (peek(p) == ')') break;
        if (peek(p) != ',') return parse_error(p, "expected ',' or ')'", p->pos);
        p->pos++;
    }
    p->pos++;
    return 0;
}

static int compile_leaf(parser *p, slice name, op_kind op);

static bool is_selector_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

/* atom := selector op args (a leaf) */
static int parse_leaf(parser *p)
{
    slice name = {p->s + p->pos, 0};
    while (is_selector_char(peek(p)))
        p->pos++;
    name.n = p->pos - (size_t)(name.p - p->s);
    if (name.n == 0) return parse_error(p, "expected field name", p->pos);
    op_kind op = OP_EQ;
    if (parse_operator(p, &op) || parse_args(p, op)) return -1;
    if (op == OP_NULL && !slice_ieq(p->args[0], "true") && !slice_ieq(p->args[0], "false"))
        return err_set(p->e, ERR_INVALID_FILTER,
                       "RSQL parse error: =null= expects true or false, got '%.*s'",
                       quote_len(p->args[0]), p->args[0].p);
    return p->compile ? compile_leaf(p, name, op) : 0;
}

static int parse_expr(parser *p);

/* atom := "(" expr ")" | leaf */
static int parse_atom(parser *p)
{
    if (peek(p) != '(') return parse_leaf(p);
    if (p->depth == RSQL_MAX_DEPTH) return parse_error(p, "nesting too deep", p->pos);
    p->depth++;
    p->pos++;
    emit(p, "(");
    if (parse_expr(p)) return -1;
    if (peek(p) != ')') return parse_error(p, "expected ')'", p->pos);
    p->pos++;
    p->depth--;
    emit(p, ")");
    return 0;
}

/* and := atom (";" atom)* */
static int parse_and(parser *p)
{
    if (parse_atom(p)) return -1;
    while (peek(p) == ';') {
        p->pos++;
        emit(p, " AND ");
        if (parse_atom(p)) return -1;
    }
    return 0;
}

/* expr := and ("," and)* */
static int parse_expr(parser *p)
{
    if (parse_and(p)) return -1;
    while (peek(p) == ',') {
        p->pos++;
        emit(p, " OR ");
        if (parse_and(p)) return -1;
    }
    return 0;
}

static int parse_all(parser *p, bool compile)
{
    p->pos = 0;
    p->depth = 0;
    p->compile = compile;
    emit(p, "(");
    if (parse_expr(p)) return -1;
    if (p->pos != p->len) return parse_error(p, "unexpected token", p->pos);
    emit(p, ")");
    return 0;
}

/* ---- SQL of one leaf ---------------------------------------------------- */

static void push_param(parser *p, rsql_param prm)
{
    p->params = grow(p->params, &p->params_cap, p->nparams + 1, sizeof *p->params);
    p->params[p->nparams++] = prm;
    sb_printf(&p->sql, "$%d", p->next_param++);
}

static void push_text(parser *p, char *text)
{
    push_param(p, (rsql_param){RSQL_PARAM_TEXT, text, 0});
}

static int bad_value(parser *p, const rsql_field *f, slice v)
{
    return err_set(p->e, ERR_INVALID_FILTER, "invalid value '%.*s' for %s field '%s'", quote_len(v),
                   v.p, type_name[f->type], f->name);
}

/* Converts v to the storage form of f's column and writes its parameter. */
static int emit_value(parser *p, const rsql_field *f, slice v)
{
    if (f->type == RSQL_TEXT) {
        push_text(p, dup_slice(v));
        return 0;
    }
    if (f->type == RSQL_BOOL) {
        if (!slice_ieq(v, "true") && !slice_ieq(v, "false")) return bad_value(p, f, v);
        push_param(p, (rsql_param){RSQL_PARAM_BOOL, NULL, slice_ieq(v, "true")});
        return 0;
    }
    char uuid[UUID_STR_LEN + 1];
    int64_t us = 0;
    char *text = dup_slice(v);
    bool ok = f->type == RSQL_UUID ? uuid_parse(text, uuid) : time_parse(text, &us);
    free(text);
    if (!ok) return bad_value(p, f, v);
    if (f->type == RSQL_UUID)
        push_text(p, dup_slice(cstr(uuid)));
    else
        push_param(p, (rsql_param){RSQL_PARAM_INT, NULL, us});
    return 0;
}

/* How a value becomes a LIKE pattern (always used with ESCAPE '\'). */
typedef enum {
    LIKE_PATTERN, /* =like=, =ilike=: % and _ are wildcards, \ is literal */
    LIKE_STAR,    /* == and != on Text: * is the only wildcard */
    LIKE_LITERAL  /* =contains=, =starts=, =ends=: nothing is special */
} like_mode;

static char *like_pattern(slice v, like_mode mode, bool any_before, bool any_after)
{
    strbuf sb = STRBUF_INIT;
    if (any_before) sb_append_char(&sb, '%');
    for (size_t i = 0; i < v.n; i++) {
        char c = v.p[i];
        if (mode == LIKE_STAR && c == '*') {
            sb_append_char(&sb, '%');
            continue;
        }
        if (c == '\\' || (mode != LIKE_PATTERN && (c == '%' || c == '_')))
            sb_append_char(&sb, '\\');
        sb_append_char(&sb, c);
    }
    if (any_after) sb_append_char(&sb, '%');
    return sb_steal(&sb);
}

static void emit_like(parser *p, const char *col, bool negate, bool fold, char *pattern)
{
    if (fold)
        sb_printf(&p->sql, "lower(%s) LIKE lower(", col);
    else
        sb_printf(&p->sql, "%s %sLIKE ", col, negate ? "NOT " : "");
    push_text(p, pattern);
    sb_append(&p->sql, fold ? ") ESCAPE '\\'" : " ESCAPE '\\'");
}

static int emit_list(parser *p, const rsql_field *f, const char *sep)
{
    for (size_t i = 0; i < p->nargs; i++) {
        if (i) sb_append(&p->sql, sep);
        if (emit_value(p, f, p->args[i])) return -1;
    }
    return 0;
}

static int emit_leaf(parser *p, const rsql_field *f, op_kind op)
{
    static const char *const cmp[] = {[OP_EQ] = " = ",  [OP_NE] = " <> ", [OP_GT] = " > ",
                                      [OP_GE] = " >= ", [OP_LT] = " < ",  [OP_LE] = " <= "};
    const char *col = f->column;
    slice v = p->args[0];
    switch (op) {
    case OP_EQ:
    case OP_NE:
        if (f->type == RSQL_TEXT && memchr(v.p, '*', v.n)) {
            emit_like(p, col, op == OP_NE, false, like_pattern(v, LIKE_STAR, false, false));
            return 0;
        }
        /* fall through */
    case OP_GT:
    case OP_GE:
    case OP_LT:
    case OP_LE:
        sb_printf(&p->sql, "%s%s", col, cmp[op]);
        return emit_value(p, f, v);
    case OP_IN:
    case OP_OUT:
        sb_printf(&p->sql, "%s %sIN (", col, op == OP_OUT ? "NOT " : "");
        if (emit_list(p, f, ", ")) return -1;
        sb_append(&p->sql, ")");
        return 0;
    case OP_BETWEEN:
        sb_printf(&p->sql, "%s BETWEEN ", col);
        return emit_list(p, f, " AND ");
    case OP_LIKE:
    case OP_ILIKE:
        emit_like(p, col, false, op == OP_ILIKE, like_pattern(v, LIKE_PATTERN, false, false));
        return 0;
    case OP_CONTAINS:
    case OP_STARTS:
    case OP_ENDS:
        emit_like(p, col, false, true,
                  like_pattern(v, LIKE_LITERAL, op != OP_STARTS, op != OP_ENDS));
        return 0;
    default: /* OP_NULL, its value checked by the parser */
        break;
    }
    sb_printf(&p->sql, "%s IS %sNULL", col, slice_ieq(v, "true") ? "" : "NOT ");
    return 0;
}

static int compile_leaf(parser *p, slice name, op_kind op)
{
    const rsql_field *f = find_field(p->table, name);
    if (!f)
        return err_set(p->e, ERR_INVALID_FILTER, "unknown filter field '%.*s'", quote_len(name),
                       name.p);
    if (!f->filterable)
        return err_set(p->e, ERR_INVALID_FILTER, "field '%s' is not filterable", f->name);
    if (!(type_ops[f->type] & OPS(op)))
        return err_set(p->e, ERR_INVALID_FILTER, "operator %s is not valid for %s field '%s'",
                       op_text[op], type_name[f->type], f->name);
    if (op == OP_BETWEEN && p->nargs != 2)
        return err_set(p->e, ERR_INVALID_FILTER,
                       "=between= requires exactly 2 values for field '%s', got %zu", f->name,
                       p->nargs);
    return emit_leaf(p, f, op);
}

/* ---- sort --------------------------------------------------------------- */

typedef struct sort_item {
    const rsql_field *f;
    bool desc;
} sort_item;

typedef struct sorter {
    sort_item *items; /* each field at most once, in order; owned */
    size_t n;
    enum { AFTER_NOTHING, AFTER_FIELD, AFTER_DUPLICATE } after; /* what a direction applies to */
} sorter;

static int sort_token(const rsql_table *t, sorter *st, const char *tok, err *e)
{
    slice s = cstr(tok);
    if (s.n == 0 || strcmp(tok, "-") == 0) return 0;
    if (slice_ieq(s, "asc") || slice_ieq(s, "desc")) {
        if (st->after == AFTER_NOTHING)
            return err_set(e, ERR_INVALID_FILTER, "sort direction '%s' must follow a field name",
                           tok);
        if (st->after == AFTER_FIELD) st->items[st->n - 1].desc = slice_ieq(s, "desc");
        st->after = AFTER_NOTHING;
        return 0;
    }
    bool desc = tok[0] == '-';
    slice name = cstr(tok + desc);
    const rsql_field *f = find_field(t, name);
    if (!f)
        return err_set(e, ERR_INVALID_FILTER, "sort field '%.*s' does not exist", quote_len(name),
                       name.p);
    if (!f->sortable) return err_set(e, ERR_INVALID_FILTER, "field '%s' is not sortable", f->name);
    st->after = AFTER_DUPLICATE;
    for (size_t i = 0; i < st->n; i++)
        if (st->items[i].f == f) return 0;
    st->items[st->n++] = (sort_item){f, desc};
    st->after = AFTER_FIELD;
    return 0;
}

/* Reads the comma-separated sort tokens into st; see API.md 1.13 Sorting. */
static int parse_sort(const rsql_table *t, const char *sort, sorter *st, err *e)
{
    for (const char *tok = sort;; tok++) {
        size_t n = strcspn(tok, ",");
        char *raw = dup_slice((slice){tok, n});
        char *trimmed = utf8_trim(raw);
        free(raw);
        int rc = sort_token(t, st, trimmed, e);
        free(trimmed);
        if (rc) return -1;
        tok += n;
        if (*tok == '\0') return 0;
    }
}

static char *order_by(const rsql_table *t, const sorter *st)
{
    strbuf sb = STRBUF_INIT;
    bool have_id = false;
    for (size_t i = 0; i < st->n; i++) {
        const char *col = st->items[i].f->column;
        sb_printf(&sb, "%s%s %s", i ? ", " : "", col,
                  st->items[i].desc ? "DESC NULLS FIRST" : "ASC NULLS LAST");
        have_id |= strcmp(col, t->id_column) == 0;
    }
    if (st->n == 0 && t->default_order) sb_append(&sb, t->default_order);
    if (!have_id) sb_printf(&sb, "%s%s ASC", sb.len ? ", " : "", t->id_column);
    return sb_steal(&sb);
}

static int compile_sort(const rsql_table *t, const char *sort, char **out, err *e)
{
    sorter st = {calloc(t->nfields + 1, sizeof(sort_item)), 0, AFTER_NOTHING};
    if (!st.items) abort();
    int rc = parse_sort(t, sort, &st, e);
    if (rc == 0) *out = order_by(t, &st);
    free(st.items);
    return rc;
}

/* ---- entry points ------------------------------------------------------- */

static int compile_filter(parser *p)
{
    if (p->len == 0) return 0;
    if (utf8_length(p->s) > RSQL_MAX_LENGTH)
        return err_set(p->e, ERR_INVALID_FILTER, "RSQL expression is too long");
    return parse_all(p, false) || parse_all(p, true) ? -1 : 0;
}

static void free_params(rsql_param *params, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(params[i].text);
    free(params);
}

int rsql_compile(const rsql_table *table, const char *q, const char *sort, int first_param,
                 rsql_query *out, err *e)
{
    memset(out, 0, sizeof *out);
    if (!q) q = "";
    if (!sort) sort = "";
    if (!utf8_valid(q, strlen(q)) || !utf8_valid(sort, strlen(sort)))
        return err_set(e, ERR_BAD_REQUEST, "Invalid query string");

    char *trimmed = utf8_trim(q);
    parser p = {.s = trimmed, .len = strlen(trimmed), .table = table, .e = e};
    p.next_param = first_param;
    char *order = NULL;
    int rc = compile_filter(&p);
    if (rc == 0) rc = compile_sort(table, sort, &order, e);
    free(trimmed);
    free(p.args);
    if (rc) {
        sb_free(&p.sql);
        free_params(p.params, p.nparams);
        return -1;
    }
    out->where = sb_steal(&p.sql);
    out->order_by = order;
    out->params = p.params;
    out->nparams = p.nparams;
    return 0;
}

void rsql_query_free(rsql_query *q)
{
    if (!q) return;
    free(q->where);
    free(q->order_by);
    free_params(q->params, q->nparams);
    memset(q, 0, sizeof *q);
}
