/* password.c - Argon2id PHC strings over libargon2 (see password.h). */
#include "auth/password.h"

#include <argon2.h>
#include <openssl/crypto.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/crypto.h"
#include "util/procstat.h"

#define PHC_PREFIX    "$argon2id$v=19$"
#define PHC_B64_MAX   88 /* base64 characters of at most 64 bytes (+ slack) */
#define PHC_BYTES_MAX 64 /* salt or hash */
#define PHC_SALT_MIN  8
#define PHC_HASH_MIN  16

typedef struct phc {
    argon2_params params;
    uint8_t salt[PHC_BYTES_MAX];
    size_t salt_len;
    uint8_t hash[PHC_BYTES_MAX];
    size_t hash_len;
} phc;

static bool params_valid(const argon2_params *p)
{
    return p->p >= 1 && p->p <= ARGON2_P_CAP && p->t >= 1 && p->t <= ARGON2_T_CAP &&
           p->m_kib >= 8 * p->p && p->m_kib <= ARGON2_M_KIB_CAP;
}

/* Standard base64 without padding (PHC's "B64"), via the base64url encoder. */
static void b64_phc_encode(const uint8_t *in, size_t n, char *out)
{
    base64url_encode(in, n, out);
    for (char *c = out; *c; c++) {
        if (*c == '-')
            *c = '+';
        else if (*c == '_')
            *c = '/';
    }
}

/* Reads "<name>=<decimal>" at *s, moving *s past it. */
static bool parse_field(const char **s, char name, uint32_t *out)
{
    const char *p = *s;
    if (p[0] != name || p[1] != '=') return false;
    p += 2;
    uint64_t v = 0;
    int digits = 0;
    while (*p >= '0' && *p <= '9') {
        if (++digits > 10) return false;
        v = v * 10 + (uint64_t)(*p++ - '0');
    }
    if (digits == 0 || v > UINT32_MAX) return false;
    *out = (uint32_t)v;
    *s = p;
    return true;
}

/* Decodes one base64 segment of len characters into out; length in [min, max]. */
static bool parse_b64(const char *s, size_t len, size_t min, uint8_t out[PHC_BYTES_MAX],
                      size_t *out_len)
{
    uint8_t buf[3 * PHC_B64_MAX / 4 + 3];
    if (len == 0 || len > PHC_B64_MAX) return false;
    for (size_t i = 0; i < len; i++)
        if (s[i] == '=') return false;
    long n = base64_decode(s, len, buf);
    if (n < (long)min || n > PHC_BYTES_MAX) return false;
    memcpy(out, buf, (size_t)n);
    *out_len = (size_t)n;
    return true;
}

static bool phc_parse(const char *s, phc *out)
{
    size_t prefix = strlen(PHC_PREFIX);
    if (!s || strncmp(s, PHC_PREFIX, prefix) != 0) return false;
    s += prefix;
    if (!parse_field(&s, 'm', &out->params.m_kib) || *s++ != ',') return false;
    if (!parse_field(&s, 't', &out->params.t) || *s++ != ',') return false;
    if (!parse_field(&s, 'p', &out->params.p) || *s++ != '$') return false;
    if (!params_valid(&out->params)) return false;
    const char *dollar = strchr(s, '$');
    if (!dollar || !parse_b64(s, (size_t)(dollar - s), PHC_SALT_MIN, out->salt, &out->salt_len))
        return false;
    s = dollar + 1;
    return parse_b64(s, strlen(s), PHC_HASH_MIN, out->hash, &out->hash_len);
}

/* Argon2 working memory (m KiB per hash) is kept by each thread between
 * hashes instead of being mapped and unmapped per login: a fresh mapping costs
 * thousands of page faults, and its unmapping interrupts every core that runs
 * a thread of the process (TLB shootdown), the event threads included.
 * Thread-local state: one block per thread, released when the thread ends. */
typedef struct argon2_block {
    uint8_t *mem;
    size_t size;
    bool in_use;
} argon2_block;

#define BLOCK_KEEP_MAX ((size_t)256 << 20)

static _Thread_local argon2_block thread_block;
static pthread_key_t block_key;
static pthread_once_t block_key_once = PTHREAD_ONCE_INIT;

static void block_release(void *b)
{
    argon2_block *blk = b;
    free(blk->mem);
    *blk = (argon2_block){0};
}

static void block_key_create(void)
{
    pthread_key_create(&block_key, block_release);
}

static int block_allocate(uint8_t **memory, size_t bytes)
{
    argon2_block *blk = &thread_block;
    if (blk->in_use || bytes > BLOCK_KEEP_MAX) { /* nested (not expected) or too big to keep */
        *memory = malloc(bytes);
        return *memory ? ARGON2_OK : ARGON2_MEMORY_ALLOCATION_ERROR;
    }
    if (blk->size != bytes) {
        pthread_once(&block_key_once, block_key_create);
        free(blk->mem);
        blk->mem = malloc(bytes);
        blk->size = blk->mem ? bytes : 0;
        if (!blk->mem) return ARGON2_MEMORY_ALLOCATION_ERROR;
        pthread_setspecific(block_key, blk);
    }
    blk->in_use = true;
    *memory = blk->mem;
    return ARGON2_OK;
}

