#!/usr/bin/env bash
# Switchboard's benchmark suite, one command:
#
#   bench/run.sh --quick    # ≤ 5 minutes once built and seeded: every figure, short runs, 1k sockets
#   bench/run.sh --full     # everything at full length: 1k/5k/10k subscribers, profiles (~25 min)
#
# Builds in release mode, installs what it needs (wrk from Debian; PostGraphile 5 and
# Node 22 from npm into the git-ignored bench/peers/, skipped with a notice when that
# fails), starts a private PostgreSQL (bench/pg.sh; else uses 127.0.0.1:5432), seeds,
# runs the figures with servers and load generators pinned to different cores, and writes
# bench/REPORT.md and bench/results/*.json. Every load targets 127.0.0.1 and is bounded.
#
# Environment: SB_CLIENT_CPU / SB_SERVER_CPU (default 0 / 1), SB_NO_PEER=1 (skip the
# peer), SB_NO_PG=1 (SQLite only), SB_RESEED=1 (seed again in quick mode),
# SB_ONLY=P1,P4 (a subset, for development).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd)"

MODE=quick
for arg in "$@"; do
  case "$arg" in
    --quick) MODE=quick ;;
    --full) MODE=full ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "unknown argument: $arg (use --quick or --full)" >&2; exit 2 ;;
  esac
done

say() { echo "==> $*" >&2; }

# --- tools -----------------------------------------------------------------------------
if ! command -v wrk >/dev/null; then
  say "installing wrk (Debian package)"
  if [ "$(id -u)" = "0" ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get install -y -qq wrk >/dev/null 2>&1 ||
    { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq wrk >/dev/null; }
fi
command -v wrk >/dev/null || { echo "wrk is required" >&2; exit 1; }
command -v taskset >/dev/null || { echo "taskset (util-linux) is required" >&2; exit 1; }

PEER_DIR="$ROOT/bench/peers"
PEER_ARGS=()
if [ "${SB_NO_PEER:-0}" != "1" ]; then
  if [ ! -x "$PEER_DIR/node_modules/node/bin/node" ] || [ ! -f "$PEER_DIR/node_modules/postgraphile/package.json" ]; then
    if command -v npm >/dev/null; then
      say "installing the peer: PostGraphile 5 on Node 22 (npm) into bench/peers/"
      mkdir -p "$PEER_DIR"
      [ -f "$PEER_DIR/package.json" ] ||
        echo '{ "name": "switchboard-bench-peers", "private": true, "version": "0.0.0" }' > "$PEER_DIR/package.json"
      npm view postgraphile@5 version 2>/dev/null | tail -n1 | sed 's/^/    postgraphile@5 → /' >&2 || true
      npm view node@22 version 2>/dev/null | tail -n1 | sed 's/^/    node@22 → /' >&2 || true
      timeout 600 npm install --prefix "$PEER_DIR" --no-audit --no-fund --loglevel=error \
        node@22 postgraphile@5 >&2 ||
        say "NOTICE: could not install PostGraphile; P3 will be skipped"
    else
      say "NOTICE: npm is missing; P3 (PostGraphile) will be skipped"
    fi
  fi
  [ -x "$PEER_DIR/node_modules/node/bin/node" ] && PEER_ARGS=(--peer-dir "$PEER_DIR")
fi

# --- build -----------------------------------------------------------------------------
say "building (release)"
cargo build --release -p switchboard -p bench --bins >&2

# --- PostgreSQL ------------------------------------------------------------------------
CLIENT_CPU="${SB_CLIENT_CPU:-0}"
SERVER_CPU="${SB_SERVER_CPU:-1}"
if [ "$(nproc)" -lt 2 ]; then CLIENT_CPU=0; SERVER_CPU=0; fi
export SB_SERVER_CPU="$SERVER_CPU"
PG_ARGS=()
STARTED_PG=0
if [ "${SB_NO_PG:-0}" != "1" ]; then
  if PG_URL="$(bench/pg.sh start 2>/dev/null)"; then
    STARTED_PG=1
    PG_ARGS=(--pg-url "$PG_URL" --pg-stat-statements --pg-note "private cluster (bench/pg.sh), pinned to CPU $SERVER_CPU, pg_stat_statements")
  elif psql "postgres://postgres@127.0.0.1:5432/postgres" -Atqc 'SELECT 1' >/dev/null 2>&1; then
    PG_ARGS=(--pg-url "postgres://postgres@127.0.0.1:5432/sbbench" --pg-note "the local server at 127.0.0.1:5432 (not pinned)")
  else
    say "NOTICE: no PostgreSQL (private cluster failed, 127.0.0.1:5432 unreachable): PostgreSQL figures skipped"
  fi
fi
cleanup() { if [ "$STARTED_PG" = "1" ]; then bench/pg.sh stop || true; fi; }
trap cleanup EXIT

# --- run -------------------------------------------------------------------------------
# Sockets for up to 10k subscribers on each side.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
EXTRA=()
[ "${SB_RESEED:-0}" = "1" ] && EXTRA+=(--reseed)
[ -n "${SB_ONLY:-}" ] && EXTRA+=(--only "$SB_ONLY")
say "running the $MODE suite (servers on CPU $SERVER_CPU, load on CPU $CLIENT_CPU)"
taskset -c "$CLIENT_CPU" target/release/suite --mode "$MODE" --root "$ROOT" \
  --client-cpu "$CLIENT_CPU" --server-cpu "$SERVER_CPU" \
  ${PG_ARGS[@]+"${PG_ARGS[@]}"} ${PEER_ARGS[@]+"${PEER_ARGS[@]}"} ${EXTRA[@]+"${EXTRA[@]}"} \
  --command-line "bench/run.sh --$MODE" \
  --command-line "cargo build --release -p switchboard -p bench --bins" \
  --command-line "taskset -c $CLIENT_CPU target/release/suite --mode $MODE --client-cpu $CLIENT_CPU --server-cpu $SERVER_CPU ${PG_ARGS[*]:0:2} ${PEER_ARGS[*]:-}" \
  --command-line "servers: taskset -c $SERVER_CPU target/release/{switchboard serve,refserver}, node …/postgraphile -P postgraphile/presets/amber" \
  --command-line "load: taskset -c $CLIENT_CPU wrk -t1 -c32 -d<secs>s --timeout 5s -s bench/lua/post.lua <url>; taskset -c $CLIENT_CPU target/release/wsbench --subscribers N --events 20 --rate 5 …"
