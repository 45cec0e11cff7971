//! One run at a time: an exclusive `flock` on a file in the state directory.
//! The kernel drops the lock when the last holder of the open file goes, so
//! a killed run never leaves a stale lock behind.
//!
//! `openstack` and `glance-manage` children get a copy of the locked descriptor: if the wizard
//! is killed while `openstack` creates the endpoints, the orphaned child still
//! holds the lock, and the next run waits for it to finish instead of racing
//! it into a duplicate endpoint. Daemons (service restarts, package scripts)
//! never get the copy, or they would hold the lock for ever: the copy exists
//! only while its one child is started ([`crate::util::inherit::start_child`]), so
//! no other child started meanwhile inherits it, and the wizard itself holds
//! no copy once the child runs.
//!
//! The lock file, like every file of the state directory, is opened without
//! following a link and kept mode 0600 ([`crate::util::fs`]).
//!
//! Every child the runners start (apt-get, `su … glance-manage db_sync`,
//! `service glance-api restart`, `openstack …`) is also recorded, by pid and
//! start time, in the file `child` of the state directory while it runs. A
//! run killed with `kill -9` leaves that record behind with the child still
//! running as an orphan; the next run waits for that process to end before
//! it does anything, instead of racing it (a second `apt-get` against the
//! dpkg lock, a second `db_sync` against a half-migrated schema, a second
//! restart against the first). Only the direct child is waited for: a daemon
//! it started is not.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{Read, Seek, Write};
use std::os::fd::{AsFd, BorrowedFd};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering as AtomicOrdering};
use std::time::{Duration, Instant};

use crate::i18n::{Message, MessageError};

pub struct RunLock {
    file: File,
}

/// How long a new run waits for processes left behind by a killed run (an
/// orphaned `apt-get install` may still be downloading).
pub const ORPHAN_WAIT: Duration = Duration::from_secs(900);

/// The record of the running child, in the state directory.
pub const CHILD_FILE: &str = "child";

/// A child process as recorded while it runs.
#[derive(Debug, Clone, PartialEq)]
pub struct ChildRecord {
    pub pid: u32,
    /// Start time in clock ticks since boot (/proc/PID/stat field 22): a
    /// later process that reuses the pid is not mistaken for the child.
    pub start_time: u64,
    /// The command line as shown in the log (never holds a secret).
    pub command: String,
}

/// Start time of a live process; None when it is gone or a zombie.
pub fn start_time(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // `pid (comm) state ppid …`: comm may hold spaces and parentheses.
    let rest = stat.rsplit_once(") ")?.1;
    let fields: Vec<&str> = rest.split(' ').collect();
    if fields.first() == Some(&"Z") {
        return None;
    }
    // Field 22 of the whole line is field 20 after `pid (comm)`: index 19.
    fields.get(19)?.parse().ok()
}

impl ChildRecord {
    fn line(&self) -> String {
        format!("{} {} {}\n", self.pid, self.start_time, self.command)
    }

    fn parse(line: &str) -> Option<ChildRecord> {
        let mut parts = line.splitn(3, ' ');
        Some(ChildRecord {
            pid: parts.next()?.parse().ok()?,
            start_time: parts.next()?.parse().ok()?,
            command: parts.next().unwrap_or("").to_string(),
        })
    }

    /// The recorded process still runs.
    pub fn running(&self) -> bool {
        start_time(self.pid) == Some(self.start_time)
    }
}

/// The children running now, per state directory: tasks run concurrently,
/// so the record file lists every child of every running task.
static RUNNING_CHILDREN: Mutex<BTreeMap<PathBuf, BTreeMap<u64, Vec<ChildRecord>>>> =
    Mutex::new(BTreeMap::new());
static NEXT_CHILD_KEY: AtomicU64 = AtomicU64::new(0);

/// Rewrites the record file from the registry (atomically), or removes it
/// when no child runs.
fn write_child_file(state_dir: &Path, children: &BTreeMap<u64, Vec<ChildRecord>>) {
    let path = state_dir.join(CHILD_FILE);
    if children.is_empty() {
        let _ = std::fs::remove_file(&path);
        return;
    }
    let text: String = children.values().flatten().map(ChildRecord::line).collect();
    let _ = crate::util::fs::write_atomically(&path, text.as_bytes(), 0o600, None);
}

