/* base32.h - RFC 4648 base32 (the TOTP secret format of API.md 3.10):
 * encoding is upper case without padding; decoding also accepts lower case
 * and trailing '=' padding. */
#ifndef AUTHRS_BASE32_H
#define AUTHRS_BASE32_H

#include <stddef.h>
#include <stdint.h>

/* Characters of the unpadded encoding of n bytes (without the NUL). */
size_t base32_encoded_len(size_t n);
/* out must hold base32_encoded_len(n) + 1 bytes; it is NUL-terminated. */
void base32_encode(const uint8_t *in, size_t n, char *out);
/* Decodes len characters of in into out (at most out_cap bytes). Returns the
 * decoded length, or -1 when a character is outside the alphabet, padding is
 * misplaced, the length is impossible for base32, or out_cap is too small. */
long base32_decode(const char *in, size_t len, uint8_t *out, size_t out_cap);

#endif
