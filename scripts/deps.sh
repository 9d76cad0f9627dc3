#!/usr/bin/env bash
# deps.sh - installs what authrs needs to build, run and test, from Debian's
# packages; idempotent: only missing packages are installed.
#   scripts/deps.sh build   compiler toolchain and libraries (make run)
#   scripts/deps.sh test    + test peers: cmocka, node, aiosmtpd, clang runtime,
#                             PostgreSQL server (make test)
#   scripts/deps.sh bench   + wrk and nginx (make bench)
set -euo pipefail
mode=${1:-build}

build_pkgs=(build-essential cmake pkg-config libhttp-parser-dev libjansson-dev libsqlite3-dev
  libargon2-dev libssl-dev libcurl4-openssl-dev libqrencode-dev libpq-dev)
test_pkgs=(libcmocka-dev nodejs npm python3 python3-aiosmtpd clang libclang-rt-14-dev
  cppcheck postgresql)

bench_pkgs=(wrk nginx)

pkgs=("${build_pkgs[@]}")
if [ "$mode" = test ] || [ "$mode" = bench ]; then pkgs+=("${test_pkgs[@]}"); fi
if [ "$mode" = bench ]; then pkgs+=("${bench_pkgs[@]}"); fi

missing=()
for p in "${pkgs[@]}"; do
  # nodejs/npm may come from elsewhere on a developer machine: accept the command
  case "$p" in
    nodejs) command -v node >/dev/null 2>&1 && continue ;;
    npm) command -v npm >/dev/null 2>&1 && continue ;;
  esac
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO=sudo
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