/// Removes the record of a child once it has ended (on drop).
pub struct ChildGuard {
    state_dir: PathBuf,
    key: u64,
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        let mut registry = RUNNING_CHILDREN.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(children) = registry.get_mut(&self.state_dir) {
            children.remove(&self.key);
            write_child_file(&self.state_dir, children);
        }
    }
}

/// Records the children just started (one command: usually one pid) until
/// the guard is dropped. Failing to record is not fatal: the run goes on.
pub fn record_child(state_dir: &Path, pids: &[u32], command: &str) -> ChildGuard {
    let records: Vec<ChildRecord> = pids
        .iter()
        .filter_map(|&pid| {
            Some(ChildRecord {
                pid,
                start_time: start_time(pid)?,
                command: command.replace('\n', " "),
            })
        })
        .collect();
    let key = NEXT_CHILD_KEY.fetch_add(1, AtomicOrdering::Relaxed);
    let mut registry = RUNNING_CHILDREN.lock().unwrap_or_else(|e| e.into_inner());
    let children = registry.entry(state_dir.to_path_buf()).or_default();
    children.insert(key, records);
    write_child_file(state_dir, children);
    ChildGuard {
        state_dir: state_dir.to_path_buf(),
        key,
    }
}

/// The children recorded by an earlier run that still run.
pub fn orphans(state_dir: &Path) -> Vec<ChildRecord> {
    crate::util::fs::read_regular(&state_dir.join(CHILD_FILE))
        .unwrap_or_default()
        .lines()
        .filter_map(ChildRecord::parse)
        .filter(ChildRecord::running)
        .collect()
}

fn waiting_for(child: &ChildRecord) -> Message {
    Message::new("lock.waiting_for")
        .arg("command", &child.command)
        .arg("pid", child.pid)
}

