/* symtab.c - string interning over open addressing (see symtab.h). */
#include "authz/symtab.h"

#include <string.h>

void symtab_init(symtab *t, arena *a)
{
    memset(t, 0, sizeof *t);
    t->a = a;
}

uint64_t symtab_hash(const char *s, size_t n)
{
    uint64_t h = SYMTAB_HASH_SEED;
    for (size_t i = 0; i < n; i++)
        h = symtab_hash_step(h, (unsigned char)s[i]);
    return h;
}

int symtab_find(const symtab *t, const char *s, size_t n, uint64_t h)
{
    if (t->cap == 0) return -1;
    size_t mask = t->cap - 1;
    for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
        int32_t id = t->slots[i];
        if (id < 0) return -1;
        if (t->hashes[id] == h && t->lens[id] == n && memcmp(t->names[id], s, n) == 0) return id;
    }
}

int symtab_lookup(const symtab *t, const char *s)
{
    size_t n = strlen(s);
    return symtab_find(t, s, n, symtab_hash(s, n));
}

/* Doubles the slot array and the per-id arrays; the old arrays stay in the
 * arena unused (the total waste is bounded by the final size). */
static void symtab_grow(symtab *t)
{
    size_t cap = t->cap ? t->cap * 2 : 16;
    int32_t *slots = arena_alloc(t->a, cap * sizeof *slots);
    memset(slots, 0xff, cap * sizeof *slots);
    size_t ids = cap / 2;
    const char **names = arena_alloc(t->a, ids * sizeof *names);
    size_t *lens = arena_alloc(t->a, ids * sizeof *lens);
    uint64_t *hashes = arena_alloc(t->a, ids * sizeof *hashes);
    if (t->len) {
        memcpy(names, t->names, t->len * sizeof *names);
        memcpy(lens, t->lens, t->len * sizeof *lens);
        memcpy(hashes, t->hashes, t->len * sizeof *hashes);
    }
    for (size_t id = 0; id < t->len; id++) {
        size_t i = (size_t)hashes[id] & (cap - 1);
        while (slots[i] >= 0)
            i = (i + 1) & (cap - 1);
        slots[i] = (int32_t)id;
    }
    t->slots = slots;
    t->names = names;
    t->lens = lens;
    t->hashes = hashes;
    t->cap = cap;
}

int symtab_intern(symtab *t, const char *s, size_t n)
{
    uint64_t h = symtab_hash(s, n);
    int id = symtab_find(t, s, n, h);
    if (id >= 0) return id;
    if ((t->len + 1) * 2 > t->cap) symtab_grow(t);
    id = (int)t->len++;
    t->names[id] = arena_strndup(t->a, s, n);
    t->lens[id] = n;
    t->hashes[id] = h;
    size_t i = (size_t)h & (t->cap - 1);
    while (t->slots[i] >= 0)
        i = (i + 1) & (t->cap - 1);
    t->slots[i] = id;
    return id;
}
