#!/usr/bin/env bash
# The application benchmark (issue 9): the whole app on spin-host with real PostgreSQL and
# Redis, seeded with 10,000 users, 5,000 SKUs and 100,000 orders, loaded by wrk at 1, 16
# and 64 concurrent clients. Not part of `make test`. Usage: scripts/bench.sh (make bench)
#
# Runs twice on the same data, seeded afresh each time: `single`, the app in one host
# process, and `scaled`, the app scaled out as deploy/scaled/topology.toml says (each
# service in host processes of its own behind HAProxy, orders calling users and inventory
# through it; docs/scaling.md).
#
# Prints a table per run (req/s, p50, p99, non-2xx, the app's peak RSS and Pss, and the CPU
# time per request of the whole machine, the host processes, the balancer, PostgreSQL and
# Redis) and writes the raw results to bench/results/<UTC date>/app-<UTC time>.json and
# app-scaled-<UTC time>.json (see bench/README.md).
#
# Knobs (environment):
#   BENCH_DURATION=10s     each measured run      BENCH_WARMUP=2s   warm-up per endpoint
#   BENCH_CONCURRENCY="1 16 64"                   BENCH_SKIP_BUILD=1  use the built artefacts
#   BENCH_ONLY=regex       only the endpoints whose name matches (e.g. 'orders|static')
#   BENCH_KEEP_DB=1        keep the bench_ databases (and the Redis keys) at the end
#   BENCH_PERF=1           record each run with `perf record -a -g` into target/bench-perf/
#   BENCH_TOPOLOGIES="single scaled"             the runs, in order
#
# Only 127.0.0.1 is ever loaded; every run is bounded in time; the host and the RSS sampler
# are stopped on exit, and the bench databases dropped.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

DURATION=${BENCH_DURATION:-10s}
WARMUP=${BENCH_WARMUP:-2s}
CONCURRENCY=${BENCH_CONCURRENCY:-1 16 64}
ONLY=${BENCH_ONLY:-.}
PREFIX=bench_
NAMESPACE=bench
PG=postgres://postgres@127.0.0.1:5432
JWT_SECRET=bench-jwt-secret-0123456789abcdef0123456789
SERVICE_TOKEN=bench-service-token
HOST_BIN=$ROOT/target/release/spin-host
WORK=$ROOT/target/bench-app
STAMP_DATE=$(date -u +%Y-%m-%d)
STAMP_TIME=$(date -u +%H%M%S)
OUT_DIR=$ROOT/bench/results/$STAMP_DATE
TOPOLOGIES=${BENCH_TOPOLOGIES:-single scaled}

log() { echo "bench: $*" >&2; }

# --- Tools and build ----------------------------------------------------------------------
# wrk (Debian) rather than oha: it installs in seconds and, being a small C event loop,
# takes less of the 2 cores it shares with the app than oha's runtime would.
if ! command -v wrk >/dev/null 2>&1; then
  log "installing wrk (apt-get)"
  apt_get() { if [ "$(id -u)" = 0 ]; then apt-get "$@"; else sudo apt-get "$@"; fi; }
  apt_get update -qq
  DEBIAN_FRONTEND=noninteractive apt_get install -y -qq wrk >/dev/null
fi
if [[ " $TOPOLOGIES " == *" scaled "* ]] && ! command -v haproxy >/dev/null 2>&1; then
  log "installing haproxy (scripts/setup.sh)"
  scripts/setup.sh
fi
for tool in psql redis-cli curl python3 jq; do
  command -v "$tool" >/dev/null || { log "$tool is required"; exit 1; }
done

if [ -z "${BENCH_SKIP_BUILD:-}" ]; then
  log "building (release)"
  # The host's build script reads `cargo metadata --offline`: every crate must be here.
  cargo fetch --locked
  cargo build --release -p spin-host -p migrate
  cargo build --release -p e2e --bin scaled
  rustup target add wasm32-wasip2 >/dev/null 2>&1 || true
  cargo build --target wasm32-wasip2 --release -p users -p inventory -p orders -p webhooks -p static-files
  if [ ! -f web/dist/index.html ]; then
    npm --prefix web ci --no-audit --no-fund
    npm --prefix web run build
  fi
