/* utf8.c - UTF-8 and Unicode helpers (see utf8.h). */
#define _GNU_SOURCE
#include "util/utf8.h"

#include <locale.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <wctype.h>

/* The C.UTF-8 locale object: created once, read-only afterwards. */
static locale_t unicode_locale;
static pthread_once_t unicode_once = PTHREAD_ONCE_INIT;

static void unicode_init(void)
{
    unicode_locale = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
}

static locale_t uloc(void)
{
    pthread_once(&unicode_once, unicode_init);
    return unicode_locale;
}

bool utf8_valid(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        unsigned char c = p[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t len;
        uint32_t cp;
        if ((c & 0xe0) == 0xc0) {
            len = 2;
            cp = c & 0x1f;
        } else if ((c & 0xf0) == 0xe0) {
            len = 3;
            cp = c & 0x0f;
        } else if ((c & 0xf8) == 0xf0) {
            len = 4;
            cp = c & 0x07;
        } else {
            return false;
        }
        if (i + len > n) return false;
        for (size_t k = 1; k < len; k++) {
            if ((p[i + k] & 0xc0) != 0x80) return false;
            cp = (cp << 6) | (p[i + k] & 0x3f);
        }
        if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
            cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        i += len;
    }
    return true;
}

size_t utf8_decode(const char *s, uint32_t *cp)
{
    const unsigned char *p = (const unsigned char *)s;
    if (p[0] < 0x80) {
        *cp = p[0];
        return 1;
    }
    if ((p[0] & 0xe0) == 0xc0 && p[1]) {
        *cp = (uint32_t)(p[0] & 0x1f) << 6 | (p[1] & 0x3f);
        return 2;
    }
    if ((p[0] & 0xf0) == 0xe0 && p[1] && p[2]) {
        *cp = (uint32_t)(p[0] & 0x0f) << 12 | (uint32_t)(p[1] & 0x3f) << 6 | (p[2] & 0x3f);
        return 3;
    }
    if ((p[0] & 0xf8) == 0xf0 && p[1] && p[2] && p[3]) {
        *cp = (uint32_t)(p[0] & 0x07) << 18 | (uint32_t)(p[1] & 0x3f) << 12 |
              (uint32_t)(p[2] & 0x3f) << 6 | (p[3] & 0x3f);
        return 4;
    }
    *cp = 0xfffd;
    return 1;
}

size_t utf8_encode(uint32_t cp, char out[4])
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xc0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xe0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    out[0] = (char)(0xf0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
    out[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

size_t utf8_length(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xc0) != 0x80) n++;
    return n;
}

bool uc_is_space(uint32_t cp)
{
    /* Unicode White_Space property */
    return (cp >= 0x09 && cp <= 0x0d) || cp == 0x20 || cp == 0x85 || cp == 0xa0 || cp == 0x1680 ||
           (cp >= 0x2000 && cp <= 0x200a) || cp == 0x2028 || cp == 0x2029 || cp == 0x202f ||
           cp == 0x205f || cp == 0x3000;
}

bool uc_is_upper(uint32_t cp)
{
    return iswupper_l((wint_t)cp, uloc());
}

bool uc_is_lower(uint32_t cp)
{
    return iswlower_l((wint_t)cp, uloc());
}

bool uc_is_alnum(uint32_t cp)
{
    return iswalnum_l((wint_t)cp, uloc());
}

bool uc_is_control(uint32_t cp)
{
    return cp < 0x20 || (cp >= 0x7f && cp < 0xa0);
}

char *utf8_trim(const char *s)
{
    const char *start = s, *end = s + strlen(s);
    while (*start) {
        uint32_t cp;
        size_t n = utf8_decode(start, &cp);
        if (!uc_is_space(cp)) break;
        start += n;
    }
    /* scan forward remembering the end of the last non-space code point */
    const char *last = start;
    for (const char *p = start; p < end;) {
        uint32_t cp;
        size_t n = utf8_decode(p, &cp);
        p += n;
        if (!uc_is_space(cp)) last = p;
    }
    size_t len = (size_t)(last - start);
    char *out = malloc(len + 1);
    if (!out) abort();
    memcpy(out, start, len);
    out[len] = '\0';
    return out;
}

char *utf8_lower(const char *s)
{
    size_t cap = strlen(s) * 2 + 4, o = 0; /* lower-casing can grow a code point */
    char *out = malloc(cap);
    if (!out) abort();
    while (*s) {
        uint32_t cp;
        s += utf8_decode(s, &cp);
        uint32_t lc = (uint32_t)towlower_l((wint_t)cp, uloc());
        if (o + 4 >= cap) {
            cap *= 2;
            char *grown = realloc(out, cap);
            if (!grown) abort();
            out = grown;
        }
        o += utf8_encode(lc, out + o);
    }
    out[o] = '\0';
    return out;
}
