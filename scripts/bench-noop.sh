#!/usr/bin/env bash
# The no-op run (issue 11: "a no-op run stays under 1 s"), measured with hyperfine:
#
#   sudo scripts/bench-noop.sh [RUNS]        (default 20 timed runs after 3 warm-ups)
#
# From a reset lab (scripts/lab-reset-glance.sh, Glance's packages present), one full
# `glance-wizard apply` (release build, fresh state directory), then hyperfine times
# `apply` again: every task finished, each probed once (one login, listing or query) and
# skipped. Each timed run must exit 0 with all tasks skipped (hyperfine fails on a non-zero
# exit; the last run's output is checked for "skipped" lines).
#
# Takes the lab lock like the end-to-end tests, after the build. Results go to
# target/bench-noop.json (hyperfine's export) and target/bench-noop.txt.
# Measure on a quiet machine: the figure is mostly Keystone's bcrypt checks and the
# prechecks' admin token, both CPU-bound.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
RUNS=${1:-20}
# shellcheck source=scripts/bench-lib.sh
. scripts/bench-lib.sh
bench_start scripts/bench-noop.sh "$@"

wizard="${PWD}/target/release/glance-wizard"
dir=$(mktemp -d /tmp/glance-wizard-bench-noop.XXXXXX)
trap 'rm -rf "${dir}"' EXIT
qemu-img create -q -f qcow2 "${dir}/test.qcow2" 64M
bench_answers "${dir}" answers "${dir}/test.qcow2"
dpkg-query -W -f='${Status}' glance-api 2>/dev/null | grep -q "install ok installed" ||
    DEBIAN_FRONTEND=noninteractive apt-get install -y glance >/dev/null

bash scripts/lab-reset-glance.sh >/dev/null 2>&1
apply=("${wizard}" apply --answers "${dir}/answers.toml" --state-dir "${dir}/state")
"${apply[@]}" >"${dir}/first.log" 2>&1 || { tail -20 "${dir}/first.log" >&2; exit 1; }

hyperfine --warmup 3 --runs "${RUNS}" --export-json target/bench-noop.json \
    --command-name "no-op apply" "${apply[*]}" | tee target/bench-noop.txt
# The last run skipped every task, each on a probe made in that run.
"${apply[@]}" >"${dir}/last.log" 2>&1
tasks=$(grep -c '^\[skip\]' "${dir}/last.log" || true)
ran=$(grep -cE '^\[(done|FAILED)\]' "${dir}/last.log" || true)
echo "last run: ${tasks} tasks skipped, ${ran} ran" | tee -a target/bench-noop.txt
[[ ${tasks} -gt 0 && ${ran} -eq 0 ]] || { cat "${dir}/last.log" >&2; exit 1; }
python3 - <<'EOF' | tee -a target/bench-noop.txt
import json
r = json.load(open("target/bench-noop.json"))["results"][0]
print(f"median {r['median']:.3f} s, mean {r['mean']:.3f} s ± {r['stddev']:.3f}, "
      f"min {r['min']:.3f}, max {r['max']:.3f} over {len(r['times'])} runs")
EOF
bash scripts/lab-reset-glance.sh >/dev/null 2>&1
