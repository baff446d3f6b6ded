#!/usr/bin/env bash
# `eipctl --output json list` of 10,000 Alibaba EIPs against the same listing through Alibaba's
# official Python SDK, on one emulator, A/B interleaved (3 rounds): wall and CPU time of each
# (GNU time), and eipctl's write syscalls (strace -c -f). See BENCHMARKS.md.
# Needs: strace, GNU time (/usr/bin/time), python3 with aliyun-python-sdk-core and
# aliyun-python-sdk-vpc in $VENV (default: $CARGO_TARGET_DIR/sdk-compat-venv, which
# crates/eip-sim/sdk-compat/run.sh creates).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"
target="${CARGO_TARGET_DIR:-target}"
case "$target" in /*) ;; *) target="$root/$target" ;; esac
venv="${VENV:-$target/sdk-compat-venv}"
work="$(mktemp -d)"
sim_pid=""
cleanup() {
    if [[ -n "$sim_pid" ]]; then kill "$sim_pid" 2>/dev/null || true; wait "$sim_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

cargo build -q --release -p eip-sim -p eipctl
"$target/release/eip-sim" --listen 127.0.0.1:0 >"$work/sim.json" 2>"$work/sim.log" &
sim_pid=$!
for _ in $(seq 1 300); do
    [[ -s "$work/sim.json" ]] && grep -q '}' "$work/sim.json" && break
    sleep 0.1
done
info() { python3 -c "import json,sys; d=json.load(open('$work/sim.json')); print($1)"; }
control="$(info 'd["control"]')"
endpoint="$(info 'd["alibaba"]["endpoint"]')"
region="$(info 'd["alibaba"]["region"]')"
curl -sf -X POST -H 'content-type: application/json' -d '{"count":10000}' "$control/alibaba/seed_eips" >/dev/null
export ALIBABA_CLOUD_ACCESS_KEY_ID="$(info 'd["alibaba"]["access_key_id"]')"
export ALIBABA_CLOUD_ACCESS_KEY_SECRET="$(info 'd["alibaba"]["access_key_secret"]')"
spec="alibaba://$region?endpoint=$endpoint"

eipctl() { "$target/release/eipctl" --provider "$spec" --output json list; }
# PYTHONUNBUFFERED (set in some shells and CI images) would make every json.dump chunk a write.
sdk() { env -u PYTHONUNBUFFERED "$venv/bin/python" "$here/sdk_list.py" "$work/sim.json"; }

echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
for round in 1 2 3; do
    for who in eipctl sdk; do
        /usr/bin/time -f "$who round $round: wall %e s, user %U s, sys %S s, max RSS %M KiB" \
            bash -c "$(declare -f eipctl sdk); target='$target' spec='$spec' venv='$venv' here='$here' work='$work' $who" \
            >"$work/$who.out" 2>"$work/$who.time"
        tail -n 1 "$work/$who.time"
        python3 -c "import json; print('  items:', len(json.load(open('$work/$who.out'))))"
    done
done
strace -f -c -e trace=write,writev -o "$work/strace" "$target/release/eipctl" --provider "$spec" --output json list >/dev/null
echo "eipctl write syscalls:"; grep -E "write|total" "$work/strace"
strace -f -c -e trace=write,writev -o "$work/strace.py" env -u PYTHONUNBUFFERED "$venv/bin/python" "$here/sdk_list.py" "$work/sim.json" >/dev/null
echo "Python SDK write syscalls:"; cat "$work/strace.py"
