#!/bin/sh
# The logins pgbouncer accepts, with their passwords from the environment (the roles' own:
# deploy/postgres-init.sh sets them from the same variables). pgbouncer checks a client's
# password with SCRAM and logs in to PostgreSQL with it. Only the app's and the platform's
# logins: the owner (migrations) connects to PostgreSQL directly.
set -eu
umask 077
quote() { printf '"%s"' "$(printf '%s' "$1" | sed 's/"/""/g')"; }
auth_file="${PRM_PGBOUNCER_AUTH_FILE:-/run/pgbouncer/userlist.txt}"
{
  printf '%s %s\n' "$(quote "${PRM_DB_APP_ROLE:-prm_app}")" "$(quote "${PRM_APP_PASSWORD:?set PRM_APP_PASSWORD}")"
  printf '%s %s\n' "$(quote "${PRM_DB_PLATFORM_ROLE:-prm_platform}")" "$(quote "${PRM_PLATFORM_PASSWORD:?set PRM_PLATFORM_PASSWORD}")"
} > "$auth_file"
exec pgbouncer "${PRM_PGBOUNCER_CONFIG:-/etc/pgbouncer/pgbouncer.ini}"
