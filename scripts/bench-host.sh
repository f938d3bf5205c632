#!/usr/bin/env bash
# Benchmarks the local Spin host (host/, `spin-host`) against `wasmtime serve` on the same
# hello-world component (host/test-components/hello), in the same run, with the same load.
# Not part of the test run. Usage: scripts/bench-host.sh   (or `make bench-host`)
#
# Prints a table (req/s, p50, p99, server CPU per request, host/wasmtime ratio) and writes
# the raw results to bench/results/host-<UTC date>.json. Then estimates the cost of one
# fresh instance in the host: the same host, one connection, a routed path (fresh instance
# + call) against an unrouted path (404 from the host, no instance); the difference in
# server CPU time and in latency per request is what an instance costs.
#
# Knobs (environment):
#   BENCH_DURATION=10s   BENCH_WARMUP=3s   load and warm-up per measurement
#   BENCH_CONNECTIONS=16 BENCH_THREADS=2   the concurrent scenario (plus always 1 connection)
#   BENCH_ROUNDS=1       repeat each measurement; the table shows the median round by req/s
#   BENCH_SKIP_HOST_BUILD=1  use target/release/spin-host as it is (no `cargo build`)
#   BENCH_WASMTIME_ARGS="-O pooling-memory-keep-resident=1048576"  extra `wasmtime serve`
#                        flags, to see what an engine setting would change (the host's
#                        own settings are Spin's, in host/src/engine.rs)
#
# Only 127.0.0.1 is ever loaded; every load run is bounded in time; both servers are
# stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

DURATION=${BENCH_DURATION:-10s}
WARMUP=${BENCH_WARMUP:-3s}
CONNECTIONS=${BENCH_CONNECTIONS:-16}
THREADS=${BENCH_THREADS:-2}
ROUNDS=${BENCH_ROUNDS:-1}
TOOLS=$ROOT/target/tools
WASMTIME=$TOOLS/bin/wasmtime
WASMTIME_VERSION='~48'
HOST_BIN=$ROOT/target/release/spin-host
HELLO_WASM=$ROOT/target/wasm32-wasip2/release/hello.wasm
HELLO_MANIFEST=host/test-components/hello.toml

log() { echo "bench-host: $*" >&2; }

# --- Tools --------------------------------------------------------------------------------
# The load generator is wrk (Debian's package), not oha: it installs in seconds instead of a
# long cargo build, and it is a small C event loop that takes less of the 2 CPU cores it
# shares with the servers under test (oha's tokio runtime and TUI cost more CPU per request,
# which on this machine would be taken from the servers). Its Lua `done` hook gives us
# percentiles to write as JSON.
if ! command -v wrk >/dev/null 2>&1; then
  log "installing wrk (apt-get)"
  apt_get() { if [ "$(id -u)" = 0 ]; then apt-get "$@"; else sudo apt-get "$@"; fi; }
  apt_get update -qq
  DEBIAN_FRONTEND=noninteractive apt_get install -y -qq wrk >/dev/null
fi

# wasmtime-cli pinned to the same major version as the host's wasmtime crates, installed
# into the project's own target/tools so the machine's PATH is left alone. The first build
# takes a long time (it is a large crate); later runs reuse it.
if ! "$WASMTIME" --version 2>/dev/null | grep -q '^wasmtime 48\.'; then
  log "installing wasmtime-cli $WASMTIME_VERSION into $TOOLS (a long build, once)"
  nice cargo install --locked wasmtime-cli --version "$WASMTIME_VERSION" --root "$TOOLS"
fi

# --- Build --------------------------------------------------------------------------------
rustup target add wasm32-wasip2 >/dev/null 2>&1 || true
# The host's build script reads `cargo metadata --offline`: every crate must be here.
cargo fetch --locked
log "building the hello component"
cargo build --target wasm32-wasip2 --release -p hello
if [ "${BENCH_SKIP_HOST_BUILD:-}" != 1 ]; then
  log "building the host"
  cargo build --release -p spin-host
fi
[ -x "$HOST_BIN" ] || { log "$HOST_BIN is missing"; exit 1; }

