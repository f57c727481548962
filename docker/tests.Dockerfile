# Runs ./dev test against the `db` service (DATABASE_URL set, so no local cluster).
FROM python:3.11-slim-bookworm

# pg_prove (TAP::Parser::SourceHandler::pgTAP) and psql for the pgTAP step;
# the PostgreSQL server binaries because some pytest tests start their own
# throwaway cluster (vqdb/testing/cluster.py); docker-compose, node and npm because
# ./dev would otherwise install them on every run.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
        libtap-parser-sourcehandler-pgtap-perl \
        postgresql-client \
        postgresql-15 \
        docker-compose \
        nodejs \
        npm \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /src
COPY . /src
CMD ["./dev", "test"]
