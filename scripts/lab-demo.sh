#!/usr/bin/env bash
# Sets up the lab and runs glance-wizard against it, as a new user would:
#
#   sudo scripts/lab-demo.sh
#
# 1. scripts/lab-setup.sh (MariaDB, memcached, Keystone, /root/admin-openrc)
# 2. cargo build --release
# 3. writes /root/glance-wizard-lab/answers.toml from the template, with a test image made by
#    qemu-img (no internet for CirrOS here) and glance-api bound to 127.0.0.1
# 4. glance-wizard check, then apply --generate-passwords (secrets saved 0600 beside the answers)
#
# Run it again: the second apply skips every finished task.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
[[ ${EUID} -eq 0 ]] || { echo "run as root: sudo $0" >&2; exit 1; }
export PATH="${PATH}:${HOME}/.cargo/bin:/root/.cargo/bin"
# The end-to-end tests take the same lock: one user of the lab at a time.
exec 9>/run/glance-wizard-lab.lock
flock 9

bash scripts/lab-setup.sh
cargo build --release --quiet
wizard="${PWD}/target/release/glance-wizard"

dir=/root/glance-wizard-lab
mkdir -p "${dir}"
chmod 700 "${dir}"
[[ -f "${dir}/cirros-test.qcow2" ]] || qemu-img create -q -f qcow2 "${dir}/cirros-test.qcow2" 64M
if [[ ! -f "${dir}/answers.toml" ]]; then
    "${wizard}" answers --template |
        sed -e 's|^bind_host = ""|bind_host = "127.0.0.1"|' \
            -e "s|^# source = \"http://download.cirros-cloud.net.*|source = \"${dir}/cirros-test.qcow2\"|" \
            >"${dir}/answers.toml"
fi
"${wizard}" check --answers "${dir}/answers.toml" --generate-passwords
"${wizard}" apply --answers "${dir}/answers.toml"
