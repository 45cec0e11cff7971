#!/usr/bin/env bash
# The by-hand procedure against glance-wizard, on the same lab, in one run (issue 7):
#
#   sudo scripts/bench-vs-by-hand.sh [RUNS]        (default 5 rounds)
#
# Each round, from the same starting point (scripts/lab-reset-glance.sh: no glance database,
# no Keystone glance objects, packaged config files; Glance's packages present):
#   1. scripts/by-hand-install.sh, then again (the guide's steps as a plain shell script)
#   2. reset, then `glance-wizard apply` (release build, fresh state directory), then again
# and prints each wall time, the medians and the ratios wizard / by hand. The second wizard
# apply also runs with --verify (re-probing every task) for the record.
#
# Takes the lab lock like the end-to-end tests, after the build. Results also go to
# target/bench-vs-by-hand.txt.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
[[ ${EUID} -eq 0 ]] || { echo "run as root: sudo $0" >&2; exit 1; }
RUNS=${1:-5}
export PATH="${PATH}:${HOME}/.cargo/bin:/root/.cargo/bin"
export no_proxy="controller,localhost,127.0.0.1" NO_PROXY="controller,localhost,127.0.0.1"

# The rest runs under the lab lock (scripts/lab-lock.sh), in a second bash that does not
# have the lock's descriptor: the lab set-up, both installs and glance-api must not inherit it.
if [[ ${GW_BENCH_LOCKED:-} != 1 ]]; then
    cargo build --release --quiet
    # shellcheck source=scripts/lab-lock.sh
    . scripts/lab-lock.sh
    GW_BENCH_LOCKED=1 lab_locked bash scripts/bench-vs-by-hand.sh "$@"
    exit
fi

bash scripts/lab-setup.sh >/dev/null
wizard="${PWD}/target/release/glance-wizard"

dir=$(mktemp -d /tmp/glance-wizard-bench.XXXXXX)
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

reset() { bash scripts/lab-reset-glance.sh >/dev/null 2>&1; }
# Wall time of a command in seconds (3 decimals); its output goes to $dir/last.log.
timed() {
    local start end
    start=$(date +%s.%N)
    "$@" >"${dir}/last.log" 2>&1 || { echo "FAILED: $*" >&2; tail -20 "${dir}/last.log" >&2; exit 1; }
    end=$(date +%s.%N)
    echo "${start} ${end}" | awk '{ printf "%.3f", $2 - $1 }'
}
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# Glance's packages must be present: this compares configuration, not downloads.
dpkg-query -W -f='${Status}' glance-api 2>/dev/null | grep -q "install ok installed" ||
    DEBIAN_FRONTEND=noninteractive apt-get install -y glance >/dev/null

hand1=() hand2=() wiz1=() wiz2=() wizv=()
printf '%-6s %10s %10s %10s %10s %12s\n' round by-hand by-hand-2 wizard wizard-2 wizard-2-verify
for round in $(seq 1 "${RUNS}"); do
    reset
    h1=$(timed bash scripts/by-hand-install.sh "${dir}/test.qcow2")
    h2=$(timed bash scripts/by-hand-install.sh "${dir}/test.qcow2")
    reset
    rm -rf "${dir}/state"
    w1=$(timed "${wizard}" apply --answers "${dir}/answers.toml" --state-dir "${dir}/state")
    cp "${dir}/last.log" "${dir}/wizard-first-${round}.log"
    w2=$(timed "${wizard}" apply --answers "${dir}/answers.toml" --state-dir "${dir}/state")
    wv=$(timed "${wizard}" apply --answers "${dir}/answers.toml" --state-dir "${dir}/state" --verify)
    hand1+=("${h1}") hand2+=("${h2}") wiz1+=("${w1}") wiz2+=("${w2}") wizv+=("${wv}")
    printf '%-6s %10s %10s %10s %10s %12s\n' "${round}" "${h1}" "${h2}" "${w1}" "${w2}" "${wv}"
done
reset

m_h1=$(printf '%s\n' "${hand1[@]}" | median)
m_h2=$(printf '%s\n' "${hand2[@]}" | median)
m_w1=$(printf '%s\n' "${wiz1[@]}" | median)
m_w2=$(printf '%s\n' "${wiz2[@]}" | median)
m_wv=$(printf '%s\n' "${wizv[@]}" | median)
{
    printf '%-6s %10s %10s %10s %10s %12s\n' median "${m_h1}" "${m_h2}" "${m_w1}" "${m_w2}" "${m_wv}"
    awk -v h1="${m_h1}" -v h2="${m_h2}" -v w1="${m_w1}" -v w2="${m_w2}" 'BEGIN {
        printf "first run: wizard / by hand = %.2f (target <= 0.5)\n", w1 / h1
        printf "re-run:    wizard %.2f s; wizard / by hand = %.3f (target <= 3 s or <= 0.1)\n", w2, w2 / h2
    }'
    echo "task durations of the last wizard first run:"
    grep -E '^\[done\]' "${dir}/wizard-first-${RUNS}.log" | sed 's/^/  /'
} | tee target/bench-vs-by-hand.txt
