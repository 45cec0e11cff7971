//! One run at a time: an exclusive `flock` on a file in the state directory.
//! The kernel drops the lock when the last holder of the open file goes, so
//! a killed run never leaves a stale lock behind.
//!
//! `openstack` and `glance-manage` children get a copy of the locked descriptor: if the wizard
//! is killed while `openstack endpoint create` runs, the orphaned child still
//! holds the lock, and the next run waits for it to finish instead of racing
//! it into a duplicate endpoint. Daemons (service restarts, package scripts)
//! never get the copy, or they would hold the lock for ever.

use std::fs::File;
use std::io::{Read, Seek, Write};
use std::os::fd::OwnedFd;
use std::path::Path;
use std::time::{Duration, Instant};

pub struct RunLock {
    file: File,
}

/// How long a new run waits for processes left behind by a killed run.
pub const ORPHAN_WAIT: Duration = Duration::from_secs(120);

fn holder_pid(file: &mut File) -> Option<u32> {
    let mut text = String::new();
    file.rewind().ok()?;
    file.read_to_string(&mut text).ok()?;
    text.trim().parse().ok()
}

fn is_alive(pid: u32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
}

impl RunLock {
    /// Takes the lock. A live wizard holding it is refused at once; a lock
    /// held only by a dead wizard's children is waited for (up to `wait`).
    pub fn acquire(state_dir: &Path, wait: Duration) -> anyhow::Result<RunLock> {
        let path = state_dir.join("lock");
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)?;
        let started = Instant::now();
        loop {
            match file.try_lock() {
                Ok(()) => break,
                Err(std::fs::TryLockError::WouldBlock) => {
                    let holder = holder_pid(&mut file);
                    if let Some(pid) = holder
                        && pid != std::process::id()
                        && is_alive(pid)
                    {
                        anyhow::bail!(
                            "another glance-wizard run (pid {pid}) holds {}; wait for it to finish",
                            path.display()
                        );
                    }
                    if started.elapsed() > wait {
                        anyhow::bail!(
                            "{} is still held by processes a killed run left behind (see `fuser -v {}`)",
                            path.display(),
                            path.display()
                        );
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
        Ok(RunLock { file })
    }

    /// A duplicate of the locked descriptor without close-on-exec, for a
    /// short-lived child to inherit. Drop it right after the spawn.
    pub fn inheritable(&self) -> std::io::Result<OwnedFd> {
        // dup(2) gives a new descriptor without FD_CLOEXEC, sharing the open
        // file description and so the flock.
        Ok(rustix::io::dup(&self.file)?)
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
        let err = RunLock::acquire(dir.path(), Duration::ZERO)
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("pid 1"), "{err}");
        drop(first);
        RunLock::acquire(dir.path(), Duration::ZERO).unwrap();
    }

    #[test]
    fn a_lock_left_with_a_child_is_waited_for() {
        let dir = tempfile::tempdir().unwrap();
        let lock = RunLock::acquire(dir.path(), Duration::ZERO).unwrap();
        let copy = lock.inheritable().unwrap();
        let mut child = std::process::Command::new("sleep")
            .arg("1")
            .spawn()
            .unwrap();
        drop(copy);
        drop(lock); // the child still holds the description
        let again = RunLock::acquire(dir.path(), Duration::from_secs(30)).unwrap();
        assert!(
            child.try_wait().unwrap().is_some(),
            "the lock was only granted once the child had exited"
        );
        drop(again);
    }
}
