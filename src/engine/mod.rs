//! The engine runs a plan: it skips tasks the journal records as done with
//! the same input fingerprint, runs the rest in order through one runner per
//! task kind, retries transient failures, and reports everything as
//! [`Event`]s to a sink (the headless printer or the TUI) and to a log file.

pub mod journal;
pub mod lock;
mod net;
pub mod outputs;
pub mod pause;
pub mod runner;
mod scheduler;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime};

use crate::answers::Settings;
use crate::i18n::Message;
use crate::plan::{Plan, Task, TaskId};
use crate::util::secret::Redactor;
use scheduler::{Slot, WorkerMessage};

pub use journal::{Journal, TaskRecord, TaskStatus};

/// What the engine reports. Small and cloneable, so it can cross a channel.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    RunStarted {
        total: usize,
        log_path: PathBuf,
    },
    /// `reason` is a message the front end puts into its language.
    TaskSkipped {
        id: TaskId,
        title: String,
        reason: Message,
    },
    TaskStarted {
        id: TaskId,
        title: String,
        index: usize,
        total: usize,
    },
    /// Lines of a child's output or of the runner's own narration, already
    /// redacted: one line, or a block of lines joined by `\n` (a child's
    /// output comes in blocks, as it was read), never ending in `\n`.
    Output {
        id: TaskId,
        lines: String,
    },
    /// A sentence of the runner's or the engine's about a task, already
    /// redacted: the front end puts it into its language (English in the
    /// log).
    Narration {
        id: TaskId,
        sentence: Message,
    },
    /// `reason`, like a failure's `error`, is a message the front end
    /// puts into its language (English in the log).
    TaskRetrying {
        id: TaskId,
        attempt: u32,
        wait: Duration,
        reason: Message,
    },
    TaskFinished {
        id: TaskId,
        duration: Duration,
        outputs: outputs::TaskOutputs,
    },
    TaskFailed {
        id: TaskId,
        duration: Duration,
        error: Message,
    },
    RunFinished {
        ok: bool,
        duration: Duration,
    },
}

/// Where events go.
pub trait EventSink {
    fn emit(&mut self, event: Event);
}

impl EventSink for std::sync::mpsc::Sender<Event> {
    fn emit(&mut self, event: Event) {
        let _ = self.send(event);
    }
}

impl<F: FnMut(Event)> EventSink for F {
    fn emit(&mut self, event: Event) {
        self(event)
    }
}

/// The test image a verified run's outputs name.
pub fn verified_image(
    outputs: &BTreeMap<TaskId, outputs::TaskOutputs>,
) -> Option<&outputs::ImageOutputs> {
    outputs.values().find_map(outputs::TaskOutputs::image)
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq)]
pub enum RunOutcome {
    /// Every task done, verification included: what each left, by task id.
    Verified {
        outputs: BTreeMap<TaskId, outputs::TaskOutputs>,
    },
    Failed {
        task: TaskId,
        error: Message,
        /// What kind of failure, for the front end to route on (the TUI
        /// opens the proxy screen when [`ErrorKind::needs_proxy_settings`]).
        kind: ErrorKind,
    },
    Cancelled,
}

/// What kind of trouble a task ran into, as far as the runner can tell.
/// Front ends route on it; the message says the rest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ErrorKind {
    /// Anything not listed below.
    #[default]
    Other,
    /// The mirror or its metadata (HTTP 5xx/404, hash mismatch, a timeout
    /// mid-transfer): metadata cleaned, retried with back-off.
    Mirror,
    /// Another package manager holds the lock: waited for.
    LockHeld,
    /// The mirror (or the proxy) cannot be reached at all: name resolution
    /// or connection failure. Retried; then the answer is usually a proxy.
    Unreachable,
    /// The proxy wants credentials (HTTP 407).
    ProxyAuth,
    /// A TLS or CA problem (often a TLS-inspecting proxy whose CA is not
    /// installed).
    Tls,
    /// The package is in no enabled repository: a repository to enable.
    RepositoryMissing,
}

impl ErrorKind {
    /// The fix is in the `[proxy]` answers (or the network path they
    /// describe): the TUI sends the user to its proxy screen.
    pub fn needs_proxy_settings(self) -> bool {
        matches!(
            self,
            ErrorKind::Unreachable | ErrorKind::ProxyAuth | ErrorKind::Tls
        )
    }

    /// A short stable name, for logs and tests.
    pub fn name(self) -> &'static str {
        match self {
            ErrorKind::Other => "other",
            ErrorKind::Mirror => "mirror",
            ErrorKind::LockHeld => "lock-held",
            ErrorKind::Unreachable => "unreachable",
            ErrorKind::ProxyAuth => "proxy-auth",
            ErrorKind::Tls => "tls",
            ErrorKind::RepositoryMissing => "repository-missing",
        }
    }
}

/// What fixes a failure, which decides what the engine does with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorClass {
    /// Can pass by itself (a mirror hiccup, a timeout, a service still
    /// starting, a held lock): retried with growing pauses.
    Retryable,
    /// Only the user can fix it (a proxy that refuses or does not resolve,
    /// a name that does not resolve, HTTP 407, a missing repository): one
    /// quick recheck at most, then the message that names the fix.
    NeedsUser,
    /// Neither time nor the answers are known to fix it: stop at once.
    Fatal,
}

impl ErrorClass {
    /// A short stable name, for logs and tests.
    pub fn name(self) -> &'static str {
        match self {
            ErrorClass::Retryable => "retryable",
            ErrorClass::NeedsUser => "needs-user",
            ErrorClass::Fatal => "fatal",
        }
    }
}

