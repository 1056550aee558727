#!/usr/bin/env bash
# Fuzz the JSON API with schemathesis, from the app's own OpenAPI document.
#
# The script loads the demo company into a throwaway SQLite database (`ordo db upgrade`,
# `ordo demo --no-history`) and makes a bearer token for each user (`ordo tokens create`). For each
# user (a customer, a salesperson, the administrator, side by side) it copies that
# database, so no run's side effects (a module switched off, a customer disabled)
# reach another, serves the app with gunicorn on a free port of 127.0.0.1 and runs
# schemathesis against /api/v1/openapi.json: every operation the document lists (a new
# route is fuzzed as soon as it is in the document), a bounded number of examples
# each, a fixed seed; scripts/fuzz_hooks.py adds a NUL byte, control characters and a lone
# surrogate to the strings of every query and JSON body. It fails on any 5xx, any status, content type or body the
# document does not declare, and any operation schemathesis could not generate.
#
#   ORDO_FUZZ_MAX_EXAMPLES  examples per operation and phase (default 50)
#   ORDO_FUZZ_SEED          the seed (default 6); the same seed replays the same requests
#   ORDO_FUZZ_USERS         the demo users to fuzz as (default "customer sales admin")
#   ORDO_FUZZ_PATHS         a regular expression: fuzz only the operations whose path matches (default: all)
#   ORDO_FUZZ_KEEP          set to 1 to keep the databases, logs and reports (the folder is printed)
#   ORDO_VENV               the virtualenv to use (default .venv, made by scripts/install.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd)"

if [ -z "${ORDO_VENV:-}" ]; then
    bash scripts/install.sh
fi
VENV="$(cd "${ORDO_VENV:-.venv}" && pwd)"
PY="$VENV/bin/python"
MAX_EXAMPLES="${ORDO_FUZZ_MAX_EXAMPLES:-50}"
SEED="${ORDO_FUZZ_SEED:-6}"
read -r -a USERS <<<"${ORDO_FUZZ_USERS:-customer sales admin}"
CHECKS=not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance

work="$(mktemp -d "${TMPDIR:-/tmp}/ordo-fuzz.XXXXXX")"
# Each user's run is a background job with its own server; on exit every one still running is stopped.
stop_all() {
    local pids
    pids="$(jobs -p)"
    if [ -n "$pids" ]; then
        # shellcheck disable=SC2086
        kill -TERM $pids 2>/dev/null || true
        wait 2>/dev/null || true
    fi
}
if [ "${ORDO_FUZZ_KEEP:-}" = 1 ]; then
    trap 'stop_all; echo "kept $work"' EXIT
else
    trap 'stop_all; rm -rf "$work"' EXIT
fi

