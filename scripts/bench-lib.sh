# shellcheck shell=bash
# What the hyperfine benchmarks (bench-noop.sh, bench-faults.sh) share, sourced by them:
#
#   bench_start SCRIPT "$@"    as root: hyperfine installed, the release build made, then SCRIPT
#                              run again under the lab lock (scripts/lab-lock.sh) in a bash
#                              without the lock's descriptor; returns in that second run only.
#   bench_answers DIR NAME SOURCE [EXTRA]
#                              DIR/NAME.toml: the lab's answers with the test image SOURCE
#                              (and EXTRA TOML appended), DIR/NAME.secrets.toml beside it (0600).
bench_start() {
    local script=$1
    shift
    [[ ${EUID} -eq 0 ]] || { echo "run as root: sudo ${script}" >&2; exit 1; }
    export PATH="${PATH}:${HOME}/.cargo/bin:/root/.cargo/bin"
    export no_proxy="controller,localhost,127.0.0.1" NO_PROXY="controller,localhost,127.0.0.1"
    # The checks below read apply's English progress lines ([skip], [done]...).
    export LANG=C.UTF-8
    unset LC_ALL LC_MESSAGES
    if [[ ${GW_BENCH_LOCKED:-} != 1 ]]; then
        command -v hyperfine >/dev/null ||
            DEBIAN_FRONTEND=noninteractive apt-get install -y -q hyperfine >/dev/null
        cargo build --release --quiet
        # shellcheck source=scripts/lab-lock.sh
        . scripts/lab-lock.sh
        GW_BENCH_LOCKED=1 lab_locked bash "${script}" "$@"
        exit
    fi
    bash scripts/lab-setup.sh >/dev/null
}

bench_answers() {
    local dir=$1 name=$2 source=$3 extra=${4:-}
    cat >"${dir}/${name}.toml" <<EOF
[controller]
bind_host = "127.0.0.1"

[keystone]
admin_openrc = "${GW_ADMIN_OPENRC:-/root/admin-openrc}"

[secrets]
file = "${name}.secrets.toml"

[test_image]
source = "${source}"
name = "cirros-wizard"
${extra}
EOF
    (
        umask 077
        printf 'glance_db_password = "bench-db-pass"\nglance_service_password = "bench-service-pass"\n' \
            >"${dir}/${name}.secrets.toml"
    )
}
