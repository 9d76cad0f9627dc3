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
