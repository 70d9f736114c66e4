#!/bin/sh
# Runs once, on an empty data volume (postgres image's /docker-entrypoint-initdb.d).
# One database per service, owned by a role of the same name: no service can read another's
# tables. Every role's password is $POSTGRES_PASSWORD (development only).
# Executed or sourced by the entrypoint alike, hence `|| exit 1` rather than `set -e`.
for service in ingest eligibility notifications plans; do
    psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
        --set=service="$service" --set=password="$POSTGRES_PASSWORD" <<'SQL' || exit 1
CREATE ROLE :"service" LOGIN PASSWORD :'password';
CREATE DATABASE :"service" OWNER :"service";
REVOKE ALL ON DATABASE :"service" FROM PUBLIC;
SQL
done
