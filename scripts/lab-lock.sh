# shellcheck shell=bash
# The lab lock, sourced by the scripts that use the lab (lab-demo.sh, test.sh,
# bench-vs-by-hand.sh). tests/common/mod.rs takes the same lock in Rust.
#
#   lab_locked CMD...      runs CMD (a command or a function) holding the lab lock. CMD runs
#                          in a subshell WITHOUT the lock's descriptor: a daemon it starts
#                          (MariaDB, memcached, tinyproxy, keystone, glance-api through the
#                          wizard) would otherwise keep the lab locked for ever.
#   lab_daemon CMD...      runs CMD (an init script) with no descriptor but 0, 1 and 2.
#   lab_lock_no_daemons    fails if a lab daemon has the lock file open (a leak).
#
# The wait is bounded: GW_LAB_LOCK_TIMEOUT seconds (default 900); every 30 s it says who
# holds the lock. A lab daemon with the lock file open is a leak that no wait ends: it fails
# at once. With set -e, a failing CMD ends the calling script (the lock goes with it).

LAB_LOCK_FILE=/run/glance-wizard-lab.lock
# Process names (/proc/PID/comm) of the daemons the lab starts.
LAB_DAEMONS='^(mariadbd|mysqld|mysqld_safe|memcached|tinyproxy|glance-api|uwsgi.*|keystone.*)$'

lab_lock_die() {
    printf '[lab-lock] ERROR: %s\n' "$*" >&2
    exit 1
}

# lab_lock_users [SKIP_PID]: one line per process with the lock file open, "PID STATE COMM
# CMDLINE", STATE "holds" when its descriptor carries the lock (/proc/PID/fdinfo lists it),
# else "waits".
lab_lock_users() {
    local skip=${1:-} link pid fd state cmdline
    while IFS= read -r link; do
        pid=${link#/proc/}
        pid=${pid%%/*}
        fd=${link##*/}
        [[ ${pid} != "${skip}" ]] || continue
        state=waits
        grep -q '^lock:' "/proc/${pid}/fdinfo/${fd}" 2>/dev/null && state=holds
        cmdline=$(tr "\\0" " " 2>/dev/null <"/proc/${pid}/cmdline") || continue
        printf '%s %s %s %s\n' "${pid}" "${state}" "$(cat "/proc/${pid}/comm" 2>/dev/null)" "${cmdline% }"
    done < <(find /proc/[0-9]*/fd -maxdepth 1 -lname "${LAB_LOCK_FILE}" 2>/dev/null) | sort -u -k1,1n
}

# lab_lock_no_daemons [USERS]: USERS as lab_lock_users prints them (default: read now).
lab_lock_no_daemons() {
    local users=${1-$(lab_lock_users)} leaks
    leaks=$(awk -v re="${LAB_DAEMONS}" '$3 ~ re' <<<"${users}")
    [[ -z "${leaks}" ]] || lab_lock_die "lab daemons have the lab lock ${LAB_LOCK_FILE} open" \
        "(they inherited it from the script that started them, and keep the lab locked" \
        "until they stop; restart them from a shell that does not hold the lock):"$'\n'"${leaks}"
}

# lab_lock_wait FD: takes the lock on FD, waiting at most GW_LAB_LOCK_TIMEOUT seconds.
lab_lock_wait() {
    local fd=$1 limit=${GW_LAB_LOCK_TIMEOUT:-900} start=${SECONDS} me=${BASHPID} left users
    [[ ${limit} =~ ^[0-9]+$ ]] || lab_lock_die "GW_LAB_LOCK_TIMEOUT must be a number of seconds, not '${limit}'"
    flock -n "${fd}" && return 0
    while :; do
        # Read without FD, so that this shell's helpers do not count; this shell is skipped.
        users=$(
            exec {fd}>&-
            lab_lock_users "${me}"
        )
        lab_lock_no_daemons "${users}"
        left=$((limit - (SECONDS - start)))
        ((left > 0)) || lab_lock_die "gave up after ${limit} s (GW_LAB_LOCK_TIMEOUT) waiting for" \
            "the lab lock ${LAB_LOCK_FILE}; processes with it open:"$'\n'"${users}"
        printf '[lab-lock] waiting for the lab lock %s (%d s of %d s); processes with it open:\n%s\n' \
            "${LAB_LOCK_FILE}" $((SECONDS - start)) "${limit}" "${users}" >&2
        flock -w $((left < 30 ? left : 30)) "${fd}" && return 0
    done
}

lab_locked() {
    local fd
    exec {fd}>>"${LAB_LOCK_FILE}"
    lab_lock_wait "${fd}"
    (
        exec {fd}>&-
        "$@"
    )
    exec {fd}>&-
}

lab_daemon() {
    (
        local fd
        for fd in /proc/"${BASHPID}"/fd/*; do
            fd=${fd##*/}
            if ((fd > 2)); then exec {fd}>&-; fi
        done
        exec "$@"
    )
}
