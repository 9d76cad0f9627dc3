/* validate.h - input rules shared by several routes and the CLI (API.md 3.2). */
#ifndef AUTHRS_VALIDATE_H
#define AUTHRS_VALIDATE_H

#include <stdbool.h>

#include "util/arena.h"
#include "util/err.h"

/* At most 254 code points, no white space or control characters, an '@'
 * with a non-empty part before and after the last '@'. Input already trimmed. */
bool email_valid(const char *email);

/* The mobile formats of API.md 3.2 for a trimmed, non-empty pair: country
 * code 1-4 digits with an optional '+' and no leading 0 ("Invalid country
 * code"), mobile 4-14 digits and at most 15 digits together ("Invalid mobile
 * number"); *cc_out gets the code with its '+', from the arena. */
int mobile_format(arena *a, const char *cc, const char *mobile, const char **cc_out, err *e);

#endif
