/* utf8.h - the Unicode text rules of API.md: UTF-8 validity, code-point
 * length, trimming of Unicode white space, simple lower-case mapping and
 * character classes. Classes and case mapping come from glibc's C.UTF-8
 * locale tables (towlower_l and friends), loaded once. */
#ifndef AUTHRS_UTF8_H
#define AUTHRS_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

bool utf8_valid(const char *s, size_t n);
/* Decodes one code point at s (valid UTF-8 assumed); returns its byte length. */
size_t utf8_decode(const char *s, uint32_t *cp);
size_t utf8_encode(uint32_t cp, char out[4]);
size_t utf8_length(const char *s); /* code points */

/* Returns a heap copy with leading/trailing Unicode white space removed. */
char *utf8_trim(const char *s);
/* Returns a heap copy mapped to simple lower case. */
char *utf8_lower(const char *s);

bool uc_is_space(uint32_t cp);
bool uc_is_upper(uint32_t cp); /* Lu */
bool uc_is_lower(uint32_t cp); /* Ll */
bool uc_is_alnum(uint32_t cp); /* letters and numbers */
bool uc_is_control(uint32_t cp);

#endif
