#!/usr/bin/env bash
# Install everything Ordo needs on a Debian machine, idempotently:
# system packages (WeasyPrint's libraries, HarfBuzz subsetting, a CJK font,
# poppler for the PDF tests, Chromium for the browser tests, pg_dump and
# pg_restore for `ordo backup` on PostgreSQL, npm for the front-end libraries), a virtual
# environment in .venv with the pinned Python dependencies, the front-end
# libraries (htmx, ECharts) from package-lock.json copied into static/vendor/,
# and the compiled translations.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(python3 python3-venv libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0
          fonts-noto-cjk fontconfig poppler-utils chromium postgresql-client)
missing=()
for package in "${PACKAGES[@]}"; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
# npm may come with a nodejs package of its own (NodeSource's does); Debian's is the package npm.
command -v npm >/dev/null 2>&1 || missing+=(npm)
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
# The front-end libraries: pinned by package-lock.json, installed when node_modules is
# missing or older than the lock, and served by the app from static/vendor/ (not
# committed; nothing is fetched from a CDN at run time).
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    npm ci --omit=dev --no-audit --no-fund --loglevel=error
fi
mkdir -p static/vendor
cp node_modules/htmx.org/dist/htmx.min.js node_modules/echarts/dist/echarts.min.js static/vendor/

# The compiled catalogues (.mo) are build output: made here, never committed.
if [ -d translations ]; then
    .venv/bin/pybabel compile --statistics -d translations 2>&1 | grep -v "^compiling" || true
    ls translations/*/LC_MESSAGES/messages.mo >/dev/null
fi