fi

# --- Clean-up on every exit ---------------------------------------------------------------
HOST_PID=
SAMPLER_PID=
drop_databases() {
  for service in users inventory orders; do
    psql "$PG/postgres" -qAt -c "DROP DATABASE IF EXISTS \"$PREFIX$service\" WITH (FORCE)" \
      >/dev/null 2>&1 || true
  done
}
drop_redis_keys() {
  redis-cli -h 127.0.0.1 --scan --pattern "$NAMESPACE:*" 2>/dev/null |
    xargs -r -n 500 redis-cli -h 127.0.0.1 del >/dev/null 2>&1 || true
}
cleanup() {
  [ -n "$SAMPLER_PID" ] && kill "$SAMPLER_PID" 2>/dev/null || true
  if [ -n "$HOST_PID" ]; then
    kill "$HOST_PID" 2>/dev/null || true
    wait "$HOST_PID" 2>/dev/null || true
  fi
  if [ -z "${BENCH_KEEP_DB:-}" ]; then
    drop_databases
    drop_redis_keys
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- Fresh databases, seeded --------------------------------------------------------------
rm -rf "$WORK"
mkdir -p "$WORK" "$OUT_DIR"
seed() { # service file
  local started=$SECONDS
  psql "$PG/$PREFIX$1" -q -v ON_ERROR_STOP=1 -f "scripts/bench/$2" >/dev/null
  # VACUUM as well as ANALYZE: a load leaves dead row versions and an unset visibility map,
  # which a default server's autovacuum clears within a minute. This machine's server runs
  # with autovacuum off, and without it every run would read the load's leftovers.
  psql "$PG/$PREFIX$1" -q -v ON_ERROR_STOP=1 -c "VACUUM ANALYZE" >/dev/null
  log "seeded $1 ($2) in $((SECONDS - started)) s"
}
count() { psql "$PG/$PREFIX$1" -qAt -c "SELECT count(*) FROM $2"; }
fresh_data() {
  drop_databases
  drop_redis_keys
  target/release/migrate --prefix "$PREFIX" >/dev/null
  seed users seed-users.sql
  seed inventory seed-inventory.sql
  seed orders seed-orders.sql
  log "rows: users $(count users users), items $(count inventory items)," \
    "orders $(count orders orders), reservations $(count inventory reservations)"
}

# --- The host -----------------------------------------------------------------------------
cat >"$WORK/runtime-config.toml" <<EOF
[key_value_store.default]
type = "redis"
url = "redis://127.0.0.1:6379"
EOF
APP_VARIABLES=(
  --variable "users_db_url=$PG/${PREFIX}users?sslmode=disable"
  --variable "inventory_db_url=$PG/${PREFIX}inventory?sslmode=disable"
  --variable "orders_db_url=$PG/${PREFIX}orders?sslmode=disable"
  --variable "redis_namespace=$NAMESPACE"
  --variable "jwt_secret=$JWT_SECRET"
  --variable "service_token=$SERVICE_TOKEN"
)
start_host() { # TOPOLOGY; sets HOST_PID and BASE
  # Under BENCH_PERF the host names the guests' functions for perf (SPIN_HOST_PERF_MAP).
  # `scaled` starts the launcher of e2e/src/scaled/ (its processes inherit the setting);
  # it prints `Serving` once the balancer and every replica run.
  local app=("$HOST_BIN" up -f spin.toml)
  [ "$1" = single ] || app=(target/release/scaled)
  # Created here: the background process opens it only once it runs, after the first read.
  : >"$WORK/host.log"
  SPIN_HOST_PERF_MAP=${BENCH_PERF:+1} \
    "${app[@]}" --listen 127.0.0.1:0 --runtime-config-file "$WORK/runtime-config.toml" \
    "${APP_VARIABLES[@]}" >"$WORK/host.log" 2>&1 &
  HOST_PID=$!
  BASE=
  for _ in $(seq 1 600); do
    BASE=$(sed -n 's/^Serving \(http:[^ ]*\).*/\1/p' "$WORK/host.log" | head -n1)
    [ -n "$BASE" ] && break
    kill -0 "$HOST_PID" 2>/dev/null || { cat "$WORK/host.log" >&2; log "the host exited"; exit 1; }
    sleep 0.2
  done
  [ -n "$BASE" ] || { log "the host did not start"; exit 1; }
  case "$BASE" in http://127.0.0.1:*) ;; *) log "unexpected address $BASE"; exit 1 ;; esac
}
stop_host() {
  kill "$HOST_PID" 2>/dev/null && wait "$HOST_PID" 2>/dev/null || true
  HOST_PID=
}
# A first start compiles what the compiled-component cache lacks (after a build), and the
# memory compiling took would count in every figure of that process; the measured host
# starts from the cache.
start_app() { # TOPOLOGY
  start_host "$1"
  stop_host
  start_host "$1"
  log "$1: host pid $HOST_PID serving $BASE"
  # The engine's settings, as the host printed them (report.py records and prints them).
  BENCH_ENGINE_SETTINGS=$(grep -m1 -o "Spin's engine settings.*" "$WORK/host.log" || echo unknown)
  export BENCH_ENGINE_SETTINGS
  log "$BENCH_ENGINE_SETTINGS"
}

# A field of /proc/PID/status (VmHWM, VmRSS) summed over PID and every process under it.
rss_kb() {
  local total=0 pid value
  for pid in $(tree_pids "$1"); do
    value=$(awk -v f="$2" '$1 == f":" {print $2}' "/proc/$pid/status" 2>/dev/null)
    total=$((total + ${value:-0}))
  done
  echo "$total"
}
tree_pids() { echo "$1"; local child; for child in $(pgrep -P "$1"); do tree_pids "$child"; done; }

# Everything below runs once per topology, in run_topology.
run_topology() { # TOPOLOGY
local TOPOLOGY=$1
local OUT=$OUT_DIR/app-$STAMP_TIME.json
[ "$TOPOLOGY" = single ] || OUT=$OUT_DIR/app-$TOPOLOGY-$STAMP_TIME.json
fresh_data
start_app "$TOPOLOGY"

# --- Tokens: real logins (the seeded users share the admin's password) ---------------------
login() { # email → token
  curl -sf "$BASE/users/login" -H 'Content-Type: application/json' \
    -d "{\"email\":\"$1\",\"password\":\"password123\"}" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])'
}
ADMIN_TOKEN=$(login admin@test.com)
echo "$ADMIN_TOKEN" >"$WORK/admin.tokens"
# bench1..bench65 without bench50 (every 50th seeded user is inactive): 64 users.
for n in $(seq 1 65); do
  [ "$n" = 50 ] || echo "bench$n@example.com"
