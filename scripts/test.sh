#!/usr/bin/env bash
# The README's second command: the whole test suite. It runs on SQLite; set
# ORDO_TEST_DATABASE_URL=postgresql://... to run the same suite on PostgreSQL (each
# worker on a database of its own beside it, <name>_gw0, <name>_gw1...).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
# Both cores by default (pytest-xdist). worksteal: each worker starts on its half of the tests,
# in file order, and takes tests from the other when it runs out, so one long file (the
# crawls) does not leave a core idle; ORDO_TEST_WORKERS=0 runs in one process, for a debugger.
exec .venv/bin/python -m pytest -n "${ORDO_TEST_WORKERS:-auto}" --dist worksteal "$@"
