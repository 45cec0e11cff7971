//! The `openstack` CLI, with the admin's token in its environment.

use super::child::{ChildResult, LockCopy, Network, STOP_GRACE, capture_child, stream_child};
use super::{TaskContext, identity, run_streamed_holding_lock};
use crate::engine::TaskError;
use crate::i18n::Message;
use crate::util::secret::Redactor;

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
