/* password_policy.c - policy parsing, password checks and the common list
 * (see password_policy.h). The list is generated data, common_passwords.inc
 * (scripts/gen-common-passwords.mjs). */
#include "auth/password_policy.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "auth/common_passwords.inc"
#include "util/utf8.h"

void password_policy_default(password_policy *p)
{
    *p = (password_policy){.min_length = 8,
                           .max_length = 256,
                           .require_uppercase = false,
                           .require_lowercase = false,
                           .require_digit = false,
                           .require_symbol = false,
                           .reject_common = true};
}

/* ---- parsing ------------------------------------------------------------ */

enum field_type { FIELD_INT, FIELD_BOOL, FIELD_IGNORED_INT };

static const struct policy_field {
    const char *name;
    enum field_type type;
    size_t offset; /* into password_policy; unused for FIELD_IGNORED_INT */
} policy_fields[] = {
    {"minLength", FIELD_INT, offsetof(password_policy, min_length)},
    {"maxLength", FIELD_INT, offsetof(password_policy, max_length)},
    {"requireUppercase", FIELD_BOOL, offsetof(password_policy, require_uppercase)},
    {"requireLowercase", FIELD_BOOL, offsetof(password_policy, require_lowercase)},
    {"requireDigit", FIELD_BOOL, offsetof(password_policy, require_digit)},
    {"requireSymbol", FIELD_BOOL, offsetof(password_policy, require_symbol)},
    {"rejectCommon", FIELD_BOOL, offsetof(password_policy, reject_common)},
    {"maxAgeDays", FIELD_IGNORED_INT, 0},
};

static const struct policy_field *find_field(const char *name)
{
    for (size_t i = 0; i < sizeof policy_fields / sizeof policy_fields[0]; i++)
        if (strcmp(policy_fields[i].name, name) == 0) return &policy_fields[i];
    return NULL;
}

/* Reads one member into p; lengths are range-checked afterwards. */
static int read_field(const char *name, json_t *value, password_policy *p, err *e)
{
    const struct policy_field *f = find_field(name);
    if (!f) return err_set(e, ERR_BAD_REQUEST, "unknown field '%.64s'", name);
    if (json_is_null(value)) return 0;
    char *slot = (char *)p + f->offset;
    if (f->type == FIELD_BOOL) {
        if (!json_is_boolean(value))
            return err_set(e, ERR_BAD_REQUEST, "field '%s' must be a boolean", f->name);
        *(bool *)slot = json_is_true(value);
        return 0;
    }
    if (!json_is_integer(value))
        return err_set(e, ERR_BAD_REQUEST, "field '%s' must be an integer", f->name);
    if (f->type == FIELD_INT) {
        json_int_t v = json_integer_value(value);
        /* out-of-int values become 0 or 1025, both outside every range */
        *(int *)slot = v < 0                            ? 0
                       : v > PASSWORD_POLICY_LENGTH_MAX ? PASSWORD_POLICY_LENGTH_MAX + 1
                                                        : (int)v;
    }
    return 0;
}

int password_policy_parse(const char *json_text, password_policy *p, err *e)
{
    password_policy_default(p);
    json_error_t jerr;
    json_t *root = json_loads(json_text, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
    if (!root)
        return err_set(e, ERR_BAD_REQUEST, "malformed JSON at line %d, column %d", jerr.line,
                       jerr.column);
    int rc = 0;
    if (!json_is_object(root)) {
        rc = err_set(e, ERR_BAD_REQUEST, "must be a JSON object");
    } else {
        const char *name;
        json_t *value;
        json_object_foreach(root, name, value)
        {
            if ((rc = read_field(name, value, p, e)) != 0) break;
        }
    }
    json_decref(root);
    if (rc != 0) return rc;
    if (p->min_length < 1 || p->min_length > PASSWORD_POLICY_LENGTH_MAX)
        return err_set(e, ERR_BAD_REQUEST, "minLength must be an integer between 1 and %d",
                       PASSWORD_POLICY_LENGTH_MAX);
    if (p->max_length < p->min_length || p->max_length > PASSWORD_POLICY_LENGTH_MAX)
        return err_set(e, ERR_BAD_REQUEST, "maxLength must be an integer between %d and %d",
                       p->min_length, PASSWORD_POLICY_LENGTH_MAX);
    return 0;
}

/* ---- checking ----------------------------------------------------------- */

static int compare_common(const void *key, const void *entry)
{
    return strcmp((const char *)key, *(const char *const *)entry);
}

bool password_is_common(const char *password)
{
    char *lower = utf8_lower(password);
    bool found = bsearch(lower, common_passwords, COMMON_PASSWORDS_COUNT,
                         sizeof common_passwords[0], compare_common) != NULL;
    free(lower);
    return found;
}

/* What the checks need to know about a password, computed once. */
typedef struct password_facts {
    size_t length; /* code points */
    bool upper, lower, digit, symbol;
} password_facts;

static void password_facts_of(const char *password, password_facts *f)
{
    *f = (password_facts){0};
    for (const char *s = password; *s;) {
        uint32_t cp;
        s += utf8_decode(s, &cp);
        f->length++;
        if (cp >= '0' && cp <= '9') f->digit = true;
        if (uc_is_upper(cp)) f->upper = true;
        if (uc_is_lower(cp)) f->lower = true;
        if (!uc_is_alnum(cp) && !uc_is_space(cp)) f->symbol = true;
    }
}

/* The checks of 4.1, in the order of its table. */
enum {
    CHECK_MIN,
    CHECK_MAX,
    CHECK_UPPER,
    CHECK_LOWER,
    CHECK_DIGIT,
    CHECK_SYMBOL,
    CHECK_COMMON,
    CHECK__COUNT
};

static int apply_check(int check, const password_policy *p, const password_facts *f,
                       const char *password, err *e)
{
    switch (check) {
    case CHECK_MIN:
        if (f->length < (size_t)p->min_length)
            return err_set(e, ERR_BAD_REQUEST, "Password must be at least %d characters",
                           p->min_length);
        break;
    case CHECK_MAX:
        if (f->length > (size_t)p->max_length)
            return err_set(e, ERR_BAD_REQUEST, "Password must be at most %d characters",
                           p->max_length);
        break;
    case CHECK_UPPER:
        if (p->require_uppercase && !f->upper)
            return err_set(e, ERR_BAD_REQUEST,
                           "Password must contain at least one uppercase letter");
        break;
    case CHECK_LOWER:
        if (p->require_lowercase && !f->lower)
            return err_set(e, ERR_BAD_REQUEST,
                           "Password must contain at least one lowercase letter");
        break;
    case CHECK_DIGIT:
        if (p->require_digit && !f->digit)
            return err_set(e, ERR_BAD_REQUEST, "Password must contain at least one digit");
        break;
    case CHECK_SYMBOL:
        if (p->require_symbol && !f->symbol)
            return err_set(e, ERR_BAD_REQUEST, "Password must contain at least one symbol");
        break;
    case CHECK_COMMON:
        if (p->reject_common && password_is_common(password))
            return err_set(e, ERR_BAD_REQUEST, "Password is too common");
        break;
    }
    return 0;
}

int password_policy_check(const password_policy *policies, size_t n, const char *password, err *e)
{
    password_policy defaults;
    if (n == 0) {
        password_policy_default(&defaults);
        policies = &defaults;
        n = 1;
    }
    password_facts f;
    password_facts_of(password, &f);
    for (int check = 0; check < CHECK__COUNT; check++)
        for (size_t i = 0; i < n; i++)
            if (apply_check(check, &policies[i], &f, password, e) != 0) return -1;
    return 0;
}
