#!/usr/bin/env bash
# test.sh - every test, on the normal build and on the ASan+UBSan build:
# C unit tests (ctest/cmocka), then the end-to-end suites (node:test) against
# each binary. Usage: scripts/test.sh <build dir> <asan build dir>
set -euo pipefail
build=${1:-build}
asan=${2:-build-asan}
root=$(cd "$(dirname "$0")/.." && pwd)

echo "== unit tests ($build)"
(cd "$build" && ctest --output-on-failure)
echo "== unit tests under ASan+UBSan ($asan)"
(cd "$asan" && ASAN_OPTIONS=detect_leaks=1 ctest --output-on-failure)

echo "== authorization decisions of POST /admin/permissions/check against the official Cedar engine (cedar-wasm)"
(cd "$root/tests/authz-diff" && AUTHRS_BIN="$root/$build/authrs" npm test --silent)

echo "== delivery against real peers (SMTP, SMS and WhatsApp APIs)"
"$root/tests/courier/run.sh" "$build"
"$root/tests/courier/run.sh" "$asan"

echo "== end-to-end ($build)"
(cd "$root/tests/e2e" && AUTHRS_BIN="$root/$build/authrs" npm test)
echo "== end-to-end under ASan+UBSan ($asan)"
(cd "$root/tests/e2e" && AUTHRS_BIN="$root/$asan/authrs" \
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  npm test)

echo "== end-to-end on PostgreSQL ($build)"
pgdir=$(mktemp -d /tmp/authrs-pg.XXXXXX)
trap '"$root/scripts/pg.sh" stop "$pgdir"; rm -rf "$pgdir"' EXIT
pg_url=$("$root/scripts/pg.sh" start "$pgdir" 55439)
(cd "$root/tests/e2e" && AUTHRS_BIN="$root/$build/authrs" AUTHRS_TEST_PG_URL="$pg_url" npm test)
