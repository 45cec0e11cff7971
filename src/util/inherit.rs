//! Hands a descriptor to exactly one child. Every descriptor glance-wizard
//! opens is close-on-exec; to pass one on (the run lock to `openstack`, a
//! checked openrc to `bash`), a copy without close-on-exec exists only while
//! that one child is started, and the start holds a process-wide mutex that
//! every child start takes (with `#![forbid(unsafe_code)]` there is no
//! `pre_exec` to clear the flag in the child alone): a child started by
//! another thread meanwhile cannot inherit the copy, and the parent closes
//! it as soon as the child exists.

use std::os::fd::{AsRawFd, BorrowedFd, RawFd};
use std::sync::Mutex;

static STARTING: Mutex<()> = Mutex::new(());

/// Runs `start` (which starts one child) under the start mutex. With `fd`,
/// a copy of it without close-on-exec is open during `start` only; its
/// number is given to `start` (for a `/dev/fd/N` argument).
pub fn start_child<T>(
    fd: Option<BorrowedFd<'_>>,
    start: impl FnOnce(Option<RawFd>) -> T,
) -> std::io::Result<T> {
    let _starting = STARTING.lock().unwrap_or_else(|e| e.into_inner());
    // dup(2) gives a new descriptor without FD_CLOEXEC, sharing the open
    // file description (and so a flock on it).
    let copy = fd.map(rustix::io::dup).transpose()?;
    let started = start(copy.as_ref().map(AsRawFd::as_raw_fd));
    drop(copy);
    Ok(started)
}
