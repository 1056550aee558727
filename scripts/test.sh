#!/usr/bin/env bash
# The README's second command: the whole test suite. It runs on SQLite; set
# ORDO_TEST_DATABASE_URL=postgresql://... to run the same suite on PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
exec .venv/bin/python -m pytest "$@"
