//! One runner per task kind, plus the child-process helpers they share.

pub mod clients;
pub mod config;
#[cfg(test)]
pub(crate) mod fake;
pub mod identity;
pub mod packages;
pub mod service;
pub mod sql;
pub mod stream;
pub mod verify;

use std::io::Read;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError, TryRecvError};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use rustix::process::{Pid, Signal};

use crate::answers::{AdminCredentials, ProxySettings, Settings};
use crate::i18n::Message;
use crate::plan::{Task, TaskKind};
use crate::util::secret::Redactor;

use super::{ErrorClass, TaskError};

pub use crate::engine::outputs::TaskOutputs;

/// Who does the work and by which route: the Keystone admin the identity
/// and verify tasks act as, and the proxy of package managers and
/// downloads. Not part of any task's spec: they change how a task reaches
/// the world, not what it leaves behind, so a change to them reruns nothing.
#[derive(Debug, Clone, PartialEq)]
pub struct Reach {
    pub admin: AdminCredentials,
    pub proxy: ProxySettings,
    /// The catalog the probes at the start of a run read, fetched once for
    /// all of them: each `GET /v3/auth/catalog` has Keystone validate the
    /// run's new admin token again (about 0.27 s of its CPU on the lab).
    /// Only probes read it, and they all run before any task can change
    /// the catalog.
    pub probe_catalog: OnceLock<Result<Vec<clients::CatalogService>, TaskError>>,
}

impl Reach {
    pub fn of(settings: &Settings) -> Reach {
        Reach {
            admin: settings.keystone.admin.clone(),
            proxy: settings.proxy.clone(),
            probe_catalog: OnceLock::new(),
        }
    }
}

/// What a runner gets besides its spec: the [`Reach`], a place to narrate,
/// and what the task recorded last time (so a rerun can find what it
/// created).
pub struct TaskContext<'a> {
    pub reach: &'a Reach,
    pub state_dir: &'a Path,
    pub redactor: &'a Redactor,
    pub cancel: &'a AtomicBool,
    pub previous_outputs: Option<&'a TaskOutputs>,
    pub lock: Option<&'a crate::engine::lock::RunLock>,
    /// The task is done with the same inputs and runs only because
    /// `apply --verify` asked: check, and redo only what the check finds
    /// wrong (no restart of a Glance that answers).
    pub recheck: bool,
    /// Where the task's words go, already redacted: call
    /// [`TaskContext::trace`] or [`TaskContext::tell`], which redact.
    pub log: &'a mut dyn FnMut(Said<'_>),
}

/// What a runner says as it works.
#[derive(Debug, Clone, PartialEq)]
pub enum Said<'a> {
    /// What it does or reads, the same in every language: a command line,
    /// an SQL statement, an HTTP request, a config setting, a listing, a
    /// child's output. One line, or several joined by `\n`.
    Trace(&'a str),
    /// A sentence for the person watching, put into their language by the
    /// front end (English in the log).
    Sentence(Message),
}

impl Said<'_> {
    /// As the log has it.
    pub fn english(&self) -> String {
        match self {
            Said::Trace(lines) => lines.to_string(),
            Said::Sentence(sentence) => sentence.english(),
        }
    }
}

impl TaskContext<'_> {
    /// Shows what is done or read (see [`is_trace`]): one line, or several
    /// joined by `\n`. Secrets are masked. A sentence goes through
    /// [`TaskContext::tell`] instead, so that it reaches a Chinese screen in
    /// Chinese.
    pub fn trace(&mut self, line: impl AsRef<str>) {
        let redacted = self.redactor.redact_cow(line.as_ref());
        debug_assert!(
            redacted.split('\n').all(is_trace),
            "a sentence said as a trace: {redacted:?} (use TaskContext::tell)"
        );
        (self.log)(Said::Trace(&redacted));
    }

    /// Says a sentence, in the front end's language. Secrets in its
    /// parameters are masked.
    pub fn tell(&mut self, mut sentence: Message) {
        sentence.map_texts(&|text| self.redactor.redact(text));
        (self.log)(Said::Sentence(sentence));
    }

    /// Passes on text the caller has redacted with [`TaskContext::redactor`]
    /// (a block of a child's output: redacted once, not twice).
    pub fn trace_redacted(&mut self, block: &str) {
        (self.log)(Said::Trace(block));
    }

    pub fn cancelled(&self) -> bool {
        self.cancel.load(Ordering::SeqCst)
    }
}

/// Is this line a trace of what a runner does or reads, with no sentence
/// of ours in it? A command line (`$ `), an SQL statement (`SQL> `), a line
/// fed to the openstack client (`openstack> `), an HTTP request, a config
/// setting (`[section] key = value`) or an indented listing row.
pub fn is_trace(line: &str) -> bool {
    const STARTS: [&str; 10] = [
        "$ ",
        "SQL> ",
        "openstack> ",
        "GET ",
        "PUT ",
        "POST ",
        "PATCH ",
        "DELETE ",
        "[",
        "  ",
    ];
    STARTS.iter().any(|start| line.starts_with(start))
}

/// Checks that what a finished task left is still there; `Some(message)`
/// when it is not, and the task must run again. Only config files are
/// checked: they are what admins edit by hand between runs.
pub fn drift(task: &Task, outputs: Option<&TaskOutputs>) -> Option<Message> {
    match &task.kind {
        TaskKind::Config(spec) => config::drift(spec, outputs),
        _ => None,
    }
}

