#!/bin/sh
# The official image's contract, as docker-compose.yml uses it: POSTGRES_PASSWORD for the
# `postgres` superuser, /docker-entrypoint-initdb.d/*.sh and *.sql once on an empty $PGDATA (the
# server listening on its socket only meanwhile), then the server on port 5432 of every address.
set -eu
if [ ! -s "$PGDATA/PG_VERSION" ]; then
    printf '%s' "${POSTGRES_PASSWORD:?POSTGRES_PASSWORD is required}" > /tmp/pwfile
    initdb --username=postgres --pwfile=/tmp/pwfile --auth-local=trust --auth-host=scram-sha-256 \
        --encoding=UTF8 --locale=C.UTF-8 >/dev/null
    rm /tmp/pwfile
    echo "host all all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
    pg_ctl --wait --silent -o "-c listen_addresses=''" start
    export POSTGRES_USER=postgres POSTGRES_DB=postgres
    for script in /docker-entrypoint-initdb.d/*; do
        case "$script" in
            *.sh) if [ -x "$script" ]; then "$script"; else . "$script"; fi ;;
            *.sql) psql -v ON_ERROR_STOP=1 --username=postgres --file="$script" ;;
        esac
    done
    pg_ctl --wait --silent -m fast stop
    echo "initialised $PGDATA"
fi
exec postgres -c listen_addresses='*'
