#!/usr/bin/env bash
# Lints the repository's Python (ruff.toml says which rules) with a pinned ruff, installed
# into target/lint-venv on the first run.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=target/lint-venv
ruff_version=0.17.6
if [[ "$("$venv/bin/ruff" --version 2>/dev/null)" != "ruff $ruff_version" ]]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "ruff==$ruff_version"
fi
"$venv/bin/ruff" check .
