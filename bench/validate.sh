#!/usr/bin/env bash
# validate.sh - GET /session/validate of authrs against an nginx `return 200`
# of a same-size JSON body (the practical ceiling), with wrk; then the same
# while 8 concurrent password logins run. Prints requests/s, p50/p99 and the
# ratio. Usage: bench/validate.sh [seconds] [connections] [rounds]
# Needs: build/authrs (release build), wrk, nginx, curl, taskset.
#
# The servers run on the first half of the CPUs and the load generators on
# the other half (BENCH_PIN=0: no pinning), so both servers get the same
# cores and the figure measures the server, not how the scheduler shares
# the cores between it and wrk. nginx and authrs alternate for `rounds`
# rounds; the medians are printed.
set -euo pipefail
DUR=${1:-10}
CONN=${2:-32}
ROUNDS=${3:-3}
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

CPUS=$(nproc)
if [ "${BENCH_PIN:-1}" = 1 ] && [ "$CPUS" -ge 2 ]; then
    HALF=$((CPUS / 2))
    SERVER_CPUS="0-$((HALF - 1))"
    LOAD_CPUS="$HALF-$((CPUS - 1))"
    SERVER=(taskset -c "$SERVER_CPUS")
    LOAD=(taskset -c "$LOAD_CPUS")
    NGINX_WORKERS=$HALF
    WRK_THREADS=$((CPUS - HALF))
    PLACEMENT="servers on CPUs $SERVER_CPUS, load generators on CPUs $LOAD_CPUS"
else
    SERVER=()
    LOAD=()
    NGINX_WORKERS=auto
    WRK_THREADS=2
    PLACEMENT="no pinning ($CPUS CPUs shared)"
fi

free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
APORT=$(free_port)
NPORT=$(free_port)
PW='Bench-pass-word-1'
export DATABASE_URL="sqlite:$WORK/authrs.db" SERVER_HOST=127.0.0.1 SERVER_PORT=$APORT LOG_LEVEL=error
export RATE_LIMITS_ENABLED=false

(cd "$WORK" && "$BIN" tenant create acme --admin-email bench@x.io --admin-password "$PW" >/dev/null)
(cd "$WORK" && exec "${SERVER[@]}" "$BIN" serve 2>"$WORK/authrs.log") &
PIDS+=($!)
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$APORT/health" >/dev/null && break; sleep 0.1; done

TOKEN=$(curl -fs -H 'Content-Type: application/json' -H 'X-Tenant-ID: acme' \
    -d "{\"email\":\"bench@x.io\",\"password\":\"$PW\"}" "http://127.0.0.1:$APORT/login/email-password" |
    python3 -c 'import json,sys;print(json.load(sys.stdin)["sessionToken"])')
BODY=$(curl -fs -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$APORT/session/validate")

mkdir -p "$WORK/nginx/logs"
ESCAPED=${BODY//\"/\\\"}
cat >"$WORK/nginx/nginx.conf" <<NGINX
worker_processes $NGINX_WORKERS;
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
"${SERVER[@]}" nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" &
PIDS+=($!)
sleep 0.5

# The login load: one wrk process keeping 8 logins in flight (a curl process
# per login would spend more CPU forking than the server spends hashing).
cat >"$WORK/login.lua" <<LUA
wrk.method = "POST"
wrk.body = '{"email":"bench@x.io","password":"$PW"}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-Tenant-ID"] = "acme"
LUA

# wrk output -> "rps p50_ms p99_ms non2xx"
run_wrk() {
    "${LOAD[@]}" wrk -t"$WRK_THREADS" -c"$CONN" -d"${DUR}s" --latency -H "Authorization: Bearer $TOKEN" "$1" | awk '
        function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
        /Requests\/sec/ { rps = $2 }
        /^ +50%/ { p50 = ms($2) }
        /^ +99%/ { p99 = ms($2) }
        /Non-2xx/ { bad = $NF }
        END { printf "%.0f %.3f %.3f %s\n", rps, p50, p99, bad ? bad : 0 }'
}

# Runs validate while 8 logins are in flight; appends the login count.
run_loaded() {
    "${LOAD[@]}" wrk -t1 -c8 -d"$((DUR + 2))s" -s "$WORK/login.lua" \
        "http://127.0.0.1:$APORT/login/email-password" >"$WORK/logins.txt" &
    local login_pid=$!
    PIDS+=($login_pid)
    sleep 1
    local out
    out=$(run_wrk "http://127.0.0.1:$APORT/session/validate")
    wait "$login_pid" || true
    echo "$out $(awk '/requests in/ { print $1 }' "$WORK/logins.txt")"
}

echo "body: ${#BODY} bytes; ${DUR}s per run, $CONN connections, $ROUNDS rounds; $PLACEMENT"
: >"$WORK/nginx.txt"
: >"$WORK/authrs.txt"
: >"$WORK/loaded.txt"
for r in $(seq "$ROUNDS"); do
    run_wrk "http://127.0.0.1:$NPORT/session/validate" >>"$WORK/nginx.txt"
    run_wrk "http://127.0.0.1:$APORT/session/validate" >>"$WORK/authrs.txt"
    run_loaded >>"$WORK/loaded.txt"
    echo "round $r: nginx $(cut -d' ' -f1 <"$WORK/nginx.txt" | tail -1)," \
        "authrs $(cut -d' ' -f1 <"$WORK/authrs.txt" | tail -1)," \
        "authrs under logins $(cut -d' ' -f1,3 <"$WORK/loaded.txt" | tail -1 | sed 's/ / req\/s p99 /') ms"
done

# median of column $2 of file $1
median() { cut -d' ' -f"$2" <"$1" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
N_RPS=$(median "$WORK/nginx.txt" 1)
A_RPS=$(median "$WORK/authrs.txt" 1)
L_RPS=$(median "$WORK/loaded.txt" 1)
LOGINS=$(median "$WORK/loaded.txt" 5)
LOGIN_SECS=$((DUR + 2))

printf '%-34s %10s %9s %9s\n' "run (median of $ROUNDS)" req/s p50_ms p99_ms
printf '%-34s %10s %9s %9s\n' "nginx return 200" "$N_RPS" "$(median "$WORK/nginx.txt" 2)" "$(median "$WORK/nginx.txt" 3)"
printf '%-34s %10s %9s %9s\n' "authrs validate" "$A_RPS" "$(median "$WORK/authrs.txt" 2)" "$(median "$WORK/authrs.txt" 3)"
printf '%-34s %10s %9s %9s\n' "authrs validate + 8 logins" "$L_RPS" "$(median "$WORK/loaded.txt" 2)" "$(median "$WORK/loaded.txt" 3)"
echo "ratio authrs/nginx: $(awk -v a="$A_RPS" -v n="$N_RPS" 'BEGIN{printf "%.2f", a/n}')"
echo "ratio under logins: $(awk -v a="$L_RPS" -v n="$N_RPS" 'BEGIN{printf "%.2f", a/n}')"
echo "logins completed per loaded run: $LOGINS in ${LOGIN_SECS}s ($(awk -v l="$LOGINS" -v d="$LOGIN_SECS" 'BEGIN{printf "%.1f", l/d}')/s)"
sum4() { awk '{ s += $4 } END { print s + 0 }' "$1"; }
echo "non-2xx answers: $(sum4 "$WORK/authrs.txt") / $(sum4 "$WORK/loaded.txt")"
