/* strbuf.c - growable string buffer (see strbuf.h). */
#include "util/strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void sb_grow(strbuf *sb, size_t extra)
{
    size_t need = sb->len + extra + 1;
    if (need <= sb->cap) return;
    size_t cap = sb->cap ? sb->cap : 64;
    while (cap < need)
        cap *= 2;
    char *p = realloc(sb->data, cap);
    if (!p) {
        fputs("authrs: out of memory\n", stderr);
        abort();
    }
    sb->data = p;
    sb->cap = cap;
}

void sb_append_n(strbuf *sb, const char *s, size_t n)
{
    sb_grow(sb, n);
    memcpy(sb->data + sb->len, s, n);
    sb->len += n;
    sb->data[sb->len] = '\0';
}

void sb_append(strbuf *sb, const char *s)
{
    sb_append_n(sb, s, strlen(s));
}

void sb_append_char(strbuf *sb, char c)
{
    sb_append_n(sb, &c, 1);
}

void sb_printf(strbuf *sb, const char *fmt, ...)
{
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n > 0) {
        sb_grow(sb, (size_t)n);
        vsnprintf(sb->data + sb->len, (size_t)n + 1, fmt, ap2);
        sb->len += (size_t)n;
    }
    va_end(ap2);
}

const char *sb_str(const strbuf *sb)
{
    return sb->data ? sb->data : "";
}

char *sb_steal(strbuf *sb)
{
    char *p = sb->data;
    if (!p) {
        p = malloc(1);
        if (!p) abort();
        p[0] = '\0';
    }
    sb->data = NULL;
    sb->len = sb->cap = 0;
    return p;
}

void sb_reset(strbuf *sb)
{
    sb->len = 0;
    if (sb->data) sb->data[0] = '\0';
}

void sb_free(strbuf *sb)
{
    free(sb->data);
    sb->data = NULL;
    sb->len = sb->cap = 0;
}
