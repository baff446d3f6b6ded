#!/usr/bin/env bash
# Runs the official Alibaba Cloud and Huawei Cloud Python SDKs, unchanged, against eip-sim.
# Usage (from anywhere): bash crates/eip-sim/sdk-compat/run.sh
# Exit status: 0 when every SDK call behaved as expected, or when the SDKs could not be installed
# (no registry reachable: that is the environment, not the product; a loud SKIPPED line says so).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
cd "$root"
target="${CARGO_TARGET_DIR:-target}"
case "$target" in /*) ;; *) target="$root/$target" ;; esac
venv="$target/sdk-compat-venv"
work="$(mktemp -d)"
export PYTHONDONTWRITEBYTECODE=1  # no __pycache__ in the source tree
sim_pid=""

cleanup() {
    if [[ -n "$sim_pid" ]]; then
        kill "$sim_pid" 2>/dev/null || true
        wait "$sim_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

skip() {
    echo "=================================================================="
    echo "SKIPPED: could not install the official SDKs ($1)"
    echo "=================================================================="
    exit 0
}

started=$SECONDS
if [[ ! -x "$venv/bin/python" ]]; then
    python3 -m venv "$venv" >"$work/venv.log" 2>&1 || { cat "$work/venv.log" >&2; skip "python3 -m venv failed"; }
fi
if ! "$venv/bin/pip" install -q --disable-pip-version-check -r "$here/requirements.txt" >"$work/pip.log" 2>&1; then
    tail -n 20 "$work/pip.log" >&2
    skip "pip install -r requirements.txt failed"
fi
installed=$SECONDS

cargo build -q -p eip-sim
sim="$target/debug/eip-sim"
info="$work/sim.json"
# --alibaba-sts: the STS key triple is printed and accepted, so the STS paths are exercised too.
"$sim" --listen 127.0.0.1:0 --alibaba-sts --transition-delay-ms 100 >"$info" 2>"$work/sim.log" &
sim_pid=$!
for _ in $(seq 1 300); do
    [[ -s "$info" ]] && grep -q '}' "$info" && break
    kill -0 "$sim_pid" 2>/dev/null || { cat "$work/sim.log" >&2; echo "eip-sim exited before serving" >&2; exit 1; }
    sleep 0.1
done
[[ -s "$info" ]] || { echo "eip-sim printed no JSON line within 30 s" >&2; exit 1; }

failed=0
summaries=()
for script in alibaba_core alibaba_tea huawei_sdk; do
    # The SDKs log connection and retry errors on stderr (the scripts provoke some on purpose):
    # shown only when the script fails.
    if "$venv/bin/python" "$here/$script.py" "$info" >"$work/$script.out" 2>"$work/$script.err"; then
        summaries+=("$(tail -n 1 "$work/$script.out")")
    else
        failed=1
        summaries+=("$script: FAILED")
        echo "---- $script failed; its output:" >&2
        cat "$work/$script.out" "$work/$script.err" >&2
    fi
done
if [[ $failed -ne 0 ]]; then
    echo "---- eip-sim log (last 40 lines):" >&2
    tail -n 40 "$work/sim.log" >&2
fi

printf '%s\n' "${summaries[@]}"
echo "sdk-compat: $((SECONDS - started)) s in all ($((installed - started)) s venv + install)"
exit "$failed"