done | while read -r email; do login "$email"; done >"$WORK/user.tokens"
log "logged in $(wc -l <"$WORK/user.tokens") users and the admin"

MAIN_JS=$(curl -sf "$BASE/" | grep -o '/assets/[^"]*\.js' | head -n1)
[ -n "$MAIN_JS" ] || { log "no main JS asset in index.html"; exit 1; }

# --- Load runs ----------------------------------------------------------------------------
# BENCH_PERF=1: every measured run under a system-wide `perf record`, so the host, the
# PostgreSQL backends and Redis show up in one profile (`perf report -i FILE --sort comm,dso`).
PERF_DIR=
if [ -n "${BENCH_PERF:-}" ]; then
  PERF_DIR=$ROOT/target/bench-perf
  mkdir -p "$PERF_DIR"
  log "profiling every run into $PERF_DIR"
fi
RUNS=$WORK/runs.jsonl
: >"$RUNS"
start_sampler() { # pid file: sets SAMPLER_PID; the file gets the peaks and CPU time (JSON)
  rm -f "$2"
  python3 scripts/bench/sampler.py "$1" "$2" &
  SAMPLER_PID=$!
  # The sampler writes its first sample as soon as it can be stopped; waiting for it
  # keeps a request shorter than its start-up from going unmeasured.
  local waited=0
  while [ ! -s "$2" ] && [ "$waited" -lt 50 ]; do sleep 0.05; waited=$((waited + 1)); done
  [ -s "$2" ] || echo '{"host_rss_peak_kb": 0, "host_pss_peak_kb": 0, "cpu_ms": null}' >"$2"
}
stop_sampler() {
  kill "$SAMPLER_PID" 2>/dev/null || true
  wait "$SAMPLER_PID" 2>/dev/null || true
  SAMPLER_PID=
}

