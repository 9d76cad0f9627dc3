#!/usr/bin/env bash
# validate.sh - GET /session/validate of authrs against an nginx `return 200`
# of a same-size JSON body (the practical ceiling), with wrk; then the same
# while 8 concurrent password logins run. Prints requests/s, p50/p99 and the
# ratio. Usage: bench/validate.sh [seconds] [connections]
# Needs: build/authrs (release build), wrk, nginx, curl.
set -euo pipefail
DUR=${1:-10}
CONN=${2:-32}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${AUTHRS_BIN:-$ROOT/build/authrs}
WORK=$(mktemp -d /tmp/authrs-bench.XXXXXX)
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
APORT=$(free_port)
NPORT=$(free_port)
PW='Bench-pass-word-1'
export DATABASE_URL="sqlite:$WORK/authrs.db" SERVER_HOST=127.0.0.1 SERVER_PORT=$APORT LOG_LEVEL=error
export RATE_LIMITS_ENABLED=false

(cd "$WORK" && "$BIN" tenant create acme --admin-email bench@x.io --admin-password "$PW" >/dev/null)
(cd "$WORK" && exec "$BIN" serve 2>"$WORK/authrs.log") &
PIDS+=($!)
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$APORT/health" >/dev/null && break; sleep 0.1; done

login() {
    curl -fs -H 'Content-Type: application/json' -H 'X-Tenant-ID: acme' \
        -d "{\"email\":\"bench@x.io\",\"password\":\"$PW\"}" "http://127.0.0.1:$APORT/login/email-password"
}
TOKEN=$(login | python3 -c 'import json,sys;print(json.load(sys.stdin)["sessionToken"])')
BODY=$(curl -fs -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$APORT/session/validate")

mkdir -p "$WORK/nginx/logs"
ESCAPED=${BODY//\"/\\\"}
cat >"$WORK/nginx/nginx.conf" <<NGINX
worker_processes auto;
daemon off;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/logs/error.log;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $WORK/nginx; proxy_temp_path $WORK/nginx; fastcgi_temp_path $WORK/nginx;
    uwsgi_temp_path $WORK/nginx; scgi_temp_path $WORK/nginx;
    server {
        listen 127.0.0.1:$NPORT;
        location / { default_type application/json; return 200 "$ESCAPED"; }
    }
}
NGINX
nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" &
PIDS+=($!)
sleep 0.5

# wrk output -> "rps p50_ms p99_ms"
run_wrk() {
    wrk -t2 -c"$CONN" -d"${DUR}s" --latency -H "Authorization: Bearer $TOKEN" "$1" | awk '
        function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
        /Requests\/sec/ { rps = $2 }
        /^ +50%/ { p50 = ms($2) }
        /^ +99%/ { p99 = ms($2) }
        /Non-2xx/ { bad = $NF }
        END { printf "%.0f %.3f %.3f %s\n", rps, p50, p99, bad ? bad : 0 }'
}

logins_loop() {
    while [ ! -f "$WORK/stop" ]; do login >/dev/null || true; echo >>"$WORK/logins.$1"; done
}

echo "body: ${#BODY} bytes; ${DUR}s per run, $CONN connections, $(nproc) CPUs"
read -r N_RPS N_P50 N_P99 _ <<<"$(run_wrk "http://127.0.0.1:$NPORT/session/validate")"
read -r A_RPS A_P50 A_P99 A_BAD <<<"$(run_wrk "http://127.0.0.1:$APORT/session/validate")"
for i in 1 2 3 4 5 6 7 8; do logins_loop "$i" & PIDS+=($!); done
read -r L_RPS L_P50 L_P99 L_BAD <<<"$(run_wrk "http://127.0.0.1:$APORT/session/validate")"
touch "$WORK/stop"
sleep 0.5
LOGINS=$(cat "$WORK"/logins.* 2>/dev/null | wc -l)

printf '%-34s %10s %9s %9s\n' run req/s p50_ms p99_ms
printf '%-34s %10s %9s %9s\n' "nginx return 200" "$N_RPS" "$N_P50" "$N_P99"
printf '%-34s %10s %9s %9s\n' "authrs validate" "$A_RPS" "$A_P50" "$A_P99"
printf '%-34s %10s %9s %9s\n' "authrs validate + 8 logins" "$L_RPS" "$L_P50" "$L_P99"
echo "ratio authrs/nginx: $(awk -v a="$A_RPS" -v n="$N_RPS" 'BEGIN{printf "%.2f", a/n}')"
echo "ratio under logins: $(awk -v a="$L_RPS" -v n="$N_RPS" 'BEGIN{printf "%.2f", a/n}')"
echo "logins completed during the loaded run: $LOGINS ($(awk -v l="$LOGINS" -v d="$DUR" 'BEGIN{printf "%.1f", l/d}')/s)"
echo "non-2xx answers: $A_BAD / $L_BAD"
