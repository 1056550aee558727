#!/usr/bin/env bash
# The README's first command: install everything, create the SQLite database,
# load the demo company and serve the portal on http://127.0.0.1:5000, with
# `ordo worker` beside gunicorn sending the outbox and running the periodic jobs.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
export ORDO_INSTANCE_PATH="${ORDO_INSTANCE_PATH:-$PWD/instance}"
.venv/bin/ordo db upgrade
if ! .venv/bin/ordo plugins list | grep -q "DEMO="; then
    .venv/bin/ordo demo
else
    echo "The demo company is already loaded; sign in as admin / ordo-admin (see README)."
fi
echo "Serving Ordo on http://127.0.0.1:${PORT:-5000} with the worker beside it  (Ctrl-C stops both)"
.venv/bin/ordo worker &
worker=$!
.venv/bin/gunicorn --bind "127.0.0.1:${PORT:-5000}" --workers 2 --threads 4 --worker-class gthread \
    "core.app:create_app()" &
web=$!
# Whichever way this script ends, the worker stops with gunicorn (it finishes a running job first).
trap 'kill -TERM "$web" 2>/dev/null || true' INT TERM
trap 'kill -TERM "$web" "$worker" 2>/dev/null || true; wait "$worker" 2>/dev/null || true' EXIT
wait "$web"
