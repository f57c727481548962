#!/bin/sh
# Run once by the postgres image at initdb (mounted into
# /docker-entrypoint-initdb.d by docker-compose.yml): lets the `standby`
# service stream from this server. wal_level=replica and max_wal_senders=10
# are PostgreSQL 15's defaults already.
set -e
echo "host replication all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
