#!/usr/bin/env bash
# The README's first command: install everything, create the SQLite database,
# load the demo company and serve the portal on http://127.0.0.1:5000, with
# `ordo worker` beside gunicorn sending the outbox and running the periodic jobs,
# and `ordo mailsink` catching the emails it sends: each is kept as a .eml file
# in instance/mail/, and none leaves this machine.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
export ORDO_INSTANCE_PATH="${ORDO_INSTANCE_PATH:-$PWD/instance}"
# The outbox sends to the mail sink below, whatever the environment says.
export ORDO_SMTP_HOST=127.0.0.1 ORDO_SMTP_PORT="${MAIL_PORT:-8025}" ORDO_SMTP_USER= ORDO_SMTP_STARTTLS=
.venv/bin/ordo db upgrade
if ! .venv/bin/ordo plugins list | grep -q "DEMO="; then
    .venv/bin/ordo demo
else
    echo "The demo company is already loaded; sign in as admin / ordo-admin (see README)."
fi
echo "Serving Ordo on http://127.0.0.1:${PORT:-5000} with the worker and the mail sink beside it  (Ctrl-C stops them all)"
echo "The emails it sends are kept in $ORDO_INSTANCE_PATH/mail/ (one .eml file each)"
.venv/bin/ordo mailsink &
sink=$!
.venv/bin/ordo worker &
worker=$!
# gunicorn.conf.py: 2 gthread workers x 4 threads, the request-line limit and the bounds on each
# worker's memory (docs/deploying.md, section 3).
.venv/bin/gunicorn --config gunicorn.conf.py --bind "127.0.0.1:${PORT:-5000}" "core.app:create_app()" &
web=$!
# Whichever way this script ends, the worker and the mail sink stop with gunicorn (the worker
# finishes a running job first).
trap 'kill -TERM "$web" 2>/dev/null || true' INT TERM
trap 'kill -TERM "$web" "$worker" 2>/dev/null || true; wait "$worker" 2>/dev/null || true
      kill -TERM "$sink" 2>/dev/null || true; wait "$sink" 2>/dev/null || true' EXIT
wait "$web"
