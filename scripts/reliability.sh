#!/usr/bin/env bash
# The reliability suite (issue 9): the real app on spin-host with real PostgreSQL and Redis
# under load and faults — 200 orders racing for 50 units, PostgreSQL restarted, Redis
# stopped, the inventory unreachable, the host killed with SIGKILL, hostile input at every
# endpoint. Each scenario prints what it tried and what was lost (expected: nothing).
#
# Not part of `make test`: it restarts PostgreSQL and stops Redis, which breaks any other
# test running on the machine at the time. Needs root (pg_ctlcluster, redis-server).
# Usage: scripts/reliability.sh [nextest filter]   (or `make reliability`)
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${RELIABILITY_SKIP_BUILD:-}" ]; then
  # The host's build script reads `cargo metadata --offline`: every crate must be here.
  cargo fetch --locked
  cargo build --release -p spin-host -p migrate
  rustup target add wasm32-wasip2 >/dev/null 2>&1 || true
  cargo build --target wasm32-wasip2 --release -p users -p inventory -p orders -p static-files
fi
command -v cargo-nextest >/dev/null || cargo install --locked cargo-nextest

# One scenario at a time: they restart the servers the others use.
exec cargo nextest run --release -p e2e --test reliability --run-ignored only --no-capture \
  --test-threads 1 --no-fail-fast "$@"
