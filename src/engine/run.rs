//! The engine: what it runs with, and the run itself.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use super::event::{EventSink, RunOutcome};
use super::log::{Reporter, timestamp};
use super::retry::RetryPolicy;
use super::{TaskError, lock, runner, scheduler};
use crate::answers::Settings;
use crate::i18n::Message;
use crate::plan::Plan;
use crate::util::secret::Redactor;

/// Default state directory.
pub const DEFAULT_STATE_DIR: &str = "/var/lib/glance-wizard";

/// Creates the state directory, owner-only, or checks the one there (see
/// [`crate::util::fs::private_dir`]): whoever else could write to it could
/// plant links to files glance-wizard then writes as root, or rewrite the
/// journal.
pub fn ensure_state_dir(state_dir: &Path) -> anyhow::Result<()> {
    crate::util::fs::private_dir(state_dir)?;
    crate::util::fs::private_dir(&state_dir.join("logs"))?;
    Ok(())
}

/// Runs one task: [`runner::run_task`], unless a developer tool swaps it
/// (`glance-wizard bench-run-screen` runs a command of its own through the
/// same engine, log and front end).
pub type TaskRunner<'r> = dyn Fn(&crate::plan::Task, &mut runner::TaskContext<'_>) -> Result<runner::TaskOutputs, TaskError>
    + Send
    + Sync
    + 'r;

/// Looks, cheaply and without changing anything, whether what a finished
/// task set up is still there: `Ok(what it found)` or `Err(what is
/// wrong)`, both in words the front end translates.
/// [`runner::probe`], unless a test swaps it.
pub type TaskProbe<'r> = dyn Fn(&crate::plan::Task, &mut runner::TaskContext<'_>) -> Result<Message, Message>
    + Send
    + Sync
    + 'r;

pub struct Engine<'a> {
    pub plan: &'a Plan,
    /// Who the tasks work as and by which route (see [`runner::Reach`]).
    pub reach: runner::Reach,
    pub state_dir: PathBuf,
    pub redactor: Redactor,
    pub cancel: Arc<AtomicBool>,
    pub retry: RetryPolicy,
    /// Held by the caller; shared with `openstack` children (see [`lock`]).
    pub lock: Option<&'a lock::RunLock>,
    pub task_runner: &'a TaskRunner<'a>,
    /// Probes each finished task at the start of every run (see
    /// [`TaskProbe`]): a task whose probe fails runs again.
    pub task_probe: &'a TaskProbe<'a>,
    /// Tasks run at once at most (1: one after the other, in plan order).
    pub jobs: usize,
    /// Run tasks the journal records as done with the same inputs anyway:
    /// every runner probes before it changes anything, so this checks (and
    /// repairs) in full what an earlier run set up. Off by default: every
    /// run probes its finished tasks cheaply ([`Engine::task_probe`]), and
    /// a failure whose [`Cause`](super::Cause) is a finished task's work
    /// reruns that task.
    pub verify: bool,
}

/// Tasks run at once by default: the plan has at most four independent
/// chains (database, two Keystone chains, packages), and most of their time
/// is spent waiting on children and servers, not on this machine's cores.
pub const DEFAULT_JOBS: usize = 4;

impl<'a> Engine<'a> {
    pub fn new(plan: &'a Plan, settings: &'a Settings, state_dir: &Path) -> Self {
        let redactor = settings.redactor();
        Engine {
            plan,
            reach: runner::Reach::of(settings),
            state_dir: state_dir.to_path_buf(),
            redactor,
            cancel: Arc::new(AtomicBool::new(false)),
            retry: RetryPolicy::default(),
            lock: None,
            task_runner: &runner::run_task,
            task_probe: &runner::probe,
            jobs: DEFAULT_JOBS,
            verify: false,
        }
    }

    /// Runs the plan. The caller holds the [`lock::RunLock`].
    ///
    /// The plan is a graph: a task starts once every task in its `after`
    /// list is complete, and up to [`Engine::jobs`] tasks run at once (the
    /// database, Keystone and package tasks do not wait for each other).
    /// After a failure no new task starts; the ones running finish, so their
    /// checkpoints are true, and the first failure is reported.
    pub fn run(&self, sink: &mut dyn EventSink) -> anyhow::Result<RunOutcome> {
        ensure_state_dir(&self.state_dir)?;
        let log_path = self
            .state_dir
            .join("logs")
            .join(format!("apply-{}.log", timestamp().replace(':', "")));
        let log = crate::util::fs::open_private(&log_path, crate::util::fs::Access::Append)?;
        let mut reporter = Reporter::new(sink, log);
        let run = scheduler::Run::start(self, &mut reporter, log_path)?;
        run.drive(&mut reporter)
    }
}
