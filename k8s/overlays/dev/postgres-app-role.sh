#!/bin/sh
# Run once by the postgres image on an empty data directory: the role the services log in as
# (no ownership, no superuser, subject to row-level security; the migrations grant its rights).
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" -v password="$PARLEY_APP_PASSWORD" <<'SQL'
CREATE ROLE parley_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS PASSWORD :'password';
SQL
