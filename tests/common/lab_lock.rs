//! The lab lock, /run/glance-wizard-lab.lock, shared with the scripts (scripts/lab-lock.sh):
//! one user of the lab at a time, and a wait that says who holds the lab and ends.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::Path;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

pub const LAB_LOCK_FILE: &str = "/run/glance-wizard-lab.lock";
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(900);
const REPORT_EVERY: Duration = Duration::from_secs(30);

/// Takes the lab lock (the file is opened close-on-exec: children do not inherit it).
/// Waits at most GW_LAB_LOCK_TIMEOUT seconds (default 900), saying at once and then every
/// 30 s which processes have the lock file open; then panics naming them.
pub fn take() -> File {
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(LAB_LOCK_FILE)
        .expect("lab lock file");
    match file.try_lock() {
        Ok(()) => file,
        Err(TryLockError::WouldBlock) => wait_for(file),
        Err(TryLockError::Error(e)) => panic!("lab lock {LAB_LOCK_FILE}: {e}"),
    }
}

fn wait_for(file: File) -> File {
    // A blocking flock(2) in a thread of its own: woken at once when the lock is released
    // (polling with try_lock lost every time to tests that block, for 15 minutes), while
    // this thread reports and gives up. After giving up, the thread's file is dropped as
    // soon as it gets the lock, since nobody receives it: the lock goes with it.
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        // Fails only when the waiter gave up: the file, and the lock with
        // it, are then dropped here (see above).
        let _ = sender.send(file.lock().map(|()| file));
    });
    let limit = timeout();
    let start = Instant::now();
    loop {
        let waited = start.elapsed();
        assert!(
            waited < limit,
            "gave up after {} s (GW_LAB_LOCK_TIMEOUT) waiting for the lab lock {LAB_LOCK_FILE}; \
             processes with it open:\n{}",
            limit.as_secs(),
            users()
        );
        eprintln!(
            "[lab-lock] waiting for the lab lock {LAB_LOCK_FILE} ({} s of {} s); \
             processes with it open:\n{}",
            waited.as_secs(),
            limit.as_secs(),
            users()
        );
        match receiver.recv_timeout(REPORT_EVERY.min(limit - waited)) {
            Ok(locked) => return locked.expect("lab lock"),
            Err(RecvTimeoutError::Disconnected) => panic!("lab lock: the locking thread died"),
            Err(RecvTimeoutError::Timeout) => {}
        }
    }
}

fn timeout() -> Duration {
    match std::env::var("GW_LAB_LOCK_TIMEOUT") {
        Err(_) => DEFAULT_TIMEOUT,
        Ok(v) => Duration::from_secs(v.parse().unwrap_or_else(|_| {
            panic!("GW_LAB_LOCK_TIMEOUT must be a number of seconds, not {v:?}")
        })),
    }
}

/// One line per other process with the lock file open: "PID holds|waits CMDLINE".
pub fn users() -> String {
    let me = std::process::id();
    let lines: Vec<String> = pids()
        .filter(|&pid| pid != me)
        .filter_map(|pid| Some(format!("{pid} {} {}", lock_state(pid)?, cmdline(pid))))
        .collect();
    if lines.is_empty() {
        "(none visible)".to_string()
    } else {
        lines.join("\n")
    }
}

fn pids() -> impl Iterator<Item = u32> {
    std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| entry.file_name().to_str()?.parse().ok())
}

/// "holds" when one of PID's descriptors of the lock file carries the lock (its fdinfo
/// lists it: an inherited descriptor counts), "waits" when it only has the file open.
fn lock_state(pid: u32) -> Option<&'static str> {
    let mut state = None;
    for fd in std::fs::read_dir(format!("/proc/{pid}/fd")).ok()?.flatten() {
        if std::fs::read_link(fd.path()).ok().as_deref() != Some(Path::new(LAB_LOCK_FILE)) {
            continue;
        }
        let info = format!("/proc/{pid}/fdinfo/{}", fd.file_name().to_string_lossy());
        let info = std::fs::read_to_string(info).unwrap_or_default();
        if info.lines().any(|line| line.starts_with("lock:")) {
            return Some("holds");
        }
        state = Some("waits");
    }
    state
}

fn cmdline(pid: u32) -> String {
    let raw = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
    String::from_utf8_lossy(&raw)
        .replace('\0', " ")
        .trim_end()
        .to_string()
}
