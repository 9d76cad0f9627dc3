/* validate.h - input rules shared by several routes and the CLI (API.md 3.2). */
#ifndef AUTHRS_VALIDATE_H
#define AUTHRS_VALIDATE_H

#include <stdbool.h>

/* At most 254 code points, no white space or control characters, an '@'
 * with a non-empty part before and after the last '@'. Input already trimmed. */
bool email_valid(const char *email);

#endif
