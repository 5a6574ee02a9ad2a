#!/bin/sh
# First start of the database: the runtime role, which row-level security applies to
# (not a superuser, not the owner of the tables, no BYPASSRLS).
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<SQL
CREATE ROLE prm_app LOGIN PASSWORD '${PRM_APP_PASSWORD}' NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOINHERIT;
GRANT CONNECT ON DATABASE ${POSTGRES_DB} TO prm_app;
-- A partner user's transactions run as this role: the partner policies apply to it.
CREATE ROLE prm_partner NOLOGIN;
GRANT prm_partner TO prm_app;
-- platform_scope() (commands, platform pages) switches to this role for one transaction.
CREATE ROLE prm_platform NOLOGIN BYPASSRLS;
GRANT prm_platform TO prm_app;
SQL