/// A task's failure, as the runner judges it.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskError {
    /// What happened and what to do, in words the front end translates;
    /// English (`Message::english`) in the log and the journal.
    pub message: Message,
    /// What fixes it: time, the user, or nothing known.
    pub class: ErrorClass,
    /// What kind of failure; [`ErrorKind::Other`] unless the runner knows.
    pub kind: ErrorKind,
    /// Set when what failed is something a finished task set up: the
    /// engine checks that task again, repairs it, then retries this one.
    pub cause: Option<Cause>,
}

/// A failure whose fix is the work of another task, one the journal may
/// record as done: someone changed or removed it outside the wizard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cause {
    /// The database refused the glance account (wrong password, no
    /// grants, no database): the database task's work.
    DbAccessDenied,
    /// Keystone refused the glance service user's password: the user
    /// task's work.
    ServiceUserRefused,
    /// An image endpoint is missing from the catalog: the endpoints task's.
    EndpointMissing,
    /// Glance refuses although its database account and its service user
    /// log in: glance-api runs with an older configuration (one a restart
    /// left out): the services task's.
    GlanceStale,
}

impl Cause {
    /// Whether a task of `kind` sets up what this cause is about.
    pub fn owned_by(self, kind: &crate::plan::TaskKind) -> bool {
        use crate::plan::TaskKind;
        matches!(
            (self, kind),
            (Cause::DbAccessDenied, TaskKind::Sql(_))
                | (Cause::ServiceUserRefused, TaskKind::IdentityUser(_))
                | (Cause::EndpointMissing, TaskKind::IdentityEndpoints(_))
                | (Cause::GlanceStale, TaskKind::Services(_))
        )
    }

    /// For messages: what went wrong.
    pub fn describe(self) -> Message {
        Message::new(match self {
            Cause::DbAccessDenied => "cause.db_access_denied",
            Cause::ServiceUserRefused => "cause.service_user_refused",
            Cause::EndpointMissing => "cause.endpoint_missing",
            Cause::GlanceStale => "cause.glance_stale",
        })
    }
}

impl TaskError {
    pub fn new(class: ErrorClass, message: Message) -> Self {
        TaskError {
            message,
            class,
            kind: ErrorKind::Other,
            cause: None,
        }
    }
    /// The next three take English whose words are not in assets/i18n
    /// yet: it reaches a Chinese screen as it is.
    pub fn fatal(message: impl Into<String>) -> Self {
        Self::new(ErrorClass::Fatal, Message::verbatim(message.into()))
    }
    pub fn transient(message: impl Into<String>) -> Self {
        Self::new(ErrorClass::Retryable, Message::verbatim(message.into()))
    }
    pub fn needs_user(message: impl Into<String>) -> Self {
        Self::new(ErrorClass::NeedsUser, Message::verbatim(message.into()))
    }
    /// The message with every text parameter redacted (a server may
    /// quote a secret; the translations hold none).
    pub fn redacted(&self, redactor: &Redactor) -> Message {
        let mut message = self.message.clone();
        message.map_texts(&|text| redactor.redact(text));
        message
    }
    pub fn with_kind(mut self, kind: ErrorKind) -> Self {
        self.kind = kind;
        self
    }
    /// Worth retrying after a pause.
    pub fn retryable(&self) -> bool {
        self.class == ErrorClass::Retryable
    }
    pub fn with_cause(mut self, cause: Cause) -> Self {
        self.cause = Some(cause);
        self
    }
}

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

/// Retry policy: bounded attempts with growing pauses, and a separate,
/// longer budget for waiting on a lock another package manager holds
/// (unattended-upgrades can hold it for minutes). Tests shorten the waits.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Attempts in all for a retryable failure (the first one included).
    pub attempts: u32,
    /// Pause after the first failed attempt; doubled after each further one.
    pub first_wait: Duration,
    /// Longest pause between two attempts.
    pub max_wait: Duration,
    /// How long to keep waiting for a held lock, in all.
    pub lock_wait: Duration,
    /// Pause between two looks at a held lock.
    pub lock_poll: Duration,
    /// Pause before the one recheck of a needs-user failure (a proxy
    /// restarting in that instant should not stop the run).
    pub recheck_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 4,
            first_wait: Duration::from_secs(10),
            max_wait: Duration::from_secs(60),
            lock_wait: Duration::from_secs(600),
            lock_poll: Duration::from_secs(10),
            recheck_wait: Duration::from_secs(2),
        }
    }
}

impl RetryPolicy {
    /// The pause after failed attempt number `attempt` (1-based).
    pub fn wait_after(&self, attempt: u32) -> Duration {
        let factor = 2u32.saturating_pow(attempt.saturating_sub(1).min(16));
        self.first_wait.saturating_mul(factor).min(self.max_wait)
    }
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
    /// a failure whose [`Cause`] is a finished task's work reruns that task.
    pub verify: bool,
}

/// Tasks run at once by default: the plan has at most four independent
/// chains (database, two Keystone chains, packages), and most of their time
/// is spent waiting on children and servers, not on this machine's cores.
pub const DEFAULT_JOBS: usize = 4;

/// The sink plus the log file: every event goes to both. An event is one
/// write to the log (a block of a million lines is a few large writes), made
/// before the event goes on, so a `kill -9` loses nothing already reported.
struct Reporter<'s> {
    sink: &'s mut dyn EventSink,
    log: std::fs::File,
    /// Reused for each event's log text.
    buf: Vec<u8>,
}

