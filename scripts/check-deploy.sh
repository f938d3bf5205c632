#!/usr/bin/env bash
# Validates the deployment files (docker-compose.yml, deploy/) without a Docker engine or
# a cluster: the Compose specification schema, the Kubernetes schemas, the SpinApp CRD
# schema in deploy/spinkube/schema/, and the cross-checks in deploy/checks/. Its Python
# packages go into a venv under target/. Exits non-zero on any failure; the last line is
# "N passed, N failed".
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/target/deploy-venv"
requirements="$root/deploy/checks/requirements.txt"
stamp="$venv/.requirements"

if [[ ! -x "$venv/bin/python" ]] || ! cmp -s "$requirements" "$stamp"; then
    echo "check-deploy: installing $(grep -c '^[A-Za-z]' "$requirements") Python packages into target/deploy-venv"
    if ! { python3 -m venv "$venv" &&
        "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"; }; then
        echo "check-deploy: could not install the Python packages" >&2
        echo "0 passed, 1 failed"
        exit 1
    fi
    cp "$requirements" "$stamp"
fi

cd "$root" && exec "$venv/bin/python" deploy/checks/check_deploy.py
