/* fuzz_query.c - libFuzzer target for the query-string decoder of API.md 1.3
 * and the path-segment percent-decoder: no crash, no leak, and every decoded
 * key and value is valid UTF-8 without NUL. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/pipeline.h"
#include "util/utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';
    request req = {0};
    req.arena = arena_new(1024);
    if (query_parse(&req, text) == 0) {
        for (int i = 0; i < req.nquery; i++) {
            if (!utf8_valid(req.query[i].key, strlen(req.query[i].key)) ||
                !utf8_valid(req.query[i].value, strlen(req.query[i].value)))
                abort();
        }
    }
    char *seg = percent_decode(req.arena, text, strlen(text), false);
    if (seg && !utf8_valid(seg, strlen(seg))) abort();
    arena_free(req.arena);
    free(text);
    return 0;
}
