/* packages.h - the action derivation of the package registry (API.md 3.15)
 * and the candidate (action, resource) pairs of a check without an action
 * (API.md 3.14, steps A-C). Pure functions over caller-supplied registry data. */
#ifndef AUTHRS_AUTHZ_PACKAGES_H
#define AUTHRS_AUTHZ_PACKAGES_H

#include <stdbool.h>
#include <stddef.h>

#include "util/arena.h"

#define AUTHZ_CRUD_COUNT 7
#define AUTHZ_EXT_COUNT  3

/* "get", "post", "patch", "put", "delete", "archive", "unarchive". */
extern const char *const authz_crud_verbs[AUTHZ_CRUD_COUNT];
/* "getExtensibleFields", "putExtensibleFields", "deleteExtensibleFields". */
extern const char *const authz_ext_verbs[AUTHZ_EXT_COUNT];

/* Pascal(t): split on '_', drop empty parts, upper-case the first character
 * of each part, join. Returns a string allocated from a. */
char *authz_pascal(arena *a, const char *table);
/* verb + Pascal(table), allocated from a. */
char *authz_derived_action(arena *a, const char *verb, const char *table);

/* One package of a tenant's registry. Arrays are borrowed. */
typedef struct authz_package {
    const char *package_id;
    const char *const *tables; /* registered tables, byte order */
    size_t n_tables;
    const char *const *actions; /* stored actions, byte order */
    size_t n_actions;
} authz_package;

/* A table is extensible when one of its three extensible actions is stored
 * for its package. */
bool authz_table_extensible(arena *a, const authz_package *pkg, const char *table);

typedef struct authz_candidate {
    const char *action;   /* from the arena or the registry */
    const char *resource; /* from the arena */
} authz_candidate;

/* Builds the candidates of a check without action on `resource` (a concrete
 * path), given the packages sorted by packageId: step A (CRUD and extensible
 * actions of each table in scope, table-level resource), step B (stored
 * actions of each package in scope, package-level resource), step C (first
 * pair per action name). Everything is allocated from a; returns the count. */
size_t authz_candidates(arena *a, const authz_package *pkgs, size_t n_pkgs, const char *resource,
                        authz_candidate **out);

#endif
