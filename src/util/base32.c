/* base32.c - RFC 4648 base32 encode/decode (see base32.h). */
#include "util/base32.h"

static const char base32_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

size_t base32_encoded_len(size_t n)
{
    return (n * 8 + 4) / 5;
}

void base32_encode(const uint8_t *in, size_t n, char *out)
{
    uint32_t acc = 0;
    int bits = 0;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        acc = (acc << 8) | in[i];
        bits += 8;
        while (bits >= 5) {
            bits -= 5;
            out[o++] = base32_alphabet[(acc >> bits) & 31];
        }
    }
    if (bits > 0) out[o++] = base32_alphabet[(acc << (5 - bits)) & 31];
    out[o] = '\0';
}

static int base32_value(char c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a';
    if (c >= '2' && c <= '7') return c - '2' + 26;
    return -1;
}

long base32_decode(const char *in, size_t len, uint8_t *out, size_t out_cap)
{
    while (len > 0 && in[len - 1] == '=')
        len--;
    /* 1, 3 or 6 trailing characters cannot come from whole bytes */
    size_t tail = len % 8;
    if (tail == 1 || tail == 3 || tail == 6) return -1;
    if (len * 5 / 8 > out_cap) return -1;
    uint32_t acc = 0;
    int bits = 0;
    long o = 0;
    for (size_t i = 0; i < len; i++) {
        int v = base32_value(in[i]);
        if (v < 0) return -1;
        acc = (acc << 5) | (uint32_t)v;
        bits += 5;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (uint8_t)(acc >> bits);
        }
    }
    return o;
}
