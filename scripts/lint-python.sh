#!/usr/bin/env bash
# Lints the repository's Python (ruff.toml says which rules) with the ruff that
# scripts/lint-requirements.txt pins, installed into target/lint-venv.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/python-venv.sh target/lint-venv scripts/lint-requirements.txt
target/lint-venv/bin/ruff check .