impl Reporter<'_> {
    fn emit(&mut self, event: Event) {
        self.buf.clear();
        write_log(&mut self.buf, &timestamp(), &event);
        let _ = self.log.write_all(&self.buf);
        self.sink.emit(event);
    }
}

fn timestamp() -> String {
    humantime::format_rfc3339_seconds(SystemTime::now()).to_string()
}

/// Appends an event's log text to `out`: [`log_line`] with the time before
/// each line (one line per line of output, each with the task's id),
/// without allocating per line.
pub fn write_log(out: &mut Vec<u8>, timestamp: &str, event: &Event) {
    match event {
        Event::Output { id, lines } => write_block(out, timestamp, *id, lines),
        // A sentence may hold a multi-line error: each line with its task.
        Event::Narration { id, sentence } => write_block(out, timestamp, *id, &sentence.english()),
        other => {
            out.extend_from_slice(timestamp.as_bytes());
            out.push(b' ');
            out.extend_from_slice(log_line(other).as_bytes());
            out.push(b'\n');
        }
    }
}

/// Lines joined by `\n`, each with the time and the task's id.
fn write_block(out: &mut Vec<u8>, timestamp: &str, id: TaskId, lines: &str) {
    let mut prefix = Vec::with_capacity(timestamp.len() + id.as_str().len() + 3);
    prefix.extend_from_slice(timestamp.as_bytes());
    prefix.extend_from_slice(b" [");
    prefix.extend_from_slice(id.as_str().as_bytes());
    prefix.extend_from_slice(b"] ");
    let bytes = lines.as_bytes();
    out.reserve(bytes.len() + 1 + bytes.len() / 8 * prefix.len());
    out.extend_from_slice(&prefix);
    // Lines are short: a plain scan beats a SIMD search per line.
    let mut start = 0;
    for (end, byte) in bytes.iter().enumerate() {
        if *byte == b'\n' {
            out.extend_from_slice(&bytes[start..=end]);
            out.extend_from_slice(&prefix);
            start = end + 1;
        }
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'\n');
}

