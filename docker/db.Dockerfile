# PostgreSQL 15 with the extensions the tests need (pgTAP, plpgsql_check).
FROM postgres:15

RUN apt-get update \
 && apt-get install -y --no-install-recommends \
        postgresql-15-pgtap \
        postgresql-15-plpgsql-check \
 && rm -rf /var/lib/apt/lists/*
