#!/usr/bin/env bash
# A/B two builds of the `switchboard` binary side by side, in one run, for a tuning's
# before/after (the suite measures Switchboard against references; this measures it
# against itself):
#
#   bench/ab.sh A_BINARY B_BINARY [CASE...]
#
# Cases (default: typename q3-sqlite q3-pg idle):
#   typename    P1's `{ __typename }` (no credential, no database)
#   q3-sqlite   P2's Q3 at first: 20 on the seeded SQLite file, 200 readers' tokens
#   q3-pg       the same on the seeded PostgreSQL database (needs bench/pg.sh running)
#   idle        P6's server ΔRSS per idle subscribed socket (1,000 sockets, fresh servers)
#
# AB_ENV_A / AB_ENV_B: extra environment of each side's server (`NAME=value …`), to compare
# a setting rather than a build — e.g. one binary twice, B with
# AB_ENV_B=LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libmimalloc.so.2 (another allocator).
#
# Both servers run pinned to the server core, wrk (`-t1 -c32`, bench/lua/post.lua) and
# wsbench on the client core, the same as the suite; repetitions interleave A B, B A, …
# (AB_REPS, default 5, AB_SECS seconds each, default 3). Prints each run and, per case,
# the medians with min–max and the median of the per-repetition ratios B ÷ A.
#
# Needs the suite's seeded data and request files: run `bench/run.sh --quick` once first
# (or SB_ONLY=P2 bench/run.sh --quick). Every load targets 127.0.0.1 and is bounded.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd)"
A="$(realpath "$1")"
B="$(realpath "$2")"
shift 2
CASES=("$@")
[ ${#CASES[@]} -gt 0 ] || CASES=(typename q3-sqlite q3-pg idle)
REPS="${AB_REPS:-5}"
SECS="${AB_SECS:-3}"
CLIENT_CPU="${SB_CLIENT_CPU:-0}"
SERVER_CPU="${SB_SERVER_CPU:-1}"
WORK="$ROOT/bench/.work"
OUT="$WORK/ab"
mkdir -p "$OUT"
PORT_A=18091
PORT_B=18092
PORT_WS=18093
SQLITE_URL="sqlite://$WORK/sqlite/bench.db"
PG_URL="${AB_PG_URL:-$(jq -r .database_url "$WORK/pg.json" 2>/dev/null || true)}"
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

PIDS=()
stop_all() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  PIDS=()
}
trap stop_all EXIT

# start BINARY PORT DATABASE_URL [ENV=VALUE...]: serve, wait for the first 200 (≤ 30 s).
start() {
  local bin="$1" port="$2" db="$3"
  shift 3
  env DATABASE_URL="$db" SWITCHBOARD_ADDR="127.0.0.1:$port" "$@" \
    taskset -c "$SERVER_CPU" "$bin" serve >"$OUT/server-$port.log" 2>&1 &
  PIDS+=($!)
  LAST_PID=$!
  for _ in $(seq 1 600); do
    if curl -sf -o /dev/null -H 'content-type: application/json' \
      -d '{"query":"{ __typename }"}' "http://127.0.0.1:$port/graphql"; then
      return 0
    fi
    sleep 0.05
  done
  echo "server on $port did not start: $(tail -5 "$OUT/server-$port.log")" >&2
  return 1
}

# wrk_run LABEL URL [requests-file|body-file]: one bounded run, prints `LABEL rps p99_ms errors`.
wrk_run() {
  local label="$1" url="$2" file="$3" secs="$4"
  local requests="" body=""
  case "$file" in *.tsv) requests="$file" ;; *) body="$file" ;; esac
  WRK_REQUESTS="$requests" WRK_BODY="$body" WRK_METHOD=POST \
    timeout $((secs + 30)) taskset -c "$CLIENT_CPU" wrk -t1 -c32 -d"${secs}s" --timeout 5s \
    -s "$ROOT/bench/lua/post.lua" "$url" |
    sed -n 's/^WRKJSON //p' |
    jq -r --arg l "$label" '"\($l) \(.requests / (.duration_us / 1e6)) \(.latency_us.p99 / 1000) \(.errors.status + .errors.connect + .errors.read + .errors.write + .errors.timeout)"'
}

