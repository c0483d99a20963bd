#!/bin/sh
# Creates the application's own database and role, next to the databases that
# Temporal's auto-setup creates for itself (temporal, temporal_visibility).
#
# Mounted into the postgres container's /docker-entrypoint-initdb.d, so it runs
# exactly once: on the first start with an empty data volume. To re-run it, remove
# the postgres-data volume (this deletes all data) or create the role/database by hand.
#
# Reads APP_DB_NAME, APP_DB_USER and APP_DB_PASSWORD from the container environment
# (see the postgres service in docker-compose.yml). The official entrypoint runs an
# executable script and sources a non-executable one; this file works either way.
set -e

: "${APP_DB_NAME:=procurement}"
: "${APP_DB_USER:=procurement}"
: "${APP_DB_PASSWORD:?APP_DB_PASSWORD must be set for the postgres service}"

# psql variables (:"name" for identifiers, :'name' for literals) quote the values, and
# the quoted heredoc keeps the shell from expanding anything inside the SQL.
psql -v ON_ERROR_STOP=1 --username "${POSTGRES_USER:-postgres}" --dbname postgres \
  -v app_db="$APP_DB_NAME" -v app_user="$APP_DB_USER" -v app_password="$APP_DB_PASSWORD" <<'SQL'
CREATE ROLE :"app_user" LOGIN PASSWORD :'app_password';
CREATE DATABASE :"app_db" OWNER :"app_user";
REVOKE ALL ON DATABASE :"app_db" FROM PUBLIC;
SQL

echo "postgres-init: created database '$APP_DB_NAME' owned by role '$APP_DB_USER'"
