#!/usr/bin/env bash
# authz.sh - authorization figures: in-process decisions/s of the engine vs
# cedar-wasm isAuthorized on the same case (tests/authz-diff/bench.mjs), then
# POST /admin/permissions/check requests/s over HTTP (bench/authz_http.mjs).
# Usage: bench/authz.sh [seconds] [connections]. Needs build/ (release),
# tests/authz-diff/node_modules (npm ci there) and wrk.
set -euo pipefail
DUR=${1:-5}
CONN=${2:-32}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${AUTHRS_BUILD:-$ROOT/build}
echo "== in process: authrs engine vs cedar-wasm"
(cd "$ROOT/tests/authz-diff" && node --no-turbo-inline-js-wasm-calls bench.mjs \
    --driver "$BUILD/authz_oracle_driver" --seconds "$DUR")
echo "== over HTTP"
AUTHRS_BIN=${AUTHRS_BIN:-$BUILD/authrs} node --no-turbo-inline-js-wasm-calls \
    "$ROOT/bench/authz_http.mjs" --seconds "$DUR" --connections "$CONN"