# --- Servers ------------------------------------------------------------------------------
WORK=$(mktemp -d)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${PIDS[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# wait_for_url LOGFILE SED-EXPRESSION: waits for a server to print its address (each is
# started on port 0, so the kernel picks a free port) and echoes the base URL.
wait_for_url() {
  local logfile=$1 expr=$2 pid=$3 url=""
  for _ in $(seq 1 600); do
    url=$(sed -n "$expr" "$logfile" | head -n1)
    [ -n "$url" ] && break
    kill -0 "$pid" 2>/dev/null || { log "server exited:"; cat "$logfile" >&2; return 1; }
    sleep 0.2
  done
  case "$url" in
    http://127.0.0.1:[0-9]*) echo "${url%/}" ;;
    *) log "no 127.0.0.1 address in $logfile"; cat "$logfile" >&2; return 1 ;;
  esac
}

start_host() { # MANIFEST NAME -> sets URL and PID
  "$HOST_BIN" up -f "$1" --listen 127.0.0.1:0 >"$WORK/$2.log" 2>&1 &
  PID=$!
  PIDS+=("$PID")
  URL=$(wait_for_url "$WORK/$2.log" 's|^Serving \(http://[0-9.:]*\).*|\1|p' "$PID")
}

log "starting spin-host on $HELLO_MANIFEST"
start_host "$HELLO_MANIFEST" host
HOST_URL=$URL HOST_PID=$PID

# `-S cli`: the component imports wasi:cli (environment, exit, stdio) as well as wasi:http;
# `wasmtime serve` offers only the wasi:http proxy world without it. Fresh instance per
# request, like the host (the default for WASIp2 components; said explicitly here).
log "starting wasmtime serve"
# shellcheck disable=SC2086 # BENCH_WASMTIME_ARGS is a list of flags
"$WASMTIME" serve -S cli --max-instance-reuse-count 1 ${BENCH_WASMTIME_ARGS:-} --addr 127.0.0.1:0 "$HELLO_WASM" \
  >"$WORK/wasmtime.log" 2>&1 &
WASMTIME_PID=$!
PIDS+=("$WASMTIME_PID")
WASMTIME_URL=$(wait_for_url "$WORK/wasmtime.log" 's|^Serving HTTP on \(http://[0-9.:]*\).*|\1|p' "$WASMTIME_PID")

for url in "$HOST_URL/" "$WASMTIME_URL/"; do
  body=$(curl -sS --max-time 10 "$url")
  [ "$body" = hello ] || { log "$url answered ${body@Q}, not \"hello\""; exit 1; }
done
log "spin-host at $HOST_URL (pid $HOST_PID), wasmtime serve at $WASMTIME_URL (pid $WASMTIME_PID)"

# --- Load ---------------------------------------------------------------------------------
cat >"$WORK/report.lua" <<'EOF'
done = function(summary, latency, requests)
  local e = summary.errors
  local secs = summary.duration / 1e6
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_s":%.3f,"rps":%.1f,' ..
    '"latency_us":{"mean":%.1f,"stdev":%.1f,"p50":%d,"p90":%d,"p99":%d,"p99.9":%d,"max":%d},' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}}\n',
    summary.requests, secs, summary.requests / secs,
    latency.mean, latency.stdev, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency:percentile(99.9), latency.max,
    e.connect, e.read, e.write, e.status, e.timeout))
end
EOF