# endpoint NAME MODE TOKENS PATH [HEADER]
endpoint() {
  local name=$1 mode=$2 tokens=$3 path=$4 header=${5:-}
  [[ $name =~ $ONLY ]] || return 0
  local tokfile=
  [ "$tokens" = none ] || tokfile=$WORK/$tokens.tokens
  local c threads result
  BENCH_MODE=$mode BENCH_TOKENS=$tokfile BENCH_HEADER=$header BENCH_OUT=$WORK/warmup.json \
    wrk -t 2 -c 16 -d "$WARMUP" --timeout 10s -s scripts/bench/app.lua "$BASE$path" >/dev/null
  for c in $CONCURRENCY; do
    threads=$((c < 2 ? 1 : 2))
    result=$WORK/run.json
    local profile=()
    [ -z "$PERF_DIR" ] || profile=(perf record -q -F 999 -a -g -o "$PERF_DIR/$name-c$c.data" --)
    # Every wrk run requests the same sequence of pages, so without a write in between an
    # "uncached" run would read the pages the warm-up and the previous run cached. Any write
    # to items starts a new cache generation; this one changes only its updated_at.
    [ "$mode" != uncached ] || curl -sf -o /dev/null -X PUT "$BASE/inventory/1" \
      -H "Authorization: Bearer $ADMIN_TOKEN" -H "Content-Type: application/json" \
      -d '{"name": "Bench item 1"}'
    start_sampler "$HOST_PID" "$WORK/sample.json"
    BENCH_MODE=$mode BENCH_TOKENS=$tokfile BENCH_HEADER=$header BENCH_OUT=$result \
      "${profile[@]}" \
      wrk -t "$threads" -c "$c" -d "$DURATION" --timeout 10s -s scripts/bench/app.lua \
      "$BASE$path" >"$WORK/wrk.txt"
    stop_sampler
    python3 - "$result" "$name" "$c" "$path" "$(cat "$WORK/sample.json")" \
      "$(rss_kb "$HOST_PID" VmHWM)" "$(cut -d' ' -f1 /proc/loadavg)" >>"$RUNS" <<'PY'
import json, sys
run = json.load(open(sys.argv[1]))
run.update(endpoint=sys.argv[2], clients=int(sys.argv[3]), path=sys.argv[4],
           **json.loads(sys.argv[5]), host_vmhwm_kb=int(sys.argv[6]), load1=float(sys.argv[7]))
print(json.dumps(run))
PY
    log "$(tail -n1 "$RUNS" | jq -r '"\(.endpoint) c=\(.clients): \(.rps) req/s, p50 \(.latency_ms.p50) ms, p99 \(.latency_ms.p99) ms, statuses \(.statuses | tojson)"')"
  done
}

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
log "load average before the runs: $LOAD_BEFORE"
endpoint users_me get user /users/me
endpoint inventory_list_cached get user /inventory/
endpoint inventory_list_uncached uncached user /inventory/
endpoint orders_list_user get user /orders/
endpoint orders_list_admin get admin /orders/
endpoint orders_create order user /orders/
endpoint orders_analytics_user get user /orders/analytics
endpoint orders_analytics_admin get admin /orders/analytics
endpoint static_index get none / 'Accept-Encoding: br, gzip'
endpoint static_main_js get none "$MAIN_JS" 'Accept-Encoding: br, gzip'

# --- CSV: 10,000-row imports, and exports, timed with curl ---------------------------------
CSV_RUNS=$WORK/csv.jsonl
: >"$CSV_RUNS"
python3 - "$WORK" <<'PY'
import sys
work = sys.argv[1]
with open(f"{work}/users.csv", "w") as f:
    f.write("name,email,role,is_active\n")
    for n in range(1, 10001):
        f.write(f"Imported User {n},imported{n}@example.com,user,true\n")
