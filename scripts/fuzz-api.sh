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
# Pinned: the test's command line (phases, checks) follows this version's CLI.
version=4.32.5

case "${1:-run}" in
  install)
    if ! "$venv/bin/schemathesis" --version 2>/dev/null | grep -qF "$version"; then
      if ! python3 -m venv "$venv" >&2; then
        echo "fuzz-api: cannot create a Python venv (install python3 and python3-venv)" >&2
        exit 1
      fi
      if ! "$venv/bin/pip" install --quiet --disable-pip-version-check \
        "schemathesis==$version" >&2; then
        echo "fuzz-api: pip could not install schemathesis==$version (is PyPI reachable?)" >&2
        exit 1
      fi
    fi
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
