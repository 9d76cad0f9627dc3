#!/usr/bin/env bash
# run.sh - `make run`: migrate ./authrs.db, make sure the demo tenant and its
# admin (admin@example.com) exist, then serve on port 3000 (SERVER_PORT).
# The admin password comes from AUTHRS_ADMIN_PASSWORD, or a random one is
# printed once when the admin is first created.
set -euo pipefail
bin=${1:-build/authrs}
"$bin" tenant create demo --name "Demo" --admin-email admin@example.com
exec "$bin" serve