# "CPU-microseconds minor-page-faults" a process (all its threads) has used so far.
proc_usage() {
  local stat
  stat=$(cat "/proc/$1/stat")
  stat=${stat##*) }
  # After "pid (comm) ": minflt is field 8, utime and stime are fields 12 and 13.
  awk -v tck="$(getconf CLK_TCK)" '{ printf "%d %d", ($12 + $13) * 1e6 / tck, $8 }' <<<"$stat"
}

RUNS="$WORK/runs.jsonl" # one JSON object a measurement
ROWS="$WORK/rows.txt"   # scenario server rps p50 p99 cpu_us_per_req faults_per_req errors
: >"$RUNS"
: >"$ROWS"

# measure NAME SCENARIO URL PID THREADS CONNECTIONS ROUND
measure() {
  local name=$1 scenario=$2 url=$3 pid=$4 threads=$5 conns=$6 round=$7 out cpu0 cpu1 flt0 flt1 json
  case "$url" in http://127.0.0.1:*) ;; *) log "refusing to load $url"; exit 1 ;; esac
  timeout 120 wrk -t"$threads" -c"$conns" -d"$WARMUP" "$url" >/dev/null
  read -r cpu0 flt0 <<<"$(proc_usage "$pid")"
  out=$(timeout 300 wrk -t"$threads" -c"$conns" -d"$DURATION" --timeout 5s -s "$WORK/report.lua" "$url")
  read -r cpu1 flt1 <<<"$(proc_usage "$pid")"
  json=$(sed -n 's/^BENCH_JSON //p' <<<"$out")
  [ -n "$json" ] || { log "wrk printed no result:"; echo "$out" >&2; exit 1; }
  local requests rps p50 p99 errors cpu_per_req faults_per_req
  requests=$(grep -o '"requests":[0-9]*' <<<"$json" | cut -d: -f2)
  rps=$(grep -o '"rps":[0-9.]*' <<<"$json" | cut -d: -f2)
  p50=$(grep -o '"p50":[0-9]*' <<<"$json" | cut -d: -f2)
  p99=$(grep -o '"p99":[0-9]*' <<<"$json" | cut -d: -f2)
  errors=$(grep -o '"errors":{[^}]*}' <<<"$json" | grep -o '[0-9]\+' | awk '{ s += $1 } END { print s + 0 }')
  cpu_per_req=$(awk -v c="$((cpu1 - cpu0))" -v n="$requests" 'BEGIN { printf "%.1f", n ? c / n : 0 }')
  faults_per_req=$(awk -v c="$((flt1 - flt0))" -v n="$requests" 'BEGIN { printf "%.2f", n ? c / n : 0 }')
  printf '{"server":"%s","scenario":"%s","url":"%s","threads":%d,"connections":%d,"round":%d,"server_cpu_us_per_request":%s,"server_page_faults_per_request":%s,%s\n' \
    "$name" "$scenario" "$url" "$threads" "$conns" "$round" "$cpu_per_req" "$faults_per_req" "${json#\{}" >>"$RUNS"
  echo "$scenario $name $rps $p50 $p99 $cpu_per_req $faults_per_req $errors" >>"$ROWS"
  log "$(printf '%-8s %-16s round %d: %7.0f req/s  p50 %6d us  p99 %6d us  cpu %6.1f us/req  %5.2f faults/req  errors %d' \
    "$scenario" "$name" "$round" "$rps" "$p50" "$p99" "$cpu_per_req" "$faults_per_req" "$errors")"
}

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
log "load average before: $LOAD_BEFORE; each measurement: $WARMUP warm-up, then $DURATION"
for round in $(seq 1 "$ROUNDS"); do
  # Alternate which server goes first, so a change in machine load hits both alike.
  if [ $((round % 2)) = 1 ]; then order="host wasmtime"; else order="wasmtime host"; fi
  for scenario in "c$CONNECTIONS" c1; do
    if [ "$scenario" = c1 ]; then t=1 c=1; else t=$THREADS c=$CONNECTIONS; fi
    for server in $order; do
      if [ "$server" = host ]; then
        measure spin-host "$scenario" "$HOST_URL/" "$HOST_PID" "$t" "$c" "$round"
      else
        measure wasmtime-serve "$scenario" "$WASMTIME_URL/" "$WASMTIME_PID" "$t" "$c" "$round"
      fi
    done
  done
done

# --- Per-instance cost ----------------------------------------------------------------------
# The same host serving hello only under /bench/..., so that /nothing is a 404 answered by
# the host without creating an instance. Both paths go through the same listener, hyper
# and router; only the routed one creates a store, instantiates from the pooling allocator,
# calls the guest's handler and streams its body.
log "per-instance cost: routed vs unrouted path, 1 connection"
cat >"$WORK/hello-404.toml" <<EOF
spin_manifest_version = 2
[application]
name = "hello-404"
[[trigger.http]]
route = "/bench/..."
component = "hello"
[component.hello]
source = "$HELLO_WASM"
EOF
start_host "$WORK/hello-404.toml" host-404
for round in $(seq 1 "$ROUNDS"); do
  measure spin-host-routed instance "$URL/bench/" "$PID" 1 1 "$round"
  measure spin-host-404 instance "$URL/nothing" "$PID" 1 1 "$round"
done
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

# --- Report ---------------------------------------------------------------------------------
# The median round (by req/s) of each scenario and server.
median() { # SCENARIO SERVER -> "rps p50 p99 cpu faults errors"
  awk -v s="$1" -v n="$2" '$1 == s && $2 == n { print $3, $4, $5, $6, $7, $8 }' "$ROWS" |
    sort -n | awk '{ row[NR] = $0 } END { print row[int((NR + 1) / 2)] }'
}

echo
echo "spin-host vs wasmtime serve: hello component, fresh instance per request"
echo "wrk, $DURATION per measurement after $WARMUP warm-up, $ROUNDS round(s); $(nproc) CPUs; load average $LOAD_BEFORE before, $LOAD_AFTER after"
printf '%-8s %-15s %9s %8s %8s %11s %11s %7s %10s\n' scenario server "req/s" "p50 us" "p99 us" "cpu us/req" "faults/req" errors "host/wasm"
for scenario in "c$CONNECTIONS" c1; do
  read -r h_rps h_p50 h_p99 h_cpu h_flt h_err <<<"$(median "$scenario" spin-host)"
  read -r w_rps w_p50 w_p99 w_cpu w_flt w_err <<<"$(median "$scenario" wasmtime-serve)"
  ratio=$(awk -v a="$h_rps" -v b="$w_rps" 'BEGIN { printf "%.0f%%", b ? 100 * a / b : 0 }')
  printf '%-8s %-15s %9.0f %8d %8d %11.1f %11.2f %7d %10s\n' "$scenario" spin-host "$h_rps" "$h_p50" "$h_p99" "$h_cpu" "$h_flt" "$h_err" "$ratio"
  printf '%-8s %-15s %9.0f %8d %8d %11.1f %11.2f %7d\n' "$scenario" wasmtime-serve "$w_rps" "$w_p50" "$w_p99" "$w_cpu" "$w_flt" "$w_err"
done
read -r r_rps r_p50 r_p99 r_cpu r_flt _ <<<"$(median instance spin-host-routed)"
read -r n_rps n_p50 n_p99 n_cpu n_flt _ <<<"$(median instance spin-host-404)"
inst_cpu=$(awk -v a="$r_cpu" -v b="$n_cpu" 'BEGIN { printf "%.1f", a - b }')
inst_lat=$(awk -v a="$r_p50" -v b="$n_p50" 'BEGIN { printf "%d", a - b }')
inst_flt=$(awk -v a="$r_flt" -v b="$n_flt" 'BEGIN { printf "%.2f", a - b }')
echo
printf 'c1 routed (instance): %.0f req/s, p50 %d us, %.1f us CPU/req;  c1 404 (no instance): %.0f req/s, p50 %d us, %.1f us CPU/req\n' \
  "$r_rps" "$r_p50" "$r_cpu" "$n_rps" "$n_p50" "$n_cpu"
echo "fresh instance per request (store + instantiate + call + response body), spin-host: ~${inst_cpu} us server CPU, ~${inst_lat} us p50 latency, ${inst_flt} page faults (target < 100 us)"

mkdir -p bench/results
RESULT=bench/results/host-$(date -u +%Y%m%dT%H%M%SZ).json
{
  printf '{\n  "date": "%s",\n  "commit": "%s",\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  printf '  "machine": {"cpus": %d, "loadavg_before": "%s", "loadavg_after": "%s"},\n' "$(nproc)" "$LOAD_BEFORE" "$LOAD_AFTER"
  printf '  "tools": {"wrk": "%s", "wasmtime": "%s", "wasmtime_serve_extra_args": "%s"},\n' "$(wrk -v 2>&1 | head -n1 | cut -d' ' -f2)" "$("$WASMTIME" --version | cut -d' ' -f2)" "${BENCH_WASMTIME_ARGS:-}"
  printf '  "load": {"duration": "%s", "warmup": "%s", "threads": %d, "connections": [%d, 1], "rounds": %d},\n' "$DURATION" "$WARMUP" "$THREADS" "$CONNECTIONS" "$ROUNDS"
  printf '  "per_instance_estimate": {"server_cpu_us": %s, "p50_latency_us": %s, "page_faults": %s},\n' "$inst_cpu" "$inst_lat" "$inst_flt"
  printf '  "runs": [\n'
  sed -e 's/^/    /' -e '$!s/$/,/' "$RUNS"
  printf '  ]\n}\n'
} >"$RESULT"
log "raw results: $RESULT"