/// What the log says of an event (without the time): one line, or one per
/// line of an output block.
pub fn log_line(event: &Event) -> String {
    match event {
        Event::RunStarted { total, log_path } => {
            format!("run started: {total} tasks, log {}", log_path.display())
        }
        Event::TaskSkipped { id, reason, .. } => format!("[{id}] skipped: {reason}"),
        Event::Narration { id, sentence } => sentence
            .english()
            .split('\n')
            .map(|line| format!("[{id}] {line}"))
            .collect::<Vec<_>>()
            .join("\n"),
        Event::TaskStarted {
            id,
            title,
            index,
            total,
        } => format!("[{id}] started ({index}/{total}): {title}"),
        Event::Output { id, lines } => lines
            .split('\n')
            .map(|line| format!("[{id}] {line}"))
            .collect::<Vec<_>>()
            .join("\n"),
        Event::TaskRetrying {
            id,
            attempt,
            wait,
            reason,
        } => format!(
            "[{id}] attempt {attempt} failed: {reason}; retrying in {}s",
            wait.as_secs()
        ),
        Event::TaskFinished { id, duration, .. } => {
            format!("[{id}] done in {:.1}s", duration.as_secs_f64())
        }
        Event::TaskFailed {
            id,
            duration,
            error,
        } => format!(
            "[{id}] FAILED after {:.1}s: {error}",
            duration.as_secs_f64()
        ),
        Event::RunFinished { ok, duration } => format!(
            "run {} in {:.1}s",
            if *ok { "succeeded" } else { "stopped" },
            duration.as_secs_f64()
        ),
    }
}

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
        let mut reporter = Reporter {
            sink,
            log,
            buf: Vec::new(),
        };
        let run = scheduler::Run::start(self, &mut reporter, log_path)?;
        run.drive(&mut reporter)
    }

    /// The pause before the next attempt after `error`, or None to stop:
    /// a held lock is polled within its own budget, a retryable failure
    /// backs off within `retry.attempts`, a needs-user failure gets one
    /// quick recheck (its `failures` count starts it), a fatal one none.
    fn next_wait(
        &self,
        error: &TaskError,
        failures: &mut u32,
        lock_waited: &mut Duration,
    ) -> Option<Duration> {
        match error.class {
            ErrorClass::Retryable if error.kind == ErrorKind::LockHeld => {
                let wait = self.retry.lock_poll;
                (*lock_waited + wait <= self.retry.lock_wait).then(|| {
                    *lock_waited += wait;
                    wait
                })
            }
            ErrorClass::Retryable => {
                *failures += 1;
                (*failures < self.retry.attempts).then(|| self.retry.wait_after(*failures))
            }
            ErrorClass::NeedsUser => {
                *failures += 1;
                (*failures == 1).then_some(self.retry.recheck_wait)
            }
            ErrorClass::Fatal => None,
        }
    }

    /// Whether a task runs in this pass, and why. Done with the same
    /// inputs is skipped only when what it left holds: its config file is
    /// as it left it, no task it follows changed something in this run,
    /// and its probe in this run found its work in place.
    #[allow(clippy::too_many_arguments)]
    fn decide(
        &self,
        journal: &Journal,
        index: usize,
        fingerprint: &str,
        slots: &[Slot],
        upstream: &[usize],
        probe: &mut Option<Result<Message, Message>>,
        repairing: Option<Message>,
    ) -> Decision {
        let task = &self.plan.tasks[index];
        // A repair runs in full: a recheck of the restart would find
        // glance-api answering and leave it on its stale configuration.
        // Every runner probes before it changes anything, so a full run
        // redoes nothing that is in place.
        if let Some(note) = repairing {
            return Decision::Run {
                note: Some(note),
                recheck: false,
            };
        }
        let Some(record) = journal
            .tasks
            .get(&task.id)
            .filter(|_| journal.is_done_with(task.id, fingerprint))
        else {
            return Decision::Run {
                note: None,
                recheck: false,
            };
        };
        let changed_upstream = || {
            upstream
                .iter()
                .find(|&&u| slots[u] == (Slot::Complete { changed: true }))
                .map(|&u| Message::new("recheck.changed_upstream").arg("id", self.plan.tasks[u].id))
        };
        if let Some(note) = runner::drift(task, record.outputs.as_ref()).or_else(changed_upstream) {
            return Decision::Run {
                note: Some(note),
                recheck: false,
            };
        }
        // After the checks above: a task following a change runs in full
        // even when its record is unverified.
        if record.unverified {
            return Decision::Run {
                note: Some(Message::new("recheck.unverified")),
                recheck: true,
            };
        }
        // Only what was checked in this run counts (taken: a task run
        // again later in this run is not skipped on this probe).
        match probe.take() {
            _ if self.verify => Decision::Run {
                note: Some(Message::new("recheck.verify")),
                recheck: true,
            },
            Some(Ok(found)) => Decision::Skip(skip_reason(record.finished_at.as_deref(), found)),
            Some(Err(broken)) => Decision::Run {
                note: Some(Message::new("recheck.broken").msg("why", broken)),
                recheck: true,
            },
            None => Decision::Run {
                note: Some(Message::new("recheck.not_probed")),
                recheck: true,
            },
        }
    }

    /// Probes every task the journal records as done with the same inputs,
    /// all at once (each probe only reads: a REST listing, a login, one SQL
    /// query), before anything runs. `None` for the other tasks, and for
    /// all with `--verify` (each finished task then rechecks in full).
    fn probe_finished(
        &self,
        journal: &Journal,
        fingerprints: &[String],
    ) -> Vec<Option<Result<Message, Message>>> {
        let tasks = &self.plan.tasks;
        if self.verify {
            return vec![None; tasks.len()];
        }
        std::thread::scope(|scope| {
            let probes: Vec<_> = tasks
                .iter()
                .zip(fingerprints)
                .map(|(task, fingerprint)| {
                    let record = journal
                        .tasks
                        .get(&task.id)
                        .filter(|_| journal.is_done_with(task.id, fingerprint))?;
                    Some(scope.spawn(move || self.probe_one(task, record.outputs.as_ref())))
                })
                .collect();
            probes
                .into_iter()
                .map(|probe| {
                    probe.map(|p| {
                        p.join()
                            .unwrap_or_else(|_| Err(Message::new("recheck.panicked")))
                    })
                })
                .collect()
        })
    }

    /// One task's probe; what it says is redacted, what it narrates is not
    /// shown (a run with nothing to do stays quiet).
    fn probe_one(
        &self,
        task: &Task,
        outputs: Option<&runner::TaskOutputs>,
    ) -> Result<Message, Message> {
        let mut quiet = |_: runner::Said<'_>| {};
        let mut ctx = runner::TaskContext {
            reach: &self.reach,
            state_dir: &self.state_dir,
            redactor: &self.redactor,
            cancel: &self.cancel,
            previous_outputs: outputs,
            lock: self.lock,
            recheck: false,
            log: &mut quiet,
        };
        match (self.task_probe)(task, &mut ctx) {
            Ok(mut found) => {
                found.map_texts(&|text| self.redactor.redact(text));
                Ok(found)
            }
            Err(mut broken) => {
                broken.map_texts(&|text| self.redactor.redact(text));
                Err(broken)
            }
        }
    }

    /// Runs one task on a worker thread, retrying transient failures;
    /// its output and retries go to `tx`.
    fn run_with_retries(
        &self,
        task: &Task,
        previous_outputs: Option<&runner::TaskOutputs>,
        recheck: bool,
        tx: &mpsc::SyncSender<WorkerMessage>,
    ) -> Result<runner::TaskOutputs, TaskError> {
        let send = |event: Event| {
            let _ = tx.send(WorkerMessage::Event(event));
        };
        let mut attempt = 1;
        // Failed attempts that count against `retry.attempts` (lock waits
        // do not), and time spent waiting for a lock.
        let mut failures = 0;
        let mut lock_waited = Duration::ZERO;
        loop {
            // Redacted by the runner (`TaskContext::trace`, `tell`).
            let mut emit_line = |said: runner::Said<'_>| send(said_event(task.id, said));
            let mut ctx = runner::TaskContext {
                reach: &self.reach,
                state_dir: &self.state_dir,
                redactor: &self.redactor,
                cancel: &self.cancel,
                previous_outputs,
                lock: self.lock,
                recheck,
                log: &mut emit_line,
            };
            let result = (self.task_runner)(task, &mut ctx);
            let wait = match &result {
                Err(_) if self.cancel.load(Ordering::SeqCst) => None,
                // Waiting does not fix it: the engine repairs the task whose
                // work the cause is, then retries (see `Cause`).
                Err(e) if e.cause.is_some() => None,
                Err(e) => self.next_wait(e, &mut failures, &mut lock_waited),
                Ok(_) => None,
            };
            match (result, wait) {
                (Err(e), Some(wait)) => {
                    send(Event::TaskRetrying {
                        id: task.id,
                        attempt,
                        wait,
                        reason: e.redacted(&self.redactor),
                    });
                    let deadline = Instant::now() + wait;
                    while !self.cancel.load(Ordering::SeqCst) {
                        let left = deadline.saturating_duration_since(Instant::now());
                        if left.is_zero() {
                            break;
                        }
                        std::thread::sleep(left.min(Duration::from_millis(100)));
                    }
                    attempt += 1;
                }
                (Err(mut e), None) if e.retryable() && attempt > 1 => {
                    e.message = if e.kind == ErrorKind::LockHeld {
                        Message::new("failure.lock_waited")
                            .msg("error", e.message)
                            .arg("seconds", format!("{:.1}", lock_waited.as_secs_f64()))
                    } else {
                        Message::new("failure.gave_up")
                            .msg("error", e.message)
                            .arg("attempts", attempt)
                    };
                    return Err(e);
                }
                (other, _) => return other,
            }
        }
    }
}

