#!/usr/bin/env bash
# Install everything Ordo needs on a Debian machine, idempotently:
# system packages (WeasyPrint's libraries, HarfBuzz subsetting, a CJK font,
# poppler for the PDF tests, Chromium for the browser tests, pg_dump and
# pg_restore for `ordo backup` on PostgreSQL), a virtual
# environment in .venv with the pinned Python dependencies, and the compiled
# translations.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(python3 python3-venv libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0
          fonts-noto-cjk fontconfig poppler-utils chromium postgresql-client)
missing=()
for package in "${PACKAGES[@]}"; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "Installing ${missing[*]} needs root; run this script as root (or with sudo)." >&2
        exit 1
    fi
    echo "Installing system packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
stamp=.venv/.ordo-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] || [ constraints.txt -nt "$stamp" ]; then
    .venv/bin/python -m pip install --quiet --upgrade pip
    .venv/bin/python -m pip install --quiet -c constraints.txt -e ".[test]"
    touch "$stamp"
fi
# The compiled catalogues (.mo) are build output: made here, never committed.
if [ -d translations ]; then
    .venv/bin/pybabel compile --statistics -d translations 2>&1 | grep -v "^compiling" || true
    ls translations/*/LC_MESSAGES/messages.mo >/dev/null
fi
