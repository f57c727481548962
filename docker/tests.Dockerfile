# Runs ./dev test against the `db` service (DATABASE_URL set, so no local cluster).
FROM python:3.11-slim-bookworm

# pg_prove (TAP::Parser::SourceHandler::pgTAP) and psql; ./dev finds the rest present.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
        libtap-parser-sourcehandler-pgtap-perl \
        postgresql-client \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /src
COPY . /src
CMD ["./dev", "test"]
