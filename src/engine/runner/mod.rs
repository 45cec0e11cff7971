//! One runner per task kind, plus the child-process helpers they share.

pub mod config;
pub mod identity;
pub mod packages;
pub mod service;
pub mod sql;
pub mod verify;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::answers::Settings;
use crate::plan::{Task, TaskKind};
use crate::secret::Redactor;
use crate::target::Profile;

use super::TaskError;

pub type Outputs = BTreeMap<String, String>;

/// What a runner gets: the settings, a place to narrate, and the ids the
/// task recorded last time (so a rerun can find what it created).
pub struct TaskContext<'a> {
    pub settings: &'a Settings,
    pub profile: &'a Profile,
    pub state_dir: &'a Path,
    pub redactor: &'a Redactor,
    pub cancel: &'a AtomicBool,
    pub previous_outputs: &'a Outputs,
    pub lock: Option<&'a crate::engine::lock::RunLock>,
    pub log: &'a mut dyn FnMut(&str),
}

impl TaskContext<'_> {
    pub fn say(&mut self, line: impl AsRef<str>) {
        (self.log)(line.as_ref());
    }

    pub fn cancelled(&self) -> bool {
        self.cancel.load(Ordering::SeqCst)
    }
}

pub fn run_task(task: &Task, ctx: &mut TaskContext<'_>) -> Result<Outputs, TaskError> {
    match &task.kind {
        TaskKind::Sql(spec) => sql::run(spec, ctx),
        TaskKind::IdentityUser => identity::user(ctx),
        TaskKind::IdentityRole => identity::role(ctx),
        TaskKind::IdentityService => identity::service(ctx),
        TaskKind::IdentityEndpoints => identity::endpoints(ctx),
        TaskKind::Packages { manager, packages } => packages::run(*manager, packages, ctx),
        TaskKind::Config(spec) => config::run(spec, ctx),
        TaskKind::DbSync { check } => service::db_sync(*check, ctx),
        TaskKind::Services(spec) => service::restart(spec, ctx),
        TaskKind::Verify(spec) => verify::run(spec, ctx),
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
        env.extend(ctx.settings.proxy.child_env());
    } else {
        let no_proxy = ctx.settings.proxy.no_proxy.join(",");
        env.push(("no_proxy".into(), no_proxy.clone()));
        env.push(("NO_PROXY".into(), no_proxy));
    }
    env
}

pub struct ChildResult {
    pub code: Option<i32>,
    pub lines: Vec<String>,
}

impl ChildResult {
    pub fn success(&self) -> bool {
        self.code == Some(0)
    }

    /// The last lines, for an error message.
    pub fn tail(&self, n: usize) -> String {
        let start = self.lines.len().saturating_sub(n);
        self.lines[start..].join("\n")
    }
}

/// Runs a command, streaming its merged stdout and stderr line by line to
/// the task's log (redacted). Stdin is /dev/null: no child can grab the
/// terminal the TUI draws on.
pub fn run_streamed(
    ctx: &mut TaskContext<'_>,
    argv: &[String],
    extra_env: &[(String, String)],
    network: Network,
) -> Result<ChildResult, TaskError> {
    ctx.say(format!("$ {}", crate::plan::commands::display(argv)));
    let expr = duct::cmd(&argv[0], &argv[1..])
        .full_env(
            base_env(ctx, network)
                .into_iter()
                .chain(extra_env.iter().cloned()),
        )
        .stdin_null()
        .stderr_to_stdout()
        .unchecked();
    let reader = expr
        .reader()
        .map_err(|e| TaskError::fatal(format!("cannot start {}: {e}", argv[0])))?;
    let mut lines = Vec::new();
    let mut buffered = BufReader::new(&reader);
    let mut raw = Vec::new();
    loop {
        raw.clear();
        match buffered.read_until(b'\n', &mut raw) {
            Ok(0) => break,
            Ok(_) => {
                let line = String::from_utf8_lossy(&raw);
                let line = ctx.redactor.redact(line.trim_end_matches(['\n', '\r']));
                ctx.say(&line);
                lines.push(line);
                if ctx.cancelled() {
                    let _ = reader.kill();
                    return Err(TaskError::fatal("stopped by the user"));
                }
            }
            Err(e) => return Err(TaskError::fatal(format!("reading {}: {e}", argv[0]))),
        }
    }
    let status = reader
        .try_wait()
        .map_err(|e| TaskError::fatal(format!("{}: {e}", argv[0])))?
        .map(|out| out.status.code())
        .unwrap_or(None);
    if status != Some(0) {
        ctx.say(format!(
            "(exit status {})",
            status.map_or("killed".into(), |c| c.to_string())
        ));
    }
    Ok(ChildResult {
        code: status,
        lines,
    })
}

