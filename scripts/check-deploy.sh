#!/usr/bin/env bash
# Validates the deployment files (docker-compose.yml, deploy/) without a Docker engine or
# a cluster: the Compose specification schema, the Kubernetes schemas, the SpinApp CRD
# schema in deploy/spinkube/schema/, and the cross-checks in deploy/checks/. Its Python
# packages go into a venv under target/. Exits non-zero on any failure; the last line is
# "N passed, N failed".
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/target/deploy-venv"
if ! "$root/scripts/python-venv.sh" "$venv" "$root/deploy/checks/requirements.txt"; then
    echo "check-deploy: could not install the Python packages" >&2
    echo "0 passed, 1 failed"
    exit 1
fi

cd "$root" && exec "$venv/bin/python" deploy/checks/check_deploy.py
