#!/usr/bin/env bash
# The project's one test command:  sudo scripts/test.sh
#
# 1. scripts/lab-setup.sh: MariaDB, memcached, Keystone, /root/admin-openrc (idempotent), under
#    the lab lock (scripts/lab-lock.sh). A lab daemon holding that lock (it inherited it from
#    the script that started it) fails this at once: the end-to-end tests would wait for it.
# 2. cargo fmt --check, cargo clippy -D warnings (in target/clippy, beside the tests' build)
# 3. scripts/lab-tempest.sh install: Tempest's venv, and scripts/ansible-venv.sh: Ansible's venv
#    for the export's tests (both cached; made in the background during 2); the two-node test's
#    Debian root (scripts/lab-ha-nodes.sh root, cached) is made in the background too
# 4. cargo nextest run (unit and integration tests in parallel; the end-to-end tests, binary
#    `e2e` (tests/e2e/), serialised through the `e2e` test group in .config/nextest.toml; each
#    takes the lab lock), then the doc tests (nextest does not run those)
# 5. scripts/test-packages.sh (full runs only): the glibc-2.17 release build (reused when
#    lab-demo.sh made it), the objdump -T check, the .deb installed with dpkg -i and checked
#    (--version, man, bash completion) then removed, the .rpm's metadata and files
# 6. again: no lab daemon holds the lab lock
#
# Tests see GW_LAB=1 (the lab is up) and GW_ADMIN_OPENRC=/root/admin-openrc.
# Extra arguments are passed to `cargo nextest run` (e.g. a filter: scripts/test.sh e2e_).
set -euo pipefail

die() { printf '[test] ERROR: %s\n' "$*" >&2; exit 1; }
# Each step with the time it starts: where CI's minutes go.
step() { printf '[test] %s == %s\n' "$(date +%T)" "$*"; }

cd "$(dirname "${BASH_SOURCE[0]}")/.."
[[ ${EUID} -eq 0 ]] || die "run as root: sudo scripts/test.sh (the end-to-end tests change the system)"

# shellcheck source=scripts/lab-lock.sh
. scripts/lab-lock.sh
step "lab setup"
lab_lock_no_daemons
lab_locked bash scripts/lab-setup.sh

# sudo's secure_path usually drops ~/.cargo/bin.
export PATH="${PATH}:${HOME}/.cargo/bin:/root/.cargo/bin"
command -v cargo >/dev/null || die "cargo not found: install a Rust toolchain (rustup) for root"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

if ! cargo nextest --version >/dev/null 2>&1; then
    step "installing cargo-nextest"
    cargo install --locked cargo-nextest
fi

locked=()
[[ -f Cargo.lock ]] && locked=(--locked)

# Tempest for tests/e2e/e2e_tempest.rs: a venv from PyPI, cached under /var/cache/glance-wizard-lab.
# Made once (about 4 minutes here, mostly downloads), in the background while clippy builds.
tempest_log=$(mktemp)
bash scripts/lab-tempest.sh install >"${tempest_log}" 2>&1 &
tempest_pid=$!
# Ansible for tests/integration/ansible_lint.rs and tests/e2e/e2e_ansible.rs: a venv from PyPI,
# cached there too. Made once (about 9.5 minutes here), at the same time as Tempest's; a cached
# one costs nothing.
ansible_log=$(mktemp)
bash scripts/ansible-venv.sh >"${ansible_log}" 2>&1 &
ansible_pid=$!
# The Debian root of the two-node test (tests/e2e/e2e_ansible.rs): cached too; made once
# (debootstrap and glance-api from deb.debian.org, minutes), meanwhile. Not waited for here: the
# test's `lab-ha-nodes.sh up` waits for it (a lock) or makes it when this failed (its log says why).
mkdir -p /var/cache/glance-wizard-lab
bash scripts/lab-ha-nodes.sh root >/var/cache/glance-wizard-lab/bookworm-glance-root.log 2>&1 &

step "cargo fmt --check"
cargo fmt --all --check

# Clippy and the tests' build side by side: each spends minutes in one thread (this crate's own
# compile, the links), so together they take less than one after the other. Clippy builds in a
# target directory of its own, or the two would wait for each other's lock on target/.
step "cargo clippy, and the tests' build beside it"
clippy_log=$(mktemp)
CARGO_TARGET_DIR="${PWD}/target/clippy" cargo clippy "${locked[@]}" --workspace --all-targets \
    -- -D warnings >"${clippy_log}" 2>&1 &
clippy_pid=$!
build_status=0
cargo nextest run "${locked[@]}" --workspace --all-targets --no-run || build_status=$?
clippy_status=0
wait "${clippy_pid}" || clippy_status=$?
cat "${clippy_log}"
((clippy_status == 0)) || die "cargo clippy failed (above)"
((build_status == 0)) || die "the tests do not build (above)"

step "tempest venv (waiting for the background install)"
wait "${tempest_pid}" || die "scripts/lab-tempest.sh install failed: $(tail -n 20 "${tempest_log}")"
cat "${tempest_log}"
step "ansible venv (waiting for the background install)"
wait "${ansible_pid}" || die "scripts/ansible-venv.sh failed: $(tail -n 20 "${ansible_log}")"
cat "${ansible_log}"

export GW_LAB=1
export GW_ADMIN_OPENRC=/root/admin-openrc
export no_proxy="controller,localhost,127.0.0.1${no_proxy:+,${no_proxy}}"
export NO_PROXY="${no_proxy}"

status=0
step "cargo nextest run"
cargo nextest run "${locked[@]}" --workspace --all-targets --no-fail-fast "$@" || status=$?

if [[ $# -eq 0 ]]; then
    step "doc tests"
    cargo test "${locked[@]}" --workspace --doc || status=$?
    step "packages (scripts/test-packages.sh)"
    bash scripts/test-packages.sh || status=$?
fi

step "no lab daemon holds the lab lock"
(lab_lock_no_daemons) || status=1

if [[ ${status} -ne 0 ]]; then
    die "tests failed (exit ${status})"
fi
step "all checks passed"
