#!/usr/bin/env bash
# Installs what building and testing need on a fresh Debian machine: the Wasm target,
# cargo-nextest, Chromium for the browser tests, HAProxy and Python venv. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

rustup target add wasm32-wasip2 >/dev/null
# Every crate of the lock file, for every platform: host/build.rs reads spin-sdk's WIT
# through `cargo metadata --offline`, which needs them all in the local registry.
cargo fetch --locked

if ! command -v cargo-nextest >/dev/null 2>&1; then
  cargo install --locked cargo-nextest
fi

apt_get() { if [ "$(id -u)" = 0 ]; then apt-get "$@"; else sudo apt-get "$@"; fi; }
missing=()
# Chromium for the browser tests, and venv for the Python checks
# (Schemathesis, the deployment schemas).
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
# HAProxy, the balancer of the scaled-out topology (make run-scaled, e2e/tests/scaled.rs).
command -v haproxy >/dev/null 2>&1 || missing+=(haproxy)
python3 -m venv --help >/dev/null 2>&1 || missing+=(python3-venv)
if [ ${#missing[@]} -gt 0 ]; then
  apt_get update -qq
  DEBIAN_FRONTEND=noninteractive apt_get install -y -qq "${missing[@]}" >/dev/null
fi