# `ordo` from this checkout (the cwd comes first on sys.path), whichever tree the venv was installed from.
ordo() { "$PY" -c 'import sys; from core.console import main; sys.argv[0] = "ordo"; main()' "$@"; }
free_port() { "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

started=$SECONDS
# The demo company with a token per user, loaded once; each run gets a copy of its own.
template="$work/template"
mkdir -p "$template"
export ORDO_INSTANCE_PATH="$template/instance" ORDO_DATABASE_URL="sqlite:///$template/ordo.sqlite"
if ! { ordo db upgrade && ordo demo --no-history; } >"$template/setup.log" 2>&1; then
    cat "$template/setup.log" >&2
    echo "FATAL: could not load the demo company" >&2
    exit 1
fi
declare -A tokens
for user in "${USERS[@]}"; do
    tokens[$user]="$(ordo tokens create --username "$user" --name fuzz)"
done

# One user per server, the runs side by side: a run waits on its server about half the
# time, so two at once keep both cores busy. Each prints its output when it is done.
fuzz_user() {
    local user=$1 run token port status summary server
    run="$work/$user"
    cp -R "$template" "$run"
    export ORDO_INSTANCE_PATH="$run/instance" ORDO_DATABASE_URL="sqlite:///$run/ordo.sqlite"
    token="${tokens[$user]}"
    port="$(free_port)"
    # --limit-request-line 8190 (gunicorn's largest) lets long URLs reach the app, which answers 414 itself;
    # no control socket, which would be shared with any other gunicorn of this user.
    "$VENV/bin/gunicorn" --bind "127.0.0.1:$port" --workers 2 --threads 4 --worker-class gthread \
        --limit-request-line 8190 --graceful-timeout 10 --no-control-socket \
        "core.app:create_app()" >"$run/gunicorn.log" 2>&1 &
    server=$!

    echo "== fuzzing the API as $user (max $MAX_EXAMPLES examples per operation, seed $SEED) =="
    status=0
    (cd "$run" && PYTHONPATH="$ROOT/scripts" SCHEMATHESIS_HOOKS=fuzz_hooks \
        "$VENV/bin/st" run "http://127.0.0.1:$port/api/v1/openapi.json" \
        --wait-for-schema 60 \
        --header "Authorization: Bearer $token" \
        --checks "$CHECKS" \
        --mode all \
        ${ORDO_FUZZ_PATHS:+--include-path-regex "$ORDO_FUZZ_PATHS"} \
        --max-examples "$MAX_EXAMPLES" \
        --seed "$SEED" \
        --workers 1 \
        --generation-database none \
        --report json --report-json-path "$run/report.json" \
        --no-color) >"$run/schemathesis.txt" 2>&1 || status=$?
    kill -TERM "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true

    # The run's report: operations, examples, failures; an operation errored, skipped or
    # never generated, or a pattern schemathesis cannot use, fails the run too.
    summary="$("$PY" - "$run/report.json" "$user" "$status" <<'EOF'
import json
import os
import sys

path, user, status = sys.argv[1], sys.argv[2], int(sys.argv[3])
try:
    with open(path) as handle:
        report = json.load(handle)
except (OSError, ValueError) as error:
    print(f"{user}: no report ({error}); schemathesis exited {status}")
    sys.exit(1)
operations, cases = report["operations"], report["test_cases"]
failures = sum(failure["count"] for failure in report["failures"])
problems = []
# With ORDO_FUZZ_PATHS, the operations it leaves out are not selected; every selected one must be tested.
expected = operations["selected"] if os.environ.get("ORDO_FUZZ_PATHS") else operations["total"]
if operations["tested"] != expected or operations["selected"] != expected:
    problems.append(f"{expected - operations['tested']} operations not tested")
if operations["errored"] or operations["skipped"] or report["errors"]:
    problems.append(f"{operations['errored']} errored, {operations['skipped']} skipped, "
                    f"{len(report['errors'])} errors {operations['skip_reasons'] or ''}")
for kind in ("unsupported_regex", "unresolvable_reference", "missing_deserializer"):
    if report["warnings"].get(kind):
        problems.append(f"{kind}: {', '.join(map(str, report['warnings'][kind]))}")
if cases["without_checks"] or cases["errored"]:
    problems.append(f"{cases['errored']} test cases errored, {cases['without_checks']} ran no check")
if not report["complete"] or report["stop_reason"] != "completed":
    problems.append(f"stopped: {report['stop_reason']}")
line = (f"{user}: {operations['tested']}/{operations['total']} operations fuzzed, {cases['generated']} examples, "
        f"{failures} failures, {report['running_time']:.0f} s")
print(line + ("" if not problems else " -- " + "; ".join(problems)))
sys.exit(1 if problems or failures or status != 0 or report["exit_code"] != 0 else 0)
EOF
)" || {
        touch "$run/failed"
        cat "$run/schemathesis.txt"
        if grep -q Traceback "$run/gunicorn.log"; then
            echo "-- the server's tracebacks ($user) --"
            grep -B2 -A40 Traceback "$run/gunicorn.log" | tail -n 200
        fi
    }
    echo "$summary"
    printf '%s\n' "$summary" >"$run/summary"
}

for user in "${USERS[@]}"; do
    fuzz_user "$user" >"$work/$user.out" 2>&1 &
done
wait
failed=0
summaries=()
for user in "${USERS[@]}"; do
    cat "$work/$user.out"
    if [ -f "$work/$user/failed" ] || [ ! -f "$work/$user/summary" ]; then
        failed=1
    fi
    summaries+=("$(cat "$work/$user/summary" 2>/dev/null || echo "$user: the run stopped before its summary")")
done

echo "== fuzz summary (seed $SEED, max $MAX_EXAMPLES examples per operation, $((SECONDS - started)) s) =="
printf '%s\n' "${summaries[@]}"
if [ "$failed" -ne 0 ]; then
    echo "FAILED: the fuzz found failures (above); reproduce with ORDO_FUZZ_SEED=$SEED bash scripts/fuzz.sh" >&2
    exit 1
fi
echo "fuzz: no failures in ${#USERS[@]} runs"