/// A cheap look at what a finished task set up, made at the start of every
/// run (see [`crate::engine::TaskProbe`]): one login, listing or query per
/// task, nothing changed. `Ok(what was found)` or `Err(what is wrong)`.
pub fn probe(task: &Task, ctx: &mut TaskContext<'_>) -> Result<Message, Message> {
    let reach: &Reach = ctx.reach;
    let keystone = identity::RealKeystone::new(&reach.admin);
    match &task.kind {
        TaskKind::Sql(spec) => sql::probe(spec, &sql::MySql),
        TaskKind::IdentityUser(spec) => identity::probe_user(spec, &keystone),
        TaskKind::IdentityRole(spec) => identity::probe_role(spec, &keystone),
        TaskKind::IdentityService(spec) => {
            let catalog = reach
                .probe_catalog
                .get_or_init(|| clients::Keystone::catalog(&keystone));
            identity::probe_service(spec, ctx, catalog)
        }
        TaskKind::IdentityEndpoints(spec) => {
            let catalog = reach
                .probe_catalog
                .get_or_init(|| clients::Keystone::catalog(&keystone));
            identity::probe_endpoints_task(spec, catalog)
        }
        TaskKind::Packages(spec) => packages::probe(spec, ctx, &packages::System),
        // Its file's hash, compared by `drift` before the probes.
        TaskKind::Config(spec) => Ok(Message::new("run_skip.config").arg("path", &spec.path)),
        TaskKind::DbSync(spec) => sql::probe_schema(&spec.account, &sql::MySql),
        TaskKind::Metadefs(spec) => sql::probe_metadefs(&spec.account, &sql::MySql),
        TaskKind::Services(spec) => service::probe(spec, &service::System),
        TaskKind::Verify(spec) => verify::probe(spec, ctx, &verify::GlanceHttp),
    }
}

/// Runs a task with the real clients.
pub fn run_task(task: &Task, ctx: &mut TaskContext<'_>) -> Result<TaskOutputs, TaskError> {
    let reach: &Reach = ctx.reach;
    let keystone = identity::RealKeystone::new(&reach.admin);
    match &task.kind {
        TaskKind::Sql(spec) => sql::run(spec, ctx, &sql::MySql),
        TaskKind::IdentityUser(spec) => identity::user(spec, ctx, &keystone),
        TaskKind::IdentityRole(spec) => identity::role(spec, ctx, &keystone),
        TaskKind::IdentityService(spec) => identity::service(spec, ctx, &keystone),
        TaskKind::IdentityEndpoints(spec) => identity::endpoints(spec, ctx, &keystone),
        TaskKind::Packages(spec) => packages::run(spec, ctx, &packages::System),
        TaskKind::Config(spec) => config::run(spec, ctx),
        TaskKind::DbSync(spec) => service::db_sync(spec, ctx, &service::System),
        TaskKind::Metadefs(spec) => {
            service::load_metadefs(spec, ctx, &service::System, &sql::MySql)
        }
        TaskKind::Services(spec) => service::restart(spec, ctx, &service::System),
        TaskKind::Verify(spec) => verify::run(
            spec,
            ctx,
            &verify::Verifiers {
                glance: &verify::GlanceHttp,
                database: &sql::MySql,
                keystone: &keystone,
            },
        ),
    }
}

/// How a child reaches the network.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Network {
    /// Through the answers' proxy (package manager, downloads).
    ViaProxy,
    /// Never through a proxy: Keystone, Glance and the database are on the
    /// controller, and a proxy in the way answers 503 or HTML.
    Direct,
}

/// A child's environment: a clean one, so stray OS_* or proxy variables in
/// the admin's shell cannot change what the child does.
fn base_env(ctx: &TaskContext<'_>, network: Network) -> Vec<(String, String)> {
    let mut env = vec![
        (
            "PATH".to_string(),
            std::env::var("PATH").unwrap_or_else(|_| "/usr/sbin:/usr/bin:/sbin:/bin".into()),
        ),
        ("LANG".into(), "C.UTF-8".into()),
        ("LC_ALL".into(), "C.UTF-8".into()),
        (
            "HOME".into(),
            std::env::var("HOME").unwrap_or_else(|_| "/root".into()),
        ),
    ];
    if network == Network::ViaProxy {
        env.extend(ctx.reach.proxy.child_env());
    } else {
        let no_proxy = ctx.reach.proxy.no_proxy.join(",");
        env.push(("no_proxy".into(), no_proxy.clone()));
        env.push(("NO_PROXY".into(), no_proxy));
    }
    env
}

pub struct ChildResult {
    pub code: Option<i32>,
    /// Its output, redacted (the last [`stream::CAPTURE`] bytes of it).
    pub output: stream::Captured,
}

impl ChildResult {
    pub fn success(&self) -> bool {
        self.code == Some(0)
    }

    pub fn lines(&self) -> impl Iterator<Item = &str> {
        self.output.lines()
    }

    /// The output kept, lines joined by `\n`.
    pub fn text(&self) -> &str {
        self.output.text()
    }

    /// The last lines, for an error message.
    pub fn tail(&self, n: usize) -> String {
        self.output.tail(n).to_string()
    }
}

/// How long a child gets to exit after SIGTERM when the user stops the run,
/// before it is killed: enough for a package manager to finish the step it
/// is in, so the next run finds a consistent system.
pub const STOP_GRACE: Duration = Duration::from_secs(10);

