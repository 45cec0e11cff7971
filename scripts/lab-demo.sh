#!/usr/bin/env bash
# Sets up the lab and runs glance-wizard against it, as a new user would:
#
#   sudo scripts/lab-demo.sh
#
# 1. scripts/build-dist.sh (before taking the lab lock: the lab is not needed to build): the
#    release build that runs down to CentOS 7 (glibc 2.17) and its .deb and .rpm; the demo runs
#    that binary, target/x86_64-unknown-linux-gnu/release/glance-wizard, the one the packages
#    hold (and CI builds release once for both)
# 2. takes the lab lock (scripts/lab-lock.sh; the end-to-end tests take the same lock)
# 3. scripts/lab-setup.sh (MariaDB, memcached, Keystone, /root/admin-openrc)
# 4. writes /root/glance-wizard-lab/answers.toml from the template, with a test image made by
#    qemu-img (no internet for CirrOS here) and glance-api bound to 127.0.0.1
# 5. glance-wizard check, then apply --generate-passwords (secrets saved 0600 beside the answers)
#
# Steps 3-5 run without the lock's descriptor, so the daemons they start (MariaDB, memcached,
# tinyproxy, Keystone, glance-api through the wizard) do not keep the lab locked after this.
# Run it again: the second apply skips every finished task.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
[[ ${EUID} -eq 0 ]] || { echo "run as root: sudo $0" >&2; exit 1; }
export PATH="${PATH}:${HOME}/.cargo/bin:/root/.cargo/bin"
# shellcheck source=scripts/lab-lock.sh
. scripts/lab-lock.sh

bash scripts/build-dist.sh
wizard="${PWD}/target/x86_64-unknown-linux-gnu/release/glance-wizard"

demo() {
    bash scripts/lab-setup.sh
    local dir=/root/glance-wizard-lab
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
}
lab_locked demo