with open(f"{work}/inventory.csv", "w") as f:
    f.write("sku,qty,name,price\n")
    for n in range(1, 10001):
        f.write(f"IMPORT-{n:05d},{n % 1000},Imported item {n},{n % 300 + 1}.50\n")
with open(f"{work}/orders.csv", "w") as f:
    f.write("id,user_id,total,status,items_json,created_at\n")
    for n in range(1, 10001):
        price = n % 500 + 1
        items = f'[{{""sku"": ""BENCH-{n % 5000 + 1:05d}"", ""quantity"": 2, ""price"": ""{price}.99""}}]'
        f.write(f'import-{n:06d},{2 + n % 10000},{2 * price + 1.98:.2f},delivered,"{items}",'
                f"2026-01-{n % 28 + 1:02d}T10:00:00Z\n")
PY
csv_run() { # name method path [file]
  local name=$1 method=$2 path=$3 file=${4:-} peak_before out
  [[ csv_$name =~ $ONLY ]] || return 0
  start_sampler "$HOST_PID" "$WORK/sample.json"
  if [ "$method" = POST ]; then
    out=$(curl -s -o "$WORK/csv-body" -w '%{http_code} %{time_total} %{size_download}' \
      --max-time 120 -H "Authorization: Bearer $ADMIN_TOKEN" -F "file=@$file;type=text/csv" \
      "$BASE$path")
  else
    out=$(curl -s -o "$WORK/csv-body" -w '%{http_code} %{time_total} %{size_download}' \
      --max-time 120 -H "Authorization: Bearer $ADMIN_TOKEN" "$BASE$path")
  fi
  stop_sampler
  python3 - "$name" "$method" "$path" "$out" "$WORK/csv-body" "$(cat "$WORK/sample.json")" \
    "$(rss_kb "$HOST_PID" VmHWM)" "${file:+$(($(wc -l <"$file") - 1))}" >>"$CSV_RUNS" <<'PY'
import json, sys
name, method, path, out, body, sample, hwm, rows_in = sys.argv[1:9]
status, seconds, size = out.split()
text = open(body, "rb").read()
run = dict(endpoint=f"csv_{name}", method=method, path=path, status=int(status),
           seconds=float(seconds), bytes=int(size), **json.loads(sample), host_vmhwm_kb=int(hwm))
if method == "POST":
    run["rows"] = int(rows_in)
    try:
        report = json.loads(text)
        run["result"] = {k: v for k, v in report.items() if k != "temp_passwords"}
    except ValueError:
        run["result"] = text[:300].decode("utf-8", "replace")
else:
    run["rows"] = max(text.count(b"\n") - 1, 0)  # rows of a CSV without embedded newlines
print(json.dumps(run))
PY
  log "csv $name: $(tail -n1 "$CSV_RUNS")"
}
csv_run users_import POST /users/import/csv "$WORK/users.csv"
csv_run users_export GET /users/export/csv
csv_run inventory_import POST /inventory/import/csv "$WORK/inventory.csv"
csv_run inventory_export GET /inventory/export/csv
csv_run orders_import POST /orders/import/csv "$WORK/orders.csv"
csv_run orders_export GET /orders/export/csv
csv_run orders_export_10k GET "/orders/export/csv?from=2026-01-01T00:00:00Z&to=2026-01-28T23:59:59Z"

# --- Results ------------------------------------------------------------------------------
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
BENCH_TOPOLOGY=$TOPOLOGY python3 scripts/bench/report.py "$RUNS" "$CSV_RUNS" "$OUT" \
  "$LOAD_BEFORE" "$LOAD_AFTER" "$(rss_kb "$HOST_PID" VmHWM)" \
  "$(git rev-parse --short HEAD 2>/dev/null || echo unknown)" "$DURATION"
stop_host
}

for topology in $TOPOLOGIES; do
  run_topology "$topology"
done