/// The error of a task the user stopped.
pub const STOPPED: &str = "stopped by the user";

/// A task the user stopped, as an error (English: [`STOPPED`]).
pub(crate) fn stopped() -> TaskError {
    fatal(Message::new("failure.stopped"))
}

/// What a task observed before its first attempt changed anything, kept
/// in the state directory (`file`, 0600) until its outputs hold it, so a
/// retry or a rerun after a kill does not take that attempt's work for what
/// was there: the kept observation when `accept` takes it, else `observe`'s,
/// kept now. `unkeepable` names the failure to keep it. The task removes the
/// file once its outputs say it.
pub(crate) fn kept_observation<T: serde::Serialize + serde::de::DeserializeOwned>(
    state_dir: &std::path::Path,
    file: &str,
    accept: impl Fn(&T) -> bool,
    observe: impl FnOnce() -> Result<T, TaskError>,
    unkeepable: &'static str,
) -> Result<T, TaskError> {
    let kept = state_dir.join(file);
    if let Ok(text) = crate::util::fs::read_regular(&kept)
        && let Ok(before) = serde_json::from_str::<T>(&text)
        && accept(&before)
    {
        return Ok(before);
    }
    let before = observe()?;
    let text = serde_json::to_string(&before).expect("plain data serialises");
    crate::util::fs::write_atomically(&kept, text.as_bytes(), 0o600, None).map_err(|e| {
        fatal(
            Message::new(unkeepable)
                .arg("path", kept.display())
                .arg("error", e),
        )
    })?;
    Ok(before)
}

/// A failure neither time nor the answers are known to fix.
pub(crate) fn fatal(message: Message) -> TaskError {
    TaskError::new(ErrorClass::Fatal, message)
}

/// Waiting for a child failed: the OS's words.
fn child_error(program: &str, error: impl std::fmt::Display) -> TaskError {
    fatal(
        Message::new("failure.run.child")
            .arg("program", program)
            .arg("error", error),
    )
}

/// How often a runner waiting on a child looks at the cancel flag.
const CANCEL_POLL: Duration = Duration::from_millis(50);

/// Stops a running child when the user cancels: SIGTERM first, SIGKILL
/// once `grace` has passed. `poll` returns true once the child is gone.
struct Stopper {
    grace: Duration,
    term_sent: Option<Instant>,
}

impl Stopper {
    fn new(grace: Duration) -> Self {
        Stopper {
            grace,
            term_sent: None,
        }
    }

    /// Called on every poll while cancelled; `kill` is the hard stop.
    fn step(&mut self, ctx: &mut TaskContext<'_>, pids: &[u32], kill: impl FnOnce()) {
        match self.term_sent {
            None => {
                ctx.tell(Message::new("narration.sigterm_sent"));
                for pid in pids {
                    if let Some(pid) = i32::try_from(*pid).ok().and_then(Pid::from_raw) {
                        let _ = rustix::process::kill_process(pid, Signal::TERM);
                    }
                }
                self.term_sent = Some(Instant::now());
            }
            Some(sent) if sent.elapsed() >= self.grace => {
                ctx.tell(Message::new("narration.killed").arg("seconds", self.grace.as_secs()));
                kill();
                // Only once.
                self.term_sent = Some(Instant::now() + Duration::from_secs(3600));
            }
            Some(_) => {}
        }
    }

    fn stopping(&self) -> bool {
        self.term_sent.is_some()
    }
}

/// Runs a command, streaming its merged stdout and stderr to the task's
/// log (redacted), in blocks of whole lines: the pipe is read in large
/// chunks, so a child printing a million lines costs a few hundred events,
/// not a million. Stdin is /dev/null: no child can grab the terminal the
/// TUI draws on. A cancel stops the child within [`CANCEL_POLL`] (SIGTERM,
/// then SIGKILL after [`STOP_GRACE`]), even when it prints nothing.
pub fn run_streamed(
    ctx: &mut TaskContext<'_>,
    argv: &[String],
    extra_env: &[(String, String)],
    network: Network,
) -> Result<ChildResult, TaskError> {
    stream_child(
        ctx,
        argv,
        extra_env,
        network,
        STOP_GRACE,
        None,
        LockCopy::Withheld,
    )
}

/// [`run_streamed`] for a child that holds the run lock while it runs.
pub fn run_streamed_holding_lock(
    ctx: &mut TaskContext<'_>,
    argv: &[String],
    extra_env: &[(String, String)],
    network: Network,
) -> Result<ChildResult, TaskError> {
    stream_child(
        ctx,
        argv,
        extra_env,
        network,
        STOP_GRACE,
        None,
        LockCopy::Given,
    )
}

/// Whether a child gets a copy of the run lock (see [`crate::engine::lock`]):
/// the `openstack` CLI and `glance-manage` do, so that one a killed run left
/// running keeps the next run waiting; package managers and service
/// scripts, which may start daemons, never do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockCopy {
    Given,
    Withheld,
}

