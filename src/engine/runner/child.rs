//! Child processes: started with a clean environment, streamed or captured
//! to the task's log, stopped when the user cancels.

use std::io::Read;
use std::sync::Arc;
use std::sync::mpsc::{self, RecvTimeoutError, TryRecvError};
use std::time::{Duration, Instant};

use rustix::process::{Pid, Signal};

use super::{TaskContext, fatal, stream};
use crate::engine::TaskError;
use crate::i18n::Message;

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

pub(super) fn stream_child(
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
                ended = take_waiting(rx, &mut cutter, reading)?;
                if let Some(block) = cutter.take(ctx.redactor) {
                    ctx.trace_redacted(&block);
                    output.push(&block);
                }
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => ended = true,
        }
        if ctx.cancelled() && stopped_child(ctx, reader, stopper) {
            if let Some(block) = cutter.finish(ctx.redactor) {
                ctx.trace_redacted(&block);
            }
            return Ok(Pumped::Stopped);
        }
    }
    if let Some(block) = cutter.finish(ctx.redactor) {
        ctx.trace_redacted(&block);
        output.push(&block);
    }
    Ok(Pumped::Ended(output))
}

/// Takes what else is waiting, up to a block, before cutting: under a
/// flood, few large blocks; a slow child's lines go out as they come.
/// True once the output has closed.
fn take_waiting(
    rx: &mpsc::Receiver<Chunk>,
    cutter: &mut stream::LineCutter,
    reading: impl Fn(std::io::Error) -> TaskError,
) -> Result<bool, TaskError> {
    while cutter.pending() < stream::BLOCK {
        match rx.try_recv() {
            Ok(chunk) => cutter.extend(&chunk.map_err(&reading)?),
            Err(TryRecvError::Empty) => break,
            Err(TryRecvError::Disconnected) => return Ok(true),
        }
    }
    Ok(false)
}

/// Stops the child of a cancelled run (a step of [`Stopper`]); true once
/// it is gone.
fn stopped_child(
    ctx: &mut TaskContext<'_>,
    reader: &duct::ReaderHandle,
    stopper: &mut Stopper,
) -> bool {
    stopper.step(ctx, &reader.pids(), || {
        // Already gone, or the kill itself failed: the wait below
        // tells.
        let _ = reader.kill();
    });
    // A grandchild may keep the pipe open after the child is gone:
    // the child's exit is what counts.
    matches!(reader.try_wait(), Ok(Some(_)))
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

pub(super) fn capture_child(
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
