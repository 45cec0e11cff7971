#!/usr/bin/env bash
# Benchmark of the run screen, start-up and binary (issue 7; docs/performance.md,
# section "Log pane, start-up, binary"). Not a test: run it by hand on a quiet machine.
#
#   scripts/bench-run-screen.sh [RUNS]          (default 5 runs; needs tmux)
#
# Each run:
#   1. `seq 1000000 > FILE`: the reference wall time (the same output written to a file);
#   2. `glance-wizard bench-run-screen -- seq 1000000` in a tmux pane (80x24): the real
#      binary, the real run screen and UI loop, the real engine (log file in a temporary
#      state directory) and runner streaming the child's output. Wall time and peak RSS
#      from /usr/bin/time; per-frame draw times and start-up from GLANCE_WIZARD_FRAME_STATS;
#   3. the interactive wizard itself (`glance-wizard --state-dir TMP`, welcome screen):
#      start-up to its first frame, then `q`.
# Start-up is measured from just before the exec (GLANCE_WIZARD_T0_NS, taken by the shell
# that execs the wizard) to the end of the first frame's draw, flush included.
# Prints each run, then the medians.
#
# Columns: seq_ms (reference), wizard_ms (whole process: start, run, exit), ratio,
# task_ms (task start to end as the screen saw them), rss_MB (peak), frames drawn while
# the task ran and their draw times p50/p99/max (µs), gap_ms (longest time between two
# frames while it ran), start_ms (exec to first frame, bench-run-screen), wizard_start_ms
# (exec to first frame of the interactive wizard's welcome screen).
#
# Environment: GLANCE_WIZARD_BIN (default: target/release/glance-wizard, built with
# `cargo build --release` when missing), BENCH_LINES (default 1000000), BENCH_CMD (a shell
# command instead of `seq BENCH_LINES`, run with sh -c for the reference and the wizard
# alike, e.g. a slower producer to see many frames while it streams), BENCH_SIZE (pane
# size, default 80x24).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
runs="${1:-5}"
lines="${BENCH_LINES:-1000000}"
if [[ -n ${BENCH_CMD:-} ]]; then
    cmd=(sh -c "${BENCH_CMD}")
else
    cmd=(seq "${lines}")
fi
size="${BENCH_SIZE:-80x24}"
bin="${GLANCE_WIZARD_BIN:-${PWD}/target/release/glance-wizard}"
if [[ ! -x ${bin} ]]; then
    cargo build --release
fi
bin="$(realpath "${bin}")"
command -v tmux >/dev/null || { echo "tmux is needed" >&2; exit 1; }
[[ -x /usr/bin/time ]] || { echo "/usr/bin/time is needed (apt-get install time)" >&2; exit 1; }

work="$(mktemp -d /tmp/glance-wizard-bench.XXXXXX)"
socket="glance-wizard-bench-$$"
# One server for every run; a placeholder session keeps it up between them.
tmux -L "${socket}" -f /dev/null new-session -d -s idle "sleep 100000"
cleanup() {
    tmux -L "${socket}" kill-server 2>/dev/null || true
    rm -rf "${work}"
}
trap cleanup EXIT

ms() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (b - a) * 1000 }'; }

# Runs a script in a fresh tmux pane (session "bench"); the pane stays once it exits.
in_tmux() {
    local script="$1"
    tmux -L "${socket}" kill-session -t bench 2>/dev/null || true
    tmux -L "${socket}" -f /dev/null new-session -d -s bench -x "${size%x*}" -y "${size#*x}" \
        -e LANG=C.UTF-8 -e LC_ALL= -c "${work}" "bash ${script}"
    tmux -L "${socket}" set-option -t bench remain-on-exit on >/dev/null
}

wait_dead() {
    local i
    for ((i = 0; i < 1200; i++)); do
        [[ "$(tmux -L "${socket}" display-message -p -t bench '#{pane_dead}' 2>/dev/null)" == 1 ]] && return 0
        sleep 0.1
    done
    echo "the wizard did not exit within 120 s" >&2
    tmux -L "${socket}" capture-pane -p -t bench >&2
    exit 1
}

