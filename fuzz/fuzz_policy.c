/* fuzz_policy.c - libFuzzer target for permission documents: any JSON input
 * is validated and resolved (authz/document.c); an accepted document must
 * render back, compile (authz/engine.c), evaluate and render as Cedar
 * without crashing, and parsing its rendered wire form must give it back. */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "authz/cedar.h"
#include "authz/document.h"
#include "authz/engine.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Resolves every role/group/user reference that is not "none" to itself. */
static int lookup(void *ctx, const char *ref, char out[AUTHZ_ID_MAX], err *e)
{
    (void)ctx, (void)e;
    if (strcmp(ref, "none") == 0 || strlen(ref) >= AUTHZ_ID_MAX) return 0;
    strcpy(out, ref);
    return 1;
}

static const char *same(void *ctx, const char *id)
{
    (void)ctx;
    return id;
}

static void exercise(const json_t *stored)
{
    static const char *const roles[] = {"r", "editor"};
    static const char *const groups[] = {"g"};
    authz_permission perm = {"P", "fuzz", stored, roles, 2};
    err e = {0};
    authz_policy *pol = authz_compile(&perm, 1, &e);
    if (!pol) abort(); /* a parsed document always compiles */
    json_t *attrs = json_pack("{s:s, s:[s]}", "email", "a@b.c", "roles", "r");
    json_t *ctx = json_pack("{s:i, s:s, s:{s:i}, s:[i,s]}", "amount", 5, "region", "eu", "user",
                            "level", 1, "tags", 1, "eu");
    authz_subject s = {"u", roles, 2, groups, 1, attrs};
    authz_principal pr;
    authz_principal_init(&pr, pol, &s);
    authz_matches m = {0};
    bool a = authz_check(&pr, "getMaterials", "service:s/package:p/table:t", ctx, &m);
    if (a != authz_check(&pr, "getMaterials", "service:s/package:p/table:t", ctx, NULL)) abort();
    authz_check(&pr, "authrs:listUsers", "service:authrs", NULL, NULL);
    authz_matches_free(&m);
    authz_principal_free(&pr);
    authz_policy_unref(pol);
    authz_names names = {NULL, same, same};
    strbuf sb = STRBUF_INIT;
    authz_cedar_permission(&sb, "fuzz", stored, roles, 2, &names);
    sb_free(&sb);
    json_decref(attrs);
    json_decref(ctx);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *doc = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
    if (!doc) return 0;
    authz_resolver r = {NULL, lookup, lookup, lookup};
    authz_names names = {NULL, same, same};
    err e = {0};
    json_t *stored = authz_document_parse(doc, "document", &r, &e);
    if (stored) {
        exercise(stored);
        json_t *wire = authz_document_render(stored, &names);
        json_t *again = authz_document_parse(wire, "document", &r, &e);
        if (!again || !json_equal(again, stored)) abort();
        json_decref(again);
        json_decref(wire);
        json_decref(stored);
    } else if (e.kind != ERR_VALIDATION && e.kind != ERR_BAD_REQUEST) {
        abort();
    }
    json_decref(doc);
    return 0;
}
