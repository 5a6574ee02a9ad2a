#!/usr/bin/env bash
# `make test` runs part of the suite through pgbouncer in transaction pooling mode, as large
# deployments run the product (README, "Connection pooling (pgbouncer)"). Install Debian's
# package when the binary is missing and we may; otherwise say what to do.
set -euo pipefail
for candidate in "${PRM_PGBOUNCER:-}" /usr/sbin/pgbouncer /usr/bin/pgbouncer; do
  if [ -n "$candidate" ] && [ -x "$candidate" ]; then exit 0; fi
done
# The package's own service stays down: the harness starts its own pgbouncer on a free port.
install() {
  "$@" apt-get update -qq
  "$@" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends pgbouncer >/dev/null
}
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  echo "[prm] installing pgbouncer for the suite's pooled pass (Debian package pgbouncer)"
  install
elif command -v apt-get >/dev/null 2>&1 && command -v sudo >/dev/null 2>&1; then
  echo "[prm] installing pgbouncer for the suite's pooled pass (sudo apt-get install pgbouncer)"
  install sudo
else
  echo "[prm] pgbouncer is missing: install it (e.g. 'apt-get install pgbouncer') or set PRM_PGBOUNCER" >&2
  exit 1
fi
