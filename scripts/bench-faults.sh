#!/usr/bin/env bash
# Outside faults found before anything changes (issue 11: "reported by the prechecks in under
# 5 s"), measured with hyperfine:
#
#   sudo scripts/bench-faults.sh [RUNS]        (default 10 timed runs after 1 warm-up)
#
# `check` and `apply` (fresh state directory each run), release build, with
#   - a proxy where nothing listens (http://127.0.0.1:9), and
#   - a test image URL whose host does not resolve (no-such-host.invalid).
# Each run must exit 4 (a precheck failed) and `apply` must start no task: hyperfine is told
# to expect that exit code. Nothing on the lab is changed. The mid-run figures (a fault that
# appears after the prechecks) are printed by tests/e2e/e2e_prechecks.rs and e2e_packages.rs.
#
# Takes the lab lock like the end-to-end tests. Results: target/bench-faults.{json,txt}.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
RUNS=${1:-10}
# shellcheck source=scripts/bench-lib.sh
. scripts/bench-lib.sh
bench_start scripts/bench-faults.sh "$@"

wizard="${PWD}/target/release/glance-wizard"
dir=$(mktemp -d /tmp/glance-wizard-bench-faults.XXXXXX)
trap 'rm -rf "${dir}"' EXIT
qemu-img create -q -f qcow2 "${dir}/test.qcow2" 64M
if ss -ltn | awk '{ print $4 }' | grep -qx '127.0.0.1:9'; then
    echo "something listens on 127.0.0.1:9" >&2
    exit 1
fi
bench_answers "${dir}" dead-proxy "${dir}/test.qcow2" $'\n[proxy]\nhttp_proxy = "http://127.0.0.1:9"'
bench_answers "${dir}" bad-image "http://no-such-host.invalid/cirros.img"

# Every run starts with no state directory (--prepare removes it): no journal.
hyperfine --warmup 1 --runs "${RUNS}" -i --export-json target/bench-faults.json \
    --prepare "rm -rf ${dir}/state" \
    --command-name "check, dead proxy" --command-name "apply, dead proxy" \
    --command-name "check, unresolvable image URL" --command-name "apply, unresolvable image URL" \
    "${wizard} check --answers ${dir}/dead-proxy.toml --state-dir ${dir}/state" \
    "${wizard} apply --answers ${dir}/dead-proxy.toml --state-dir ${dir}/state" \
    "${wizard} check --answers ${dir}/bad-image.toml --state-dir ${dir}/state" \
    "${wizard} apply --answers ${dir}/bad-image.toml --state-dir ${dir}/state" \
    2>&1 | tee target/bench-faults.txt
# Each exits 4 and apply started no task.
for name in dead-proxy bad-image; do
    for command in check apply; do
        rm -rf "${dir}/state"
        code=0
        "${wizard}" "${command}" --answers "${dir}/${name}.toml" --state-dir "${dir}/state" \
            >"${dir}/out" 2>&1 || code=$?
        [[ ${code} -eq 4 ]] || { echo "${command} ${name}: exit ${code}" >&2; cat "${dir}/out" >&2; exit 1; }
        ! grep -qE '^\[(done|FAILED|[0-9]+/[0-9]+)\]' "${dir}/out" ||
            { echo "${command} ${name} started a task" >&2; exit 1; }
    done
done
python3 - <<'EOF' | tee -a target/bench-faults.txt
import json
for r in json.load(open("target/bench-faults.json"))["results"]:
    print(f"{r['command']}: median {r['median']:.2f} s, max {r['max']:.2f} s "
          f"over {len(r['times'])} runs (exit codes {sorted(set(r['exit_codes']))})")
EOF