static void block_deallocate(uint8_t *memory, size_t bytes)
{
    (void)bytes; /* libargon2 has already wiped it */
    if (memory == thread_block.mem)
        thread_block.in_use = false;
    else
        free(memory);
}

/* At most one Argon2 run per CPU at a time: hashing is CPU-bound, so more
 * would only add cache and memory pressure (each run sweeps m KiB) without
 * more logins per second, and would slow the event threads sharing the
 * cores. The worker pool can be larger for outbound calls.
 * Global state: the semaphore, set up once. */
static sem_t hash_slots;
static pthread_once_t hash_slots_once = PTHREAD_ONCE_INIT;

static void hash_slots_init(void)
{
    sem_init(&hash_slots, 0, (unsigned)procstat_cpus());
}

/* Argon2id of password and salt into out (out_len bytes). */
static int argon2id_run(const argon2_params *p, const char *password, size_t len,
                        const uint8_t *salt, size_t salt_len, uint8_t *out, size_t out_len)
{
    argon2_context ctx = {
        .out = out,
        .outlen = (uint32_t)out_len,
        .pwd = (uint8_t *)(uintptr_t)password, /* not written: no ARGON2_FLAG_CLEAR_PASSWORD */
        .pwdlen = (uint32_t)len,
        .salt = (uint8_t *)(uintptr_t)salt,
        .saltlen = (uint32_t)salt_len,
        .t_cost = p->t,
        .m_cost = p->m_kib,
        .lanes = p->p,
        .threads = p->p,
        .version = ARGON2_VERSION_13,
        .allocate_cbk = block_allocate,
        .free_cbk = block_deallocate,
        .flags = ARGON2_DEFAULT_FLAGS,
    };
    pthread_once(&hash_slots_once, hash_slots_init);
    while (sem_wait(&hash_slots) != 0) /* EINTR only */
        ;
    int rc = argon2_ctx(&ctx, Argon2_id);
    sem_post(&hash_slots);
    return rc;
}

int password_hash(const argon2_params *params, const char *password, size_t len,
                  char out[PASSWORD_PHC_MAX], err *e)
{
    if (!params_valid(params)) return err_internal(e, "argon2: parameters out of range");
    if (len > PASSWORD_MAX_BYTES) return err_internal(e, "argon2: password too long");
    uint8_t salt[PASSWORD_SALT_LEN], hash[PASSWORD_HASH_LEN];
    crypto_random(salt, sizeof salt);
    int rc = argon2id_run(params, password, len, salt, sizeof salt, hash, sizeof hash);
    if (rc != ARGON2_OK) return err_internal(e, "argon2: %s", argon2_error_message(rc));
    char salt_b64[32], hash_b64[48];
    b64_phc_encode(salt, sizeof salt, salt_b64);
    b64_phc_encode(hash, sizeof hash, hash_b64);
    OPENSSL_cleanse(hash, sizeof hash);
    snprintf(out, PASSWORD_PHC_MAX, PHC_PREFIX "m=%u,t=%u,p=%u$%s$%s", (unsigned)params->m_kib,
             (unsigned)params->t, (unsigned)params->p, salt_b64, hash_b64);
    return 0;
}

int password_verify(const char *stored, const char *password, size_t len, bool *match, err *e)
{
    *match = false;
    phc h;
    if (len > PASSWORD_MAX_BYTES || !phc_parse(stored, &h)) return 0;
    uint8_t computed[PHC_BYTES_MAX];
    int rc = argon2id_run(&h.params, password, len, h.salt, h.salt_len, computed, h.hash_len);
    if (rc != ARGON2_OK) return err_internal(e, "argon2: %s", argon2_error_message(rc));
    *match = crypto_equal(computed, h.hash, h.hash_len);
    OPENSSL_cleanse(computed, sizeof computed);
    return 0;
}

bool password_needs_rehash(const char *stored, const argon2_params *params)
{
    phc h;
    if (!phc_parse(stored, &h)) return true;
    return h.params.m_kib != params->m_kib || h.params.t != params->t || h.params.p != params->p ||
           h.salt_len != PASSWORD_SALT_LEN || h.hash_len != PASSWORD_HASH_LEN;
}

void password_dummy_verify(const argon2_params *params, const char *password, size_t len)
{
    /* A well-formed string with the configured parameters, a fixed salt and an
     * all-zero hash: the same parse, Argon2 run and comparison as a real one. */
    static const uint8_t salt[PASSWORD_SALT_LEN] = "authrs-dummysalt";
    static const uint8_t zero_hash[PASSWORD_HASH_LEN];
    char salt_b64[32], hash_b64[48], stored[PASSWORD_PHC_MAX];
    b64_phc_encode(salt, sizeof salt, salt_b64);
    b64_phc_encode(zero_hash, sizeof zero_hash, hash_b64);
    snprintf(stored, sizeof stored, PHC_PREFIX "m=%u,t=%u,p=%u$%s$%s", (unsigned)params->m_kib,
             (unsigned)params->t, (unsigned)params->p, salt_b64, hash_b64);
    bool match;
    err ignored;
    (void)password_verify(stored, password, len, &match, &ignored);
}
