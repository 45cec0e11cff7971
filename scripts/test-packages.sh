#!/usr/bin/env bash
# The packaging proof (scripts/test.sh runs it after the tests):  sudo scripts/test-packages.sh
#
# 1. scripts/build-dist.sh: the glibc-2.17 release build (no rebuild when scripts/lab-demo.sh
#    made it already), its objdump -T check, the .deb and the .rpm
# 2. scripts/check-glibc.sh refuses a binary that needs a newer glibc (/usr/bin/dpkg here), so
#    step 1's check is one that can fail
# 3. the .deb, under the lab lock (the end-to-end tests run apt and dpkg too): dpkg -i, then
#    `glance-wizard --version`, `man glance-wizard` (man-db), the bash completion (sourced in
#    bash, completing a subcommand), dpkg owning /var/lib/glance-wizard with mode 0700, dpkg -r
# 4. the .rpm: rpm -qpi names it; rpm -qpl holds the .deb's files (zsh's directory aside, and
#    Debian's copyright file); installed into a scratch root with rpm --root, its binary runs and
#    /var/lib/glance-wizard is a directory with mode 0700 that rpm owns
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
[[ ${EUID} -eq 0 ]] || { echo "run as root: sudo $0 (it installs the .deb)" >&2; exit 1; }

die() { printf '[test-packages] FAIL: %s\n' "$*" >&2; exit 1; }
step() { printf '[test-packages] %s\n' "$*"; }

bash scripts/build-dist.sh
deb=$(ls target/dist/*.deb)
rpm=$(ls target/dist/*.rpm)
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)

step "check-glibc.sh refuses a binary built against this machine's glibc"
if bash scripts/check-glibc.sh /usr/bin/dpkg 2.17 2>/dev/null; then
    die "check-glibc.sh accepted /usr/bin/dpkg"
fi

# Normalised file lists: "MODE PATH" for the state directory, "PATH" for every file.
deb_files() {
    dpkg-deb -c "${deb}" | awk '
        $NF == "./var/lib/glance-wizard/" { print substr($1, 1, 10) " /var/lib/glance-wizard"; next }
        $1 !~ /^d/ { sub(/^\./, "", $NF); print $NF }' |
        grep -v '^/usr/share/doc/glance-wizard/copyright$' |
        sed 's|^/usr/share/zsh/vendor-completions/|/usr/share/zsh/COMPLETIONS/|' | sort
}
rpm_files() {
    rpm -qplv "${rpm}" | awk '
        $NF == "/var/lib/glance-wizard" { print $1 " /var/lib/glance-wizard"; next }
        $1 !~ /^d/ { print $NF }' |
        sed 's|^/usr/share/zsh/site-functions/|/usr/share/zsh/COMPLETIONS/|' | sort
}

step "the .rpm: rpm -qpi, and the .deb's files"
# Printed from a variable: `tee /dev/stderr` reopened the log file CI writes to and truncated it.
rpm_info=$(rpm -qpi "${rpm}")
printf '%s\n' "${rpm_info}"
grep -q "^Name *: glance-wizard" <<<"${rpm_info}" || die "rpm -qpi: no name"
grep -q "^Version *: ${version}" <<<"${rpm_info}" || die "rpm -qpi: not version ${version}"
diff <(deb_files) <(rpm_files) || die "the .deb (<) and the .rpm (>) hold different files"
deb_files | grep -qx 'drwx------ /var/lib/glance-wizard' || die "no /var/lib/glance-wizard 0700"
deb_files | grep -qx '/usr/share/man/man1/glance-wizard.1.gz' || die "no man page"

step "the .rpm installs into a scratch root (rpm --root; its /var/lib/glance-wizard a 0700 directory)"
scratch=$(mktemp -d)
rpm --root "${scratch}" --initdb
rpm --root "${scratch}" -i --nodeps --noscripts "${rpm}" 2>&1 | grep -v -e Alien -e 'what you are doing' || true
[[ "$(stat -c '%F %a' "${scratch}/var/lib/glance-wizard")" == "directory 700" ]] \
    || die "rpm made /var/lib/glance-wizard as: $(stat -c '%F %a' "${scratch}/var/lib/glance-wizard")"
[[ "$("${scratch}/usr/bin/glance-wizard" --version)" == "glance-wizard ${version}" ]] || die "rpm's binary"
rpm --root "${scratch}" -qf /var/lib/glance-wizard >/dev/null || die "rpm does not own /var/lib/glance-wizard"
rm -rf "${scratch}"

install_proof() {
    step "dpkg -i ${deb}"
    dpkg -i "${deb}"
    trap 'dpkg -r glance-wizard >/dev/null 2>&1 || true' EXIT
    [[ "$(command -v glance-wizard)" == /usr/bin/glance-wizard ]] || die "not /usr/bin/glance-wizard"
    [[ "$(glance-wizard --version)" == "glance-wizard ${version}" ]] || die "--version"
    [[ "$(dpkg -S /var/lib/glance-wizard)" == "glance-wizard: /var/lib/glance-wizard" ]] \
        || die "dpkg does not own /var/lib/glance-wizard"
    step "man glance-wizard"
    MANPAGER=cat MANWIDTH=80 man glance-wizard | tr -s ' ' | grep -q 'glance-wizard - Installs and configures' \
        || die "man glance-wizard"
    MANPAGER=cat man glance-wizard-apply | grep -q -- '--skip-prechecks' || die "man glance-wizard-apply"
    step "bash completion"
    # As bash-completion loads it: the file named after the command, then `complete -p`.
    local completed
    completed=$(bash --norc --noprofile -c '
        source /usr/share/bash-completion/completions/glance-wizard
        spec=$(complete -p glance-wizard) || exit 1
        function=$(sed -n "s/.* -F \([^ ]*\) .*/\1/p" <<<"${spec}")
        COMP_WORDS=(glance-wizard ch); COMP_CWORD=1; COMP_LINE="glance-wizard ch"; COMP_POINT=16
        "${function}" glance-wizard ch glance-wizard
        printf "%s\n" "${COMPREPLY[@]}"')
    [[ ${completed} == check ]] || die "bash completes \`glance-wizard ch\` as: ${completed}"
    step "dpkg -r glance-wizard"
    dpkg -r glance-wizard
    trap - EXIT
    [[ ! -e /usr/bin/glance-wizard ]] || die "dpkg -r left /usr/bin/glance-wizard"
}
# shellcheck source=scripts/lab-lock.sh
. scripts/lab-lock.sh
lab_locked install_proof
step "ok: ${deb} and ${rpm}"
