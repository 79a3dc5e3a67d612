#!/usr/bin/env bash
# A private PostgreSQL for the benchmarks: its own cluster on 127.0.0.1:${SB_PG_PORT:-5499},
# trust auth for local connections, pg_stat_statements preloaded, default durability
# (fsync on, synchronous_commit on), pinned to the server core with taskset.
#
#   bench/pg.sh start   # prints the URL of the `sbbench` database on success
#   bench/pg.sh stop
#   bench/pg.sh status
#
# The data directory (default /tmp/sbbench-pg) survives `stop`, so a quick run can reuse
# the seeded data; delete it to start over. Nothing listens beyond 127.0.0.1.
set -euo pipefail
PORT="${SB_PG_PORT:-5499}"
DATA="${SB_PG_DATA:-/tmp/sbbench-pg}"
CPU="${SB_SERVER_CPU:-1}"
BIN="${SB_PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)}"

as_pg() {
  # initdb and postgres refuse to run as root.
  if [ "$(id -u)" = "0" ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "${1:-}" in
  start)
    [ -x "$BIN/initdb" ] || { echo "pg.sh: no initdb under $BIN" >&2; exit 1; }
    if [ ! -f "$DATA/PG_VERSION" ]; then
      mkdir -p "$DATA"
      [ "$(id -u)" = "0" ] && chown postgres:postgres "$DATA"
      as_pg "$BIN/initdb" -D "$DATA" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
      cat >> "$DATA/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$DATA'
max_connections = 200
shared_buffers = 256MB
shared_preload_libraries = 'pg_stat_statements'
pg_stat_statements.track = all
log_min_messages = warning
CONF
    fi
    if ! as_pg "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
      as_pg taskset -c "$CPU" "$BIN/pg_ctl" -D "$DATA" -l "$DATA/server.log" -w -t 60 start >/dev/null
    fi
    for _ in $(seq 1 60); do
      psql "postgres://postgres@127.0.0.1:$PORT/postgres" -Atqc 'SELECT 1' >/dev/null 2>&1 && break
      sleep 0.5
    done
    psql "postgres://postgres@127.0.0.1:$PORT/postgres" -Atqc 'SELECT 1' >/dev/null
    echo "postgres://postgres@127.0.0.1:$PORT/sbbench"
    ;;
  stop)
    if [ -f "$DATA/PG_VERSION" ]; then
      as_pg "$BIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null 2>&1 || true
    fi
    ;;
  status)
    as_pg "$BIN/pg_ctl" -D "$DATA" status
    ;;
  *)
    echo "usage: bench/pg.sh start|stop|status" >&2
    exit 2
    ;;
esac