# http_case NAME FILE DB: A and B up at once, interleaved wrk runs.
http_case() {
  local name="$1" file="$2" db="$3"
  shift 3
  start "$A" "$PORT_A" "$db" ${ENV_A[@]+"${ENV_A[@]}"}
  start "$B" "$PORT_B" "$db" ${ENV_B[@]+"${ENV_B[@]}"}
  wrk_run warm "http://127.0.0.1:$PORT_A/graphql" "$file" 1 >/dev/null
  wrk_run warm "http://127.0.0.1:$PORT_B/graphql" "$file" 1 >/dev/null
  : >"$OUT/$name.txt"
  for rep in $(seq 1 "$REPS"); do
    if [ $((rep % 2)) -eq 1 ]; then order="A B"; else order="B A"; fi
    for side in $order; do
      port=$PORT_A
      [ "$side" = "B" ] && port=$PORT_B
      wrk_run "$side" "http://127.0.0.1:$port/graphql" "$file" "$SECS" | tee -a "$OUT/$name.txt" >&2
    done
  done
  stop_all
  summarise "$name" "req/s" "$OUT/$name.txt"
}

# idle_case: P6's measurement (1,000 idle subscribed sockets) on a fresh A and a fresh B,
# interleaved over AB_IDLE_REPS (default 3) repetitions.
idle_case() {
  : >"$OUT/idle.txt"
  for rep in $(seq 1 "${AB_IDLE_REPS:-3}"); do
    if [ $((rep % 2)) -eq 1 ]; then order="A B"; else order="B A"; fi
    for side in $order; do
      if [ "$side" = "A" ]; then
        start "$A" "$PORT_WS" "$SQLITE_URL" ${ENV_A[@]+"${ENV_A[@]}"}
      else
        start "$B" "$PORT_WS" "$SQLITE_URL" ${ENV_B[@]+"${ENV_B[@]}"}
      fi
      timeout 200 taskset -c "$CLIENT_CPU" "$ROOT/target/release/wsbench" \
        --server "http://127.0.0.1:$PORT_WS" --manifest "$WORK/sqlite.json" \
        --subscribers 1000 --events 1 --rate 1 --server-pid "$LAST_PID" \
        --label "ab-idle-$side-$rep" --out "$OUT/idle-$side-$rep.json" >/dev/null
      stop_all
      jq -r --arg s "$side" '"\($s) \(.idle_bytes_per_socket / 1024) 0 0"' "$OUT/idle-$side-$rep.json" |
        tee -a "$OUT/idle.txt" >&2
    done
  done
  summarise idle "KiB per idle subscribed socket" "$OUT/idle.txt"
}

# summarise NAME UNIT FILE: medians (min–max) of A and B, the p99 medians, and the median
# of the per-repetition ratios B ÷ A (runs are paired in the order they were made).
summarise() {
  python3 - "$1" "$2" "$3" <<'PY'
import sys, statistics as st
name, unit, path = sys.argv[1:4]
rows = [l.split() for l in open(path) if l.strip()]
a = [float(r[1]) for r in rows if r[0] == "A"]
b = [float(r[1]) for r in rows if r[0] == "B"]
pa = [float(r[2]) for r in rows if r[0] == "A"]
pb = [float(r[2]) for r in rows if r[0] == "B"]
err = sum(int(float(r[3])) for r in rows)
ratios = [y / x for x, y in zip(a, b) if x > 0]
f = lambda v: f"{st.median(v):.4g} ({min(v):.4g}–{max(v):.4g})"
print(f"{name}: A {f(a)} {unit}, B {f(b)} {unit}; B ÷ A = {f(ratios)}; "
      f"p99 A {st.median(pa):.4g} ms, B {st.median(pb):.4g} ms; errors {err}; n = {len(ratios)}")
PY
}

ENV_A=()
ENV_B=()
read -r -a ENV_A <<<"${AB_ENV_A:-}"
read -r -a ENV_B <<<"${AB_ENV_B:-}"
echo "A: $A ${AB_ENV_A:-}" >&2
echo "B: $B ${AB_ENV_B:-}" >&2
for c in "${CASES[@]}"; do
  case "$c" in
    typename) http_case typename "$WORK/bodies/p1-typename.json" "$SQLITE_URL" ;;
    q3-sqlite) http_case q3-sqlite "$WORK/bodies/q3-20.tsv" "$SQLITE_URL" ;;
    q3-pg)
      [ -n "$PG_URL" ] || { echo "q3-pg: no seeded PostgreSQL (bench/.work/pg.json)" >&2; continue; }
      http_case q3-pg "$WORK/bodies/q3-20.tsv" "$PG_URL" ;;
    idle) idle_case ;;
    *) echo "unknown case: $c" >&2; exit 2 ;;
  esac
done
