#!/usr/bin/env bash
# Makes the archives of this folder with a real PostgreSQL: a throwaway
# server on a Unix socket (no TCP) in a temporary folder, a small database
# with the values a COPY reader must get right, and pg_dump in each form.
#
#   pipeline/pgarchive/testdata/make.sh [BINDIR]
#
# BINDIR holds initdb, pg_ctl and pg_dump (default: the newest under
# /usr/lib/postgresql). As root, the server runs as the postgres user.
# The files are named for the server's major version (pg15-...).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bin="${1:-$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)}"
major="$("$bin/pg_dump" --version | sed -E 's/.* ([0-9]+)\..*/\1/')"
tmp="$(mktemp -d)"
trap 'as "$bin/pg_ctl" -D "$tmp/data" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$tmp"' EXIT
as() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
if [ "$(id -u)" = 0 ]; then chmod 755 "$tmp"; chown postgres "$tmp"; fi
as "$bin/initdb" -D "$tmp/data" -U postgres -A trust >/dev/null
as "$bin/pg_ctl" -D "$tmp/data" -l "$tmp/log" -w -o "-k $tmp -c listen_addresses=''" start >/dev/null
psql() { "$bin/psql" -X -q -v ON_ERROR_STOP=1 -h "$tmp" -U postgres "$@"; }
psql -c 'CREATE DATABASE forms'
psql -d forms <<'SQL'
CREATE TABLE accounts (id bigint PRIMARY KEY, username text, domain text, note text, fields jsonb, locked boolean, created_at timestamp);
INSERT INTO accounts VALUES
  (110228501075197953, 'alice', NULL, E'tab\there, newline\nthere, backslash \\ end', '[{"name":"Blog","value":"https://alice.example"}]', false, '2023-04-20 01:17:26.582'),
  (110228501075197954, 'bob', 'remote.example', 'ünïcödé ✓ and "quotes" and ''apostrophes''', NULL, true, '2023-04-21 00:00:00'),
  (110228501075197955, 'carol', NULL, '', '[]', NULL, NULL);
CREATE TABLE statuses (id bigint PRIMARY KEY, account_id bigint, text text, visibility integer);
INSERT INTO statuses SELECT 110228533761212961 + g, 110228501075197953 + g % 3, 'status ' || g || E'\r\n\\.', g % 4 FROM generate_series(1, 500) g;
CREATE TABLE mentions (id bigint, status_id bigint, account_id bigint);
CREATE TABLE schema_migrations (version text);
INSERT INTO schema_migrations VALUES ('20230101000000');
SELECT lo_from_bytea(0, '\x00010203'::bytea);
SQL
dump() { "$bin/pg_dump" -h "$tmp" -U postgres -d forms "$@"; }
dump -Fc -f "$here/pg$major.custom"
dump -Fc -Z0 -f "$here/pg$major-z0.custom"
dump -Fc | cat > "$here/pg$major-pipe.custom" # no data offsets: written to a pipe
dump -Ft -f "$here/pg$major.tar"
dump -Fp --data-only -f "$here/pg$major.sql"
if [ "$major" -ge 16 ]; then
  dump -Fc -Z lz4 -f "$here/pg$major-lz4.custom"
  dump -Fc -Z zstd -f "$here/pg$major-zstd.custom"
fi
ls -l "$here"
