/* arena.h - request-scoped memory: many small allocations, one free.
 *
 * Every request owns one arena; whatever a handler allocates from it lives
 * until the response is sent. Allocation failure aborts the process (there
 * is no sane recovery from OOM in the middle of a request).
 */
#ifndef AUTHRS_ARENA_H
#define AUTHRS_ARENA_H

#include <stddef.h>

typedef struct arena arena;

arena *arena_new(size_t first_block);
void arena_free(arena *a);
/* Frees every block but the first and empties it: the arena is ready for the
 * next request of a connection. Pointers into it are invalid afterwards. */
void arena_reset(arena *a);
void *arena_alloc(arena *a, size_t n); /* zeroed, 16-byte aligned */
char *arena_strdup(arena *a, const char *s);
char *arena_strndup(arena *a, const char *s, size_t n);
char *arena_printf(arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
