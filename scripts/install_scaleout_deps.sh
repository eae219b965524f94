#!/usr/bin/env bash
# Install the Debian servers the scale-out test (tests/scaleout/) and the bench (scripts/bench_replicas.py)
# start on 127.0.0.1: PostgreSQL (initdb, pg_ctl, postgres), Redis (redis-server) and nginx.
# Idempotent: when all binaries are there it returns at once without touching apt.
# The packages' own system services are NOT started (a temporary policy-rc.d refuses it): the test
# starts private instances in temp folders on free ports.
# Exit codes: 0 = all there; 1 = could not install (no apt-get, not root and no sudo, apt failed).
set -euo pipefail

have_all() {
  ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 &&
    ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 &&
    { command -v redis-server >/dev/null 2>&1 || [ -x /usr/bin/redis-server ]; } &&
    { command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; }
}

if have_all; then
  echo "scale-out deps: PostgreSQL, Redis and nginx are installed" >&2
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "scale-out deps: apt-get not found; install PostgreSQL, redis-server and nginx yourself" >&2
  exit 1
fi
SUDO=()
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO=(sudo -n)
  else
    echo "scale-out deps: not root and no passwordless sudo; cannot apt-get install" >&2
    exit 1
  fi
fi

# Keep the packages' init scripts from starting system-wide services (port 80, 5432, 6379).
POLICY=/usr/sbin/policy-rc.d
made_policy=""
if [ ! -e "$POLICY" ]; then
  printf '#!/bin/sh\nexit 101\n' | "${SUDO[@]}" tee "$POLICY" >/dev/null
  "${SUDO[@]}" chmod +x "$POLICY"
  made_policy=1
fi
cleanup() { [ -n "$made_policy" ] && "${SUDO[@]}" rm -f "$POLICY"; return 0; }
trap cleanup EXIT

export DEBIAN_FRONTEND=noninteractive
echo "scale-out deps: apt-get install postgresql redis-server nginx" >&2
install() {
  "${SUDO[@]}" apt-get install -y -q --no-install-recommends postgresql redis-server nginx >&2
}
if ! install; then
  "${SUDO[@]}" apt-get update -q >&2 || true
  install
fi
have_all || { echo "scale-out deps: installed, but binaries still missing" >&2; exit 1; }
echo "scale-out deps: installed" >&2
