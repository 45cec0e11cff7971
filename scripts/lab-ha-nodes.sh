#!/usr/bin/env bash
# Two Debian bookworm "controllers" for the export's two-node proof, on this machine:
#
#   scripts/lab-ha-nodes.sh root    # only make the cached root (scripts/test.sh, in the background)
#   scripts/lab-ha-nodes.sh up      # print the inventory lines on stdout
#   scripts/lab-ha-nodes.sh down
#
# - a root with python3, python3-apt (Ansible's apt module), glance-api and haproxy (debootstrap from deb.debian.org, then apt in
#   it), cached in /var/cache/glance-wizard-lab/bookworm-glance-root and reused;
# - each node an overlay of it (upper dir in /var/tmp/gw-ha), in its own network
#   namespace gwctl1/gwctl2 with 10.231.0.11/.12 on a veth to the bridge gwbr0 (10.231.0.1);
# - the VIP 10.231.0.10 on the bridge, where HAProxy (the root's, run on the host) listens;
# - one image directory (/run/gw-ha/images) bind-mounted into both as /var/lib/glance/images;
# - the lab's MariaDB, Keystone and memcached listen on 127.0.0.1 only: socat forwards
#   10.231.0.1:{3306,5000,11211} to them, and each node's /etc/hosts says controller=10.231.0.1;
# - /run/gw-ha/chroot-gwctlN enters node N's namespace and root (ansible_chroot_exe).
# Daemons are started with no descriptor but 0, 1, 2 (lab_daemon): none keeps the lab lock.
set -euo pipefail
# shellcheck source=scripts/lab-lock.sh
. "$(dirname "${BASH_SOURCE[0]}")/lab-lock.sh"
export PATH="/usr/sbin:/usr/bin:/sbin:/bin:${PATH}"
export DEBIAN_FRONTEND=noninteractive

CACHE=/var/cache/glance-wizard-lab
ROOT="${CACHE}/bookworm-glance-root"
RUN=/run/gw-ha
# The nodes' own files: on disk, not tmpfs (ini_file's backup copies file attributes, which
# tmpfs refuses: "chattr failed ... Operation not supported").
UPPER=/var/tmp/gw-ha
NODES=(1 2)
log() { printf '[lab-ha-nodes] %s\n' "$*" >&2; }

make_root() {
    [[ -f "${ROOT}/.complete" ]] && return 0
    mkdir -p "${CACHE}"
    # scripts/test.sh starts `root` in the background: an `up` meanwhile waits for it.
    local lock
    exec {lock}>"${CACHE}/bookworm-glance-root.lock"
    flock "${lock}"
    [[ -f "${ROOT}/.complete" ]] || build_root
    exec {lock}>&-
}

# A command run in the root with /proc and /dev mounted in a mount namespace of its own: the mounts
# go with it, even when it is killed (a /dev bind mount left under the root would make the next
# `rm -rf` of the root empty the host's /dev).
in_root() {
    unshare --mount --propagation private -- sh -c \
        'mount -t proc proc "$0/proc" && mount --bind /dev "$0/dev" && exec chroot "$0" "$@"' \
        "${ROOT}" "$@"
}

# Mounts an older version of this script may have left under the root go first; rm stays on the
# root's own filesystem whatever happens.
remove_root() {
    awk -v root="${ROOT}/" 'index($5, root) == 1 { print $5 }' /proc/self/mountinfo |
        sort -r | xargs -r -n1 umount -l
    rm -rf --one-file-system "${ROOT}"
}

build_root() {
    command -v debootstrap >/dev/null || apt-get install -y -q debootstrap >/dev/null
    remove_root
    log "debootstrap bookworm into ${ROOT} (minutes)"
    debootstrap --variant=minbase --include=python3 bookworm "${ROOT}" http://deb.debian.org/debian >/dev/null
    # Packages install without starting anything; the playbook starts glance-api.
    printf '#!/bin/sh\nexit 101\n' >"${ROOT}/usr/sbin/policy-rc.d"
    chmod 0755 "${ROOT}/usr/sbin/policy-rc.d"
    cp /etc/resolv.conf "${ROOT}/etc/resolv.conf"
    log "apt-get install glance-api haproxy in the root (minutes)"
    in_root sh -c 'apt-get update -q && apt-get install -y -q --no-install-recommends glance-api haproxy python3-apt python3-pymysql && apt-get clean' >/dev/null
    touch "${ROOT}/.complete"
}

