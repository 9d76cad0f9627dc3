/* strbuf.h - a growable, always NUL-terminated byte buffer (heap owned). */
#ifndef AUTHRS_STRBUF_H
#define AUTHRS_STRBUF_H

#include <stddef.h>

typedef struct strbuf {
    char *data; /* NUL-terminated; NULL until the first append */
    size_t len, cap;
} strbuf;

#define STRBUF_INIT                                                                                \
    {                                                                                              \
        NULL, 0, 0                                                                                 \
    }

void sb_append(strbuf *sb, const char *s);
void sb_append_n(strbuf *sb, const char *s, size_t n);
void sb_append_char(strbuf *sb, char c);
void sb_printf(strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const char *sb_str(const strbuf *sb); /* "" when empty */
char *sb_steal(strbuf *sb);           /* caller frees; buffer reset */
void sb_reset(strbuf *sb);            /* keep capacity, length 0 */
void sb_free(strbuf *sb);

#endif