/// Starts one child (`start`), handing it the run lock when `lock` says so
/// and never to any other child ([`crate::util::inherit::start_child`]).
fn start_child<T>(
    ctx: &TaskContext<'_>,
    lock: LockCopy,
    argv0: &str,
    start: impl FnOnce() -> std::io::Result<T>,
) -> Result<T, TaskError> {
    use std::os::fd::AsFd;
    let fd = match lock {
        LockCopy::Given => ctx.lock.map(|l| l.as_fd()),
        LockCopy::Withheld => None,
    };
    crate::util::inherit::start_child(fd, |_| start())
        .and_then(|started| started)
        .map_err(|e| {
            let said = Message::new("failure.cannot_start")
                .arg("program", argv0)
                .arg("error", e);
            TaskError::new(super::ErrorClass::Fatal, said)
        })
}

/// Chunks read ahead of the runner: a bound on memory when the log's
/// consumers are slower than the child (the child then waits on its pipe).
const CHUNKS_AHEAD: usize = 16;

fn stream_child(
    ctx: &mut TaskContext<'_>,
    argv: &[String],
    extra_env: &[(String, String)],
    network: Network,
    grace: Duration,
    input: Option<Vec<u8>>,
    lock: LockCopy,
) -> Result<ChildResult, TaskError> {
    ctx.trace(format!("$ {}", crate::plan::commands::display(argv)));
    let expr = duct::cmd(&argv[0], &argv[1..])
        .full_env(
            base_env(ctx, network)
                .into_iter()
                .chain(extra_env.iter().cloned()),
        )
        .stderr_to_stdout()
        .unchecked();
    // Given input is written by duct from a thread; otherwise /dev/null.
    let expr = match input {
        Some(bytes) => expr.stdin_bytes(bytes),
        None => expr.stdin_null(),
    };
    let reader = Arc::new(start_child(ctx, lock, &argv[0], || expr.reader())?);
    let rx = read_in_thread(Arc::clone(&reader))?;
    let _recorded = record_child(ctx, &reader.pids(), argv);
    let mut stopper = Stopper::new(grace);
    let output = match pump(ctx, &rx, &reader, &mut stopper, &argv[0])? {
        Pumped::Ended(output) => output,
        Pumped::Stopped => return Err(stopped()),
    };
    if stopper.stopping() {
        return Err(stopped());
    }
    let status = reader
        .try_wait()
        .map_err(|e| child_error(&argv[0], e))?
        .map(|out| out.status.code())
        .unwrap_or(None);
    if status != Some(0) {
        ctx.tell(match status {
            Some(code) => Message::new("narration.exit_status").arg("code", code),
            None => Message::new("narration.exit_killed"),
        });
    }
    Ok(ChildResult {
        code: status,
        output,
    })
}

type Chunk = std::io::Result<Vec<u8>>;

/// A blocking read would not see the cancel flag until the child's next
/// output: a thread reads, the runner waits on the channel and the flag.
fn read_in_thread(reader: Arc<duct::ReaderHandle>) -> Result<mpsc::Receiver<Chunk>, TaskError> {
    let (tx, rx) = mpsc::sync_channel::<Chunk>(CHUNKS_AHEAD);
    std::thread::Builder::new()
        .name("child-output".into())
        .spawn(move || {
            // One buffer for every read: a child writing 4 KiB at a time
            // (stdio to a pipe) makes thousands of reads, and a fresh zeroed
            // 64 KiB for each cost more than the copy of what was read.
            let mut buffer = vec![0; stream::CHUNK];
            loop {
                let chunk = match (&*reader).read(&mut buffer) {
                    Ok(0) => break,
                    Ok(n) => Ok(buffer[..n].to_vec()),
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(e) => Err(e),
                };
                let failed = chunk.is_err();
                // A closed channel: the runner stopped listening.
                if tx.send(chunk).is_err() || failed {
                    break;
                }
            }
        })
        .map_err(|e| fatal(Message::new("failure.run.reader_thread").arg("error", e)))?;
    Ok(rx)
}

/// How reading a child's output ended.
enum Pumped {
    /// Its output closed: what was kept of it.
    Ended(stream::Captured),
    /// The user stopped the run and the child is gone.
    Stopped,
}

