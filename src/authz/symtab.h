/* symtab.h - string interning for the authorization index: each distinct
 * string gets a small dense id (0, 1, 2, ...) so that roles, groups, users
 * and action names can be compared as integers and used as bitset indexes.
 *
 * All memory comes from the arena given to symtab_init; the table lives and
 * dies with that arena. After the last insertion a table may be read from
 * several threads at once (lookups do not write).
 */
#ifndef AUTHRS_AUTHZ_SYMTAB_H
#define AUTHRS_AUTHZ_SYMTAB_H

#include <stddef.h>
#include <stdint.h>

#include "util/arena.h"

typedef struct symtab {
    arena *a;
    const char **names; /* by id; NUL-terminated copies in the arena */
    size_t *lens;       /* by id */
    int32_t *slots;     /* open addressing: id or -1 */
    uint64_t *hashes;   /* by id */
    size_t len, cap;    /* cap: number of slots, a power of two */
} symtab;

void symtab_init(symtab *t, arena *a);

/* FNV-1a over n bytes; symtab_hash_step extends a hash by one byte, so the
 * hashes of all prefixes of a string cost one pass. */
uint64_t symtab_hash(const char *s, size_t n);
#define SYMTAB_HASH_SEED 0xcbf29ce484222325ULL
static inline uint64_t symtab_hash_step(uint64_t h, unsigned char c)
{
    return (h ^ c) * 0x100000001b3ULL;
}

/* Returns the id of s[0..n), adding it when absent. */
int symtab_intern(symtab *t, const char *s, size_t n);
/* Returns the id of s[0..n) whose symtab_hash is h, or -1. */
int symtab_find(const symtab *t, const char *s, size_t n, uint64_t h);
/* Same, computing the hash of a NUL-terminated string. */
int symtab_lookup(const symtab *t, const char *s);

#endif
