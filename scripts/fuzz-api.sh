#!/usr/bin/env bash
# Schema-driven fuzzing of the three services with Schemathesis (a PyPI package).
#
#   scripts/fuzz-api.sh            run the fuzzing test (e2e/tests/openapi.rs): it starts
#                                  the app on spin-host with fresh databases and fuzzes
#                                  /<svc>/openapi.json of users, inventory and orders
#   scripts/fuzz-api.sh install    install Schemathesis into target/fuzz-venv (once) and
#                                  print the path of its command; what the test calls
#
# Needs python3 with the venv module (Debian: python3-venv) and PyPI. The components and
# spin-host must be built (`make build`) before `run`.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
venv="$root/target/fuzz-venv"

case "${1:-run}" in
  install)
    "$root/scripts/python-venv.sh" "$venv" "$root/scripts/fuzz-requirements.txt"
    echo "$venv/bin/schemathesis"
    ;;
  run)
    cd "$root"
    exec cargo nextest run --release -p e2e --test openapi --no-capture
    ;;
  *)
    echo "usage: $0 [run|install]" >&2
    exit 2
    ;;
esac
