#!/usr/bin/env bash
# pg.sh - a throwaway PostgreSQL server for the tests (Debian's postgresql).
#   scripts/pg.sh start <dir> <port>   initdb (UTF8, C collation) + start; prints the base URL
#   scripts/pg.sh stop <dir>
# The server listens on a Unix socket in <dir> only (no TCP). As root it runs
# as the postgres user, since PostgreSQL refuses to run as root.
set -euo pipefail
cmd=$1
dir=$2
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
as_pg=()
[ "$(id -u)" -eq 0 ] && as_pg=(runuser -u postgres --)
case "$cmd" in
start)
  port=$3
  mkdir -p "$dir"
  [ "$(id -u)" -eq 0 ] && chown postgres "$dir"
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    "${as_pg[@]}" "$bin/initdb" -D "$dir/data" -E UTF8 --locale=C.UTF-8 --lc-collate=C \
      -U authrs --auth=trust >/dev/null
  fi
  "${as_pg[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w -o \
    "-c listen_addresses='' -c unix_socket_directories='$dir' -p $port -c fsync=off -c max_connections=400" \
    start >/dev/null
  echo "postgres://authrs@/postgres?host=$dir&port=$port"
  ;;
stop)
  "${as_pg[@]}" "$bin/pg_ctl" -D "$dir/data" -m fast stop >/dev/null || true
  ;;
esac