/// Passes the child's output to the log in blocks of whole lines until it
/// closes, stopping the child when the run is cancelled.
fn pump(
    ctx: &mut TaskContext<'_>,
    rx: &mpsc::Receiver<Chunk>,
    reader: &duct::ReaderHandle,
    stopper: &mut Stopper,
    program: &str,
) -> Result<Pumped, TaskError> {
    let reading = |e: std::io::Error| {
        fatal(
            Message::new("failure.run.reading")
                .arg("program", program)
                .arg("error", e),
        )
    };
    let mut cutter = stream::LineCutter::default();
    let mut output = stream::Captured::default();
    let mut ended = false;
    while !ended {
        match rx.recv_timeout(CANCEL_POLL) {
            Ok(chunk) => {
                cutter.extend(&chunk.map_err(reading)?);
                // Take what else is waiting, up to a block, before cutting:
                // under a flood, few large blocks; a slow child's lines go
                // out as they come.
                while cutter.pending() < stream::BLOCK {
                    match rx.try_recv() {
                        Ok(chunk) => cutter.extend(&chunk.map_err(reading)?),
                        Err(TryRecvError::Empty) => break,
                        Err(TryRecvError::Disconnected) => {
                            ended = true;
                            break;
                        }
                    }
                }
                if let Some(block) = cutter.take(ctx.redactor) {
                    ctx.trace_redacted(&block);
                    output.push(&block);
                }
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => ended = true,
        }
        if ctx.cancelled() {
            stopper.step(ctx, &reader.pids(), || {
                // Already gone, or the kill itself failed: the wait below
                // tells.
                let _ = reader.kill();
            });
            // A grandchild may keep the pipe open after the child is gone:
            // the child's exit is what counts.
            if matches!(reader.try_wait(), Ok(Some(_))) {
                if let Some(block) = cutter.finish(ctx.redactor) {
                    ctx.trace_redacted(&block);
                }
                return Ok(Pumped::Stopped);
            }
        }
    }
    if let Some(block) = cutter.finish(ctx.redactor) {
        ctx.trace_redacted(&block);
        output.push(&block);
    }
    Ok(Pumped::Ended(output))
}

/// Runs a command and returns its stdout; stderr goes to the log. Stopped
/// on cancel like [`run_streamed`].
pub fn run_captured(
    ctx: &mut TaskContext<'_>,
    argv: &[String],
    extra_env: &[(String, String)],
    network: Network,
) -> Result<(Option<i32>, String), TaskError> {
    capture_child(
        ctx,
        argv,
        extra_env,
        network,
        STOP_GRACE,
        LockCopy::Withheld,
    )
}

fn capture_child(
    ctx: &mut TaskContext<'_>,
    argv: &[String],
    extra_env: &[(String, String)],
    network: Network,
    grace: Duration,
    lock: LockCopy,
) -> Result<(Option<i32>, String), TaskError> {
    ctx.trace(format!("$ {}", crate::plan::commands::display(argv)));
    let expr = duct::cmd(&argv[0], &argv[1..])
        .full_env(
            base_env(ctx, network)
                .into_iter()
                .chain(extra_env.iter().cloned()),
        )
        .stdin_null()
        .stdout_capture()
        .stderr_capture()
        .unchecked();
    let handle = start_child(ctx, lock, &argv[0], || expr.start())?;
    let _recorded = record_child(ctx, &handle.pids(), argv);
    let mut stopper = Stopper::new(grace);
    // Short commands (most `openstack` calls) are polled often at first.
    let mut pause = Duration::from_millis(2);
    let output = loop {
        match handle.try_wait() {
            Ok(Some(output)) => break output.clone(),
            Ok(None) => {}
            Err(e) => return Err(child_error(&argv[0], e)),
        }
        if ctx.cancelled() {
            stopper.step(ctx, &handle.pids(), || {
                let _ = handle.kill();
            });
        }
        std::thread::sleep(pause);
        pause = (pause * 2).min(CANCEL_POLL);
    };
    if !output.stderr.is_empty() {
        let block = stream::block_text(&output.stderr, ctx.redactor);
        ctx.trace_redacted(&block);
    }
    if stopper.stopping() {
        return Err(stopped());
    }
    Ok((
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    ))
}

/// Records a child while it runs, so that a run killed meanwhile is
/// followed by one that waits for it (see [`crate::engine::lock`]).
fn record_child(
    ctx: &TaskContext<'_>,
    pids: &[u32],
    argv: &[String],
) -> crate::engine::lock::ChildGuard {
    let command = ctx.redactor.redact(&crate::plan::commands::display(argv));
    crate::engine::lock::record_child(ctx.state_dir, pids, &command)
}

/// The environment of an `openstack` child. The admin token in it joins
/// the secrets the log masks: a token is as good as the password for as
/// long as it lives.
fn openstack_env(ctx: &TaskContext<'_>) -> Vec<(String, String)> {
    let env = identity::admin_cli_env(&ctx.reach.admin);
    mask_env_secrets(ctx.redactor, &env);
    env
}

/// Registers with `redactor` the credentials among a child's variables.
pub fn mask_env_secrets(redactor: &Redactor, env: &[(String, String)]) {
    for (name, value) in env {
        if matches!(name.as_str(), "OS_TOKEN" | "OS_PASSWORD") {
            redactor.add(&crate::util::secret::Secret::new(value.as_str()));
        }
    }
}

/// The `openstack` CLI with the admin credentials in its environment.
pub fn openstack_json(
    ctx: &mut TaskContext<'_>,
    args: Vec<String>,
) -> Result<serde_json::Value, TaskError> {
    let mut argv = vec!["openstack".to_string()];
    argv.extend(args);
    argv.extend(["-f".to_string(), "json".to_string()]);
    let env = openstack_env(ctx);
    let (code, stdout) = capture_child(
        ctx,
        &argv,
        &env,
        Network::Direct,
        STOP_GRACE,
        LockCopy::Given,
    )?;
    let command = crate::plan::commands::display(&argv);
    let fatal = |said| TaskError::new(super::ErrorClass::Fatal, said);
    if code != Some(0) {
        let said = match code {
            Some(c) => Message::new("failure.command_exit").arg("code", c),
            None => Message::new("failure.command_killed"),
        };
        return Err(fatal(said.arg("command", &command)));
    }
    serde_json::from_str(&stdout).map_err(|e| {
        let said = Message::new("failure.command_output")
            .arg("command", &command)
            .arg("error", e);
        fatal(said)
    })
}

/// The `openstack` CLI for commands with no output worth parsing.
pub fn openstack_plain(ctx: &mut TaskContext<'_>, args: Vec<String>) -> Result<(), TaskError> {
    let mut argv = vec!["openstack".to_string()];
    argv.extend(args);
    let env = openstack_env(ctx);
    let result = run_streamed_holding_lock(ctx, &argv, &env, Network::Direct)?;
    if result.success() {
        Ok(())
    } else {
        let said = Message::new("failure.command")
            .arg("command", crate::plan::commands::display(&argv))
            .arg("output", result.tail(3));
        Err(TaskError::new(super::ErrorClass::Fatal, said))
    }
}

/// Runs several `openstack` commands in one `openstack` process, one per
/// line on its standard input (cliff's interactive mode): the CLI's start-up
/// (1.2-1.5 s of CPU, mostly Python imports) is paid once, not per command.
/// The interactive mode exits 0 whatever the commands did, so the caller
/// must check the result with a probe; the output is in the task's log.
/// The commands carry no secret (the credentials are in the environment).
pub fn openstack_batch(
    ctx: &mut TaskContext<'_>,
    commands: &[Vec<String>],
) -> Result<ChildResult, TaskError> {
    let mut input = String::new();
    for args in commands {
        let line = crate::plan::commands::display(args);
        ctx.trace(format!("openstack> {line}"));
        input.push_str(&line);
        input.push('\n');
    }
    let env = openstack_env(ctx);
    stream_child(
        ctx,
        &["openstack".to_string()],
        &env,
        Network::Direct,
        STOP_GRACE,
        Some(input.into_bytes()),
        LockCopy::Given,
    )
}

/// A string field of a JSON object.
pub fn json_str<'v>(value: &'v serde_json::Value, key: &str) -> &'v str {
    value.get(key).and_then(|v| v.as_str()).unwrap_or("")
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::answers::{Answers, SecretName, Secrets};
    use crate::host::target::{InitSystem, profile_for};
    use crate::util::secret::Secret;
    use std::sync::atomic::AtomicBool;

    /// Commands, statements, requests, settings and listings are traces;
    /// a sentence of ours is not (it goes through `tell`, to be translated).
    #[test]
    fn a_trace_is_what_is_done_not_a_sentence() {
        for trace in [
            "$ apt-get install -y glance-api",
            "SQL> CREATE DATABASE IF NOT EXISTS `glance`;",
            "openstack> user list -f json",
            "GET http://controller:9292/v2/images:",
            "PATCH http://controller:5000/v3/users/5c1d {\"user\": {\"name\": \"glance\"}}",
            "[database] connection = mysql+pymysql://glance:****@controller/glance",
            "  5c1d0f  cirros  active",
        ] {
            assert!(is_trace(trace), "{trace}");
        }
        for sentence in [
            "installed glance-api",
            "the schema is at head",
            "(exit status 1)",
        ] {
            assert!(!is_trace(sentence), "{sentence}");
        }
    }

    /// In a debug build (every test, the end-to-end tests' binary) a
    /// sentence said as a trace stops the run: it would reach a Chinese
    /// screen in English.
    #[test]
    #[cfg(debug_assertions)]
    #[should_panic(expected = "a sentence said as a trace")]
    fn a_sentence_said_as_a_trace_is_caught() {
        with_ctx(None, |ctx| ctx.trace("installed glance-api"));
    }

    /// Settings for tests: Debian Zed, fixed passwords, no Keystone.
    pub(crate) fn settings() -> (Settings, crate::host::target::Profile) {
        let answers =
            Answers::from_toml("[keystone]\nos_auth_url = \"http://controller:5000/v3\"\n")
                .unwrap();
        let profile = profile_for("debian", "zed", InitSystem::SysV).unwrap();
        let mut secrets = Secrets::default();
        secrets.set(SecretName::GlanceDbPassword, Secret::new("db-password-1"));
        secrets.set(
            SecretName::GlanceServicePassword,
            Secret::new("svc-password"),
        );
        secrets.set(SecretName::OsPassword, Secret::new("admin-password"));
        let admin = answers.manual_admin_credentials(&secrets).unwrap();
        (answers.resolve(&profile, &secrets, admin).unwrap(), profile)
    }

    /// How many descriptors of process `pid` ("self" for this one) are
    /// open on `file`.
    fn fds_on(pid: &str, file: &Path) -> usize {
        std::fs::read_dir(format!("/proc/{pid}/fd"))
            .unwrap()
            .flatten()
            .filter(|e| std::fs::read_link(e.path()).is_ok_and(|t| t == file))
            .count()
    }

    /// Waits until `n` children are recorded in `state_dir`; their records.
    fn recorded(state_dir: &Path, n: usize) -> Vec<crate::engine::lock::ChildRecord> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let children = crate::engine::lock::orphans(state_dir);
            if children.len() >= n || Instant::now() > deadline {
                return children;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// The service and endpoints probes read one catalog, the run's first:
    /// set here to one Keystone could not give (a service id of its own),
    /// both probes answer from it and no second fetch replaces it.
    #[test]
    fn the_probes_share_one_catalog() {
        let (settings, profile) = settings();
        let plan = crate::plan::build_plan(&settings, &profile);
        let reach = Reach::of(&settings);
        let endpoints = plan
            .tasks
            .iter()
            .find_map(|t| match &t.kind {
                TaskKind::IdentityEndpoints(spec) => Some(spec.clone()),
                _ => None,
            })
            .unwrap();
        let service = clients::CatalogService {
            id: "shared-catalog-id".into(),
            service_type: endpoints.service_type.clone(),
            endpoints: endpoints
                .endpoints
                .iter()
                .map(|e| clients::Endpoint {
                    id: format!("e-{}", e.interface),
                    interface: e.interface.as_str().into(),
                    region: endpoints.region.clone(),
                    url: e.url.clone(),
                })
                .collect(),
        };
        reach.probe_catalog.set(Ok(vec![service])).unwrap();
        let state = tempfile::tempdir().unwrap();
        let (redactor, cancel) = (Redactor::new(), AtomicBool::new(false));
        let mut said = Vec::new();
        for task in plan.tasks.iter().filter(|t| {
            matches!(
                t.kind,
                TaskKind::IdentityService(_) | TaskKind::IdentityEndpoints(_)
            )
        }) {
            let mut log = |_: Said<'_>| {};
            let mut ctx = TaskContext {
                reach: &reach,
                state_dir: state.path(),
                redactor: &redactor,
                cancel: &cancel,
                previous_outputs: None,
                lock: None,
                recheck: false,
                log: &mut log,
            };
            said.push(
                probe(task, &mut ctx)
                    .map(|m| m.english())
                    .map_err(|m| m.english()),
            );
        }
        assert_eq!(
            said,
            [
                Ok("the image service shared-catalog-id is in the catalog".to_string()),
                Ok("the public, internal and admin image endpoints are as answered".to_string()),
            ]
        );
    }

    /// The run lock goes to the child it is meant for, not to a child
    /// another task starts while that one runs (a daemon would hold it for
    /// ever); the wizard keeps no copy of its own once the child started.
    #[test]
    fn the_run_lock_goes_to_its_one_child_only() {
        let (settings, _) = settings();
        let reach = Reach::of(&settings);
        let state = tempfile::tempdir().unwrap();
        let lock = crate::engine::lock::RunLock::acquire(state.path(), Duration::ZERO).unwrap();
        let lock_file = state.path().join("lock");
        let (redactor, cancel) = (Redactor::new(), AtomicBool::new(false));
        let run = |script: &str, copy: LockCopy| {
            let mut log = |_: Said<'_>| {};
            let mut ctx = TaskContext {
                reach: &reach,
                state_dir: state.path(),
                redactor: &redactor,
                cancel: &cancel,
                previous_outputs: None,
                lock: Some(&lock),
                recheck: false,
                log: &mut log,
            };
            stream_child(
                &mut ctx,
                &sh(script),
                &[],
                Network::Direct,
                STOP_GRACE,
                None,
                copy,
            )
            .unwrap()
        };
        std::thread::scope(|s| {
            let holder = s.spawn(|| run("sleep 3; echo holder", LockCopy::Given));
            let first = recorded(state.path(), 1);
            let other = s.spawn(|| run("sleep 3; echo other", LockCopy::Withheld));
            let both = recorded(state.path(), 2);
            assert_eq!((first.len(), both.len()), (1, 2), "{both:?}");
            for child in &both {
                let holds = fds_on(&child.pid.to_string(), &lock_file);
                let meant = child.command.contains("holder");
                assert_eq!(
                    holds,
                    usize::from(meant),
                    "{child:?} holds the lock {holds} times"
                );
            }
            assert_eq!(fds_on("self", &lock_file), 1, "the wizard's own copy only");
            assert!(holder.join().unwrap().success());
            assert!(other.join().unwrap().success());
        });
    }

    /// Runs `f` with a context whose cancel flag is set `cancel_after` in.
    pub(crate) fn with_ctx<T>(
        cancel_after: Option<Duration>,
        f: impl FnOnce(&mut TaskContext<'_>) -> T,
    ) -> (T, Vec<String>) {
        let (settings, _) = settings();
        let reach = Reach::of(&settings);
        let redactor = Redactor::new();
        let cancel = Arc::new(AtomicBool::new(false));
        if let Some(after) = cancel_after {
            let flag = Arc::clone(&cancel);
            std::thread::spawn(move || {
                std::thread::sleep(after);
                flag.store(true, Ordering::SeqCst);
            });
        }
        let mut said = Vec::new();
        let mut log = |line: Said<'_>| said.push(line.english());
        let mut ctx = TaskContext {
            reach: &reach,
            state_dir: Path::new("/nonexistent"),
            redactor: &redactor,
            cancel: &cancel,
            previous_outputs: None,
            lock: None,
            recheck: false,
            log: &mut log,
        };
        let result = f(&mut ctx);
        (result, said)
    }

    fn sh(script: &str) -> Vec<String> {
        vec!["sh".into(), "-c".into(), script.into()]
    }

    #[test]
    fn streamed_lines_and_exit_status() {
        let (result, said) = with_ctx(None, |ctx| {
            run_streamed(
                ctx,
                &sh("echo one; echo two >&2; exit 3"),
                &[],
                Network::Direct,
            )
        });
        let result = result.unwrap();
        assert_eq!(result.code, Some(3));
        assert_eq!(result.lines().collect::<Vec<_>>(), ["one", "two"]);
        assert!(said.iter().any(|l| l == "(exit status 3)"), "{said:?}");
    }

    /// glance-manage and ls colour their lines when asked: the log and the
    /// text the runner inspects (and builds error messages from) get the
    /// words, tabs and line ends, never the terminal's escape sequences.
    #[test]
    fn colour_codes_never_reach_the_log_or_the_capture() {
        let script = r"printf '\033[01;32mok\033[00m\tdone\n\033]0;title\007plain\033(B\n'; \
                       printf 'err \033[31mred\033[0m\n' >&2";
        let (result, said) = with_ctx(None, |ctx| {
            run_streamed(ctx, &sh(script), &[], Network::Direct)
        });
        let result = result.unwrap();
        assert_eq!(
            result.lines().collect::<Vec<_>>(),
            ["ok\tdone", "plain", "err red"]
        );
        assert!(!said.iter().any(|l| l.contains('\x1b')), "{said:?}");
        let (captured, said) = with_ctx(None, |ctx| {
            run_captured(ctx, &sh(script), &[], Network::Direct)
        });
        assert!(captured.unwrap().0 == Some(0));
        assert!(said.iter().any(|l| l == "err red"), "{said:?}");
    }

    /// 200,000 lines come as a few blocks of whole lines, every line intact
    /// and in order; a secret the child prints is masked however the pipe
    /// cut its output.
    #[test]
    fn a_flood_comes_in_blocks_of_whole_lines() {
        let (settings, _) = settings();
        let reach = Reach::of(&settings);
        let redactor = Redactor::new();
        redactor.add(&crate::util::secret::Secret::new("s3cret-Value!"));
        let cancel = AtomicBool::new(false);
        let mut blocks: Vec<String> = Vec::new();
        let mut log = |block: Said<'_>| blocks.push(block.english());
        let mut ctx = TaskContext {
            reach: &reach,
            state_dir: Path::new("/nonexistent"),
            redactor: &redactor,
            cancel: &cancel,
            previous_outputs: None,
            lock: None,
            recheck: false,
            log: &mut log,
        };
        let result = run_streamed(
            &mut ctx,
            &sh("i=0; while [ $i -lt 3 ]; do echo \"pw s3cret-Value! $i\"; i=$((i+1)); done; seq 200000; printf 'no newline s3cret-Value!'"),
            &[],
            Network::Direct,
        )
        .unwrap();
        assert!(result.success());
        let lines: Vec<&str> = blocks[1..].iter().flat_map(|b| b.split('\n')).collect();
        assert_eq!(lines.len(), 3 + 200_000 + 1);
        assert_eq!(lines[0], "pw ******** 0");
        assert!(
            lines[3..200_003]
                .iter()
                .enumerate()
                .all(|(i, l)| *l == (i + 1).to_string())
        );
        assert_eq!(lines[200_003], "no newline ********");
        assert!(blocks.len() < 2000, "{} blocks", blocks.len());
        assert!(!blocks.iter().any(|b| b.contains("s3cret")));
        assert_eq!(result.tail(1), "no newline ********");
    }

    /// The child prints once and then stays silent: a blocking read would
    /// only see the cancel at its next line (30 s later).
    #[test]
    fn cancel_stops_a_silent_streamed_child_promptly() {
        let started = Instant::now();
        let (result, said) = with_ctx(Some(Duration::from_millis(300)), |ctx| {
            run_streamed(
                ctx,
                &sh("echo started; exec sleep 30"),
                &[],
                Network::Direct,
            )
        });
        assert_eq!(result.err().unwrap().message.english(), STOPPED);
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "took {:?}",
            started.elapsed()
        );
        assert!(said.iter().any(|l| l.contains("SIGTERM")), "{said:?}");
    }

    /// A child that ignores SIGTERM is killed once the grace time is over.
    #[test]
    fn cancel_kills_a_child_that_ignores_sigterm() {
        let started = Instant::now();
        let (result, said) = with_ctx(Some(Duration::from_millis(300)), |ctx| {
            stream_child(
                ctx,
                &sh("trap '' TERM; echo ready; while :; do sleep 0.1; done"),
                &[],
                Network::Direct,
                Duration::from_secs(1),
                None,
                LockCopy::Withheld,
            )
        });
        assert_eq!(result.err().unwrap().message.english(), STOPPED);
        let took = started.elapsed();
        assert!(took >= Duration::from_millis(1300), "took {took:?}");
        assert!(took < Duration::from_secs(4), "took {took:?}");
        assert!(said.iter().any(|l| l.contains("killed it")), "{said:?}");
    }

    #[test]
    fn captured_stdout_and_cancel() {
        let ((code, stdout), _) = with_ctx(None, |ctx| {
            run_captured(ctx, &sh("echo out; echo err >&2"), &[], Network::Direct).unwrap()
        });
        assert_eq!((code, stdout.as_str()), (Some(0), "out\n"));

        let started = Instant::now();
        let (result, _) = with_ctx(Some(Duration::from_millis(200)), |ctx| {
            run_captured(ctx, &sh("exec sleep 30"), &[], Network::Direct)
        });
        assert_eq!(result.err().unwrap().message.english(), STOPPED);
        assert!(started.elapsed() < Duration::from_secs(3));
    }
}

/// The admin token an `openstack` child gets is masked in what the
/// child prints, like a password.
#[test]
fn the_admin_token_of_a_child_is_masked() {
    let redactor = Redactor::new();
    let env = vec![
        ("OS_AUTH_TYPE".to_string(), "v3token".to_string()),
        ("OS_TOKEN".to_string(), "gAAAAABn-token-value".to_string()),
    ];
    mask_env_secrets(&redactor, &env);
    assert_eq!(
        redactor.redact("X-Auth-Token: gAAAAABn-token-value v3token"),
        "X-Auth-Token: ******** v3token"
    );
}
