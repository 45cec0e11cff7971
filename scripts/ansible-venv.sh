#!/usr/bin/env bash
# Ansible for the export's proofs (tests/e2e/e2e_ansible.rs, tests/integration/ansible_lint.rs): a Python virtual
# environment from PyPI, made with Debian's python3 and kept under /var/cache/glance-wizard-lab/
# (reused while its pins are the same: a new pin list makes a new venv beside it).
#
# The `ansible` package bundles the collections the export uses (community.mysql,
# community.general, openstack.cloud); openstack.cloud needs openstacksdk beside it, and
# community.mysql PyMySQL. The pins were run against the lab's Keystone (Debian bookworm, Zed).
# Prints the venv's bin directory on its last line.
set -euo pipefail
export PATH="/usr/sbin:/usr/bin:/sbin:/bin:${PATH}"
export DEBIAN_FRONTEND=noninteractive

PINS=(ansible==11.13.0 ansible-lint==25.1.3 openstacksdk==4.4.0 PyMySQL==1.1.1)
CACHE=/var/cache/glance-wizard-lab
# The directory's name follows the pins, so a changed pin never reuses an old venv.
TAG=$(printf '%s\n' "${PINS[@]}" | sha256sum | cut -c1-12)
VENV="${CACHE}/ansible-venv-${TAG}"

log() { printf '[ansible-venv] %s\n' "$*" >&2; }

[[ ${EUID} -eq 0 ]] || { log "must run as root"; exit 1; }

mkdir -p "${CACHE}"
# Tests that need the venv may start this at once: one makes it, the others wait and reuse it.
exec 9>"${CACHE}/ansible-venv.lock"
flock 9
if [[ -x "${VENV}/bin/ansible-playbook" && -f "${VENV}/.complete" ]]; then
    echo "${VENV}/bin"
    exit 0
fi
if ! /usr/bin/python3 -c 'import ensurepip' 2>/dev/null; then
    log "installing python3-venv"
    apt-get install -y -q python3-venv >/dev/null
fi
# A venv's scripts name its own path, so it is made in place; `.complete` is written last, and a
# venv without it (a killed run) is made again from scratch.
rm -rf "${VENV}"
log "creating ${VENV} (${PINS[*]}): a few minutes"
/usr/bin/python3 -m venv "${VENV}"
"${VENV}/bin/pip" install --quiet --disable-pip-version-check --no-cache-dir "${PINS[@]}" >&2
touch "${VENV}/.complete"
echo "${VENV}/bin"