/// Runs a command and returns its stdout; stderr goes to the log.
pub fn run_captured(
    ctx: &mut TaskContext<'_>,
    argv: &[String],
    extra_env: &[(String, String)],
    network: Network,
) -> Result<(Option<i32>, String), TaskError> {
    ctx.say(format!("$ {}", crate::plan::commands::display(argv)));
    let output = duct::cmd(&argv[0], &argv[1..])
        .full_env(
            base_env(ctx, network)
                .into_iter()
                .chain(extra_env.iter().cloned()),
        )
        .stdin_null()
        .stdout_capture()
        .stderr_capture()
        .unchecked()
        .run()
        .map_err(|e| TaskError::fatal(format!("cannot start {}: {e}", argv[0])))?;
    for line in String::from_utf8_lossy(&output.stderr).lines() {
        let line = ctx.redactor.redact(line);
        ctx.say(line);
    }
    Ok((
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    ))
}

/// Lets the next child inherit the run lock (see [`crate::engine::lock`]).
fn share_lock(ctx: &TaskContext<'_>) -> Result<Option<std::os::fd::OwnedFd>, TaskError> {
    ctx.lock
        .map(|l| l.inheritable())
        .transpose()
        .map_err(|e| TaskError::fatal(format!("cannot share the run lock: {e}")))
}

/// The `openstack` CLI with the admin credentials in its environment.
pub fn openstack_json(
    ctx: &mut TaskContext<'_>,
    args: Vec<String>,
) -> Result<serde_json::Value, TaskError> {
    let mut argv = vec!["openstack".to_string()];
    argv.extend(args);
    argv.extend(["-f".to_string(), "json".to_string()]);
    let env = ctx.settings.keystone.admin.child_env();
    let _shared_lock = share_lock(ctx)?;
    let (code, stdout) = run_captured(ctx, &argv, &env, Network::Direct)?;
    if code != Some(0) {
        return Err(TaskError::fatal(format!(
            "`{}` failed (exit {}): see the log above",
            crate::plan::commands::display(&argv),
            code.map_or("killed".into(), |c| c.to_string())
        )));
    }
    serde_json::from_str(&stdout).map_err(|e| {
        TaskError::fatal(format!(
            "unexpected output from `{}` ({e})",
            crate::plan::commands::display(&argv)
        ))
    })
}

/// The `openstack` CLI for commands with no output worth parsing.
pub fn openstack_plain(ctx: &mut TaskContext<'_>, args: Vec<String>) -> Result<(), TaskError> {
    let mut argv = vec!["openstack".to_string()];
    argv.extend(args);
    let env = ctx.settings.keystone.admin.child_env();
    let _shared_lock = share_lock(ctx)?;
    let result = run_streamed(ctx, &argv, &env, Network::Direct)?;
    if result.success() {
        Ok(())
    } else {
        Err(TaskError::fatal(format!(
            "`{}` failed: {}",
            crate::plan::commands::display(&argv),
            result.tail(3)
        )))
    }
}

/// A string field of a JSON object.
pub fn json_str<'v>(value: &'v serde_json::Value, key: &str) -> &'v str {
    value.get(key).and_then(|v| v.as_str()).unwrap_or("")
}
