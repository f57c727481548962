# Debian's PgBouncer (the same package the tests run), transaction pooling,
# in front of the `db` service; settings in docker/pgbouncer.ini.
FROM debian:bookworm-slim

RUN apt-get update \
 && apt-get install -y --no-install-recommends pgbouncer \
 && rm -rf /var/lib/apt/lists/*

COPY docker/pgbouncer.ini docker/pgbouncer-userlist.txt /etc/pgbouncer/
# The Debian package's service user; pgbouncer refuses to run as root.
USER postgres
EXPOSE 6432
CMD ["pgbouncer", "/etc/pgbouncer/pgbouncer.ini"]
