#!/bin/sh
# First start of the database (docker-compose): the roles of deploy/roles.sql, the one definition
# `make run` and every `migrate` use too, with the logins' passwords from the environment.
#   prm_app       the runtime login (DATABASE_URL), subject to row-level security
#   prm_partner   what a partner user's transaction switches to
#   prm_platform  the platform login (DATABASE_PLATFORM_URL), BYPASSRLS, granted to nobody
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
    -v app_password="${PRM_APP_PASSWORD:?set PRM_APP_PASSWORD}" \
    -v platform_password="${PRM_PLATFORM_PASSWORD:?set PRM_PLATFORM_PASSWORD}" <<'SQL'
BEGIN;
SET LOCAL prm.app_password = :'app_password';
SET LOCAL prm.platform_password = :'platform_password';
\i /prm-deploy/roles.sql
COMMIT;
SQL
