#!/usr/bin/env bash
# Makes DIR a Python venv holding exactly what REQUIREMENTS pins, for the scripts that run
# PyPI tools (the deployment checks, the API fuzzing, the Python lint). Installs only when
# the venv is missing or REQUIREMENTS changed since the last install (a copy in the venv
# remembers it). Usage: scripts/python-venv.sh DIR REQUIREMENTS; pip's output goes to stderr.
set -euo pipefail
venv=$1
requirements=$2
stamp="$venv/.requirements"

if [[ -x "$venv/bin/python" ]] && cmp -s "$requirements" "$stamp"; then
  exit 0
fi
echo "python-venv: installing $requirements into $venv" >&2
if ! python3 -m venv "$venv" >&2; then
  echo "python-venv: cannot create a Python venv in $venv (install python3 and python3-venv)" >&2
  exit 1
fi
if ! "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements" >&2; then
  echo "python-venv: pip could not install $requirements (is PyPI reachable?)" >&2
  exit 1
fi
cp "$requirements" "$stamp"