/// Waits until no child recorded by an earlier run still runs, telling
/// `report` what it waits for. Err after `wait`.
fn wait_for_orphans(
    state_dir: &Path,
    wait: Duration,
    report: &mut dyn FnMut(&Message),
) -> anyhow::Result<()> {
    let started = Instant::now();
    let mut told = Vec::new();
    loop {
        let running = orphans(state_dir);
        if running.is_empty() {
            if !told.is_empty() {
                report(
                    &Message::new("lock.ended")
                        .arg("seconds", format!("{:.1}", started.elapsed().as_secs_f64())),
                );
            }
            let _ = std::fs::remove_file(state_dir.join(CHILD_FILE));
            return Ok(());
        }
        for child in &running {
            if !told.contains(&child.pid) {
                report(&waiting_for(child));
                told.push(child.pid);
            }
        }
        if started.elapsed() > wait {
            let child = &running[0];
            return Err(MessageError(
                Message::new("lock.orphan_runs")
                    .arg("command", &child.command)
                    .arg("pid", child.pid)
                    .arg("seconds", wait.as_secs()),
            )
            .into());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn holder_pid(file: &mut File) -> Option<u32> {
    let mut text = String::new();
    file.rewind().ok()?;
    file.read_to_string(&mut text).ok()?;
    text.trim().parse().ok()
}

fn is_alive(pid: u32) -> bool {
    // A zombie (killed, not yet reaped) holds nothing.
    start_time(pid).is_some()
}

impl RunLock {
    /// Takes the lock. A live wizard holding it is refused at once; a lock
    /// held only by a dead wizard's children is waited for (up to `wait`),
    /// and so is a child a killed run recorded.
    pub fn acquire(state_dir: &Path, wait: Duration) -> anyhow::Result<RunLock> {
        Self::acquire_reporting(state_dir, wait, &mut |_| {})
    }

    /// [`RunLock::acquire`], telling `report` what it waits for.
    pub fn acquire_reporting(
        state_dir: &Path,
        wait: Duration,
        report: &mut dyn FnMut(&Message),
    ) -> anyhow::Result<RunLock> {
        crate::engine::ensure_state_dir(state_dir)?;
        let path = state_dir.join("lock");
        let mut file = crate::util::fs::open_private(&path, crate::util::fs::Access::ReadWrite)?;
        let started = Instant::now();
        let mut told = false;
        loop {
            match file.try_lock() {
                Ok(()) => break,
                Err(std::fs::TryLockError::WouldBlock) => {
                    let holder = holder_pid(&mut file);
                    if let Some(pid) = holder
                        && pid != std::process::id()
                        && is_alive(pid)
                    {
                        return Err(MessageError(
                            Message::new("lock.held")
                                .arg("pid", pid)
                                .arg("path", path.display()),
                        )
                        .into());
                    }
                    if !told {
                        let children = orphans(state_dir);
                        if children.is_empty() {
                            report(
                                &Message::new("lock.waiting_orphans").arg("path", path.display()),
                            );
                        }
                        for child in &children {
                            report(&waiting_for(child));
                        }
                        told = true;
                    }
                    if started.elapsed() > wait {
                        return Err(MessageError(
                            Message::new("lock.still_held").arg("path", path.display()),
                        )
                        .into());
                    }
                    std::thread::sleep(Duration::from_millis(200));
                }
                Err(std::fs::TryLockError::Error(e)) => return Err(e.into()),
            }
        }
        file.set_len(0)?;
        file.rewind()?;
        writeln!(file, "{}", std::process::id())?;
        file.flush()?;
        wait_for_orphans(state_dir, wait.saturating_sub(started.elapsed()), report)?;
        Ok(RunLock { file })
    }
}

/// The locked descriptor, for [`crate::util::inherit::start_child`] to hand to
/// one short-lived child.
impl AsFd for RunLock {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.file.as_fd()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_in_a_live_process_is_refused_by_pid() {
        let dir = tempfile::tempdir().unwrap();
        let first = RunLock::acquire(dir.path(), Duration::ZERO).unwrap();
        // Pretend the holder is another live process: pid 1 always exists.
        std::fs::write(dir.path().join("lock"), "1\n").unwrap();
        let refused = RunLock::acquire(dir.path(), Duration::ZERO).err().unwrap();
        let err = refused.to_string();
        assert!(err.contains("pid 1"), "{err}");
        // In the screen's or the locale's language.
        use crate::i18n::{Lang, Texts};
        let chinese = Texts::of(Lang::ZhCn).error(&refused);
        assert!(
            chinese.starts_with("另一个 glance-wizard 运行（pid 1）持有"),
            "{chinese}"
        );
        assert_eq!(Texts::of(Lang::En).error(&refused), err);
        drop(first);
        RunLock::acquire(dir.path(), Duration::ZERO).unwrap();
    }

    #[test]
    fn a_child_recorded_by_a_killed_run_is_waited_for() {
        let dir = tempfile::tempdir().unwrap();
        let mut child = std::process::Command::new("sleep")
            .arg("1")
            .spawn()
            .unwrap();
        // A killed run never drops its guard: the record stays.
        std::mem::forget(record_child(dir.path(), &[child.id()], "sleep 1"));
        assert_eq!(orphans(dir.path()).len(), 1);
        let mut told = Vec::new();
        let lock = RunLock::acquire_reporting(dir.path(), Duration::from_secs(30), &mut |l| {
            told.push(l.to_string())
        })
        .unwrap();
        // Ended (a zombie until reaped counts as ended).
        assert!(start_time(child.id()).is_none());
        child.wait().unwrap();
        assert!(told[0].contains("`sleep 1`"), "{told:?}");
        assert!(told[0].contains(&format!("pid {}", child.id())), "{told:?}");
        assert!(told[1].starts_with("it ended"), "{told:?}");
        assert!(!dir.path().join(CHILD_FILE).exists());
        drop(lock);
    }

    #[test]
    fn a_record_whose_pid_now_names_another_process_is_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let me = std::process::id();
        let other_start = start_time(me).unwrap() + 1;
        std::fs::write(
            dir.path().join(CHILD_FILE),
            format!("{me} {other_start} apt-get install glance-api\n"),
        )
        .unwrap();
        assert!(orphans(dir.path()).is_empty());
        let mut told = Vec::new();
        RunLock::acquire_reporting(dir.path(), Duration::ZERO, &mut |l| {
            told.push(l.to_string())
        })
        .unwrap();
        assert!(told.is_empty(), "{told:?}");
    }

    #[test]
    fn an_orphan_that_outlives_the_wait_is_reported_by_pid() {
        let dir = tempfile::tempdir().unwrap();
        let mut child = std::process::Command::new("sleep")
            .arg("30")
            .spawn()
            .unwrap();
        std::mem::forget(record_child(dir.path(), &[child.id()], "sleep 30"));
        let err = RunLock::acquire(dir.path(), Duration::from_millis(300))
            .err()
            .unwrap()
            .to_string();
        child.kill().unwrap();
        child.wait().unwrap();
        assert!(err.contains(&format!("kill {}", child.id())), "{err}");
        // Once it is gone, the next run goes ahead.
        RunLock::acquire(dir.path(), Duration::ZERO).unwrap();
    }

    #[test]
    fn the_guard_removes_the_record_when_the_child_is_done() {
        let dir = tempfile::tempdir().unwrap();
        let guard = record_child(dir.path(), &[std::process::id()], "x");
        assert_eq!(orphans(dir.path()).len(), 1);
        drop(guard);
        assert!(!dir.path().join(CHILD_FILE).exists());
    }

    #[test]
    fn a_lock_left_with_a_child_is_waited_for() {
        let dir = tempfile::tempdir().unwrap();
        let lock = RunLock::acquire(dir.path(), Duration::ZERO).unwrap();
        let mut child = crate::util::inherit::start_child(Some(lock.as_fd()), |_| {
            std::process::Command::new("sleep").arg("1").spawn()
        })
        .unwrap()
        .unwrap();
        drop(lock); // the child still holds the description
        let again = RunLock::acquire(dir.path(), Duration::from_secs(30)).unwrap();
        assert!(
            child.try_wait().unwrap().is_some(),
            "the lock was only granted once the child had exited"
        );
        drop(again);
    }

    /// A state directory with links planted where glance-wizard writes:
    /// nothing is written through them.
    #[test]
    fn links_planted_in_the_state_dir_are_not_followed() {
        use std::os::unix::fs::symlink;
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        std::fs::write(&victim, "keep").unwrap();
        let state = dir.path().join("state");
        std::fs::create_dir(&state).unwrap();
        symlink(&victim, state.join("lock")).unwrap();
        let err = RunLock::acquire(&state, Duration::ZERO).err().unwrap();
        assert!(err.to_string().contains("symbolic link"), "{err}");
        std::fs::remove_file(state.join("lock")).unwrap();
        for name in [CHILD_FILE, ".child.tmp"] {
            symlink(&victim, state.join(name)).unwrap();
        }
        let guard = record_child(&state, &[std::process::id()], "x");
        drop(guard);
        let lock = RunLock::acquire(&state, Duration::ZERO).unwrap();
        drop(lock);
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep");
    }

    fn mode(path: &Path) -> u32 {
        use std::os::unix::fs::MetadataExt;
        std::fs::symlink_metadata(path).unwrap().mode() & 0o7777
    }

    #[test]
    fn an_open_state_dir_of_ours_is_closed_and_its_files_are_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("state");
        std::fs::create_dir(&state).unwrap();
        std::fs::set_permissions(&state, std::fs::Permissions::from_mode(0o777)).unwrap();
        let lock = RunLock::acquire(&state, Duration::ZERO).unwrap();
        assert_eq!(mode(&state), 0o700);
        assert_eq!(mode(&state.join("lock")), 0o600);
        let _guard = record_child(&state, &[std::process::id()], "x");
        assert_eq!(mode(&state.join(CHILD_FILE)), 0o600);
        drop(lock);
    }

    /// Needs root to give the directory away, as the wizard runs.
    #[test]
    fn a_state_dir_owned_by_someone_else_is_refused() {
        if !rustix::process::geteuid().is_root() {
            eprintln!("SKIPPED: needs root to chown");
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("state");
        std::fs::create_dir(&state).unwrap();
        std::os::unix::fs::chown(&state, Some(65534), Some(65534)).unwrap();
        let err = RunLock::acquire(&state, Duration::ZERO).err().unwrap();
        assert!(err.to_string().contains("owned by uid 65534"), "{err}");
        assert!(!state.join("lock").exists());
    }
}
