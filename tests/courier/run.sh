#!/usr/bin/env bash
# run.sh - the courier's delivery tests against real peers (SMTP, HTTP):
#   tests/courier/run.sh <build dir>
# Needs python3 with aiosmtpd (Debian python3-aiosmtpd). Exits non-zero on failure.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:?usage: tests/courier/run.sh <build dir>}
tool=$(cd "$build" && pwd)/courier_send
[ -x "$tool" ] || { echo "courier tests: $tool not built" >&2; exit 1; }
py=""
for candidate in python3 /usr/bin/python3; do
  if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import aiosmtpd' 2>/dev/null; then
    py=$candidate
    break
  fi
done
[ -n "$py" ] || { echo "courier tests: no python3 with aiosmtpd (python3-aiosmtpd)" >&2; exit 1; }
exec "$py" "$here/test_delivery.py" "$tool"
