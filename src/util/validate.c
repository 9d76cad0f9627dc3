/* validate.c - shared input rules (see validate.h). */
#include "util/validate.h"

#include <string.h>

#include "util/utf8.h"

bool email_valid(const char *email)
{
    if (utf8_length(email) > 254) return false;
    for (const char *p = email; *p;) {
        uint32_t cp;
        p += utf8_decode(p, &cp);
        if (uc_is_space(cp) || uc_is_control(cp)) return false;
    }
    const char *at = strrchr(email, '@');
    return at && at != email && at[1] != '\0';
}

static bool all_digits(const char *s, size_t min, size_t max)
{
    size_t n = strlen(s);
    if (n < min || n > max) return false;
    for (; *s; s++)
        if (*s < '0' || *s > '9') return false;
    return true;
}

int mobile_format(arena *a, const char *cc, const char *mobile, const char **cc_out, err *e)
{
    const char *digits = cc[0] == '+' ? cc + 1 : cc;
    if (!all_digits(digits, 1, 4) || digits[0] == '0')
        return err_set(e, ERR_BAD_REQUEST, "Invalid country code");
    if (!all_digits(mobile, 4, 14) || strlen(digits) + strlen(mobile) > 15)
        return err_set(e, ERR_BAD_REQUEST, "Invalid mobile number");
    *cc_out = arena_printf(a, "+%s", digits);
    return 0;
}