/// The event of what a task's runner said.
fn said_event(id: TaskId, said: runner::Said<'_>) -> Event {
    match said {
        runner::Said::Trace(lines) => Event::Output {
            id,
            lines: lines.to_string(),
        },
        runner::Said::Sentence(sentence) => Event::Narration { id, sentence },
    }
}

/// Why a task is skipped: done at `finished_at` with the same inputs, and
/// what its probe `found` in this run.
pub(crate) fn skip_reason(finished_at: Option<&str>, found: Message) -> Message {
    Message::new("run_skip.done")
        .arg("time", finished_at.unwrap_or("?"))
        .msg("found", found)
}

/// What the engine does with a task whose upstream is complete.
pub(crate) enum Decision {
    /// Skipped: the reason, naming the check made in this run.
    Skip(Message),
    /// Run, with a note saying why when it is done already, as a recheck
    /// when it is (see [`runner::TaskContext::recheck`]).
    Run {
        note: Option<Message>,
        recheck: bool,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A sentence holding a multi-line error is logged as a block is.
    #[test]
    fn a_sentence_of_several_lines_is_logged_with_its_task_on_each() {
        let event = Event::Narration {
            id: TaskId::PackagesInstall,
            sentence: Message::new("recheck.broken")
                .msg("why", Message::verbatim("dpkg-query failed:\nE: lock")),
        };
        let mut out = Vec::new();
        write_log(&mut out, "T", &event);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "T [packages.install] checking it again: dpkg-query failed:\n\
             T [packages.install] E: lock\n"
        );
        assert_eq!(
            log_line(&event),
            "[packages.install] checking it again: dpkg-query failed:\n[packages.install] E: lock"
        );
    }

