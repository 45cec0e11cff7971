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
[[ ${EUID} -eq 0 ]] || { echo "run as root: sudo $0" >&2; exit 1; }
RUNS=${1:-20}
export PATH="${PATH}:${HOME}/.cargo/bin:/root/.cargo/bin"
export no_proxy="controller,localhost,127.0.0.1" NO_PROXY="controller,localhost,127.0.0.1"
command -v hyperfine >/dev/null ||
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q hyperfine >/dev/null

if [[ ${GW_BENCH_LOCKED:-} != 1 ]]; then
    cargo build --release --quiet
    # shellcheck source=scripts/lab-lock.sh
    . scripts/lab-lock.sh
    GW_BENCH_LOCKED=1 lab_locked bash scripts/bench-noop.sh "$@"
    exit
fi

bash scripts/lab-setup.sh >/dev/null
wizard="${PWD}/target/release/glance-wizard"
dir=$(mktemp -d /tmp/glance-wizard-bench-noop.XXXXXX)
trap 'rm -rf "${dir}"' EXIT
qemu-img create -q -f qcow2 "${dir}/test.qcow2" 64M
cat >"${dir}/answers.toml" <<EOF
[controller]
bind_host = "127.0.0.1"

[keystone]
admin_openrc = "${GW_ADMIN_OPENRC:-/root/admin-openrc}"

[test_image]
source = "${dir}/test.qcow2"
name = "cirros-wizard"
EOF
(
    umask 077
    printf 'glance_db_password = "bench-db-pass"\nglance_service_password = "bench-service-pass"\n' \
        >"${dir}/answers.secrets.toml"
)
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
