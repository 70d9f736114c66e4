#!/bin/sh
# Runs once, on an empty data volume (postgres image's /docker-entrypoint-initdb.d).
# Per service, a database and two roles: `<service>_owner`, the migration role, owns the database and
# every table (the `migrate` container connects as it); `<service>`, the runtime role the service
# connects as, may only connect here: each migration run grants it the rest (reading and writing
# the tables, only adding to and reading `audit_entry`). No service can read another's tables.
# Every role's password is $POSTGRES_PASSWORD (development only).
# Executed or sourced by the entrypoint alike, hence `|| exit 1` rather than `set -e`.
for service in ingest eligibility notifications plans; do
    psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
        --set=service="$service" --set=owner="${service}_owner" --set=password="$POSTGRES_PASSWORD" <<'SQL' || exit 1
CREATE ROLE :"owner" LOGIN PASSWORD :'password';
CREATE ROLE :"service" LOGIN PASSWORD :'password';
CREATE DATABASE :"service" OWNER :"owner";
REVOKE ALL ON DATABASE :"service" FROM PUBLIC;
GRANT CONNECT ON DATABASE :"service" TO :"service";
\connect :"service"
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
SQL
done