    /// A block of output is one log line per line, each with the time and
    /// the task, as `log_line` says.
    #[test]
    fn every_line_of_a_block_is_logged_with_its_task() {
        let event = Event::Output {
            id: TaskId::PackagesInstall,
            lines: "Reading package lists...\n\nDone".into(),
        };
        let mut out = Vec::new();
        write_log(&mut out, "2026-05-01T10:15:00Z", &event);
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            "2026-05-01T10:15:00Z [packages.install] Reading package lists...\n\
             2026-05-01T10:15:00Z [packages.install] \n\
             2026-05-01T10:15:00Z [packages.install] Done\n"
        );
        let expected: Vec<String> = log_line(&event)
            .lines()
            .map(|l| format!("2026-05-01T10:15:00Z {l}"))
            .collect();
        assert_eq!(text.lines().collect::<Vec<_>>(), expected);
        let mut out = Vec::new();
        write_log(
            &mut out,
            "T",
            &Event::RunFinished {
                ok: true,
                duration: Duration::from_secs(2),
            },
        );
        assert_eq!(out, b"T run succeeded in 2.0s\n");
    }

    use crate::plan::{Task, TaskKind, letter, stand_in};
    use runner::tests::settings;
    use std::sync::Mutex;

    /// What a stand-in task does: sleep, then succeed (changing something
    /// or not) or fail.
    #[derive(Clone, Copy)]
    struct Behaviour {
        millis: u64,
        fails: bool,
        changes: bool,
    }

    /// What a stand-in task's probe finds, and what its run fails with
    /// while its cause's owner has not run in this run.
    #[derive(Clone, Copy, Default)]
    struct Probed {
        broken: bool,
        fails_until_owner_ran: Option<Cause>,
        /// The failure stays after its owner's repair.
        cause_persists: bool,
    }

    /// When each task started and ended, and whether it ran as a recheck.
    #[derive(Default)]
    struct Timeline {
        entries: Mutex<Vec<(String, &'static str, Instant, bool)>>,
    }

    impl Timeline {
        fn at(&self, id: &str, what: &str) -> Instant {
            let entries = self.entries.lock().unwrap();
            entries
                .iter()
                .find(|(i, w, _, _)| i == id && *w == what)
                .unwrap_or_else(|| panic!("{id} never {what}"))
                .2
        }

        fn ran(&self) -> Vec<(String, bool)> {
            let entries = self.entries.lock().unwrap();
            entries
                .iter()
                .filter(|(_, w, _, _)| *w == "started")
                .map(|(id, _, _, recheck)| (id.clone(), *recheck))
                .collect()
        }
    }

    /// The kind of the real plan's task `id` (the test settings'), for a
    /// stand-in task.
    fn kind_of(id: TaskId) -> TaskKind {
        let (settings, profile) = settings();
        let plan = crate::plan::build_plan(&settings, &profile);
        plan.task(id).expect("a task of the plan").kind.clone()
    }

    /// A plan of stand-in tasks: (id, after).
    fn plan_of(profile: &crate::host::target::Profile, tasks: &[(&str, &[&str])]) -> Plan {
        let kind = kind_of(TaskId::IdentityRole);
        Plan {
            profile: profile.clone(),
            tasks: tasks
                .iter()
                .map(|(id, after)| Task {
                    id: stand_in(id),
                    title: crate::i18n::Message::new("task.run_command").arg("command", id),
                    kind: kind.clone(),
                    after: after.iter().map(|a| stand_in(a)).collect(),
                })
                .collect(),
        }
    }

    /// Runs `plan` with stand-in tasks behaving as `behaviour` says, their
    /// probes finding everything in place.
    fn run_plan(
        plan: &Plan,
        settings: &Settings,
        state_dir: &Path,
        jobs: usize,
        verify: bool,
        behaviour: &(dyn Fn(&str) -> Behaviour + Sync),
    ) -> (RunOutcome, Timeline) {
        let (outcome, timeline, _) = run_probed(
            plan,
            state_dir,
            (settings, jobs, verify),
            behaviour,
            &|_| Probed::default(),
        );
        (outcome, timeline)
    }

    /// [`run_plan`] with probes that find what `probed` says; also returns
    /// the events.
    fn run_probed(
        plan: &Plan,
        state_dir: &Path,
        (settings, jobs, verify): (&Settings, usize, bool),
        behaviour: &(dyn Fn(&str) -> Behaviour + Sync),
        probed: &(dyn Fn(&str) -> Probed + Sync),
    ) -> (RunOutcome, Timeline, Vec<Event>) {
        let timeline = Timeline::default();
        let mut events = Vec::new();
        let outcome = {
            let runner: &TaskRunner<'_> = &|task, ctx| {
                let id = letter(task.id);
                let b = behaviour(id);
                let recheck = ctx.recheck;
                let note = |what| {
                    timeline.entries.lock().unwrap().push((
                        id.to_string(),
                        what,
                        Instant::now(),
                        recheck,
                    ))
                };
                note("started");
                std::thread::sleep(Duration::from_millis(b.millis));
                note("ended");
                if b.fails {
                    return Err(TaskError::fatal(format!("{id} failed")));
                }
                if let Some(cause) = probed(id).fails_until_owner_ran {
                    let owner_ran = timeline.entries.lock().unwrap().iter().any(|(e, w, ..)| {
                        *w == "ended"
                            && plan
                                .task(stand_in(e))
                                .is_some_and(|t| cause.owned_by(&t.kind))
                    });
                    if !owner_ran || probed(id).cause_persists {
                        return Err(TaskError::transient(format!("{id} refused")).with_cause(cause));
                    }
                }
                // A config task's outputs say whether it changed its file.
                Ok(runner::TaskOutputs::Config(outputs::ConfigOutputs {
                    sha256: String::new(),
                    changed: b.changes,
                    backup: None,
                }))
            };
            let probe: &TaskProbe<'_> = &|task, _ctx| {
                let id = letter(task.id);
                if probed(id).broken {
                    Err(Message::verbatim(format!("{id} is gone")))
                } else {
                    Ok(Message::verbatim(format!("{id} is there")))
                }
            };
            let mut engine = Engine::new(plan, settings, state_dir);
            engine.task_runner = runner;
            engine.task_probe = probe;
            engine.jobs = jobs;
            engine.verify = verify;
            engine.run(&mut |event: Event| events.push(event)).unwrap()
        };
        (outcome, timeline, events)
    }

    fn quick(millis: u64) -> Behaviour {
        Behaviour {
            millis,
            fails: false,
            changes: true,
        }
    }

    /// Independent tasks run at the same time; a task starts only once
    /// every task it follows has ended.
    #[test]
    fn independent_tasks_overlap_and_followers_wait() {
        let (settings, profile) = settings();
        let dir = tempfile::tempdir().unwrap();
        let plan = plan_of(
            &profile,
            &[("a", &[]), ("b", &[]), ("c", &["a"]), ("d", &["b", "c"])],
        );
        // Margins of several hundred ms: threads on a loaded 2-core machine start late.
        let millis = |id: &str| quick(if id == "b" { 1500 } else { 400 });
        let (outcome, t) = run_plan(&plan, &settings, dir.path(), 4, false, &millis);
        assert!(
            matches!(outcome, RunOutcome::Verified { .. }),
            "{outcome:?}"
        );
        assert!(t.at("b", "started") < t.at("a", "ended"), "a and b overlap");
        assert!(t.at("c", "started") >= t.at("a", "ended"));
        assert!(t.at("c", "started") < t.at("b", "ended"), "c runs beside b");
        assert!(t.at("d", "started") >= t.at("b", "ended"));
        assert!(t.at("d", "started") >= t.at("c", "ended"));
    }

    /// `--jobs 1`: one task at a time, in plan order.
    #[test]
    fn one_job_runs_the_plan_in_order_one_task_at_a_time() {
        let (settings, profile) = settings();
        let dir = tempfile::tempdir().unwrap();
        let plan = plan_of(
            &profile,
            &[("a", &[]), ("b", &[]), ("c", &["a"]), ("d", &["b", "c"])],
        );
        let (outcome, t) = run_plan(&plan, &settings, dir.path(), 1, false, &|_| quick(20));
        assert!(
            matches!(outcome, RunOutcome::Verified { .. }),
            "{outcome:?}"
        );
        let order: Vec<String> = t.ran().into_iter().map(|(id, _)| id).collect();
        assert_eq!(order, ["a", "b", "c", "d"]);
        for pair in order.windows(2) {
            assert!(
                t.at(&pair[1], "started") >= t.at(&pair[0], "ended"),
                "{pair:?}"
            );
        }
    }

    /// After a failure no task starts; the ones running finish and are
    /// recorded; the run reports the failed task.
    #[test]
    fn after_a_failure_no_task_starts_and_running_ones_finish() {
        let (settings, profile) = settings();
        let dir = tempfile::tempdir().unwrap();
        let plan = plan_of(
            &profile,
            &[("a", &[]), ("b", &[]), ("c", &["b"]), ("d", &[])],
        );
        let behaviour = |id: &str| match id {
            "a" => Behaviour {
                millis: 20,
                fails: true,
                changes: false,
            },
            "b" => quick(300),
            _ => quick(10),
        };
        let (outcome, t) = run_plan(&plan, &settings, dir.path(), 2, false, &behaviour);
        match outcome {
            RunOutcome::Failed { task, error, .. } => {
                assert_eq!(task, stand_in("a"));
                assert_eq!(error.english(), "a failed");
            }
            other => panic!("{other:?}"),
        }
        // d would have taken a's slot, c would have followed b. (a and b
        // start together: their threads may note their start in any order.)
        let mut ran: Vec<String> = t.ran().into_iter().map(|(id, _)| id).collect();
        ran.sort();
        assert_eq!(ran, ["a", "b"]);
        let journal = journal::Journal::load(dir.path()).unwrap().unwrap();
        assert_eq!(journal.tasks[&stand_in("a")].status, TaskStatus::Failed);
        assert_eq!(journal.tasks[&stand_in("b")].status, TaskStatus::Done);
        assert!(!journal.tasks.contains_key(&stand_in("c")));
        assert!(!journal.tasks.contains_key(&stand_in("d")));
    }

    /// A second run runs nothing; `--verify` rechecks every task, and a
    /// task following one that changed something runs again for real.
    #[test]
    fn a_rerun_skips_done_tasks_and_verify_rechecks_them() {
        let (settings, profile) = settings();
        let dir = tempfile::tempdir().unwrap();
        let plan = plan_of(&profile, &[("a", &[]), ("b", &[]), ("c", &["a"])]);
        let unchanged = |_: &str| Behaviour {
            millis: 5,
            fails: false,
            changes: false,
        };
        let (first, _) = run_plan(&plan, &settings, dir.path(), 4, false, &unchanged);
        assert!(matches!(first, RunOutcome::Verified { .. }), "{first:?}");
        let (again, t) = run_plan(&plan, &settings, dir.path(), 4, false, &unchanged);
        assert!(matches!(again, RunOutcome::Verified { .. }), "{again:?}");
        assert!(t.ran().is_empty(), "{:?}", t.ran());
        // --verify: a finds something to repair (changed), b does not.
        let repairs_a = |id: &str| Behaviour {
            millis: 5,
            fails: false,
            changes: id == "a",
        };
        let (verified, t) = run_plan(&plan, &settings, dir.path(), 4, true, &repairs_a);
        assert!(
            matches!(verified, RunOutcome::Verified { .. }),
            "{verified:?}"
        );
        let mut ran = t.ran();
        ran.sort();
        assert_eq!(
            ran,
            [
                ("a".to_string(), true),
                ("b".to_string(), true),
                ("c".to_string(), false)
            ]
        );
    }

    fn unchanged(_: &str) -> Behaviour {
        Behaviour {
            millis: 5,
            fails: false,
            changes: false,
        }
    }

    /// Every run probes its finished tasks: one whose work is gone runs
    /// again (as a recheck: it redoes only what is missing), the others
    /// are skipped with what their probe found in this run, never on the
    /// journal's word alone.
    #[test]
    fn a_finished_task_whose_probe_fails_runs_again() {
        let (settings, profile) = settings();
        let dir = tempfile::tempdir().unwrap();
        let plan = plan_of(&profile, &[("a", &[]), ("b", &[]), ("c", &["a"])]);
        let all_there = |_: &str| Probed::default();
        let opts = (&settings, 4, false);
        let (first, ..) = run_probed(&plan, dir.path(), opts, &unchanged, &all_there);
        assert!(matches!(first, RunOutcome::Verified { .. }), "{first:?}");

        let a_gone = |id: &str| Probed {
            broken: id == "a",
            ..Probed::default()
        };
        let (again, t, events) = run_probed(&plan, dir.path(), opts, &unchanged, &a_gone);
        assert!(matches!(again, RunOutcome::Verified { .. }), "{again:?}");
        assert_eq!(t.ran(), [("a".to_string(), true)]);
        assert!(
            events.contains(&Event::Narration {
                id: stand_in("a"),
                sentence: Message::new("recheck.broken").msg("why", Message::verbatim("a is gone"))
            }),
            "{events:?}"
        );
        let skipped: Vec<&str> = events
            .iter()
            .filter_map(|e| match e {
                Event::TaskSkipped { id, reason, .. } => {
                    let id = letter(*id);
                    let reason = reason.english();
                    assert!(
                        reason.ends_with(&format!("checked now: {id} is there")),
                        "{reason}"
                    );
                    Some(id)
                }
                _ => None,
            })
            .collect();
        assert_eq!(skipped, ["b", "c"]);
    }

    /// A journal of an older format is carried over unverified: its tasks
    /// are rechecked, but one whose upstream task changed something in
    /// this run (a config rewritten) runs in full, not as a recheck (a
    /// recheck of the restart would leave glance-api on the old config).
    #[test]
    fn an_unverified_task_whose_upstream_changed_runs_in_full() {
        let (settings, profile) = settings();
        let dir = tempfile::tempdir().unwrap();
        let plan = plan_of(&profile, &[("a", &[]), ("c", &["a"])]);
        let (first, _) = run_plan(&plan, &settings, dir.path(), 1, false, &unchanged);
        assert!(matches!(first, RunOutcome::Verified { .. }), "{first:?}");
        let path = journal::Journal::path(dir.path());
        let older = std::fs::read_to_string(&path)
            .unwrap()
            .replace("\"format\": 3", "\"format\": 2");
        std::fs::write(&path, older).unwrap();
        let a_changes = |id: &str| Behaviour {
            changes: id == "a",
            ..quick(10)
        };
        let (again, t) = run_plan(&plan, &settings, dir.path(), 1, false, &a_changes);
        assert!(matches!(again, RunOutcome::Verified { .. }), "{again:?}");
        assert_eq!(
            t.ran(),
            [("a".to_string(), true), ("c".to_string(), false)],
            "a is rechecked; c follows a's change in full"
        );
    }

    /// A task failing on what a finished task set up (here: Keystone
    /// refuses the service user) has that task checked again and repaired,
    /// then is retried, once; when the failure stays, it is reported.
    #[test]
    fn a_failure_naming_a_finished_tasks_cause_reruns_that_task_then_retries() {
        let (settings, profile) = settings();
        let dir = tempfile::tempdir().unwrap();
        let mut plan = plan_of(&profile, &[("user", &[]), ("b", &[]), ("v", &["b"])]);
        plan.tasks[0].kind = kind_of(TaskId::IdentityUser);
        let opts = (&settings, 4, false);
        let all_there = |_: &str| Probed::default();
        let (first, ..) = run_probed(&plan, dir.path(), opts, &unchanged, &all_there);
        assert!(matches!(first, RunOutcome::Verified { .. }), "{first:?}");

        // v's probe fails; its run fails on the user's work until the user
        // task has run again.
        let v_refused = |id: &str| Probed {
            broken: id == "v",
            fails_until_owner_ran: (id == "v").then_some(Cause::ServiceUserRefused),
            cause_persists: false,
        };
        let started = Instant::now();
        let (again, t, events) = run_probed(&plan, dir.path(), opts, &unchanged, &v_refused);
        assert!(matches!(again, RunOutcome::Verified { .. }), "{again:?}");
        let ran = t.ran();
        assert_eq!(
            ran,
            [
                ("v".to_string(), true),
                // A repair runs in full.
                ("user".to_string(), false),
                // Failed in this run: a plain run now.
                ("v".to_string(), false)
            ]
        );
        assert!(t.at("user", "started") >= t.at("v", "ended"));
        // No back-off wait: waiting does not repair it.
        assert!(started.elapsed() < Duration::from_secs(5));
        let said = |needle: &str| {
            events
                .iter()
                .any(|e| matches!(e, Event::Narration { sentence, .. } if sentence.english().contains(needle)))
        };
        assert!(
            said("Keystone refused the glance user's password is identity.user's work"),
            "{events:?}"
        );
        assert!(said(
            "checking it again: verify.image failed because Keystone refused"
        ));

        let stays = |id: &str| Probed {
            cause_persists: id == "v",
            ..v_refused(id)
        };
        let (third, t, _) = run_probed(&plan, dir.path(), opts, &unchanged, &stays);
        match third {
            RunOutcome::Failed { task, .. } => assert_eq!(task, stand_in("v")),
            other => panic!("{other:?}"),
        }
        let ran: Vec<String> = t.ran().into_iter().map(|(id, _)| id).collect();
        assert_eq!(ran, ["v", "user", "v"], "the user task is repaired once");
    }

    #[test]
    fn back_off_doubles_up_to_the_cap() {
        let policy = RetryPolicy::default();
        let waits: Vec<u64> = (1..=5).map(|a| policy.wait_after(a).as_secs()).collect();
        assert_eq!(waits, [10, 20, 40, 60, 60]);
        assert!(ErrorKind::ProxyAuth.needs_proxy_settings());
        assert!(!ErrorKind::Mirror.needs_proxy_settings());
    }

    /// The retry loop by class: a retryable failure uses every attempt,
    /// a needs-user one gets one quick recheck, a fatal one none.
    #[test]
    fn needs_user_failures_are_rechecked_once_not_retried() {
        let (settings, profile) = settings();
        let plan = plan_of(&profile, &[("a", &[])]);
        for (class, runs) in [
            (ErrorClass::Retryable, 3),
            (ErrorClass::NeedsUser, 2),
            (ErrorClass::Fatal, 1),
        ] {
            let dir = tempfile::tempdir().unwrap();
            let calls = std::sync::atomic::AtomicUsize::new(0);
            let runner: &TaskRunner<'_> = &|_, _| {
                calls.fetch_add(1, Ordering::SeqCst);
                Err(TaskError::new(
                    class,
                    Message::verbatim("the proxy refuses"),
                ))
            };
            let mut engine = Engine::new(&plan, &settings, dir.path());
            engine.task_runner = runner;
            engine.retry = RetryPolicy {
                attempts: 3,
                first_wait: Duration::from_millis(10),
                max_wait: Duration::from_millis(10),
                recheck_wait: Duration::from_millis(10),
                ..RetryPolicy::default()
            };
            let outcome = engine.run(&mut |_event: Event| {}).unwrap();
            assert_eq!(calls.load(Ordering::SeqCst), runs, "{}", class.name());
            let RunOutcome::Failed { error, .. } = outcome else {
                panic!("{outcome:?}")
            };
            assert_eq!(
                error.english().contains("gave up after"),
                class == ErrorClass::Retryable,
                "{error}"
            );
        }
    }
}