# Frame statistics of one run: draw times (µs) of the frames drawn while the task
# streamed, their p50/p99/max, the longest gap between two frames, and start-up.
frame_stats() {
    awk '
        $1 == "task_started" { s = $2 } $1 == "task_finished" || $1 == "task_failed" { e = $2 }
        $1 == "first_frame_since_t0_us" { t0 = $2 } $1 == "first_frame_since_main_us" { m = $2 }
        $1 == "frame" { n++; at[n] = $2; d[n] = $3 }
        END {
            k = 0; gap = 0; prev = -1
            for (i = 1; i <= n; i++) if (at[i] >= s && at[i] <= e) {
                v[++k] = d[i]; if (prev >= 0 && at[i] - prev > gap) gap = at[i] - prev; prev = at[i]
            }
            # sort v (insertion sort is fine for a few thousand frames)
            for (i = 2; i <= k; i++) { x = v[i]; j = i - 1; while (j > 0 && v[j] > x) { v[j + 1] = v[j]; j-- } v[j + 1] = x }
            p50 = k ? v[int((k - 1) * 0.50) + 1] : 0; p99 = k ? v[int((k - 1) * 0.99) + 1] : 0
            printf "%d %d %d %d %d %d %d %d\n", k, p50, p99, (k ? v[k] : 0), gap, (e - s), t0, m
        }' "$1"
}

median() { sort -g | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else printf "%.1f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

cat > "${work}/bench.sh" <<EOF
export GLANCE_WIZARD_FRAME_STATS=${work}/frames
start=\${EPOCHREALTIME}
export GLANCE_WIZARD_T0_NS=\$(date +%s%N)
/usr/bin/time -f %M -o ${work}/rss ${bin} bench-run-screen --log-dir ${work}/state -- $(printf '%q ' "${cmd[@]}")
echo \$? > ${work}/status
end=\${EPOCHREALTIME}
echo "\${start} \${end}" > ${work}/wall
EOF
cat > "${work}/wizard.sh" <<EOF
export GLANCE_WIZARD_FRAME_STATS=${work}/wizard-frames
export GLANCE_WIZARD_T0_NS=\$(date +%s%N)
exec ${bin} --state-dir ${work}/state
EOF

printf 'binary: %s (%s bytes)\n' "${bin}" "$(stat -c %s "${bin}")"
printf 'command: %s\n' "${cmd[*]}"
printf 'machine: %s cores, %s, load %s\n' "$(nproc)" \
    "$(. /etc/os-release && echo "${PRETTY_NAME}")" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-4s %9s %10s %6s %9s %9s %7s %8s %8s %8s %8s %9s %9s\n' run seq_ms wizard_ms ratio task_ms rss_MB frames p50_us p99_us max_us gap_ms start_ms wizard_start_ms
for ((r = 1; r <= runs; r++)); do
    s=${EPOCHREALTIME}
    "${cmd[@]}" > "${work}/seq.out"
    e=${EPOCHREALTIME}
    seq_ms=$(ms "$s" "$e")

    rm -rf "${work}/frames" "${work}/status" "${work}/state"
    in_tmux "${work}/bench.sh"
    wait_dead
    [[ "$(cat "${work}/status")" == 0 ]] || { echo "bench-run-screen failed" >&2; tmux -L "${socket}" capture-pane -p -t bench >&2; exit 1; }
    read -r ws we < "${work}/wall"
    wizard_ms=$(ms "$ws" "$we")
    rss_mb=$(awk '{ printf "%.1f", $1 / 1024 }' "${work}/rss")
    read -r frames p50 p99 max gap task t0 _ < <(frame_stats "${work}/frames")

    rm -f "${work}/wizard-frames"
    rm -rf "${work}/state"
    in_tmux "${work}/wizard.sh"
    for ((i = 0; i < 100; i++)); do
        tmux -L "${socket}" capture-pane -p -t bench | grep -q 'glance-wizard' && break
        sleep 0.1
    done
    tmux -L "${socket}" send-keys -t bench q
    wait_dead
    read -r _ _ _ _ _ _ wizard_t0 _ < <(frame_stats "${work}/wizard-frames")

    printf '%-4s %9s %10s %6s %9s %9s %7s %8s %8s %8s %8s %9s %9s\n' "$r" "$seq_ms" "$wizard_ms" \
        "$(awk -v a="$wizard_ms" -v b="$seq_ms" 'BEGIN { printf "%.2f", a / b }')" \
        "$(awk -v t="$task" 'BEGIN { printf "%.1f", t / 1000 }')" "$rss_mb" "$frames" "$p50" "$p99" "$max" \
        "$(awk -v g="$gap" 'BEGIN { printf "%.1f", g / 1000 }')" \
        "$(awk -v t="$t0" 'BEGIN { printf "%.1f", t / 1000 }')" \
        "$(awk -v t="$wizard_t0" 'BEGIN { printf "%.1f", t / 1000 }')" | tee -a "${work}/table"
done
printf '%-4s' median
for col in 2 3 4 5 6 7 8 9 10 11 12 13; do
    printf ' %8s' "$(awk -v c="$col" '{ print $c }' "${work}/table" | median)"
done
printf '\n'
