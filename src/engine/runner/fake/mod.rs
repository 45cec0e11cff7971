//! In-memory test doubles of the clients ([`super::clients`]), for the
//! runners' unit tests: each holds the state a runner changes (users,
//! services, endpoints, databases, accounts, packages, images) and can be
//! told to fail an operation with a chosen error, so every error class a
//! runner maps is reachable without the lab.

mod database;
mod glance;
mod keystone;
mod packages;
mod services;

use std::sync::atomic::AtomicBool;

use super::{ChildResult, Reach, TaskContext, TaskOutputs};
use crate::util::secret::Redactor;

pub(crate) use database::{DbOp, FakeDatabase};
pub(crate) use glance::{FakeGlance, GlanceOp};
pub(crate) use keystone::{FakeKeystone, KeystoneOp};
pub(crate) use packages::{FakePackages, PackageOp};
pub(crate) use services::{FakeServices, MetadefFiles, ServiceOp};

/// Runs `f` with a context that records what the task says; `previous` is
/// what an earlier run of the task recorded.
pub(crate) fn in_ctx<T>(
    previous: Option<&TaskOutputs>,
    recheck: bool,
    f: impl FnOnce(&mut TaskContext<'_>) -> T,
) -> (T, Vec<String>) {
    let state = tempfile::tempdir().expect("a temporary state directory");
    in_ctx_at(state.path(), previous, recheck, f)
}

/// [`in_ctx`] with the state directory `state` (what one attempt keeps
/// there, the next finds).
pub(crate) fn in_ctx_at<T>(
    state: &std::path::Path,
    previous: Option<&TaskOutputs>,
    recheck: bool,
    f: impl FnOnce(&mut TaskContext<'_>) -> T,
) -> (T, Vec<String>) {
    let (settings, _) = super::tests::settings();
    let reach = Reach::of(&settings);
    let (redactor, cancel) = (Redactor::new(), AtomicBool::new(false));
    let mut said = Vec::new();
    let mut log = |line: super::Said<'_>| said.push(line.english());
    let mut ctx = TaskContext {
        reach: &reach,
        state_dir: state,
        redactor: &redactor,
        cancel: &cancel,
        previous_outputs: previous,
        lock: None,
        recheck,
        log: &mut log,
    };
    let result = f(&mut ctx);
    (result, said)
}

/// A child's result: its exit code and output.
pub(crate) fn child(code: i32, output: &str) -> ChildResult {
    let mut captured = super::stream::Captured::default();
    if !output.is_empty() {
        captured.push(output);
    }
    ChildResult {
        code: Some(code),
        output: captured,
    }
}
