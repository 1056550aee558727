#!/usr/bin/env bash
# Refresh the catalogues after adding or changing user-facing strings:
# extract them, merge into zh_Hans_CN and en, and list what needs a translation.
set -euo pipefail
cd "$(dirname "$0")/.."
PYBABEL="${PYBABEL:-.venv/bin/pybabel}"
"$PYBABEL" extract -F babel.cfg -k _l -k lazy_gettext -k pgettext:1c,2 -k lazy_pgettext:1c,2 -k npgettext:1c,2,3 -k stored \
    -o translations/messages.pot --project Ordo --no-location --sort-output . >/dev/null 2>&1
"$PYBABEL" update -i translations/messages.pot -d translations --no-fuzzy-matching >/dev/null 2>&1
"$(dirname "$PYBABEL")/python" - <<'PY'
from babel.messages.pofile import read_po
with open("translations/zh_Hans_CN/LC_MESSAGES/messages.po", "rb") as handle:
    catalog = read_po(handle)
todo = [m.id for m in catalog if m.id and (not m.string or m.fuzzy or (isinstance(m.string, tuple) and not all(m.string)))]
print(f"{len(todo)} message(s) need a Chinese translation" + (":" if todo else "."))
for message in todo:
    print("  ", message)
PY
