#!/usr/bin/env bash
# Fails unless BINARY needs no glibc symbol version above MAX (default 2.17, CentOS 7's glibc):
#
#   scripts/check-glibc.sh BINARY [MAX]
#
# Reads the versions from the dynamic symbol table (objdump -T), which is what the loader checks.
set -euo pipefail
binary=${1:?usage: check-glibc.sh BINARY [MAX]}
max=${2:-2.17}
symbols=$(objdump -T "${binary}")
above=()
for version in $(grep -o 'GLIBC_[0-9][0-9.]*' <<<"${symbols}" | sed 's/^GLIBC_//' | sort -u -V); do
    [[ "$(printf '%s\n%s\n' "${version}" "${max}" | sort -V | tail -n 1)" == "${max}" ]] \
        || above+=("${version}")
done
if [[ ${#above[@]} -gt 0 ]]; then
    echo "check-glibc: ${binary} needs glibc ${above[*]} (above ${max}), for example:" >&2
    for version in "${above[@]}"; do
        grep -F "(GLIBC_${version})" <<<"${symbols}" | head -n 3 >&2
    done
    exit 1
fi
grep -q 'GLIBC_' <<<"${symbols}" \
    || { echo "check-glibc: ${binary} has no GLIBC_ symbol versions" >&2; exit 1; }
echo "check-glibc: ${binary} needs no glibc symbol above GLIBC_${max}"