node_up() {
    local n=$1 ns="gwctl$1" dir="${RUN}/node$1" disk="${UPPER}/node$1"
    ip netns add "${ns}"
    ip link add "gwh$n" type veth peer name "gwn$n"
    ip link set "gwn$n" netns "${ns}"
    ip link set "gwh$n" master gwbr0 up
    ip netns exec "${ns}" ip addr add "10.231.0.1$n/24" dev "gwn$n"
    ip netns exec "${ns}" ip link set "gwn$n" up
    ip netns exec "${ns}" ip link set lo up
    rm -rf "${disk}"
    mkdir -p "${disk}/upper" "${disk}/work" "${dir}/root"
    mount -t overlay overlay -o "lowerdir=${ROOT},upperdir=${disk}/upper,workdir=${disk}/work" "${dir}/root"
    mount -t proc proc "${dir}/root/proc"
    mount --bind /dev "${dir}/root/dev"
    mkdir -p "${dir}/root/var/lib/glance/images"
    mount --bind "${RUN}/images" "${dir}/root/var/lib/glance/images"
    printf '127.0.0.1 localhost\n10.231.0.1 controller\n10.231.0.1%s ctl%s\n' "$n" "$n" >"${dir}/root/etc/hosts"
    printf '#!/bin/sh\nexec ip netns exec %s chroot "$@"\n' "${ns}" >"${RUN}/chroot-${ns}"
    chmod 0755 "${RUN}/chroot-${ns}"
}

forward() {
    local port=$1
    # Like lab_daemon, in one subshell that execs socat, so that $! is socat's PID.
    (
        for fd in /proc/"${BASHPID}"/fd/*; do
            fd=${fd##*/}
            if ((fd > 2)); then exec {fd}>&-; fi
        done
        exec socat "TCP-LISTEN:${port},bind=10.231.0.1,reuseaddr,fork" "TCP:127.0.0.1:${port}"
    ) </dev/null >/dev/null 2>&1 &
    echo $! >"${RUN}/socat-${port}.pid"
}

# The nodes have no route out: the root's package lists are refreshed here, on the host's network,
# and marked fresh (apt-get update leaves the lists directory's time alone when nothing changed,
# and that time is what the playbook's apt task compares with its cache_valid_time).
refresh_lists() {
    in_root apt-get update -q >/dev/null || { log "apt-get update in ${ROOT} failed"; exit 1; }
    touch "${ROOT}/var/lib/apt/lists"
}

up() {
    make_root
    down_quietly
    refresh_lists
    # Nodes half made when something fails are taken down (until the inventory is printed).
    trap down_quietly EXIT
    mkdir -p "${RUN}"
    mount -t tmpfs -o mode=0755 tmpfs "${RUN}"
    mkdir -p "${RUN}/images"
    ip link add gwbr0 type bridge
    ip addr add 10.231.0.1/24 dev gwbr0
    ip addr add 10.231.0.10/24 dev gwbr0
    ip link set gwbr0 up
    for n in "${NODES[@]}"; do node_up "$n"; done
    for port in 3306 5000 11211; do forward "${port}"; done
    for n in "${NODES[@]}"; do
        printf '[[controller]]\nname = "ctl%s"\naddress = "10.231.0.1%s"\nconnection = "chroot"\nhost = "%s"\nchroot_exe = "%s"\n' \
            "$n" "$n" "${RUN}/node$n/root" "${RUN}/chroot-gwctl$n"
    done
    trap - EXIT
}

# haproxy CFG: Debian's HAProxy (node 1's files) on the host's network, where the VIP is.
haproxy_up() {
    local root="${RUN}/node1/root"
    cp "$1" "${root}/etc/haproxy/glance-vip.cfg"
    lab_daemon chroot "${root}" /usr/sbin/haproxy -D -p /run/haproxy-vip.pid -f /etc/haproxy/glance-vip.cfg
    cp "${root}/run/haproxy-vip.pid" "${RUN}/haproxy.pid"
}

down_quietly() {
    local pid n
    for f in "${RUN}"/*.pid; do
        [[ -f ${f} ]] || continue
        pid=$(cat "${f}")
        kill "${pid}" 2>/dev/null || true
    done
    for n in "${NODES[@]}"; do
        for pid in $(ip netns pids "gwctl$n" 2>/dev/null); do kill "${pid}" 2>/dev/null || true; done
    done
    sleep 0.5
    for n in "${NODES[@]}"; do
        for m in var/lib/glance/images dev proc ""; do
            mountpoint -q "${RUN}/node$n/root/$m" && umount -l "${RUN}/node$n/root/$m"
        done
        ip netns del "gwctl$n" 2>/dev/null || true
        ip link del "gwh$n" 2>/dev/null || true
    done
    ip link del gwbr0 2>/dev/null || true
    mountpoint -q "${RUN}" && umount -l "${RUN}"
    rm -rf "${UPPER}"
    return 0
}

case "${1:-}" in
root) make_root ;;
up) up ;;
haproxy) haproxy_up "$2" ;;
down) down_quietly ;;
*) echo "usage: $0 root | up | haproxy CFG | down" >&2; exit 2 ;;
esac
