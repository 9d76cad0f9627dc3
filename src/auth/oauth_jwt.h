/* oauth_jwt.h - the JOSE pieces the OAuth callback needs (API.md 3.5), over
 * OpenSSL: JWKS keys (RSA and P-256 EC), JWS signature verification for
 * RS256 and ES256 only, the ID-token claim checks, and PKCE S256. Pure
 * functions: no network, no global state. */
#ifndef AUTHRS_AUTH_OAUTH_JWT_H
#define AUTHRS_AUTH_OAUTH_JWT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "util/err.h"

#define OAUTH_CLOCK_SKEW_SECS 60

typedef enum {
    JWT_OK = 0,
    JWT_MALFORMED,   /* not three base64url parts of JSON, or a bad alg */
    JWT_UNKNOWN_KID, /* no key of the JWKS fits the header */
    JWT_BAD_SIGNATURE,
} jwt_status;

/* Verifies the compact JWS `jwt` against the JWKS document `jwks` (JSON
 * text). Only alg RS256 and ES256 are accepted, with a key of the matching
 * kty (and use "sig" or none). On JWT_OK *claims is the payload (new ref). */
jwt_status oauth_jwt_verify(const char *jwt, const char *jwks, json_t **claims);

/* The kid of a JWS header, or "" (into out of size n). */
void oauth_jwt_kid(const char *jwt, char *out, size_t n);

/* The ID-token checks of 3.5 step 5 on verified claims: iss equals issuer,
 * aud contains client_id (azp equals it when there are several audiences),
 * exp > now - skew, iat <= now + skew, nonce equals. 0 ok, -1 with a short
 * reason in *why (for logs). */
int oauth_id_claims_check(const json_t *claims, const char *issuer, const char *client_id,
                          const char *nonce, int64_t now_secs, const char **why);

/* base64url(SHA-256(verifier)) without padding; out holds 44 bytes. */
void oauth_pkce_challenge(const char *verifier, char out[44]);

#endif
